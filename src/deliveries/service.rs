//! The deliveries to inform on an incident: listed, told, removed. Whoever may handle the incident
//! may do each; each change is one transaction with its audit record on the incident (so the
//! incident's audit trail shows it).
use crate::audit::Action;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{self, DeliveryInput, DeliveryState, ToldInput};
use super::store::{self, DeliveryRow};
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::{ApiError, DomainError, DomainResult, FieldError};
use crate::incidents::access::visible;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityRef {
    pub id: String,
    pub name: String,
}

/// An organisation to inform under a delivery agreement's breach clause.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub recipient: String,
    pub activity: Option<ActivityRef>,
    pub agreement: String,
    /// The breach clause's hours, when the due moment was counted from them.
    pub clause_hours: Option<i32>,
    pub due_at: DateTime<Utc>,
    pub told_at: Option<DateTime<Utc>>,
    pub told_how: Option<String>,
    pub state: DeliveryState,
    pub created_at: DateTime<Utc>,
}

fn view(
    c: &mut DbConn,
    org_id: &str,
    r: DeliveryRow,
    t: DateTime<Utc>,
) -> DomainResult<DeliveryView> {
    let activity = match &r.activity_id {
        Some(id) => store::activity_name(c, org_id, id)?.map(|name| ActivityRef {
            id: id.clone(),
            name,
        }),
        None => None,
    };
    Ok(DeliveryView {
        state: model::state(from_db(r.due_at), r.told_at.map(from_db), t),
        id: r.id,
        recipient: r.recipient,
        activity,
        agreement: r.agreement,
        clause_hours: r.clause_hours,
        due_at: from_db(r.due_at),
        told_at: r.told_at.map(from_db),
        told_how: r.told_how,
        created_at: from_db(r.created_at),
    })
}

/// The incident's entries, by due moment; 404 for an incident the person may not handle.
pub fn list(c: &mut DbConn, staff: &Staff, incident_id: &str) -> DomainResult<Vec<DeliveryView>> {
    let inc = visible(c, staff, incident_id, false)?;
    let t = now();
    store::for_incident(c, &inc.id)?
        .into_iter()
        .map(|r| view(c, &inc.organisation_id, r, t))
        .collect()
}

fn json_of(r: &DeliveryRow) -> serde_json::Value {
    serde_json::json!({
        "delivery": r.id,
        "recipient": r.recipient,
        "activity_id": r.activity_id,
        "agreement": r.agreement,
        "clause_hours": r.clause_hours,
        "due_at": from_db(r.due_at),
        "told_at": r.told_at.map(from_db),
        "told_how": r.told_how,
    })
}

/// List an organisation to inform, audited on the incident.
pub fn add(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    input: &DeliveryInput,
) -> DomainResult<DeliveryView> {
    write_tx(c, |c| -> DomainResult<DeliveryView> {
        let inc = visible(c, staff, incident_id, true)?;
        let start = inc.facts().clock_start();
        let mut errs = input.validate(start).err().unwrap_or_default();
        if let Some(a) = input
            .activity
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            if store::activity_name(c, &inc.organisation_id, a)?.is_none() {
                errs.push(FieldError::bilingual(
                    "activity",
                    "not a processing activity of the incident's organisation",
                    "Deze verwerking staat niet in het verwerkingsregister van de organisatie.",
                ));
            }
        }
        let d = match input.validate(start) {
            Ok(d) if errs.is_empty() => d,
            _ => return Err(ApiError::Validation(errs).into()),
        };
        let t = now();
        let row = DeliveryRow {
            id: new_id(),
            incident_id: inc.id.clone(),
            recipient: d.recipient,
            activity_id: d.activity,
            agreement: d.agreement,
            clause_hours: d.clause_hours,
            due_at: to_db(d.due_at),
            told_at: None,
            told_how: None,
            told_by: None,
            created_by: staff.id.clone(),
            created_at: to_db(t),
        };
        store::insert(c, &row)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentDeliveryListed,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                after: Some(json_of(&row)),
            }],
            t,
        )?;
        view(c, &inc.organisation_id, row, t)
    })
}

/// Record when and how the organisation was told, once (409 when told already), audited.
pub fn told(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    delivery_id: &str,
    input: &ToldInput,
) -> DomainResult<DeliveryView> {
    write_tx(c, |c| -> DomainResult<DeliveryView> {
        let inc = visible(c, staff, incident_id, true)?;
        let row = store::by_id(c, &inc.id, delivery_id)?.ok_or(DomainError::NotFound)?;
        let t = now();
        let (at, how) = input.validate(t).map_err(ApiError::Validation)?;
        if !store::mark_told(c, &row.id, to_db(at), &how, &staff.id)? {
            return Err(DomainError::refused(
                "delivery_told",
                "this organisation was recorded as told already",
            ));
        }
        let after = store::by_id(c, &inc.id, &row.id)?.ok_or(DomainError::NotFound)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentDeliveryTold,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(json_of(&row)),
                after: Some(json_of(&after)),
            }],
            t,
        )?;
        view(c, &inc.organisation_id, after, t)
    })
}

/// Take an entry off the list (one listed by mistake); not once it was told (409). Audited.
pub fn remove(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    delivery_id: &str,
) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        let inc = visible(c, staff, incident_id, true)?;
        let row = store::by_id(c, &inc.id, delivery_id)?.ok_or(DomainError::NotFound)?;
        if row.told_at.is_some() {
            return Err(DomainError::refused(
                "delivery_told",
                "this organisation was told already; the record stays",
            ));
        }
        store::delete(c, &row.id)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentDeliveryRemoved,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(json_of(&row)),
                after: None,
            }],
            now(),
        )?;
        Ok(())
    })
}
