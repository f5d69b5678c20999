//! Report operations shared by the API and the inbox: assign to an organisation, set the status.
//! Each change audited in its transaction; another organisation's report does not exist for the
//! caller; unassigned reports are the installation administrators'.
use super::model::ReportStatus;
use super::store::{self, ReportRow};
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::{now, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult};
use crate::signals::mail::{Links, NewReportSignal};

pub fn staff_may_see(staff: &Staff, row: &ReportRow) -> bool {
    match &row.organisation_id {
        Some(org) => staff.can_handle(org),
        None => staff.is_admin,
    }
}

/// The organisation (by slug) a report may be assigned to by this person: one they work for, or
/// any for an installation administrator. `None`: unknown or not theirs.
pub fn assignable_org(dir: &[(String, String)], staff: &Staff, slug: &str) -> Option<String> {
    dir.iter()
        .find(|(s, _)| s == slug)
        .map(|(_, id)| id.clone())
        .filter(|id| staff.is_admin || staff.can_handle(id))
}

pub const STATUSES: [&str; 3] = ["received", "in_review", "closed"];

/// Assign (`target_org`: an organisation id the caller may act for, checked by the caller) and/or
/// set the status of one report, inside the caller's transaction. With `signal`, a report that
/// gets its first organisation is told to that organisation's handlers (`signals`), as a new
/// report is.
pub fn update_in(
    c: &mut DbConn,
    staff: &Staff,
    reference: &str,
    target_org: Option<&str>,
    status: Option<&str>,
    signal: Option<&Links>,
) -> DomainResult<ReportRow> {
    if let Some(s) = status {
        if !STATUSES.contains(&s) {
            return Err(DomainError::field(
                "status",
                "one of: received, in_review, closed",
                "Maak een keuze uit de lijst",
            ));
        }
    }
    let mut row = store::by_reference(c, reference)?.ok_or(DomainError::NotFound)?;
    if !staff_may_see(staff, &row) {
        return Err(DomainError::NotFound);
    }
    let before = serde_json::json!({"organisation_id": row.organisation_id, "status": row.status});
    let first_org = row.organisation_id.is_none() && target_org.is_some();
    if let Some(org) = target_org {
        if row.organisation_id.is_some()
            && row.organisation_id.as_deref() != Some(org)
            && !staff.is_admin
        {
            return Err(DomainError::field(
                "organisation",
                "the report already belongs to an organisation",
                "De melding hoort al bij een organisatie",
            ));
        }
        row.organisation_id = Some(org.to_string());
    }
    if let Some(s) = status {
        if row.status == ReportStatus::Linked {
            return Err(DomainError::Conflict(
                "the report is linked to an incident; its status follows the incident".into(),
            ));
        }
        // One of `STATUSES`, checked above.
        row.status = ReportStatus::parse(s).ok_or_else(|| {
            DomainError::field(
                "status",
                "one of: received, in_review, closed",
                "Maak een keuze uit de lijst",
            )
        })?;
    }
    let t = now();
    row.updated_at = to_db(t);
    store::update(c, &row)?;
    let after = serde_json::json!({"organisation_id": row.organisation_id, "status": row.status});
    audit::store::append(
        c,
        &[Entry {
            actor: staff.actor(),
            action: Action::ReportUpdated,
            entity_type: "report",
            entity_id: row.id.clone(),
            organisation_id: row.organisation_id.clone(),
            before: Some(before),
            after: Some(after),
        }],
        t,
    )?;
    if let (true, Some(links)) = (first_org, signal) {
        crate::signals::mail::new_reports(
            c,
            &[NewReportSignal {
                report_id: row.id.clone(),
                reference: row.reference.clone(),
                channel: row.channel.clone(),
                organisation_id: row.organisation_id.clone(),
                // The one who assigned it knows of it.
                created_by: Some(staff.id.clone()),
            }],
            links,
            t,
        )?;
    }
    Ok(row)
}

/// The same for several reports at once: all or none.
pub fn update_many(
    c: &mut DbConn,
    staff: &Staff,
    references: &[String],
    target_org: Option<&str>,
    status: Option<&str>,
    signal: Option<&Links>,
) -> DomainResult<Vec<ReportRow>> {
    if references.is_empty() || references.len() > 1000 {
        return Err(DomainError::field(
            "reports",
            "give 1 to 1000 report references",
            "Kies een of meer meldingen",
        ));
    }
    write_tx(c, |c| {
        references
            .iter()
            .map(|r| update_in(c, staff, r, target_org, status, signal))
            .collect()
    })
}

/// Assign and/or set the status of one report ([`update_in`]) in a transaction of its own.
pub fn update(
    c: &mut DbConn,
    staff: &Staff,
    reference: &str,
    target_org: Option<&str>,
    status: Option<&str>,
    signal: Option<&Links>,
) -> DomainResult<ReportRow> {
    write_tx(c, |c| {
        update_in(c, staff, reference, target_org, status, signal)
    })
}

/// What a reporter adds afterwards (the follow-up page): a message and/or a checked file, with
/// its audit record (the citizen's) in one transaction.
pub fn add_from_reporter(
    c: &mut DbConn,
    report_id: &str,
    organisation_id: Option<&str>,
    text: &str,
    file: Option<&crate::attachments::NewAttachment>,
) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        let mut after = serde_json::json!({});
        if !text.is_empty() {
            let id = crate::attachments::add_message(c, report_id, "reporter", text)?;
            after["message_id"] = serde_json::json!(id);
        }
        if let Some(a) = file {
            let id = crate::attachments::insert(c, report_id, a)?;
            after["attachment_id"] = serde_json::json!(id);
        }
        audit::store::append(
            c,
            &[Entry {
                actor: crate::audit::Actor::Citizen,
                action: Action::ReportReporterAdded,
                entity_type: "report",
                entity_id: report_id.to_string(),
                organisation_id: organisation_id.map(String::from),
                before: None,
                after: Some(after),
            }],
            now(),
        )?;
        Ok(())
    })
}
