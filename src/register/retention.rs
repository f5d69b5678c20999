//! Retention. The register entry (the incident with its facts, decision and measures) is kept for
//! its period after closing (default five years), while the evidence — attachments, the reporters'
//! contact details, free text that may hold personal data — is purged or pseudonymised sooner
//! (default: closing plus 90 days). A daily job does both and audits what it removed; what stays
//! is enough for Art. 33(5): facts, effects, decision with reasons, measures.
//!
//! The rules ([`evidence_due`], [`register_expired`]) are pure; [`run`] applies them. Several
//! instances may run the job: [`claim_day`] lets only the first start a given day's run, and every
//! change is in a write transaction per incident, so a second run finds nothing left to do.
use crate::audit::Action;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::service::policy_of;
use crate::assessment::detect;
use crate::audit::{self, Actor, Entry};
use crate::db::schema::{
    attachments, incident_notes, incidents, job_runs, mail_messages, notice_recipients, outbox,
    report_messages, reports,
};
use crate::db::Cached;
use crate::db::{from_db, to_db, write_tx, DbConn};
use crate::incidents::store::IncidentRow;

/// The evidence of an incident closed at `closed_at` is due for purging at `now`.
pub fn evidence_due(closed_at: DateTime<Utc>, grace_days: i32, now: DateTime<Utc>) -> bool {
    now >= closed_at + Duration::days(grace_days as i64)
}

/// The register entry of an incident closed at `closed_at` has outlived its period at `now`
/// (whole calendar years after closing; 29 February counts from 1 March in common years).
pub fn register_expired(closed_at: DateTime<Utc>, years: i32, now: DateTime<Utc>) -> bool {
    let d = closed_at.date_naive();
    let y = d.year() + years;
    let end = NaiveDate::from_ymd_opt(y, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 3, 1))
        .expect("valid date");
    now.date_naive() >= end
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub incidents_purged: usize,
    /// Closed reports that never became part of an incident, purged the same way.
    pub unlinked_reports_purged: usize,
    pub reports_pseudonymised: usize,
    pub attachments_deleted: usize,
    pub register_entries_deleted: usize,
}

/// Take `day`'s run of `job` for this instance; false when another instance has it already.
pub fn claim_day(
    c: &mut DbConn,
    job: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    // A claim another instance holds already inserts nothing (no error, none in PostgreSQL's log).
    let row = (
        job_runs::job.eq(job),
        job_runs::day.eq(day),
        job_runs::started_at.eq(to_db(now)),
    );
    let n = diesel::insert_into(job_runs::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute_on(c)?;
    Ok(n == 1)
}

pub fn finish_day(
    c: &mut DbConn,
    job: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
    summary: &Summary,
) -> QueryResult<()> {
    diesel::update(job_runs::table.find((job, day)))
        .set((
            job_runs::finished_at.eq(Some(to_db(now))),
            job_runs::summary.eq(Some(serde_json::to_string(summary).unwrap_or_default())),
        ))
        .execute_on(c)
        .map(|_| ())
}

/// Raw mail that came with these reports or this incident: the bytes and the sender go, the
/// subject is masked; the row stays (Message-ID, hash, outcome) so threading and duplicates still
/// work. Returns how many messages were purged.
fn purge_mail(
    c: &mut DbConn,
    report_ids: &[String],
    incident_id: Option<&str>,
) -> QueryResult<usize> {
    let rows: Vec<(String, Option<String>)> = crate::db_run!(c, |c| {
        let mut q = mail_messages::table
            .filter(mail_messages::report_id.eq_any(report_ids))
            .into_boxed();
        if let Some(i) = incident_id {
            q = q.or_filter(mail_messages::incident_id.eq(i));
        }
        q.select((mail_messages::id, mail_messages::subject))
            .load(c)?
    });
    for (id, subject) in &rows {
        diesel::update(mail_messages::table.find(id))
            .set((
                mail_messages::raw.eq(Vec::<u8>::new()),
                mail_messages::from_addr.eq(None::<String>),
                mail_messages::subject.eq(subject.as_deref().map(detect::mask)),
                mail_messages::details_json.eq("{}"),
            ))
            .execute_on(c)?;
    }
    Ok(rows.len())
}

/// The outbox's copies of the e-mails to these reports' reporters — the acknowledgement and the
/// answers (their address, our text, an answer's text) — once done with (sent or failed): the
/// address and the text go; kind, status, Message-ID, times and the server's answer stay. Returns
/// how many were stripped.
fn strip_acknowledgements(c: &mut DbConn, report_ids: &[String]) -> QueryResult<usize> {
    let ids = reporter_copies(c, report_ids)?;
    strip_outbox_copies(c, &ids)
}

/// The outbox rows of e-mails to these reports' reporters that still hold an address and are done
/// with: the acknowledgements (`reports::store::ack_key`) and the answers (`reports::reply::key`).
fn reporter_copies(c: &mut DbConn, report_ids: &[String]) -> QueryResult<Vec<String>> {
    if report_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut keys: Vec<String> = report_ids
        .iter()
        .map(|id| crate::reports::store::ack_key(id))
        .collect();
    // An answer's key names its message (exact keys: the unique index on the key finds them).
    let answers: Vec<(String, String)> = report_messages::table
        .filter(report_messages::report_id.eq_any(report_ids))
        .filter(report_messages::author.eq("staff"))
        .select((report_messages::report_id, report_messages::id))
        .load_on(c)?;
    keys.extend(
        answers
            .iter()
            .map(|(r, m)| crate::reports::reply::key(r, m)),
    );
    let mut ids = vec![];
    for chunk in keys.chunks(1000) {
        let found: Vec<String> = outbox::table
            .filter(outbox::dedupe_key.eq_any(chunk))
            .filter(outbox::status.eq_any([
                crate::outbox::OutboxStatus::Sent,
                crate::outbox::OutboxStatus::Failed,
            ]))
            .filter(outbox::to_addr.ne(""))
            .select(outbox::id)
            .load_on(c)?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Outbox rows done with lose the address, the text and the ids they answered; kind, status,
/// Message-ID, times and the server's answer stay.
fn strip_outbox_copies(c: &mut DbConn, ids: &[String]) -> QueryResult<usize> {
    let mut n = 0;
    // In chunks: a campaign has 100,000 rows, SQLite binds at most 32,766 parameters.
    for chunk in ids.chunks(1000) {
        n += diesel::update(outbox::table.filter(outbox::id.eq_any(chunk)))
            .set((
                outbox::to_addr.eq(""),
                outbox::subject.eq(""),
                outbox::body_text.eq(""),
                outbox::body_html.eq(None::<String>),
                outbox::last_error.eq(None::<String>),
                // The reporter's Message-IDs may name them (`<jan.jansen.123@…>`).
                outbox::in_reply_to.eq(None::<String>),
                outbox::reference_ids.eq(None::<String>),
            ))
            .execute_on(c)?;
    }
    Ok(n)
}

fn purge_evidence(
    c: &mut DbConn,
    inc: &IncidentRow,
    now: DateTime<Utc>,
    sum: &mut Summary,
) -> anyhow::Result<()> {
    write_tx(c, |c| -> anyhow::Result<()> {
        // Re-read under the lock: another instance may have done it meanwhile.
        let Some(mut row) = crate::incidents::store::by_id_for_update(c, &inc.id)? else {
            return Ok(());
        };
        if row.evidence_purged_at.is_some() || row.closed_at.is_none() {
            return Ok(());
        }
        let reps = crate::reports::store::for_incident(c, &row.id)?;
        let rep_ids: Vec<String> = reps.iter().map(|r| r.id.clone()).collect();
        let removed: Vec<(String, String, i64)> = attachments::table
            .filter(attachments::report_id.eq_any(&rep_ids))
            .select((
                attachments::id,
                attachments::sha256,
                attachments::size_bytes,
            ))
            .load_on(c)?;
        diesel::delete(attachments::table.filter(attachments::report_id.eq_any(&rep_ids)))
            .execute_on(c)?;
        for r in &reps {
            diesel::update(reports::table.find(&r.id))
                .set((
                    reports::description.eq(detect::mask(&r.description)),
                    reports::action_taken.eq(r.action_taken.as_deref().map(detect::mask)),
                    reports::contact_name.eq(None::<String>),
                    reports::contact_email.eq(None::<String>),
                    reports::contact_phone.eq(None::<String>),
                    reports::may_contact.eq(false),
                    reports::updated_at.eq(to_db(now)),
                ))
                .execute_on(c)?;
            let msgs: Vec<(String, String)> = report_messages::table
                .filter(report_messages::report_id.eq(&r.id))
                .select((report_messages::id, report_messages::body))
                .load_on(c)?;
            for (id, body) in msgs {
                diesel::update(report_messages::table.find(id))
                    .set(report_messages::body.eq(detect::mask(&body)))
                    .execute_on(c)?;
            }
        }
        let mails = purge_mail(c, &rep_ids, Some(&row.id))?;
        let acks = strip_acknowledgements(c, &rep_ids)?;
        // The people told of the breach (issue 5): who they were goes, how many stays; the
        // de-duplication key becomes its hash, so a later import still finds the duplicates.
        let people: Vec<(String, String)> = notice_recipients::table
            .filter(notice_recipients::incident_id.eq(&row.id))
            .filter(
                notice_recipients::email
                    .is_not_null()
                    .or(notice_recipients::postal_address.is_not_null())
                    .or(notice_recipients::name.ne("")),
            )
            .select((notice_recipients::id, notice_recipients::dedupe_key))
            .load_on(c)?;
        for (id, key) in &people {
            diesel::update(notice_recipients::table.find(id))
                .set((
                    notice_recipients::name.eq(""),
                    notice_recipients::email.eq(None::<String>),
                    notice_recipients::postal_address.eq(None::<String>),
                    notice_recipients::extra_json.eq("{}"),
                    notice_recipients::dedupe_key.eq(crate::auth::secrets::sha256_hex(key)),
                ))
                .execute_on(c)?;
        }
        // The outbox's copies of the incident's e-mails that are done with (sent or failed): the
        // address and the text go; kind, status, Message-ID, times and the server's answer stay.
        let done_with: Vec<String> = outbox::table
            .filter(outbox::incident_id.eq(&row.id))
            .filter(outbox::status.eq_any([
                crate::outbox::OutboxStatus::Sent,
                crate::outbox::OutboxStatus::Failed,
            ]))
            .filter(outbox::to_addr.ne(""))
            .select(outbox::id)
            .load_on(c)?;
        let copies = strip_outbox_copies(c, &done_with)?;
        let notes: Vec<(String, String)> = incident_notes::table
            .filter(incident_notes::incident_id.eq(&row.id))
            .select((incident_notes::id, incident_notes::body))
            .load_on(c)?;
        for (id, body) in &notes {
            diesel::update(incident_notes::table.find(id))
                .set(incident_notes::body.eq(detect::mask(body)))
                .execute_on(c)?;
        }
        row.description = detect::mask(&row.description);
        row.evidence_purged_at = Some(to_db(now));
        crate::incidents::store::save(c, &mut row, now)?;
        audit::store::append(
            c,
            &[Entry {
                actor: Actor::System("retention"),
                action: Action::IncidentEvidencePurged,
                entity_type: "incident",
                entity_id: row.id.clone(),
                organisation_id: Some(row.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "attachments_deleted": removed.iter().map(|(id, sha, size)| serde_json::json!({"id": id, "sha256": sha, "size_bytes": size})).collect::<Vec<_>>(),
                    "reports_pseudonymised": reps.iter().map(|r| &r.reference).collect::<Vec<_>>(),
                    "notes_pseudonymised": notes.len(),
                    "raw_mails_purged": mails,
                    "notified_people_pseudonymised": people.len(),
                    "sent_emails_purged": copies,
                    "acknowledgements_purged": acks,
                    "contact_details_removed": true,
                })),
            }],
            now,
        )?;
        sum.incidents_purged += 1;
        sum.reports_pseudonymised += reps.len();
        sum.attachments_deleted += removed.len();
        Ok(())
    })
}

fn delete_entry(
    c: &mut DbConn,
    inc: &IncidentRow,
    now: DateTime<Utc>,
    sum: &mut Summary,
) -> anyhow::Result<()> {
    write_tx(c, |c| -> anyhow::Result<()> {
        let Some(row) = crate::incidents::store::by_id_for_update(c, &inc.id)? else {
            return Ok(());
        };
        let reps: Vec<String> = reports::table
            .filter(reports::incident_id.eq(&row.id))
            .select(reports::reference)
            .load_on(c)?;
        let rep_ids: Vec<String> = reports::table
            .filter(reports::incident_id.eq(&row.id))
            .select(reports::id)
            .load_on(c)?;
        diesel::delete(
            mail_messages::table.filter(
                mail_messages::report_id
                    .eq_any(&rep_ids)
                    .or(mail_messages::incident_id.eq(&row.id)),
            ),
        )
        .execute_on(c)?;
        diesel::delete(reports::table.filter(reports::incident_id.eq(&row.id))).execute_on(c)?;
        diesel::delete(outbox::table.filter(outbox::incident_id.eq(&row.id))).execute_on(c)?;
        let ack_keys: Vec<String> = rep_ids
            .iter()
            .map(|id| crate::reports::store::ack_key(id))
            .collect();
        diesel::delete(outbox::table.filter(outbox::dedupe_key.eq_any(&ack_keys))).execute_on(c)?;
        diesel::delete(incidents::table.find(&row.id)).execute_on(c)?;
        audit::store::append(
            c,
            &[Entry {
                actor: Actor::System("retention"),
                action: Action::IncidentRegisterEntryExpired,
                entity_type: "incident",
                entity_id: row.id.clone(),
                organisation_id: Some(row.organisation_id.clone()),
                before: Some(
                    serde_json::json!({"reference": row.reference, "closed_at": row.closed_at, "reports": reps}),
                ),
                after: None,
            }],
            now,
        )?;
        sum.register_entries_deleted += 1;
        Ok(())
    })
}

/// Closed reports never linked to an incident: after their organisation's grace period (the
/// default for reports nobody assigned) since their last change, the same purge as for an
/// incident's evidence. Only reports with something left to purge are touched.
fn purge_unlinked_reports(
    c: &mut DbConn,
    now: DateTime<Utc>,
    policies: &mut std::collections::HashMap<String, super::service::RetentionPolicy>,
    sum: &mut Summary,
) -> anyhow::Result<()> {
    let candidates: Vec<crate::reports::store::ReportRow> = reports::table
        .filter(reports::incident_id.is_null())
        .filter(reports::status.eq(crate::reports::model::ReportStatus::Closed))
        .load_on(c)?;
    for r in candidates {
        let grace = match &r.organisation_id {
            Some(o) => match policies.get(o) {
                Some(p) => p.evidence_grace_days,
                None => {
                    let p = policy_of(c, o).map_err(|e| anyhow::anyhow!("{e}"))?;
                    policies.insert(o.clone(), p);
                    p.evidence_grace_days
                }
            },
            None => super::service::RetentionPolicy::default().evidence_grace_days,
        };
        if !evidence_due(from_db(r.updated_at), grace, now) {
            continue;
        }
        let files: i64 = attachments::table
            .filter(attachments::report_id.eq(&r.id))
            .count()
            .get_result_on(c)?;
        let masked = detect::mask(&r.description);
        let has_contact =
            r.contact_name.is_some() || r.contact_email.is_some() || r.contact_phone.is_some();
        let raw_mail: i64 = mail_messages::table
            .filter(mail_messages::report_id.eq(&r.id))
            .filter(mail_messages::from_addr.is_not_null())
            .count()
            .get_result_on(c)?;
        let acks = reporter_copies(c, std::slice::from_ref(&r.id))?.len();
        if files == 0 && !has_contact && masked == r.description && raw_mail == 0 && acks == 0 {
            continue;
        }
        write_tx(c, |c| -> anyhow::Result<()> {
            diesel::delete(attachments::table.filter(attachments::report_id.eq(&r.id)))
                .execute_on(c)?;
            purge_mail(c, std::slice::from_ref(&r.id), None)?;
            strip_acknowledgements(c, std::slice::from_ref(&r.id))?;
            diesel::update(reports::table.find(&r.id))
                .set((
                    reports::description.eq(&masked),
                    reports::action_taken.eq(r.action_taken.as_deref().map(detect::mask)),
                    reports::contact_name.eq(None::<String>),
                    reports::contact_email.eq(None::<String>),
                    reports::contact_phone.eq(None::<String>),
                    reports::may_contact.eq(false),
                ))
                .execute_on(c)?;
            let msgs: Vec<(String, String)> = report_messages::table
                .filter(report_messages::report_id.eq(&r.id))
                .select((report_messages::id, report_messages::body))
                .load_on(c)?;
            for (id, body) in msgs {
                diesel::update(report_messages::table.find(id))
                    .set(report_messages::body.eq(detect::mask(&body)))
                    .execute_on(c)?;
            }
            audit::store::append(
                c,
                &[Entry {
                    actor: Actor::System("retention"),
                    action: Action::ReportEvidencePurged,
                    entity_type: "report",
                    entity_id: r.id.clone(),
                    organisation_id: r.organisation_id.clone(),
                    before: None,
                    after: Some(
                        serde_json::json!({"reference": r.reference, "attachments_deleted": files, "contact_details_removed": has_contact}),
                    ),
                }],
                now,
            )?;
            Ok(())
        })?;
        sum.unlinked_reports_purged += 1;
        sum.attachments_deleted += files as usize;
    }
    Ok(())
}

/// Apply the retention policies at `now`.
pub fn run(c: &mut DbConn, now: DateTime<Utc>) -> anyhow::Result<Summary> {
    let mut sum = Summary::default();
    let closed: Vec<IncidentRow> = incidents::table
        .filter(incidents::closed_at.is_not_null())
        .filter(incidents::state.eq_any(["closed", "not_a_breach"]))
        .load_on(c)?;
    let mut policies = std::collections::HashMap::new();
    for inc in closed {
        let Some(closed_at) = inc.closed_at.map(from_db) else {
            continue;
        };
        let p = match policies.get(&inc.organisation_id) {
            Some(p) => *p,
            None => {
                let p = policy_of(c, &inc.organisation_id).map_err(|e| anyhow::anyhow!("{e}"))?;
                policies.insert(inc.organisation_id.clone(), p);
                p
            }
        };
        if register_expired(closed_at, p.register_years, now) {
            delete_entry(c, &inc, now, &mut sum)?;
        } else if inc.evidence_purged_at.is_none()
            && evidence_due(closed_at, p.evidence_grace_days, now)
        {
            purge_evidence(c, &inc, now, &mut sum)?;
        }
    }
    purge_unlinked_reports(c, now, &mut policies, &mut sum)?;
    if sum != Summary::default() {
        tracing::info!(?sum, "retention applied");
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn evidence_goes_after_the_grace_period() {
        let closed = Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
        assert!(!evidence_due(closed, 90, closed + Duration::days(89)));
        assert!(evidence_due(closed, 90, closed + Duration::days(90)));
        assert!(evidence_due(closed, 0, closed));
    }

    #[test]
    fn the_register_entry_stays_whole_years() {
        let closed = Utc.with_ymd_and_hms(2026, 3, 15, 9, 0, 0).unwrap();
        assert!(!register_expired(
            closed,
            5,
            Utc.with_ymd_and_hms(2031, 3, 14, 23, 0, 0).unwrap()
        ));
        assert!(register_expired(
            closed,
            5,
            Utc.with_ymd_and_hms(2031, 3, 15, 0, 0, 0).unwrap()
        ));
        let leap = Utc.with_ymd_and_hms(2028, 2, 29, 9, 0, 0).unwrap();
        assert!(!register_expired(
            leap,
            1,
            Utc.with_ymd_and_hms(2029, 2, 28, 9, 0, 0).unwrap()
        ));
        assert!(register_expired(
            leap,
            1,
            Utc.with_ymd_and_hms(2029, 3, 1, 0, 0, 0).unwrap()
        ));
    }
}
