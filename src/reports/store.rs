use crate::audit::Action;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::model::{self, NewReport, ReportStatus};
use crate::audit::{self, Actor, Entry};
use crate::auth::secrets::{random_secret, sha256_hex};
use crate::db::schema::reports;
use crate::db::Cached;
use crate::db::{new_id, now, reserve_counter, to_db, DbConn};
use crate::signals::mail::{Links, NewReportSignal};

crate::stored_as_text!(ReportStatus, "report status");

// None is bound as NULL (no nullable column has another default): the INSERT's SQL is static and
// its prepared statement is found by type.
#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = reports, treat_none_as_default_value = false)]
pub struct ReportRow {
    pub id: String,
    pub reference: String,
    pub channel: String,
    pub organisation_id: Option<String>,
    pub organisation_hint: Option<String>,
    pub description: String,
    pub received_via: Option<String>,
    pub received_on: Option<NaiveDate>,
    pub data_kinds: String,
    pub action_taken: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub may_contact: bool,
    pub language: String,
    pub follow_up_hash: String,
    pub status: ReportStatus,
    pub incident_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub id: String,
    pub reference: String,
    pub follow_up_token: String,
    pub created_at: NaiveDateTime,
    /// An acknowledgement was queued (not held back by `ack_limits`, not unwanted).
    pub acknowledged: bool,
}

/// Store a batch of reports with their audit records. Runs inside the caller's write transaction.
/// The outbox's de-duplication key of the acknowledgement to a report's reporter: one per report,
/// never twice; retention finds the copy by it.
pub fn ack_key(report_id: &str) -> String {
    format!("report_received:{report_id}")
}

/// With `signal`, the organisation's handlers are told of each report in the same transaction
/// (`signals::mail::new_reports`).
pub fn insert_batch(
    conn: &mut DbConn,
    batch: &[NewReport],
    signal: Option<&Links>,
) -> QueryResult<Vec<Created>> {
    let mut entries = Vec::with_capacity(batch.len());
    let created = insert_batch_deferred(conn, batch, &mut entries, signal)?;
    audit::store::append(conn, &entries, now())?;
    Ok(created)
}

/// As [`insert_batch`], but the audit entries are handed to the caller, who appends them to the
/// chain in the same transaction (the mailbox appends a whole poll's entries at once).
pub fn insert_batch_deferred(
    conn: &mut DbConn,
    batch: &[NewReport],
    entries: &mut Vec<Entry>,
    signal: Option<&Links>,
) -> QueryResult<Vec<Created>> {
    let t = now();
    let year = t.year();
    let mut created = Vec::with_capacity(batch.len());
    let mut signals = Vec::with_capacity(if signal.is_some() { batch.len() } else { 0 });
    let first = reserve_counter(conn, "report", year, batch.len() as i64)?;
    for (i, r) in batch.iter().enumerate() {
        let n = first + i as i64;
        let token = random_secret("mpf_");
        let row = ReportRow {
            id: new_id(),
            reference: model::reference(year, n),
            channel: r.channel.clone(),
            organisation_id: r.organisation_id.clone(),
            organisation_hint: r.organisation_hint.clone(),
            description: r.description.clone(),
            received_via: r.received_via.clone(),
            received_on: r.received_on,
            data_kinds: serde_json::to_string(&r.data_kinds).unwrap_or_else(|_| "[]".into()),
            action_taken: r.action_taken.clone(),
            contact_name: r.contact_name.clone(),
            contact_email: r.contact_email.clone(),
            contact_phone: r.contact_phone.clone(),
            may_contact: r.may_contact,
            language: r.language.clone(),
            follow_up_hash: sha256_hex(&token),
            status: ReportStatus::Received,
            incident_id: None,
            created_by: r.created_by.clone(),
            created_at: to_db(t),
            updated_at: to_db(t),
        };
        // The row first: attachments and the outbox message refer to it.
        diesel::insert_into(reports::table)
            .values(&row)
            .execute_on(conn)?;
        entries.push(Entry {
            actor: match &r.created_by {
                Some(id) => Actor::User { id: id.clone() },
                None => Actor::Citizen,
            },
            action: Action::ReportReceived,
            entity_type: "report",
            entity_id: row.id.clone(),
            organisation_id: row.organisation_id.clone(),
            before: None,
            // The trail records what arrived, not the reporter's personal data.
            after: Some(serde_json::json!({
                "reference": row.reference,
                "channel": row.channel,
                "organisation_id": row.organisation_id,
                "data_kinds": r.data_kinds,
            })),
        });
        for a in &r.attachments {
            crate::attachments::insert(conn, &row.id, a)?;
        }
        let mut acknowledged = false;
        if let (Some(ack), Some(email)) = (&r.acknowledge, &r.contact_email) {
            let decision = super::ack_limits::decide(conn, email, ack.limits, t)?;
            if decision != super::ack_limits::AckDecision::Send {
                tracing::info!(reference = %row.reference, decision = ?decision, "acknowledgement held back");
            }
            acknowledged = decision == super::ack_limits::AckDecision::Send;
        }
        if let (Some(ack), Some(email), true) = (&r.acknowledge, &r.contact_email, acknowledged) {
            let follow_url = format!(
                "{}/volgen/{}/{}",
                ack.public_url.trim_end_matches('/'),
                row.reference,
                token
            );
            // Nothing the reporter typed goes into the message (not even the name): what anyone can
            // make us send to anyone carries only our own text, the reference and the link.
            let ctx = serde_json::json!({"reference": row.reference, "follow_url": follow_url});
            let (subject, body) = crate::mail_templates::templates()
                .render("report_received", &r.language, &ctx)
                .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
            crate::outbox::enqueue(
                conn,
                &crate::outbox::NewMessage {
                    kind: "report_received".into(),
                    dedupe_key: Some(ack_key(&row.id)),
                    organisation_id: row.organisation_id.clone(),
                    incident_id: None,
                    to: email.clone(),
                    subject,
                    body_text: body,
                    body_html: None,
                    thread: ack.thread.clone(),
                },
                &ack.mail_domain,
                t,
            )?;
        }
        if signal.is_some() {
            signals.push(NewReportSignal {
                report_id: row.id.clone(),
                reference: row.reference.clone(),
                channel: row.channel.clone(),
                organisation_id: row.organisation_id.clone(),
                created_by: row.created_by.clone(),
            });
        }
        created.push(Created {
            id: row.id.clone(),
            reference: row.reference.clone(),
            follow_up_token: token,
            created_at: row.created_at,
            acknowledged,
        });
    }
    if let Some(links) = signal {
        crate::signals::mail::new_reports(conn, &signals, links, t)?;
    }
    Ok(created)
}

pub fn by_reference(conn: &mut DbConn, reference: &str) -> QueryResult<Option<ReportRow>> {
    reports::table
        .filter(reports::reference.eq(reference))
        .first_on(conn)
        .optional()
}

pub fn by_references(conn: &mut DbConn, refs: &[String]) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(reports::reference.eq_any(refs))
        .load_on(conn)
}

pub fn for_incident(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(reports::incident_id.eq(incident_id))
        .order(reports::created_at.asc())
        .load_on(conn)
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// Organisations the caller may see; `include_unassigned` adds reports with none.
    pub org_ids: Vec<String>,
    pub include_unassigned: bool,
    pub status: Option<String>,
    pub channel: Option<String>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The filters beyond the organisation, on any boxed query of `reports`.
macro_rules! narrowed {
    ($q:expr, $f:expr) => {{
        let mut q = $q;
        if let Some(s) = &$f.status {
            q = q.filter(reports::status.eq(s.clone()));
        }
        if let Some(c) = &$f.channel {
            q = q.filter(reports::channel.eq(c.clone()));
        }
        if let Some(text) = &$f.q {
            let pattern = format!("%{}%", text.replace(['%', '_'], ""));
            q = q.filter(
                reports::description
                    .like(pattern.clone())
                    .or(reports::reference.like(pattern)),
            );
        }
        q
    }};
}

/// How many reports the filter finds in all: from `report_counts` (kept by the database's
/// triggers) unless a search text asks to count what it finds.
pub fn count(conn: &mut DbConn, f: &ListFilter) -> QueryResult<i64> {
    use crate::db::schema::report_counts;
    if f.q.is_none() {
        let mut orgs: Vec<String> = f.org_ids.clone();
        if f.include_unassigned {
            orgs.push(String::new());
        }
        let counts: Vec<i64> = crate::db_run!(conn, |db| {
            let mut q = report_counts::table
                .filter(report_counts::organisation_id.eq_any(orgs))
                .select(report_counts::n)
                .into_boxed();
            if let Some(s) = &f.status {
                q = q.filter(report_counts::status.eq(s.clone()));
            }
            if let Some(c) = &f.channel {
                q = q.filter(report_counts::channel.eq(c.clone()));
            }
            q.load(db)?
        });
        return Ok(counts.into_iter().sum());
    }
    crate::db_run!(conn, |db| {
        let mut q = reports::table.count().into_boxed();
        if f.include_unassigned {
            q = q.filter(
                reports::organisation_id
                    .eq_any(f.org_ids.clone())
                    .or(reports::organisation_id.is_null()),
            );
        } else {
            q = q.filter(reports::organisation_id.eq_any(f.org_ids.clone()));
        }
        narrowed!(q, f).get_result(db)
    })
}

/// A page of reports, newest first: merged from one ordered read per organisation (and one for the
/// reports without one), each read only as far as the page reaches (the index `reports_org_created`
/// gives them in order).
pub fn list(conn: &mut DbConn, f: &ListFilter) -> QueryResult<Vec<ReportRow>> {
    let take = f.offset.max(0) + f.limit.max(0);
    let mut streams: Vec<Option<&String>> = f.org_ids.iter().map(Some).collect();
    if f.include_unassigned {
        streams.push(None);
    }
    let mut rows: Vec<ReportRow> = vec![];
    for org in streams {
        let got: Vec<ReportRow> = crate::db_run!(&mut *conn, |db| {
            let mut q = reports::table.into_boxed();
            q = match org {
                Some(o) => q.filter(reports::organisation_id.eq(o.clone())),
                None => q.filter(reports::organisation_id.is_null()),
            };
            narrowed!(q, f)
                .order((reports::created_at.desc(), reports::id.desc()))
                .limit(take)
                .load(db)?
        });
        rows.extend(got);
    }
    rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    Ok(rows
        .into_iter()
        .skip(f.offset.max(0) as usize)
        .take(f.limit.max(0) as usize)
        .collect())
}

/// (incident id, report reference) of the reports linked to these incidents, oldest first.
pub fn references_for(
    conn: &mut DbConn,
    incident_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if incident_ids.is_empty() {
        return Ok(vec![]);
    }
    reports::table
        .filter(reports::incident_id.eq_any(incident_ids))
        .order((reports::created_at.asc(), reports::id.asc()))
        .select((reports::incident_id.assume_not_null(), reports::reference))
        .load_on(conn)
}

pub fn update(conn: &mut DbConn, row: &ReportRow) -> QueryResult<()> {
    diesel::update(reports::table.find(&row.id))
        .set((
            reports::organisation_id.eq(&row.organisation_id),
            reports::status.eq(&row.status),
            reports::incident_id.eq(&row.incident_id),
            reports::updated_at.eq(row.updated_at),
        ))
        .execute_on(conn)
        .map(|_| ())
}
