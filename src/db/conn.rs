//! The connection: one enum over PostgreSQL and SQLite, chosen by the URL scheme, and its pool.
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

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
