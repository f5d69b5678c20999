//! The `mail_messages` table: every message taken in, raw, with what became of it.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{incidents, mail_messages, outbox};
use crate::db::Cached;
use crate::db::{to_db, DbConn};

// `treat_none_as_default_value = false`: a None is bound as NULL (no column here has another
// default), so the INSERT's SQL is the same every time and diesel finds its prepared statement
// by type instead of building the SQL text again for every message.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = mail_messages, treat_none_as_default_value = false)]
pub struct NewMail<'a> {
    pub id: String,
    pub scope: String,
    pub organisation_id: Option<String>,
    pub source: String,
    pub message_id: String,
    pub content_sha256: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub id_collision: bool,
    pub from_addr: Option<String>,
    pub subject: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub report_id: Option<String>,
    pub incident_id: Option<String>,
    pub outbox_id: Option<String>,
    pub details_json: String,
    pub size_bytes: i64,
    /// Borrowed: the raw message is written straight from the caller's buffer, not copied.
    pub raw: &'a [u8],
    pub received_at: NaiveDateTime,
}

/// A stored message without its raw bytes.
#[derive(Queryable, Debug, Clone, serde::Serialize)]
pub struct MailInfo {
    pub id: String,
    pub organisation_id: Option<String>,
    pub source: String,
    pub message_id: String,
    pub content_sha256: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub id_collision: bool,
    pub from_addr: Option<String>,
    pub subject: Option<String>,
    pub report_id: Option<String>,
    pub incident_id: Option<String>,
    pub outbox_id: Option<String>,
    pub size_bytes: i64,
    #[serde(with = "crate::serde_utc")]
    pub received_at: NaiveDateTime,
}

type InfoColumns = (
    mail_messages::id,
    mail_messages::organisation_id,
    mail_messages::source,
    mail_messages::message_id,
    mail_messages::content_sha256,
    mail_messages::outcome,
    mail_messages::reason,
    mail_messages::id_collision,
    mail_messages::from_addr,
    mail_messages::subject,
    mail_messages::report_id,
    mail_messages::incident_id,
    mail_messages::outbox_id,
    mail_messages::size_bytes,
    mail_messages::received_at,
);

const INFO: InfoColumns = (
    mail_messages::id,
    mail_messages::organisation_id,
    mail_messages::source,
    mail_messages::message_id,
    mail_messages::content_sha256,
    mail_messages::outcome,
    mail_messages::reason,
    mail_messages::id_collision,
    mail_messages::from_addr,
    mail_messages::subject,
    mail_messages::report_id,
    mail_messages::incident_id,
    mail_messages::outbox_id,
    mail_messages::size_bytes,
    mail_messages::received_at,
);

pub fn insert(conn: &mut DbConn, m: &NewMail) -> QueryResult<()> {
    diesel::insert_into(mail_messages::table)
        .values(m)
        .execute_on(conn)
        .map(|_| ())
}

/// Content hashes already stored under this Message-ID in this scope.
pub fn hashes_for(conn: &mut DbConn, scope: &str, message_id: &str) -> QueryResult<Vec<String>> {
    mail_messages::table
        .filter(mail_messages::scope.eq(scope))
        .filter(mail_messages::message_id.eq(message_id))
        .select(mail_messages::content_sha256)
        .load_on(conn)
}

/// What a message we stored earlier (by Message-ID) belongs to: (report id, incident id).
pub fn thread_of_stored(
    conn: &mut DbConn,
    scope: &str,
    ids: &[String],
) -> QueryResult<Option<(Option<String>, Option<String>)>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let rows: Vec<(Option<String>, Option<String>)> = mail_messages::table
        .filter(mail_messages::scope.eq(scope))
        .filter(mail_messages::message_id.eq_any(ids))
        .filter(
            mail_messages::report_id
                .is_not_null()
                .or(mail_messages::incident_id.is_not_null()),
        )
        .select((mail_messages::report_id, mail_messages::incident_id))
        .order(mail_messages::received_at.desc())
        .limit(1)
        .load_on(conn)?;
    Ok(rows.into_iter().next())
}

/// An outbox row we sent, by its Message-ID (any of `ids`, without angle brackets):
/// (outbox id, dedupe key, incident id, organisation id, status).
#[allow(clippy::type_complexity)]
pub fn outbox_by_message_ids(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<
    Option<(
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    )>,
> {
    // Our Message-IDs are `<{outbox id}@{domain}>` (outbox::store): the local part is the row's
    // primary key, so no index on message_id is needed; the full Message-ID must still match.
    let keys: Vec<&str> = ids
        .iter()
        .filter_map(|i| i.split_once('@').map(|(local, _)| local))
        .filter(|local| uuid::Uuid::try_parse(local).is_ok())
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let bracketed: Vec<String> = ids.iter().map(|i| format!("<{i}>")).collect();
    outbox::table
        .filter(outbox::id.eq_any(&keys))
        .filter(outbox::message_id.eq_any(&bracketed))
        .select((
            outbox::id,
            outbox::dedupe_key,
            outbox::incident_id,
            outbox::organisation_id,
            outbox::status,
        ))
        .first_on(conn)
        .optional()
}

/// Mark an outbox row failed after a bounce (whatever its state: a bounce comes after "sent").
pub fn outbox_bounced(conn: &mut DbConn, id: &str, reason: &str) -> QueryResult<usize> {
    let reason: String = reason.chars().take(1000).collect();
    diesel::update(outbox::table.filter(outbox::id.eq(id)))
        .set((
            outbox::status.eq(crate::outbox::OutboxStatus::Failed),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(reason)),
        ))
        .execute_on(conn)
}

/// (id, organisation id) of an incident by reference within an organisation.
pub fn incident_by_reference(
    conn: &mut DbConn,
    org_id: &str,
    reference: &str,
) -> QueryResult<Option<(String, String)>> {
    incidents::table
        .filter(incidents::organisation_id.eq(org_id))
        .filter(incidents::reference.eq(reference))
        .select((incidents::id, incidents::organisation_id))
        .first_on(conn)
        .optional()
}

pub fn incident_org(conn: &mut DbConn, id: &str) -> QueryResult<Option<String>> {
    incidents::table
        .find(id)
        .select(incidents::organisation_id)
        .first_on(conn)
        .optional()
}

/// Quarantined messages of these organisations (and of none, for installation administrators).
pub fn quarantine(
    conn: &mut DbConn,
    org_ids: &[String],
    include_unassigned: bool,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<MailInfo>> {
    crate::db_run!(conn, |c| {
        let mut q = mail_messages::table
            .filter(mail_messages::outcome.eq("quarantined"))
            .into_boxed();
        if include_unassigned {
            q = q.filter(
                mail_messages::organisation_id
                    .eq_any(org_ids.to_vec())
                    .or(mail_messages::organisation_id.is_null()),
            );
        } else {
            q = q.filter(mail_messages::organisation_id.eq_any(org_ids.to_vec()));
        }
        q.select(INFO)
            .order(mail_messages::received_at.desc())
            .limit(limit)
            .offset(offset)
            .load(c)
    })
}

/// How many quarantined messages [`quarantine`] pages through.
pub fn quarantine_count(
    conn: &mut DbConn,
    org_ids: &[String],
    include_unassigned: bool,
) -> QueryResult<i64> {
    crate::db_run!(conn, |c| {
        let mut q = mail_messages::table
            .filter(mail_messages::outcome.eq("quarantined"))
            .count()
            .into_boxed();
        if include_unassigned {
            q = q.filter(
                mail_messages::organisation_id
                    .eq_any(org_ids.to_vec())
                    .or(mail_messages::organisation_id.is_null()),
            );
        } else {
            q = q.filter(mail_messages::organisation_id.eq_any(org_ids.to_vec()));
        }
        q.get_result(c)
    })
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<(MailInfo, Vec<u8>)>> {
    mail_messages::table
        .filter(mail_messages::id.eq(id))
        .select((INFO, mail_messages::raw))
        .first_on(conn)
        .optional()
}

/// The bytes of the `part`-th file of a stored message (as `parse::parse` lists them), when the
/// raw message is still there and the bytes still have the SHA-256 taken at intake. The limits
/// are not applied again: the message was taken in under those of its day.
pub fn attachment_bytes(
    conn: &mut DbConn,
    mail_id: &str,
    part: i32,
    sha256: &str,
) -> QueryResult<Option<Vec<u8>>> {
    let raw: Option<Vec<u8>> = mail_messages::table
        .filter(mail_messages::id.eq(mail_id))
        .select(mail_messages::raw)
        .first_on(conn)
        .optional()?;
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let limits = super::parse::Limits::unbounded();
    let a = usize::try_from(part)
        .ok()
        .and_then(|i| super::parse::nth_attachment(&raw, i, &limits));
    match a {
        Some(a) if a.sha256 == sha256 && !a.data.is_empty() => Ok(Some(a.data)),
        _ => {
            tracing::warn!(
                mail_id,
                part,
                "mailbox: the stored message no longer holds this attachment as taken in"
            );
            Ok(None)
        }
    }
}

pub fn for_report(conn: &mut DbConn, report_id: &str) -> QueryResult<Vec<MailInfo>> {
    mail_messages::table
        .filter(mail_messages::report_id.eq(report_id))
        .select(INFO)
        .order(mail_messages::received_at.asc())
        .load_on(conn)
}

pub fn count_by_outcome(conn: &mut DbConn, outcome: &str) -> QueryResult<i64> {
    mail_messages::table
        .filter(mail_messages::outcome.eq(outcome))
        .count()
        .get_result_on(conn)
}

pub fn now_db() -> NaiveDateTime {
    to_db(crate::db::now())
}

pub fn report_by_id(
    conn: &mut DbConn,
    id: &str,
) -> QueryResult<Option<crate::reports::store::ReportRow>> {
    crate::db::schema::reports::table
        .find(id)
        .first_on(conn)
        .optional()
}

/// Resolve an organisation slug (empty: none) to its id.
pub fn organisation_id(pool: &crate::db::DbPool, slug: &str) -> anyhow::Result<Option<String>> {
    if slug.trim().is_empty() {
        return Ok(None);
    }
    let mut c = pool.get()?;
    match crate::orgs::store::by_slug(&mut c, slug.trim())? {
        Some(o) => Ok(Some(o.id)),
        None => anyhow::bail!("mailbox: no organisation {slug:?}"),
    }
}
