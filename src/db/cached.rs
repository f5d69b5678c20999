//! One database path: every query runs on the concrete connection, where its prepared statement is
//! cached.
//!
//! `DbConn` is diesel's `MultiConnection` enum over SQLite and PostgreSQL. A query run *through*
//! it (`query.execute(conn)` with `conn: &mut DbConn`) is wrapped for a multi-backend: the wrapper
//! writes the query's SQL text again on every call (twice: once to ask whether it may be cached,
//! once to collect its binds) and converts its binds, even when the statement is already in the
//! connection's cache. Run on the concrete connection (`SqliteConnection`, `PgConnection`) the same
//! query is found in the cache by its type and only its binds are written.
//!
//! [`Cached`] gives every diesel query the methods of `RunQueryDsl` with an `_on` suffix that take
//! a `&mut DbConn` and run the query on the connection inside it: `q.execute_on(conn)`,
//! `q.load_on(conn)`, `q.get_result_on(conn)`, `q.get_results_on(conn)`, `q.first_on(conn)`. The
//! bounds ask the query to be valid for both backends, so one body serves both and the compiler
//! checks it for each. Where the backends need different SQL (`FOR UPDATE`, a raw query's
//! placeholders), [`crate::db_run!`] runs one body per backend on the concrete connection.
use diesel::dsl::Limit;
use diesel::pg::PgConnection;
use diesel::query_dsl::methods::{ExecuteDsl, LimitDsl, LoadQuery};
use diesel::sqlite::SqliteConnection;
use diesel::{QueryResult, RunQueryDsl};

use super::conn::DbConn;

type Lite = SqliteConnection;
type Pg = PgConnection;

/// `RunQueryDsl` on a [`DbConn`], through its concrete connection (see the module's notes).
pub trait Cached: Sized {
    /// `execute` on the concrete connection: the number of rows changed.
    fn execute_on(self, conn: &mut DbConn) -> QueryResult<usize>
    where
        Self: RunQueryDsl<Lite> + RunQueryDsl<Pg> + ExecuteDsl<Lite> + ExecuteDsl<Pg>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::<Lite>::execute(self, c),
            DbConn::Pg(c) => RunQueryDsl::<Pg>::execute(self, c),
        }
    }

    /// `load` on the concrete connection.
    fn load_on<'q, U>(self, conn: &mut DbConn) -> QueryResult<Vec<U>>
    where
        Self: RunQueryDsl<Lite> + RunQueryDsl<Pg> + LoadQuery<'q, Lite, U> + LoadQuery<'q, Pg, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::<Lite>::load(self, c),
            DbConn::Pg(c) => RunQueryDsl::<Pg>::load(self, c),
        }
    }

    /// `get_results` on the concrete connection.
    fn get_results_on<'q, U>(self, conn: &mut DbConn) -> QueryResult<Vec<U>>
    where
        Self: RunQueryDsl<Lite> + RunQueryDsl<Pg> + LoadQuery<'q, Lite, U> + LoadQuery<'q, Pg, U>,
    {
        self.load_on(conn)
    }

    /// `get_result` on the concrete connection.
    fn get_result_on<'q, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: RunQueryDsl<Lite> + RunQueryDsl<Pg> + LoadQuery<'q, Lite, U> + LoadQuery<'q, Pg, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::<Lite>::get_result(self, c),
            DbConn::Pg(c) => RunQueryDsl::<Pg>::get_result(self, c),
        }
    }

    /// `first` on the concrete connection.
    fn first_on<'q, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: RunQueryDsl<Lite> + RunQueryDsl<Pg> + LimitDsl,
        Limit<Self>: LoadQuery<'q, Lite, U> + LoadQuery<'q, Pg, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::<Lite>::first(self, c),
            DbConn::Pg(c) => RunQueryDsl::<Pg>::first(self, c),
        }
    }
}

impl<T> Cached for T {}

/// Run a body once per backend with the concrete connection, for SQL that differs between them.
///
/// `db_run!(conn, |c| body)` compiles `body` for each backend with `c` the concrete connection;
/// `db_run!(conn, sqlite |c| body, pg |c| body)` takes a body per backend (for example
/// PostgreSQL's `FOR UPDATE`, which SQLite has no need of: its writer holds the database's write
/// lock). `conn` is a `&mut DbConn` (or a pooled connection).
#[macro_export]
macro_rules! db_run {
    ($conn:expr, |$c:ident| $body:expr $(,)?) => {
        match $crate::db::DbConn::concrete($conn) {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
    ($conn:expr, sqlite |$s:ident| $sbody:expr, pg |$p:ident| $pbody:expr $(,)?) => {
        match $crate::db::DbConn::concrete($conn) {
            $crate::db::DbConn::Sqlite($s) => $sbody,
            $crate::db::DbConn::Pg($p) => $pbody,
        }
    };
}

impl DbConn {
    /// The connection itself (lets [`crate::db_run!`] take a pooled connection or a `&mut DbConn`
    /// alike).
    pub fn concrete(&mut self) -> &mut DbConn {
        self
    }
}
