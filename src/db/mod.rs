//! Database access: one connection enum over PostgreSQL and SQLite, chosen by the URL scheme.
pub mod schema;
pub mod text;

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// `sqlite://data/x.db`, `sqlite:data/x.db` and a bare path all name a SQLite file.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Connection URL as diesel wants it (SQLite: a file path).
fn diesel_url(url: &str) -> String {
    match Backend::from_url(url) {
        Backend::Postgres => url.to_string(),
        Backend::Sqlite => sqlite_path(url).to_string(),
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SqlitePragmas {
    pub synchronous_full: bool,
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        apply_pragmas(conn, self.synchronous_full).map_err(diesel::r2d2::Error::QueryError)
    }
}

pub fn apply_pragmas(conn: &mut DbConn, synchronous_full: bool) -> diesel::QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        let sync = if synchronous_full { "FULL" } else { "NORMAL" };
        // temp_store = MEMORY: savepoint and statement journals stay in memory instead of going
        // to a temporary file (they are needed only while the transaction runs).
        // busy_timeout first: switching a new database to WAL takes an exclusive lock, which
        // processes started together would otherwise fail on at once ("database is locked").
        c.batch_execute(&format!(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; \
             PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
        ))?;
    }
    Ok(())
}

/// Open one connection (with pragmas), creating the SQLite file's folder if needed.
pub fn connect(url: &str) -> anyhow::Result<DbConn> {
    if Backend::from_url(url) == Backend::Sqlite {
        ensure_sqlite_dir(url)?;
    }
    let mut conn = DbConn::establish(&diesel_url(url))?;
    // SQLite answers "database is locked" without waiting on busy_timeout while another process
    // switches a new database to WAL or recovers its log: processes started together retry.
    let mut tries = 0;
    loop {
        match apply_pragmas(&mut conn, false) {
            Ok(()) => return Ok(conn),
            Err(e) if tries < 100 && e.to_string().contains("locked") => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = std::path::Path::new(sqlite_path(url));
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    Ok(())
}

pub fn build_pool(url: &str, max_size: u32, synchronous_full: bool) -> anyhow::Result<DbPool> {
    if Backend::from_url(url) == Backend::Sqlite {
        ensure_sqlite_dir(url)?;
    }
    let manager = ConnectionManager::<DbConn>::new(diesel_url(url));
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas { synchronous_full }))
        .build(manager)?;
    Ok(pool)
}

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

/// Start a write transaction's body. On SQLite the first statement of every write transaction is
/// a write, so the transaction takes the write lock at once and waits on `busy_timeout` instead of
/// failing when it later upgrades from a stale read snapshot. On PostgreSQL nothing is needed here:
/// row locks are taken where rows are touched.
pub fn begin_write(conn: &mut DbConn) -> diesel::QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("UPDATE audit_head SET seq = seq WHERE id = 1")?;
    }
    Ok(())
}

/// Can the database take writes now? A write (that changes nothing) in a transaction that is
/// rolled back: a read-only database, transaction or connection refuses it.
pub fn probe_write(conn: &mut DbConn) -> Result<(), String> {
    use diesel::RunQueryDsl;
    let res = conn.transaction::<(), diesel::result::Error, _>(|c| {
        diesel::sql_query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(c)?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    match res {
        Err(diesel::result::Error::RollbackTransaction) => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(()) => Ok(()),
    }
}

/// The queue of one SQLite database's write transactions inside this process.
///
/// SQLite lets one transaction write at a time; the others get `SQLITE_BUSY` and its busy handler
/// sleeps and retries with growing pauses (1, 2, 5, 10 … 100 ms): with 16 clients creating
/// incidents the slowest waited 760 ms while the database was idle most of that time. Behind this
/// gate a write transaction waits on a condition variable instead, and starts the moment the one
/// before it commits. Reads do not take it (WAL lets them run beside the writer). Requests get
/// it through [`WriteGate::enter`] around their database work (`AppState::db`); [`write_tx`]
/// takes it on SQLite when one is entered on the thread, and only once when nested.
#[derive(Default)]
pub struct WriteGate {
    busy: std::sync::Mutex<bool>,
    freed: std::sync::Condvar,
    /// Let every transaction through (the busy handler alone), for measuring what the gate does.
    off: bool,
}

thread_local! {
    /// The gate of the database the current thread's work runs against, and whether this thread
    /// holds it.
    static GATE: std::cell::RefCell<Option<(std::sync::Arc<WriteGate>, bool)>> =
        const { std::cell::RefCell::new(None) };
}

impl WriteGate {
    /// A gate that queues nothing: SQLite's busy handler alone, as before the gate (benchmarks).
    pub fn off() -> WriteGate {
        WriteGate {
            off: true,
            ..WriteGate::default()
        }
    }

    /// Run `f` with this gate as the thread's gate: its [`write_tx`] calls queue on it.
    pub fn enter<T>(self: &std::sync::Arc<Self>, f: impl FnOnce() -> T) -> T {
        struct Leave(Option<(std::sync::Arc<WriteGate>, bool)>);
        impl Drop for Leave {
            fn drop(&mut self) {
                let before = self.0.take();
                GATE.with(|g| *g.borrow_mut() = before);
            }
        }
        let before = GATE.with(|g| g.borrow_mut().replace((self.clone(), false)));
        let _leave = Leave(before);
        f()
    }

    fn acquire(&self) {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy = true;
    }

    fn release(&self) {
        *self.busy.lock().unwrap_or_else(|e| e.into_inner()) = false;
        self.freed.notify_one();
    }
}

/// Holding the thread's gate until dropped (after the transaction has committed or rolled back).
struct GateHeld(std::sync::Arc<WriteGate>);

impl Drop for GateHeld {
    fn drop(&mut self) {
        GATE.with(|g| {
            if let Some((_, held)) = g.borrow_mut().as_mut() {
                *held = false;
            }
        });
        self.0.release();
    }
}

/// Take the thread's gate for a SQLite write transaction: `None` on PostgreSQL, without a gate
/// entered, or when this thread holds it already (a nested transaction).
fn take_gate(conn: &DbConn) -> Option<GateHeld> {
    if !matches!(conn, DbConn::Sqlite(_)) {
        return None;
    }
    let gate = GATE.with(|g| match g.borrow_mut().as_mut() {
        Some((gate, held)) if !*held && !gate.off => {
            *held = true;
            Some(gate.clone())
        }
        _ => None,
    })?;
    gate.acquire();
    Some(GateHeld(gate))
}

/// Run `f` in a write transaction (see [`begin_write`]); on SQLite queued on the thread's
/// [`WriteGate`] when one is entered.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let _gate = take_gate(conn);
    conn.transaction(|c| {
        begin_write(c)?;
        f(c)
    })
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
        let bump = BumpCounter { scope, year, n };
        // On the concrete connection: the prepared statement is reused from its cache.
        let last: Option<i64> = match conn {
            DbConn::Pg(c) => bump.get_result(c).optional()?,
            DbConn::Sqlite(c) => bump.get_result(c).optional()?,
        };
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
        let inserted = match conn {
            DbConn::Pg(c) => diesel::insert_into(counters::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(counters::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
        if inserted == 1 {
            return Ok(1);
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}
