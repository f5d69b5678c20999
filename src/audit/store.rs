//! Appending to and reading the audit chain.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::chain::{self, Break, Record, Verifier};
use super::Entry;
use crate::db::schema::{audit_head, audit_log};
use crate::db::Cached;
use crate::db::{from_db, to_db, DbConn};

// None is bound as NULL (no nullable column has another default): the INSERT's SQL is static and
// its prepared statement is found by type.
#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub seq: i64,
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub organisation_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// 1: plain SHA-256 (older records); 2: keyed (see `chain`).
    pub scheme: i32,
}

impl AuditRow {
    pub fn record(&self) -> Record {
        Record {
            seq: self.seq,
            at: from_db(self.at),
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            organisation_id: self.organisation_id.clone(),
            before_json: self.before_json.clone(),
            after_json: self.after_json.clone(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
            scheme: self.scheme,
        }
    }
}

/// Append entries to the chain. Must run inside the caller's transaction, so the change and its
/// audit record commit together. Locks the chain head (PostgreSQL: `FOR UPDATE`; SQLite: the
/// transaction already holds the write lock).
pub fn append(conn: &mut DbConn, entries: &[Entry], at: DateTime<Utc>) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let head = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash));
    let (mut seq, mut prev): (i64, String) = crate::db_run!(
        conn,
        sqlite: |c| head.first(c)?,
        pg: |c| head.for_update().first(c)?,
    );
    let at_db = to_db(at);
    let at = from_db(at_db);
    // Keyed whenever the process has the key (every command that writes installs it at start).
    let key = chain::installed_key();
    let scheme = if key.is_some() {
        chain::SCHEME_KEYED
    } else {
        tracing::warn!("audit records written unkeyed: no audit key installed");
        chain::SCHEME_PLAIN
    };
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        seq += 1;
        let before = e.before.as_ref().map(|v| v.to_string());
        let after = e.after.as_ref().map(|v| v.to_string());
        let actor = e.actor.as_string();
        let hash = chain::compute_hash(
            key,
            &prev,
            seq,
            at,
            &actor,
            e.action.as_str(),
            e.entity_type,
            &e.entity_id,
            e.organisation_id.as_deref(),
            before.as_deref(),
            after.as_deref(),
        );
        rows.push(AuditRow {
            seq,
            at: at_db,
            actor,
            action: e.action.as_str().to_string(),
            entity_type: e.entity_type.to_string(),
            entity_id: e.entity_id.clone(),
            organisation_id: e.organisation_id.clone(),
            before_json: before,
            after_json: after,
            prev_hash: prev.clone(),
            hash: hash.clone(),
            scheme,
        });
        prev = hash;
    }
    // Single-row inserts: the statement is prepared once and cached, where a multi-row insert is
    // rebuilt for every batch size.
    for row in &rows {
        diesel::insert_into(audit_log::table)
            .values(row)
            .execute_on(conn)?;
    }
    MoveHead { seq, hash: &prev }.execute_on(conn)?;
    Ok(())
}

/// `UPDATE audit_head SET seq = …, hash = … WHERE id = 1`: a statement of our own rather than
/// diesel's UPDATE builder, whose statements are never kept prepared (`unsafe_to_cache_prepared`);
/// every write transaction runs it, so it is prepared once per connection.
struct MoveHead<'a> {
    seq: i64,
    hash: &'a str,
}

impl diesel::query_builder::QueryId for MoveHead<'_> {
    type QueryId = MoveHead<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for MoveHead<'_>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("UPDATE audit_head SET seq = ");
        out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.seq)?;
        out.push_sql(", hash = ");
        out.push_bind_param::<diesel::sql_types::Text, _>(self.hash)?;
        out.push_sql(" WHERE id = 1");
        Ok(())
    }
}

impl<C> diesel::RunQueryDsl<C> for MoveHead<'_> {}

pub fn for_entity(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::seq.asc())
        .load_on(conn)
}

/// A page of an entity's trail, oldest first (the index `audit_entity`).
pub fn for_entity_page(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::seq.asc())
        .limit(limit)
        .offset(offset)
        .load_on(conn)
}

/// How many records an entity's trail holds.
pub fn count_for_entity(conn: &mut DbConn, entity_type: &str, entity_id: &str) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result_on(conn)
}

#[derive(Debug)]
pub struct VerifyOutcome {
    pub checked: u64,
    pub broken: Option<Break>,
    /// The chain head as the database records it.
    pub head_seq: i64,
    pub head_hash: String,
}

/// The chain head (record count and last hash) as the database records it.
pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .first_on(conn)
}

/// The stored hash of record `seq`, if there is one.
pub fn hash_at(conn: &mut DbConn, seq: i64) -> QueryResult<Option<(String, DateTime<Utc>)>> {
    audit_log::table
        .filter(audit_log::seq.eq(seq))
        .select((audit_log::hash, audit_log::at))
        .first_on::<(String, chrono::NaiveDateTime)>(conn)
        .optional()
        .map(|o| o.map(|(h, at)| (h, from_db(at))))
}

/// When the first record still in the log was written.
pub fn first_at(conn: &mut DbConn) -> QueryResult<Option<DateTime<Utc>>> {
    audit_log::table
        .order(audit_log::seq.asc())
        .select(audit_log::at)
        .first_on::<chrono::NaiveDateTime>(conn)
        .optional()
        .map(|o| o.map(from_db))
}

/// Recompute the whole chain, page by page.
pub fn verify(conn: &mut DbConn) -> QueryResult<VerifyOutcome> {
    let mut v = Verifier::default();
    let mut after = 0i64;
    loop {
        let page: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .order(audit_log::seq.asc())
            .limit(5000)
            .load_on(conn)?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            if let Err(b) = v.feed(&row.record()) {
                let (head_seq, head_hash) = head(conn)?;
                return Ok(VerifyOutcome {
                    checked: v.checked,
                    broken: Some(b),
                    head_seq,
                    head_hash,
                });
            }
        }
        after = page.last().map(|r| r.seq).unwrap_or(after);
    }
    let (head_seq, head_hash) = head(conn)?;
    let broken = v.finish(head_seq, &head_hash).err();
    Ok(VerifyOutcome {
        checked: v.checked,
        broken,
        head_seq,
        head_hash,
    })
}
