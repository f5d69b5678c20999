//! Database access: one connection enum over PostgreSQL and SQLite, chosen by the URL scheme
//! (`conn`); every query on its concrete connection, where statements are cached (`cached`); on
//! SQLite every write transaction of a request through one writer, in group commit (`writer`).
mod cached;
mod conn;
pub mod schema;
pub mod text;
mod writer;

pub use cached::Cached;
pub use conn::{
    apply_pragmas, build_pool, connect, sqlite_path, Backend, DbConn, DbPool, PooledConn,
    SqlitePragmas,
};
pub use writer::{begin_write, write_tx, Stats as WriterStats, Writer, MAX_BATCH};

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The PostgreSQL advisory lock key that serialises migrations ("meldpunt" in ASCII, as a number):
/// replicas started together at an install or an upgrade wait on it instead of crashing on
/// duplicate catalogue rows, then find nothing left to do.
pub const MIGRATION_LOCK_KEY: i64 = 0x6d65_6c64_7075_6e74;

/// Apply pending migrations; returns the names of those applied. On PostgreSQL under a session
/// advisory lock (`pg_advisory_lock`), held until all are applied; SQLite's own write lock
/// serialises writers already (each migration runs in a transaction).
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    use diesel::RunQueryDsl;
    let applied = match conn {
        DbConn::Pg(c) => {
            diesel::sql_query("SELECT pg_advisory_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
                .execute(c)?;
            let res = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
                .execute(c);
            let applied = res?;
            unlocked?;
            applied
        }
        DbConn::Sqlite(c) => {
            // One migration may not run in a transaction (a table rebuild with foreign keys off),
            // so SQLite's write lock alone does not keep two processes from applying the same one:
            // an exclusive lock on a file beside the database does (released when dropped).
            let _lock = match sqlite_file(c) {
                Some(db) => {
                    let f = std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(format!("{db}.migrate-lock"))?;
                    f.lock()?;
                    Some(f)
                }
                None => None,
            };
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
        }
    };
    Ok(applied)
}

/// The file of a SQLite connection's main database (none for an in-memory one).
fn sqlite_file(c: &mut SqliteConnection) -> Option<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct DbFile {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<DbFile>(c)
        .ok()
        .map(|d| d.file)
        .filter(|f| !f.is_empty())
}

/// True when every embedded migration has been applied.
pub fn migrations_current(conn: &mut DbConn) -> bool {
    let pending = match conn {
        DbConn::Pg(c) => c.has_pending_migration(PG_MIGRATIONS),
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    };
    matches!(pending, Ok(false))
}

/// Can the database take writes now? A write (that changes nothing) in a transaction that is
/// rolled back: a read-only database, transaction or connection refuses it.
pub fn probe_write(conn: &mut DbConn) -> Result<(), String> {
    let res = conn.transaction::<(), diesel::result::Error, _>(|c| {
        c.batch_execute("UPDATE audit_head SET seq = seq WHERE id = 1")?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    match res {
        Err(diesel::result::Error::RollbackTransaction) => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(()) => Ok(()),
    }
}

/// Instants are stored as UTC `NaiveDateTime`, truncated to microseconds so both backends
/// round-trip them alike.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    let n = t.naive_utc();
    n.with_nanosecond(n.nanosecond() / 1000 * 1000).unwrap_or(n)
}

pub fn from_db(n: NaiveDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(n, Utc)
}

pub fn now() -> DateTime<Utc> {
    from_db(to_db(Utc::now()))
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// `UPDATE counters SET value = value + n WHERE scope = … AND year = … RETURNING value`, one round
/// trip on both backends. A query of our own rather than diesel's UPDATE builder: diesel never
/// keeps the prepared statement of an UPDATE (`unsafe_to_cache_prepared`), so every report paid
/// for parsing and planning the statement again (a tenth of the storage time per message in
/// `cargo bench --bench mail_intake`).
struct BumpCounter<'a> {
    scope: &'a str,
    year: i32,
    n: i64,
}

impl diesel::query_builder::QueryId for BumpCounter<'_> {
    type QueryId = BumpCounter<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for BumpCounter<'_>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Integer>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE counters SET value = value + ");
        out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.n)?;
        out.push_sql(" WHERE scope = ");
        out.push_bind_param::<diesel::sql_types::Text, _>(self.scope)?;
        out.push_sql(" AND year = ");
        out.push_bind_param::<diesel::sql_types::Integer, _>(&self.year)?;
        out.push_sql(" RETURNING value");
        Ok(())
    }
}

impl diesel::query_builder::Query for BumpCounter<'_> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<C> diesel::RunQueryDsl<C> for BumpCounter<'_> {}

/// Next value of a yearly counter (report and incident references). Runs inside the caller's
/// write transaction: the counter row's lock serialises concurrent writers on PostgreSQL.
pub fn next_counter(conn: &mut DbConn, scope: &str, year: i32) -> diesel::QueryResult<i64> {
    reserve_counter(conn, scope, year, 1)
}

/// Reserve `n` consecutive values of a yearly counter at once; returns the first. One update for a
/// whole batch of reports instead of one per report.
pub fn reserve_counter(
    conn: &mut DbConn,
    scope: &str,
    year: i32,
    n: i64,
) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    use schema::counters;
    for _ in 0..3 {
        let last: Option<i64> = BumpCounter { scope, year, n }
            .get_result_on(conn)
            .optional()?;
        if let Some(last) = last {
            return Ok(last - n + 1);
        }
        // First of its scope this year. A concurrent first insert makes ours do nothing (no
        // error, none in PostgreSQL's log): then the UPDATE above finds the row.
        let row = (
            counters::scope.eq(scope),
            counters::year.eq(year),
            counters::value.eq(n),
        );
        let inserted = diesel::insert_into(counters::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute_on(conn)?;
        if inserted == 1 {
            return Ok(1);
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}
