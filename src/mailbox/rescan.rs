//! Scanning again the attachments that could not be scanned at intake (clamd was unreachable:
//! [`super::service::Scan::NotScanned`]).
//!
//! Such a message is marked by its `reason` (`attachments not scanned for viruses: …`, a partial
//! index finds them) and per attachment in `details_json` (`"scan": "not_scanned"`). A rescan
//! takes them oldest first, a bounded number per run, one message per transaction:
//!
//! - PostgreSQL: the row is claimed with `FOR UPDATE SKIP LOCKED` and scanned while claimed, so
//!   several instances share the work and never scan the same message twice.
//! - SQLite (one writer, one instance): the row is read, scanned without a lock, and updated in a
//!   write transaction only if it is still unchanged.
//!
//! Per attachment: clean → `"scan": "clean"`; infected → quarantined exactly as at intake (the
//! report's copy is deleted from `attachments`, the mail's own copy is never served again as the
//! details say `infected`, the report's text says which file, why and when); clamd refusing the
//! file (an error answer while it answers PING) → stays "not scanned" with the error, and the
//! message is no longer picked up. clamd not answering at all ends the run and changes nothing.
//! Each attachment's change is audited with before and after; `rescanned_at` records when.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::clamav::{self, Target, Verdict};
use super::parse::{self, Limits};
use crate::audit::{self, Actor, Entry};
use crate::db::schema::{attachments, mail_messages, reports};
use crate::db::Cached;
use crate::db::{to_db, write_tx, DbConn};

/// Messages taken per run of the background worker.
pub const BATCH: usize = 20;

pub use super::service::NOT_SCANNED;

/// The predicate the partial index `mail_messages_scan_pending` is made for (same text); it
/// matches every reason that starts with [`NOT_SCANNED`] (unit-tested below).
const PENDING: &str = "reason LIKE 'attachments not scanned%'";

/// What the rescan concluded of one attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rescan {
    Clean,
    Infected(String),
    /// clamd answered, but with an error for this file: it stays "not scanned".
    Failed(String),
}

/// One attachment rescanned.
#[derive(Debug, Clone)]
pub struct Rescanned {
    pub mail_id: String,
    pub index: usize,
    pub filename: String,
    /// The report's reference, when the mail belongs to a report.
    pub report: Option<String>,
    pub result: Rescan,
    pub at: DateTime<Utc>,
}

impl std::fmt::Display for Rescanned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mail {} attachment {} ", self.mail_id, self.index)?;
        write!(f, "{:?}", self.filename)?;
        if let Some(r) = &self.report {
            write!(f, " (report {r})")?;
        }
        match &self.result {
            Rescan::Clean => write!(f, ": clean"),
            Rescan::Infected(sig) => write!(f, ": INFECTED ({sig}), quarantined"),
            Rescan::Failed(e) => write!(f, ": not scanned, clamd refused it: {e}"),
        }
    }
}

/// A run: what was rescanned, and why it stopped early (clamd unreachable), if it did.
#[derive(Debug, Default)]
pub struct Run {
    pub done: Vec<Rescanned>,
    pub stopped: Option<String>,
}

type Row = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    Vec<u8>,
);

fn pending() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(PENDING)
}

/// The oldest message still waiting for a scan; on PostgreSQL claimed (`FOR UPDATE SKIP
/// LOCKED`, so call it in a transaction).
fn next(conn: &mut DbConn) -> QueryResult<Option<Row>> {
    let q = mail_messages::table
        .filter(pending())
        .order(mail_messages::received_at.asc())
        .select((
            mail_messages::id,
            mail_messages::organisation_id,
            mail_messages::outcome,
            mail_messages::report_id,
            mail_messages::incident_id,
            mail_messages::details_json,
            mail_messages::raw,
        ))
        .limit(1);
    crate::db_run!(
        conn,
        sqlite: |c| q.first(c).optional(),
        pg: |c| q.for_update().skip_locked().first(c).optional(),
    )
}

/// Scan every "not scanned" attachment of a message: (index, filename, result) each, or `Err`
/// when clamd does not answer at all (then nothing is to change).
fn scan_row(
    row: &Row,
    target: &Target,
    limits: &Limits,
) -> Result<Vec<(usize, String, Rescan)>, String> {
    let details: serde_json::Value = serde_json::from_str(&row.5).unwrap_or_default();
    let listed = details
        .get("attachments")
        .and_then(|a| a.as_array())
        .cloned()
        .unwrap_or_default();
    let parsed = if row.6.is_empty() {
        None
    } else {
        parse::parse(&row.6, limits).ok()
    };
    let mut out = vec![];
    for (i, a) in listed.iter().enumerate() {
        if a.get("scan").and_then(|s| s.as_str()) != Some("not_scanned") {
            continue;
        }
        let name = a
            .get("filename")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_string();
        let sha = a.get("sha256").and_then(|s| s.as_str()).unwrap_or("");
        // The same parser gives the same attachments in the same order; the hash makes sure.
        let data = parsed.as_ref().and_then(|m| {
            m.attachments
                .get(i)
                .filter(|p| p.sha256 == sha)
                .or_else(|| m.attachments.iter().find(|p| p.sha256 == sha))
                .map(|p| p.data.as_slice())
        });
        let Some(data) = data else {
            out.push((
                i,
                name,
                Rescan::Failed("the stored message no longer holds this attachment".into()),
            ));
            continue;
        };
        let r = match clamav::scan(target, data, clamav::TIMEOUT) {
            Ok(Verdict::Clean) => Rescan::Clean,
            Ok(Verdict::Infected(sig)) => Rescan::Infected(sig),
            Err(e) => {
                // Down (again): stop; answering: it refused this file.
                clamav::ping(target, clamav::TIMEOUT)?;
                Rescan::Failed(e)
            }
        };
        out.push((i, name, r));
    }
    Ok(out)
}

fn amsterdam(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

/// Record the results of one message (in the caller's write transaction).
fn apply(
    c: &mut DbConn,
    row: &Row,
    results: Vec<(usize, String, Rescan)>,
    at: DateTime<Utc>,
) -> QueryResult<Vec<Rescanned>> {
    let (mail_id, org, outcome, report_id, incident_id, details_json, _) = row;
    let mut details: serde_json::Value = serde_json::from_str(details_json).unwrap_or_default();
    let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let report: Option<(String, String)> = match report_id {
        Some(rid) => reports::table
            .find(rid)
            .select((reports::reference, reports::description))
            .first_on(c)
            .optional()?,
        None => None,
    };
    let mut notes = vec![];
    let mut audit_entries = vec![];
    let mut out = vec![];
    let mut refused = None;
    for (i, name, r) in results {
        let Some(a) = details
            .get_mut("attachments")
            .and_then(|a| a.get_mut(i))
            .and_then(|a| a.as_object_mut())
        else {
            continue;
        };
        let before = serde_json::json!({
            "mail_id": mail_id,
            "attachment": i,
            "filename": name,
            "scan": "not_scanned",
            "scan_error": a.get("scan_error"),
        });
        let sha = a
            .get("sha256")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_string();
        let size = a.get("size").and_then(|s| s.as_u64()).unwrap_or(0);
        let declared = a
            .get("declared_type")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_string();
        a.insert("rescanned_at".into(), stamp.clone().into());
        let mut removed: Vec<String> = vec![];
        match &r {
            Rescan::Clean => {
                a.insert("scan".into(), "clean".into());
                a.insert("scan_error".into(), serde_json::Value::Null);
                notes.push(format!("{name}: geen virus gevonden"));
            }
            Rescan::Infected(sig) => {
                a.insert("scan".into(), "infected".into());
                a.insert("signature".into(), sig.clone().into());
                a.insert("scan_error".into(), serde_json::Value::Null);
                // The report's copy goes, as it would never have been stored at intake.
                if let Some(rid) = report_id {
                    removed = attachments::table
                        .filter(attachments::report_id.eq(rid))
                        .filter(attachments::sha256.eq(&sha))
                        .select(attachments::id)
                        .load_on(c)?;
                    diesel::delete(attachments::table.filter(attachments::id.eq_any(&removed)))
                        .execute_on(c)?;
                }
                notes.push(format!(
                    "{name} ({declared}, {size} bytes): {}",
                    super::service::infected_note(sig)
                ));
            }
            Rescan::Failed(e) => {
                a.insert("scan_error".into(), e.clone().into());
                refused = Some(e.clone());
                notes.push(format!(
                    "{name}: opnieuw niet gescand, de virusscanner weigerde het bestand ({e})"
                ));
            }
        }
        let (entity_type, entity_id) = match (report_id, incident_id) {
            (Some(r), _) => ("report", r.clone()),
            (None, Some(i)) => ("incident", i.clone()),
            _ => ("mail", mail_id.clone()),
        };
        audit_entries.push(Entry {
            actor: Actor::System("mailbox"),
            action: Action::MailAttachmentRescanned,
            entity_type,
            entity_id,
            organisation_id: org.clone(),
            before: Some(before),
            after: Some(serde_json::json!({
                "mail_id": mail_id,
                "attachment": i,
                "filename": name,
                "scan": a.get("scan"),
                "signature": if matches!(r, Rescan::Infected(_)) { a.get("signature").cloned() } else { None },
                "scan_error": a.get("scan_error"),
                "rescanned_at": stamp,
                "removed_attachments": removed,
            })),
        });
        out.push(Rescanned {
            mail_id: mail_id.clone(),
            index: i,
            filename: name,
            report: report.as_ref().map(|(r, _)| r.clone()),
            result: r,
            at,
        });
    }
    // The report says so, as it does for a file found infected at intake — for the message that
    // made the report. A reply's files are shown with the reply (scan result and time, from
    // `details_json`); the report's own text is not the place for them.
    if let (Some(rid), Some((_, description))) = (report_id, &report) {
        if !notes.is_empty() && outcome == "report" {
            let note = format!(
                "\n\nOpnieuw op virussen gescand op {}:\n{}",
                amsterdam(at),
                notes.join("\n")
            );
            diesel::update(reports::table.find(rid))
                .set((
                    reports::description.eq(format!("{description}{note}")),
                    reports::updated_at.eq(to_db(at)),
                ))
                .execute_on(c)?;
        }
    }
    if let Some(obj) = details.as_object_mut() {
        obj.insert("rescanned_at".into(), stamp.clone().into());
    }
    // No longer "attachments not scanned…": the message leaves the rescan's queue.
    let reason = match refused {
        Some(e) => format!("attachments could not be scanned for viruses (rescan {stamp}): {e}"),
        None => format!("attachments scanned for viruses again at {stamp}"),
    };
    diesel::update(mail_messages::table.find(mail_id))
        .set((
            mail_messages::details_json.eq(details.to_string()),
            mail_messages::reason.eq(Some(reason.chars().take(1000).collect::<String>())),
        ))
        .execute_on(c)?;
    audit::store::append(c, &audit_entries, at)?;
    Ok(out)
}

enum Step {
    Empty,
    Done(Vec<Rescanned>),
    Stopped(String),
}

#[derive(Debug, thiserror::Error)]
pub enum RescanError {
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

fn step(conn: &mut DbConn, target: &Target, limits: &Limits) -> Result<Step, RescanError> {
    if matches!(conn, DbConn::Pg(_)) {
        // Claimed for the scan: another instance skips this row and takes the next.
        return write_tx(conn, |c| {
            let Some(row) = next(c)? else {
                return Ok(Step::Empty);
            };
            match scan_row(&row, target, limits) {
                Err(e) => Ok(Step::Stopped(e)),
                Ok(results) => Ok(Step::Done(apply(c, &row, results, crate::db::now())?)),
            }
        });
    }
    let Some(row) = next(conn)? else {
        return Ok(Step::Empty);
    };
    let results = match scan_row(&row, target, limits) {
        Err(e) => return Ok(Step::Stopped(e)),
        Ok(r) => r,
    };
    write_tx(conn, |c| {
        // Unchanged since it was read (SQLite has one writer; this only guards a second run).
        let now: Option<String> = mail_messages::table
            .find(&row.0)
            .filter(pending())
            .select(mail_messages::details_json)
            .first_on(c)
            .optional()?;
        if now.as_deref() != Some(row.5.as_str()) {
            return Ok(Step::Done(vec![]));
        }
        Ok(Step::Done(apply(c, &row, results, crate::db::now())?))
    })
}

/// Rescan at most `max` messages; stops early when clamd does not answer.
pub fn run(
    conn: &mut DbConn,
    target: &Target,
    limits: &Limits,
    max: usize,
) -> Result<Run, RescanError> {
    let mut out = Run::default();
    for _ in 0..max {
        match step(conn, target, limits)? {
            Step::Empty => break,
            Step::Done(mut d) => out.done.append(&mut d),
            Step::Stopped(e) => {
                out.stopped = Some(e);
                break;
            }
        }
    }
    Ok(out)
}

/// How many messages wait for a rescan.
pub fn waiting(conn: &mut DbConn) -> QueryResult<i64> {
    mail_messages::table
        .filter(pending())
        .count()
        .get_result_on(conn)
}

/// The background worker: a run every `every` while clamd is configured, until `stop`.
pub async fn worker(
    pool: crate::db::DbPool,
    target: Target,
    limits: Limits,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let (p, t, l) = (pool.clone(), target.clone(), limits);
        let r = tokio::task::spawn_blocking(move || -> anyhow::Result<Run> {
            let mut c = p.get()?;
            Ok(run(&mut c, &t, &l, BATCH)?)
        })
        .await;
        match r {
            Ok(Ok(run)) => {
                for d in &run.done {
                    tracing::info!(mail = %d.mail_id, attachment = d.index, result = ?d.result, "mailbox: attachment rescanned");
                }
                if let Some(e) = run.stopped {
                    tracing::debug!(error = %e, "mailbox: rescan waits for clamd");
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "mailbox: rescan failed"),
            Err(e) => tracing::warn!(error = %e, "mailbox: rescan task failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NOT_SCANNED, PENDING};

    #[test]
    fn the_pending_predicate_matches_what_intake_writes() {
        let prefix = PENDING
            .strip_prefix("reason LIKE '")
            .and_then(|p| p.strip_suffix("%'"))
            .expect("a LIKE prefix");
        let written = format!("{NOT_SCANNED}: clamd unreachable");
        assert!(written.starts_with(prefix), "{written} / {PENDING}");
        // What a rescan writes afterwards no longer matches: the message leaves the queue.
        assert!(
            !"attachments scanned for viruses again at 2026-12-03T08:00:00Z".starts_with(prefix)
        );
        assert!(!"attachments could not be scanned for viruses (rescan …)".starts_with(prefix));
    }
}
