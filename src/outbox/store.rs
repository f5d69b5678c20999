use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{outbox, outbox_gates, outbox_workers};
use crate::db::Cached;
use crate::db::{new_id, to_db, DbConn};

pub use super::status::OutboxStatus;

crate::stored_as_text!(OutboxStatus, "outbox status");

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
    /// In-Reply-To and References; `Thread::default()` for a message that answers nothing.
    pub thread: Thread,
}

/// The threading headers of a message (RFC 5322 section 3.6.4): the Message-ID it answers, and
/// the Message-IDs of the conversation, oldest first. Each `<left@right>`, with its angle brackets.
/// Only well-formed ids are kept (`Thread::new`), so no header can be forged through them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thread {
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
}

/// At most this many ids in References: the first and the latest (RFC 5322 lets the middle go).
pub const MAX_REFERENCES: usize = 10;

impl Thread {
    /// From ids with or without angle brackets; ids that are not a `left@right` of visible ASCII
    /// (no brackets, no white space, at most 250 characters) are dropped, and so are repeats.
    /// References keeps the first and the latest ids when there are more than `MAX_REFERENCES`.
    pub fn new<S: AsRef<str>>(in_reply_to: Option<&str>, references: &[S]) -> Thread {
        let mut refs: Vec<String> = vec![];
        for id in references.iter().filter_map(|r| msg_id(r.as_ref())) {
            if !refs.contains(&id) {
                refs.push(id);
            }
        }
        if refs.len() > MAX_REFERENCES {
            refs.drain(1..refs.len() - (MAX_REFERENCES - 1));
        }
        Thread {
            in_reply_to: in_reply_to.and_then(msg_id),
            references: refs,
        }
    }

    /// The References header's value: the ids separated by one space; `None` when there are none.
    pub fn references_header(&self) -> Option<String> {
        (!self.references.is_empty()).then(|| self.references.join(" "))
    }
}

/// `id` as `<left@right>` when it is a well-formed Message-ID (with or without its brackets).
pub fn msg_id(id: &str) -> Option<String> {
    let bare = id.trim();
    let bare = bare
        .strip_prefix('<')
        .and_then(|b| b.strip_suffix('>'))
        .unwrap_or(bare);
    let (left, right) = bare.split_once('@')?;
    let fine = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'@' | b'"' | b'\\'))
    };
    (bare.len() <= 250 && fine(left) && fine(right)).then(|| format!("<{bare}>"))
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
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub smtp_response: Option<String>,
    pub created_at: NaiveDateTime,
    /// The In-Reply-To header's value (`<…@…>`), if any.
    pub in_reply_to: Option<String>,
    /// The References header's value (ids separated by one space), if any.
    pub reference_ids: Option<String>,
}

/// One outbox row as it is queued. `None` binds NULL (not DEFAULT), so the statement's text is the
/// same for every row and SQLite's prepared statement is reused from diesel's cache.
#[derive(Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
struct QueuedRow<'a> {
    id: String,
    kind: &'a str,
    dedupe_key: Option<&'a str>,
    organisation_id: Option<&'a str>,
    incident_id: Option<&'a str>,
    to_addr: &'a str,
    subject: &'a str,
    body_text: &'a str,
    body_html: Option<&'a str>,
    /// Fixed now, so a retry carries the same one; the local part is the row's id (bounces and
    /// replies are matched by it: mailbox::store::outbox_by_message_ids).
    message_id: String,
    status: &'static str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
    in_reply_to: Option<&'a str>,
    reference_ids: Option<String>,
}

impl<'a> QueuedRow<'a> {
    fn new(m: &'a NewMessage, domain: &str, t: NaiveDateTime) -> Self {
        let id = new_id();
        QueuedRow {
            message_id: format!("<{id}@{domain}>"),
            id,
            kind: &m.kind,
            dedupe_key: m.dedupe_key.as_deref(),
            organisation_id: m.organisation_id.as_deref(),
            incident_id: m.incident_id.as_deref(),
            to_addr: &m.to,
            subject: &m.subject,
            body_text: &m.body_text,
            body_html: m.body_html.as_deref(),
            status: OutboxStatus::Queued.as_str(),
            attempts: 0,
            next_attempt_at: t,
            created_at: t,
            in_reply_to: m.thread.in_reply_to.as_deref(),
            reference_ids: m.thread.references_header(),
        }
    }
}

/// Queue a message inside the caller's transaction. The Message-ID is fixed now, so a retry
/// carries the same one. Returns the row id.
pub fn enqueue(
    conn: &mut DbConn,
    m: &NewMessage,
    domain: &str,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    // Through the batch path: on the concrete connection, so the statement is cached (through
    // the `MultiConnection` wrapper it was prepared anew for every acknowledgement).
    enqueue_batch(conn, std::slice::from_ref(m), domain, now)?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// Queue many messages inside the caller's transaction. Returns the row ids in input order. A
/// `dedupe_key` already present fails the whole batch (unique violation).
pub fn enqueue_batch(
    conn: &mut DbConn,
    msgs: &[NewMessage],
    domain: &str,
    now: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    let t = to_db(now);
    let mut ids = Vec::with_capacity(msgs.len());
    match conn {
        // SQLite: one cached single-row statement per message. A multi-row INSERT is prepared anew
        // for every chunk, and SQLite gives a statement that writes many rows a statement journal
        // (every page it touches copied once more) so that it can be undone alone; a one-row
        // INSERT needs neither. Measured with `cargo bench --bench notifications letters_queue`.
        DbConn::Sqlite(c) => {
            for m in msgs {
                let row = QueuedRow::new(m, domain, t);
                diesel::insert_into(outbox::table).values(&row).execute(c)?;
                ids.push(row.id);
            }
        }
        // PostgreSQL: every statement is a round trip, so multi-row INSERTs; 16 columns a row,
        // 500 rows stay far below the 65,535 bound parameters.
        DbConn::Pg(c) => {
            for chunk in msgs.chunks(500) {
                let rows: Vec<QueuedRow> =
                    chunk.iter().map(|m| QueuedRow::new(m, domain, t)).collect();
                diesel::insert_into(outbox::table)
                    .values(&rows)
                    .execute(c)?;
                ids.extend(rows.into_iter().map(|r| r.id));
            }
        }
    }
    Ok(ids)
}

/// Record that `worker` is alive at `now` (its heartbeat), in the caller's transaction or alone.
/// Rows of workers silent for a day are removed on the way (a worker killed never retires).
pub fn beat(conn: &mut DbConn, worker: &str, now: DateTime<Utc>) -> QueryResult<()> {
    let t = to_db(now);
    // One upsert: the heartbeat task and a claim may write a worker's first beat at the same time,
    // and an INSERT that fails would leave an ERROR in PostgreSQL's log.
    let row = (outbox_workers::id.eq(worker), outbox_workers::seen_at.eq(t));
    diesel::insert_into(outbox_workers::table)
        .values(row)
        .on_conflict(outbox_workers::id)
        .do_update()
        .set(outbox_workers::seen_at.eq(t))
        .execute_on(conn)?;
    if now.timestamp() % 60 == 0 {
        // Now and then: rows of workers silent for a day (a worker killed never retires).
        diesel::delete(
            outbox_workers::table
                .filter(outbox_workers::seen_at.lt(to_db(now - Duration::days(1)))),
        )
        .execute_on(conn)?;
    }
    Ok(())
}

/// A worker that stops in order removes its heartbeat row.
pub fn retire(conn: &mut DbConn, worker: &str) -> QueryResult<()> {
    diesel::delete(outbox_workers::table.find(worker)).execute_on(conn)?;
    Ok(())
}

/// Claim up to `n` due messages for `worker` for `lease`: queued ones whose time has come, and
/// claimed ones whose worker is dead — its lease ran out, or it has not beaten for `takeover`
/// (killed, or its machine gone), so its claims are taken up within seconds, not after the lease.
/// The claim is also `worker`'s heartbeat.
pub fn claim(
    conn: &mut DbConn,
    worker: &str,
    n: i64,
    lease: Duration,
    takeover: Duration,
    now: DateTime<Utc>,
) -> QueryResult<Vec<OutboxRow>> {
    let t = to_db(now);
    let until = to_db(now + lease);
    crate::db::write_tx(conn, |conn| {
        beat(conn, worker, now)?;
        // The live workers are read in the same statement as their claims (a subquery), never
        // beforehand: on PostgreSQL a worker's first heartbeat commits together with its first
        // claim, and a list read a moment earlier would not hold it while the rows already do.
        let cutoff = to_db(now - takeover);
        // Kinds that are paused or used up their messages for this minute are not claimed.
        let mut gates = load_gates(conn, now)?;
        let blocked: Vec<String> = gates
            .iter()
            .filter(|g| g.budget() == Some(0))
            .map(|g| g.kind.clone())
            .collect();
        // Two queries, each served in order by the (status, next_attempt_at) index and stopped by its
        // LIMIT: one `(queued AND due) OR (sending AND lease over)` query sorts every due row before the
        // LIMIT — 100,000 rows per claim with a large campaign queued. Rows whose worker died first.
        let live = outbox_workers::table
            .filter(outbox_workers::seen_at.ge(cutoff))
            .select(outbox_workers::id.nullable());
        let expired = outbox::status.eq(OutboxStatus::Sending).and(
            outbox::claimed_until
                .lt(t)
                .or(outbox::claimed_by.ne_all(live)),
        );
        let queued = outbox::status
            .eq(OutboxStatus::Queued)
            .and(outbox::next_attempt_at.le(t));
        let due = outbox::table
            .filter(expired)
            .filter(outbox::kind.ne_all(&blocked))
            .order(outbox::next_attempt_at.asc())
            .limit(n)
            .select((outbox::id, outbox::kind));
        let mut picked: Vec<(String, String)> = crate::db_run!(
            conn,
            sqlite: |c| due.load(c)?,
            pg: |c| due.for_update().skip_locked().load(c)?,
        );
        let rest = n - picked.len() as i64;
        if rest > 0 {
            let next = outbox::table
                .filter(queued)
                .filter(outbox::kind.ne_all(&blocked))
                .order(outbox::next_attempt_at.asc())
                .limit(rest)
                .select((outbox::id, outbox::kind));
            let more: Vec<(String, String)> = crate::db_run!(
                conn,
                sqlite: |c| next.load(c)?,
                pg: |c| next.for_update().skip_locked().load(c)?,
            );
            picked.extend(more);
        }
        let ids = take_within_budgets(picked, &mut gates);
        if ids.is_empty() {
            return Ok(vec![]);
        }
        save_gates(conn, &gates)?;
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::status.eq(OutboxStatus::Sending),
                outbox::claimed_by.eq(worker),
                outbox::claimed_until.eq(until),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute_on(conn)?;
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::next_attempt_at.asc())
            .load_on(conn)
    })
}

/// A gate on one kind of message (e.g. one campaign's): paused, or at most `per_minute` claims in
/// each minute-long window. Claims of kinds without a gate are not limited.
#[derive(Queryable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = outbox_gates, treat_none_as_null = true)]
pub struct Gate {
    pub kind: String,
    pub paused: bool,
    pub per_minute: Option<i32>,
    pub window_start: NaiveDateTime,
    pub window_count: i32,
}

impl Gate {
    /// Claims still allowed now: `None` unlimited, `Some(0)` none.
    pub fn budget(&self) -> Option<i64> {
        if self.paused {
            return Some(0);
        }
        self.per_minute
            .map(|m| (i64::from(m) - i64::from(self.window_count)).max(0))
    }
}

/// The gates, their windows rolled forward to `now`. On PostgreSQL the gate rows are locked for
/// the claim's transaction, so concurrent claimers share one budget.
fn load_gates(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<Vec<Gate>> {
    let mut gates: Vec<Gate> = crate::db_run!(
        conn,
        sqlite: |c| outbox_gates::table.load(c)?,
        pg: |c| outbox_gates::table
            .order(outbox_gates::kind.asc())
            .for_update()
            .load(c)?,
    );
    if !gates.is_empty() {
        // A gate whose kind has nothing left to send (a finished campaign) is removed, so claims
        // do not read the gates of every campaign ever run. On PostgreSQL the rows are locked
        // above already (in one order), so this takes no lock in another order.
        let gone: Vec<GateKind> = diesel::sql_query(
            "DELETE FROM outbox_gates WHERE NOT EXISTS (SELECT 1 FROM outbox o \
             WHERE o.kind = outbox_gates.kind AND o.status IN ('queued', 'sending')) RETURNING kind",
        )
        .load_on(conn)?;
        gates.retain(|g| !gone.iter().any(|k| k.kind == g.kind));
    }
    let t = to_db(now);
    for g in &mut gates {
        if t - g.window_start >= Duration::minutes(1) || t < g.window_start {
            g.window_start = t;
            g.window_count = 0;
        }
    }
    Ok(gates)
}

#[derive(QueryableByName)]
struct GateKind {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
}

/// Keep the picked rows each kind's budget allows, counting them into the gates.
fn take_within_budgets(picked: Vec<(String, String)>, gates: &mut [Gate]) -> Vec<String> {
    let mut ids = Vec::with_capacity(picked.len());
    for (id, kind) in picked {
        match gates.iter_mut().find(|g| g.kind == kind) {
            Some(g) => {
                if g.budget().map(|b| b > 0).unwrap_or(true) {
                    g.window_count += 1;
                    ids.push(id);
                }
            }
            None => ids.push(id),
        }
    }
    ids
}

fn save_gates(conn: &mut DbConn, gates: &[Gate]) -> QueryResult<()> {
    for g in gates {
        diesel::update(outbox_gates::table.find(&g.kind))
            .set((
                outbox_gates::window_start.eq(g.window_start),
                outbox_gates::window_count.eq(g.window_count),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

/// Create or change the gate of `kind`.
pub fn set_gate(
    conn: &mut DbConn,
    kind: &str,
    paused: bool,
    per_minute: Option<i32>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let n = match gate(conn, kind)? {
        // A new rate starts a new window.
        Some(g) if g.per_minute != per_minute => diesel::update(outbox_gates::table.find(kind))
            .set((
                outbox_gates::paused.eq(paused),
                outbox_gates::per_minute.eq(per_minute),
                outbox_gates::window_start.eq(to_db(now)),
                outbox_gates::window_count.eq(0),
            ))
            .execute_on(conn)?,
        Some(_) => diesel::update(outbox_gates::table.find(kind))
            .set(outbox_gates::paused.eq(paused))
            .execute_on(conn)?,
        None => 0,
    };
    if n == 0 {
        diesel::insert_into(outbox_gates::table)
            .values(&Gate {
                kind: kind.to_string(),
                paused,
                per_minute,
                window_start: to_db(now),
                window_count: 0,
            })
            .execute_on(conn)?;
    }
    Ok(())
}

pub fn gate(conn: &mut DbConn, kind: &str) -> QueryResult<Option<Gate>> {
    outbox_gates::table.find(kind).first_on(conn).optional()
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
            .filter(outbox::status.eq(OutboxStatus::Sending))
            .filter(outbox::claimed_by.eq(worker)),
    )
    .set(outbox::claimed_until.eq(Some(to_db(now + lease))))
    .execute_on(conn)
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
            .filter(outbox::status.eq(OutboxStatus::Sending))
            .filter(outbox::claimed_by.eq(worker)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Sent),
        outbox::sent_at.eq(Some(to_db(now))),
        outbox::smtp_response.eq(Some(response)),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute_on(conn)
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
        .filter(outbox::status.eq(OutboxStatus::Sending))
        .filter(outbox::claimed_by.eq(worker));
    let err: String = error.chars().take(1000).collect();
    match retry_in {
        Some(d) => diesel::update(target)
            .set((
                outbox::status.eq(OutboxStatus::Queued),
                outbox::next_attempt_at.eq(to_db(now + d)),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(err)),
            ))
            .execute_on(conn),
        None => diesel::update(target)
            .set((
                outbox::status.eq(OutboxStatus::Failed),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(err)),
            ))
            .execute_on(conn),
    }
}

/// What became of one claimed message, waiting to be written.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Accepted by the SMTP server with this answer.
    Sent(String),
    /// Not accepted: back to the queue after the delay, or failed for good (`None`).
    Failed {
        error: String,
        retry_in: Option<Duration>,
    },
}

/// Write several outcomes and renew `worker`'s claim on the rows it still holds, in one
/// transaction (one commit for many messages). Returns which of `renew` are still held: a row whose
/// claim was lost (another worker took it up after the lease ran out) must not be sent.
pub fn settle(
    conn: &mut DbConn,
    worker: &str,
    outcomes: &[(String, Outcome)],
    renew: &[String],
    lease: Duration,
    now: DateTime<Utc>,
) -> QueryResult<(usize, Vec<String>)> {
    crate::db::write_tx(conn, |conn| {
        let mut marked = 0;
        for (id, o) in outcomes {
            marked += match o {
                Outcome::Sent(resp) => mark_sent(conn, id, worker, resp, now)?,
                Outcome::Failed { error, retry_in } => {
                    mark_failed(conn, id, worker, error, *retry_in, now)?
                }
            };
        }
        if renew.is_empty() {
            return Ok((marked, vec![]));
        }
        let mine = outbox::table
            .filter(outbox::id.eq_any(renew))
            .filter(outbox::status.eq(OutboxStatus::Sending))
            .filter(outbox::claimed_by.eq(worker));
        diesel::update(mine.clone())
            .set(outbox::claimed_until.eq(Some(to_db(now + lease))))
            .execute_on(conn)?;
        let held = mine.select(outbox::id).load_on(conn)?;
        Ok((marked, held))
    })
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table.find(id).first_on(conn).optional()
}

pub fn count_by_status(conn: &mut DbConn, status: OutboxStatus) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(status))
        .count()
        .get_result_on(conn)
}

pub fn for_incident(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::incident_id.eq(incident_id))
        .order(outbox::created_at.asc())
        .load_on(conn)
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
    fn only_well_formed_message_ids_reach_the_threading_headers() {
        assert_eq!(
            msg_id("a.b@example.nl").as_deref(),
            Some("<a.b@example.nl>")
        );
        assert_eq!(
            msg_id(" <a.b@example.nl> ").as_deref(),
            Some("<a.b@example.nl>")
        );
        for bad in [
            "",
            "<>",
            "no-at-sign",
            "@example.nl",
            "a@",
            "a@b@c",
            "sha256:00ff",
            "a b@example.nl",
            "a@example.nl>\r\nBcc: x@y.nl",
            "a@example.nl\nX: y",
            "ä@example.nl",
            "<a@<b>",
        ] {
            assert_eq!(msg_id(bad), None, "{bad:?}");
        }
        assert_eq!(msg_id(&format!("{}@x.nl", "a".repeat(250))), None);
    }

    #[test]
    fn references_keep_order_drop_repeats_and_keep_the_first_and_latest() {
        let t = Thread::new(Some("m3@x"), &["m1@x", "bad id", "<m2@x>", "m1@x", "m3@x"]);
        assert_eq!(t.in_reply_to.as_deref(), Some("<m3@x>"));
        assert_eq!(
            t.references_header().as_deref(),
            Some("<m1@x> <m2@x> <m3@x>")
        );
        assert_eq!(Thread::new::<&str>(None, &[]).references_header(), None);
        assert_eq!(
            Thread::new::<&str>(Some("not an id"), &[]).in_reply_to,
            None
        );
        let many: Vec<String> = (0..25).map(|i| format!("m{i}@x")).collect();
        let t = Thread::new(None, &many);
        assert_eq!(t.references.len(), MAX_REFERENCES);
        assert_eq!(t.references[0], "<m0@x>");
        assert_eq!(t.references[1], "<m16@x>");
        assert_eq!(t.references[MAX_REFERENCES - 1], "<m24@x>");
    }

    #[test]
    fn budgets_limit_each_gated_kind_and_leave_others_alone() {
        let t = to_db(chrono::Utc::now());
        let mut gates = vec![
            Gate {
                kind: "campaign:a".into(),
                paused: false,
                per_minute: Some(3),
                window_start: t,
                window_count: 1,
            },
            Gate {
                kind: "campaign:p".into(),
                paused: true,
                per_minute: None,
                window_start: t,
                window_count: 0,
            },
        ];
        assert_eq!(gates[0].budget(), Some(2));
        assert_eq!(gates[1].budget(), Some(0));
        let picked: Vec<(String, String)> = (0..5)
            .map(|i| (format!("a{i}"), "campaign:a".to_string()))
            .chain([
                ("x".to_string(), "ack".to_string()),
                ("p".to_string(), "campaign:p".to_string()),
            ])
            .collect();
        let ids = take_within_budgets(picked, &mut gates);
        assert_eq!(ids, vec!["a0", "a1", "x"]);
        assert_eq!(gates[0].window_count, 3);
        assert_eq!(gates[0].budget(), Some(0));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 1), Duration::seconds(30));
        assert_eq!(backoff(30, 3), Duration::seconds(120));
        assert_eq!(backoff(30, 20), Duration::seconds(6 * 3600));
    }
}
