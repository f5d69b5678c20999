use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::{new_id, to_db, DbConn};

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: String,
    pub dedupe_key: Option<String>,
    pub organisation_id: Option<String>,
    pub incident_id: Option<String>,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

#[derive(Queryable, Debug, Clone)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub dedupe_key: Option<String>,
    pub organisation_id: Option<String>,
    pub incident_id: Option<String>,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub smtp_response: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Queue a message inside the caller's transaction. The Message-ID is fixed now, so a retry
/// carries the same one. Returns the row id.
pub fn enqueue(
    conn: &mut DbConn,
    m: &NewMessage,
    domain: &str,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let id = new_id();
    let t = to_db(now);
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::kind.eq(&m.kind),
            outbox::dedupe_key.eq(&m.dedupe_key),
            outbox::organisation_id.eq(&m.organisation_id),
            outbox::incident_id.eq(&m.incident_id),
            outbox::to_addr.eq(&m.to),
            outbox::subject.eq(&m.subject),
            outbox::body_text.eq(&m.body_text),
            outbox::body_html.eq(&m.body_html),
            outbox::message_id.eq(format!("<{id}@{domain}>")),
            outbox::status.eq("queued"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(t),
            outbox::created_at.eq(t),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claim up to `n` due messages for `worker` for `lease`: queued ones whose time has come, and
/// claimed ones whose lease ran out (their worker died).
pub fn claim(
    conn: &mut DbConn,
    worker: &str,
    n: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> QueryResult<Vec<OutboxRow>> {
    let t = to_db(now);
    let until = to_db(now + lease);
    conn.transaction(|conn| {
        crate::db::begin_write(conn)?;
        let due = outbox::status
            .eq("queued")
            .and(outbox::next_attempt_at.le(t))
            .or(outbox::status
                .eq("sending")
                .and(outbox::claimed_until.lt(t)));
        let ids: Vec<String> = match conn {
            DbConn::Pg(c) => outbox::table
                .filter(due)
                .order(outbox::next_attempt_at.asc())
                .limit(n)
                .select(outbox::id)
                .for_update()
                .skip_locked()
                .load(c)?,
            DbConn::Sqlite(c) => outbox::table
                .filter(due)
                .order(outbox::next_attempt_at.asc())
                .limit(n)
                .select(outbox::id)
                .load(c)?,
        };
        if ids.is_empty() {
            return Ok(vec![]);
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::status.eq("sending"),
                outbox::claimed_by.eq(worker),
                outbox::claimed_until.eq(until),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::next_attempt_at.asc())
            .load(conn)
    })
}

/// Renew `worker`'s claim on one message for another `lease`, just before sending it. A batch's
/// claim is taken for the whole batch at once, so a batch that takes longer than its lease has
/// rows another worker may already have taken up: false when the claim is gone — do not send.
pub fn renew(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq("sending"))
            .filter(outbox::claimed_by.eq(worker)),
    )
    .set(outbox::claimed_until.eq(Some(to_db(now + lease))))
    .execute(conn)
    .map(|n| n == 1)
}

/// Mark a claimed message sent. Only the claiming worker can, and only while it holds the claim.
pub fn mark_sent(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    response: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq("sending"))
            .filter(outbox::claimed_by.eq(worker)),
    )
    .set((
        outbox::status.eq("sent"),
        outbox::sent_at.eq(Some(to_db(now))),
        outbox::smtp_response.eq(Some(response)),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// Record a failed attempt: back to the queue after `retry_in`, or failed for good.
pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    error: &str,
    retry_in: Option<Duration>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::status.eq("sending"))
        .filter(outbox::claimed_by.eq(worker));
    let err: String = error.chars().take(1000).collect();
    match retry_in {
        Some(d) => diesel::update(target)
            .set((
                outbox::status.eq("queued"),
                outbox::next_attempt_at.eq(to_db(now + d)),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(err)),
            ))
            .execute(conn),
        None => diesel::update(target)
            .set((
                outbox::status.eq("failed"),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(err)),
            ))
            .execute(conn),
    }
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table.find(id).first(conn).optional()
}

pub fn count_by_status(conn: &mut DbConn, status: &str) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(status))
        .count()
        .get_result(conn)
}

pub fn for_incident(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::incident_id.eq(incident_id))
        .order(outbox::created_at.asc())
        .load(conn)
}

/// Retry delay after `attempts` attempts: base · 2^(n-1), capped at six hours.
pub fn backoff(base_seconds: i64, attempts: i32) -> Duration {
    let exp = (attempts.max(1) - 1).min(12) as u32;
    Duration::seconds((base_seconds.max(1) * 2_i64.pow(exp)).min(6 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 1), Duration::seconds(30));
        assert_eq!(backoff(30, 3), Duration::seconds(120));
        assert_eq!(backoff(30, 20), Duration::seconds(6 * 3600));
    }
}
