//! Measures: add, change, list — each change audited in its transaction. Only people who may
//! handle the incident's organisation see or change its measures; the owner must belong to it.
use crate::audit::Action;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules::{self, MeasureDraft, MeasureStatus};
use super::store::{self, MeasureRow};
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::schema::memberships;
use crate::db::Cached;
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult};
use crate::incidents::access::visible;

/// Today in the Netherlands (due dates are calendar dates there).
pub fn today_nl(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    pub description: String,
    /// Calendar date, `YYYY-MM-DD`.
    pub due_on: NaiveDate,
    /// A user id of someone in the incident's organisation.
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub status: Option<MeasureStatus>,
    #[serde(default)]
    pub evidence: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurePatch {
    /// The version the change was made against (optimistic locking).
    pub version: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Empty string: no owner.
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub status: Option<MeasureStatus>,
    #[serde(default)]
    pub evidence: Option<String>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct MeasureView {
    pub id: String,
    pub incident_id: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub due_on: NaiveDate,
    pub status: String,
    pub status_label: String,
    pub evidence: Option<String>,
    pub overdue: bool,
    pub reminder_sent_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

pub fn view(c: &mut DbConn, m: MeasureRow, today: NaiveDate) -> DomainResult<MeasureView> {
    let status = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Open);
    let owner_name = match &m.owner_id {
        Some(o) => store::user_contact(c, o)?.map(|u| u.1),
        None => None,
    };
    Ok(MeasureView {
        overdue: rules::is_overdue(status, m.due_on, today),
        status_label: status.label_nl().into(),
        id: m.id,
        incident_id: m.incident_id,
        description: m.description,
        owner_id: m.owner_id,
        owner_name,
        due_on: m.due_on,
        status: m.status,
        evidence: m.evidence,
        reminder_sent_at: m.reminder_sent_at.map(from_db),
        completed_at: m.completed_at.map(from_db),
        version: m.version,
    })
}

fn check_owner(c: &mut DbConn, org_id: &str, owner: &Option<String>) -> DomainResult<()> {
    if let Some(o) = owner {
        let n: i64 = memberships::table
            .filter(memberships::user_id.eq(o))
            .filter(memberships::organisation_id.eq(org_id))
            .count()
            .get_result_on(c)?;
        if n == 0 {
            return Err(DomainError::field(
                "owner_id",
                "the owner must be a member of the incident's organisation",
                "De eigenaar moet lid zijn van de organisatie van het incident",
            ));
        }
    }
    Ok(())
}

fn snapshot(m: &MeasureRow) -> serde_json::Value {
    serde_json::json!({
        "description": m.description, "owner_id": m.owner_id, "due_on": m.due_on,
        "status": m.status, "evidence": m.evidence,
    })
}

pub fn list(c: &mut DbConn, staff: &Staff, incident_id: &str) -> DomainResult<Vec<MeasureView>> {
    visible(c, staff, incident_id, false)?;
    let today = today_nl(now());
    store::for_incident(c, incident_id)?
        .into_iter()
        .map(|m| view(c, m, today))
        .collect()
}

pub fn create(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    input: MeasureInput,
) -> DomainResult<MeasureView> {
    let t = now();
    let today = today_nl(t);
    let status = input.status.unwrap_or(MeasureStatus::Open);
    let evidence = input
        .evidence
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    rules::validate(
        &MeasureDraft {
            description: input.description.clone(),
            due_on: input.due_on,
            status,
            evidence: evidence.clone(),
        },
        today,
    )
    .map_err(DomainError::from)?;
    let owner = input.owner_id.filter(|o| !o.trim().is_empty());
    write_tx(c, |c| -> DomainResult<MeasureView> {
        let inc = visible(c, staff, incident_id, true)?;
        check_owner(c, &inc.organisation_id, &owner)?;
        let row = MeasureRow {
            id: new_id(),
            incident_id: inc.id.clone(),
            organisation_id: inc.organisation_id.clone(),
            description: input.description.trim().to_string(),
            owner_id: owner.clone(),
            due_on: input.due_on,
            status: status.as_str().into(),
            evidence,
            reminder_sent_at: None,
            completed_at: (!status.is_open()).then(|| to_db(t)),
            created_by: staff.id.clone(),
            created_at: to_db(t),
            updated_at: to_db(t),
            version: 1,
        };
        store::insert(c, &row)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::MeasureCreated,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({"measure_id": row.id, "measure": snapshot(&row)})),
            }],
            t,
        )?;
        view(c, row, today)
    })
}

pub fn update(
    c: &mut DbConn,
    staff: &Staff,
    measure_id: &str,
    patch: MeasurePatch,
) -> DomainResult<MeasureView> {
    let t = now();
    let today = today_nl(t);
    write_tx(c, |c| -> DomainResult<MeasureView> {
        let mut m = store::by_id(c, measure_id)?.ok_or(DomainError::NotFound)?;
        // The incident decides who may see the measure (another organisation's: 404).
        let inc = visible(c, staff, &m.incident_id, true)?;
        if m.version != patch.version {
            return Err(DomainError::Conflict(format!(
                "the measure was changed by someone else (version {} now, {} given); reload and try again",
                m.version, patch.version
            )));
        }
        let before = snapshot(&m);
        let old_status = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Open);
        if let Some(d) = &patch.description {
            m.description = d.trim().to_string();
        }
        if let Some(d) = patch.due_on {
            if d != m.due_on {
                // A new due date gets its own reminder when it passes.
                m.reminder_sent_at = None;
            }
            m.due_on = d;
        }
        if let Some(o) = &patch.owner_id {
            let o = o.trim();
            m.owner_id = (!o.is_empty()).then(|| o.to_string());
            check_owner(c, &inc.organisation_id, &m.owner_id)?;
        }
        let status = patch.status.unwrap_or(old_status);
        m.status = status.as_str().into();
        if let Some(e) = &patch.evidence {
            let e = e.trim();
            m.evidence = (!e.is_empty()).then(|| e.to_string());
        }
        rules::validate(
            &MeasureDraft {
                description: m.description.clone(),
                due_on: m.due_on,
                status,
                evidence: m.evidence.clone(),
            },
            today,
        )
        .map_err(DomainError::from)?;
        m.completed_at = if status.is_open() {
            None
        } else {
            m.completed_at.or(Some(to_db(t)))
        };
        m.version += 1;
        m.updated_at = to_db(t);
        store::save(c, &m)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::MeasureChanged,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(serde_json::json!({"measure_id": m.id, "measure": before})),
                after: Some(serde_json::json!({"measure_id": m.id, "measure": snapshot(&m)})),
            }],
            t,
        )?;
        view(c, m, today)
    })
}
