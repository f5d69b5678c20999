//! Group commit for every write transaction of a process on one SQLite database.
//!
//! SQLite lets one transaction write at a time, and each commit costs the same whether it carries
//! one change or fifty (the pages touched are written to the WAL once, the lock taken once). So a
//! process keeps one writer connection per database ([`Writer`]); every [`super::write_tx`] of a
//! thread that has entered the writer ([`Writer::enter`], done by `AppState::db` for each request)
//! runs as one *job* on that connection:
//!
//! - the first job finding no transaction open begins one (`BEGIN IMMEDIATE`); every job runs in
//!   a SAVEPOINT of its own, so a job that fails (or panics) rolls back only itself and gets its
//!   own error, while its neighbours' writes stay;
//! - a job that finishes while others wait for the connection hands it on and the transaction
//!   stays open; the job that finishes with nobody waiting (or the batch full) COMMITs;
//! - every job's caller gets its result only after that COMMIT (durability as without the
//!   writer: a caller never answers for a change that is not committed). When the COMMIT fails,
//!   every job of the batch gets that error.
//!
//! The jobs run on their callers' threads (the connection is handed from thread to thread under a
//! lock), so a job's closure needs to be neither `Send` nor `'static`, and a nested `write_tx`
//! inside a job is a nested SAVEPOINT on the same connection. Jobs queue on a condition variable,
//! never in SQLite's busy handler. Reads do not come here: they run on the pool's connections
//! (WAL lets them read beside the writer). PostgreSQL has no writer: there every transaction runs
//! on its own pooled connection, with row locks where rows are touched (several instances share
//! one database).
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error};
use diesel::{Connection, QueryResult};

use super::conn::DbConn;

/// At most this many jobs share one transaction: bounds how long the first of them waits for the
/// COMMIT.
pub const MAX_BATCH: usize = 64;

/// The writer of one SQLite database in this process (see the module's notes).
pub struct Writer {
    state: Mutex<State>,
    /// Signalled when the connection is handed back.
    free: Condvar,
    /// Opens the connection again when it is found broken after a failed COMMIT.
    reopen: Box<dyn Fn() -> anyhow::Result<DbConn> + Send + Sync>,
}

struct State {
    /// The connection, or `None` while a job or a COMMIT has it.
    conn: Option<DbConn>,
    /// Jobs waiting for the connection.
    waiting: usize,
    /// The open batch (a transaction is open on the connection) and how many jobs it has had.
    batch: Option<(Arc<Batch>, usize)>,
    /// Counters for tests and benchmarks.
    stats: Stats,
}

/// What the writer has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Jobs run (each in its own SAVEPOINT).
    pub jobs: u64,
    /// Transactions committed (or tried).
    pub commits: u64,
}

/// One transaction's outcome, awaited by every job in it.
struct Batch {
    outcome: Mutex<Option<Result<(), Failed>>>,
    done: Condvar,
}

/// A failed COMMIT, kept to hand each job of the batch an error of its own.
#[derive(Clone)]
struct Failed {
    kind: Option<DatabaseErrorKind>,
    message: String,
}

impl Failed {
    fn from(e: &Error) -> Failed {
        match e {
            Error::DatabaseError(kind, info) => Failed {
                kind: Some(*kind),
                message: info.message().to_string(),
            },
            other => Failed {
                kind: None,
                message: other.to_string(),
            },
        }
    }

    fn error(&self) -> Error {
        Error::DatabaseError(
            self.kind.unwrap_or(DatabaseErrorKind::Unknown),
            Box::new(format!("commit failed: {}", self.message)),
        )
    }
}

impl Batch {
    fn finish(&self, outcome: Result<(), Failed>) {
        *lock(&self.outcome) = Some(outcome);
        self.done.notify_all();
    }

    fn wait(&self) -> Result<(), Failed> {
        let mut g = lock(&self.outcome);
        loop {
            if let Some(o) = g.as_ref() {
                return o.clone();
            }
            g = self.done.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The writers of this process by the file of their database: a `write_tx` on a thread that has
/// entered no writer (a background worker) finds its database's writer here.
static WRITERS: Mutex<Vec<(String, Weak<Writer>)>> = Mutex::new(Vec::new());

thread_local! {
    /// The writer the current thread's work writes through (see [`Writer::enter`]).
    static CURRENT: RefCell<Option<Arc<Writer>>> = const { RefCell::new(None) };
    /// Whether this thread is running a job now: then a `write_tx` is a nested SAVEPOINT on its
    /// connection, never a job of its own.
    static IN_JOB: Cell<bool> = const { Cell::new(false) };
}

impl Writer {
    /// A writer owning `conn` (a SQLite connection with the pool's pragmas); `reopen` opens a
    /// replacement when the connection breaks.
    pub fn new(
        conn: DbConn,
        reopen: impl Fn() -> anyhow::Result<DbConn> + Send + Sync + 'static,
    ) -> Arc<Writer> {
        Arc::new(Writer {
            state: Mutex::new(State {
                conn: Some(conn),
                waiting: 0,
                batch: None,
                stats: Stats::default(),
            }),
            free: Condvar::new(),
            reopen: Box::new(reopen),
        })
    }

    /// A writer for the SQLite database at `url` (`synchronous_full` as the pool's connections).
    pub fn open(url: &str, synchronous_full: bool) -> anyhow::Result<Arc<Writer>> {
        let open = {
            let url = url.to_string();
            move || -> anyhow::Result<DbConn> {
                let mut c = super::conn::connect(&url)?;
                super::conn::apply_pragmas(&mut c, synchronous_full)?;
                Ok(c)
            }
        };
        let mut conn = open()?;
        let file = main_file(&mut conn)?;
        let w = Writer::new(conn, open);
        // An in-memory database has no file (and is no other connection's database).
        if !file.is_empty() {
            let mut all = lock(&WRITERS);
            all.retain(|(_, w)| w.strong_count() > 0);
            all.push((file, Arc::downgrade(&w)));
        }
        Ok(w)
    }

    /// The writer of the database `conn` is on, when this process opened one.
    fn of(conn: &mut DbConn) -> Option<Arc<Writer>> {
        if lock(&WRITERS).is_empty() {
            return None;
        }
        let file = main_file(conn).ok().filter(|f| !f.is_empty())?;
        lock(&WRITERS)
            .iter()
            .filter(|(f, _)| *f == file)
            .find_map(|(_, w)| w.upgrade())
    }

    /// Run `f` on the writer's connection between batches (no transaction open), e.g. to change
    /// a setting of the connection.
    pub fn with_connection<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut st = lock(&self.state);
        st.waiting += 1;
        while st.conn.is_none() || st.batch.is_some() {
            st = self.free.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.waiting -= 1;
        let out = f(st.conn.as_mut().expect("connection is free"));
        drop(st);
        self.free.notify_one();
        out
    }

    pub fn stats(&self) -> Stats {
        lock(&self.state).stats
    }

    /// Run `f` with this writer as the thread's writer: its [`super::write_tx`] calls on a SQLite
    /// connection become jobs of this writer.
    pub fn enter<T>(self: &Arc<Self>, f: impl FnOnce() -> T) -> T {
        struct Leave(Option<Arc<Writer>>);
        impl Drop for Leave {
            fn drop(&mut self) {
                let before = self.0.take();
                CURRENT.with(|w| *w.borrow_mut() = before);
            }
        }
        let before = CURRENT.with(|w| w.borrow_mut().replace(self.clone()));
        let _leave = Leave(before);
        f()
    }

    /// The writer a `write_tx` on `conn` goes through: none inside a job (a nested `write_tx` is
    /// a SAVEPOINT on its connection), else the thread's, else the one of `conn`'s database.
    pub(super) fn for_write(conn: &mut DbConn) -> Option<Arc<Writer>> {
        if IN_JOB.with(|j| j.get()) {
            return None;
        }
        CURRENT
            .with(|w| w.borrow().clone())
            .or_else(|| Writer::of(conn))
    }

    /// Run `f` as one job: in its own SAVEPOINT of the open batch transaction, returning only
    /// after the batch has committed. A panic in `f` rolls back `f`'s SAVEPOINT and is resumed
    /// on this thread after the COMMIT.
    pub fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<Error>,
    {
        let (mut conn, batch) = self.take_turn()?;
        let outer = IN_JOB.with(|j| j.replace(true));
        let res = catch_unwind(AssertUnwindSafe(|| conn.transaction(f)));
        IN_JOB.with(|j| j.set(outer));
        if res.is_err() {
            // The closure panicked inside its SAVEPOINT: roll that back (the batch's own level
            // stays open).
            while depth(&mut conn) > 1 {
                if <DbConn as Connection>::TransactionManager::rollback_transaction(&mut conn)
                    .is_err()
                {
                    break;
                }
            }
        }
        // Anything but the batch's own level open and sound (a failed rollback, SQLite having
        // ended the transaction itself after an I/O error) ends the batch now: its COMMIT fails
        // and every job in it is told, rather than later jobs writing outside it.
        let sound = depth(&mut conn) == 1
            && <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(
                &mut conn,
            )
            .transaction_depth()
            .is_ok();
        self.hand_on(conn, &batch, !sound);
        let outcome = batch.wait();
        match res {
            Err(panic) => resume_unwind(panic),
            Ok(Err(e)) => Err(e),
            Ok(Ok(v)) => match outcome {
                Ok(()) => Ok(v),
                Err(f) => Err(f.error().into()),
            },
        }
    }

    /// Wait for the connection; open a batch transaction when none is open.
    fn take_turn(&self) -> Result<(DbConn, Arc<Batch>), Error> {
        let mut st = lock(&self.state);
        st.waiting += 1;
        while st.conn.is_none() {
            st = self.free.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.waiting -= 1;
        let mut conn = st.conn.take().expect("connection is free");
        st.stats.jobs += 1;
        if let Some((batch, n)) = st.batch.as_mut() {
            *n += 1;
            return Ok((conn, batch.clone()));
        }
        if let Err(e) = begin_immediate(&mut conn) {
            st.conn = Some(conn);
            drop(st);
            self.free.notify_one();
            return Err(e);
        }
        let batch = Arc::new(Batch {
            outcome: Mutex::new(None),
            done: Condvar::new(),
        });
        st.batch = Some((batch.clone(), 1));
        Ok((conn, batch))
    }

    /// After a job: hand the connection to a waiting job (the transaction stays open), or
    /// COMMIT when nobody waits or the batch is full, and tell the batch's jobs.
    fn hand_on(&self, mut conn: DbConn, batch: &Arc<Batch>, end: bool) {
        let mut st = lock(&self.state);
        let full = st.batch.as_ref().is_some_and(|(_, n)| *n >= MAX_BATCH);
        if st.waiting > 0 && !full && !end {
            st.conn = Some(conn);
            drop(st);
            self.free.notify_one();
            return;
        }
        st.batch = None;
        st.stats.commits += 1;
        drop(st);
        let outcome = <DbConn as Connection>::TransactionManager::commit_transaction(&mut conn)
            .map_err(|e| Failed::from(&e));
        if outcome.is_err() || !idle(&mut conn) {
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(&mut conn);
            if !idle(&mut conn) || conn.batch_execute("SELECT 1").is_err() {
                match (self.reopen)() {
                    Ok(c) => conn = c,
                    Err(e) => tracing::error!(error = %e, "database writer: reopening failed"),
                }
            }
        }
        if let Err(f) = &outcome {
            tracing::warn!(error = %f.message, "database writer: commit failed");
        }
        lock(&self.state).conn = Some(conn);
        self.free.notify_one();
        batch.finish(outcome);
    }
}

/// `BEGIN IMMEDIATE`: the batch takes the write lock at once (another process holding it: SQLite's
/// busy handler waits, up to `busy_timeout`).
fn begin_immediate(conn: &mut DbConn) -> Result<(), Error> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(_) => Err(Error::QueryBuilderError(
            "the group-commit writer is for SQLite only".into(),
        )),
    }
}

pub(super) fn depth(conn: &mut DbConn) -> u32 {
    <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .map(|d| d.get())
        .unwrap_or(0)
}

/// The file of a SQLite connection's main database (`pragma_database_list`), by a statement that
/// stays prepared.
fn main_file(conn: &mut DbConn) -> Result<String, Error> {
    use super::cached::Cached;
    MainFile.get_result_on(conn)
}

struct MainFile;

impl diesel::query_builder::QueryId for MainFile {
    type QueryId = MainFile;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for MainFile {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT file FROM pragma_database_list WHERE name = 'main'");
        Ok(())
    }
}

impl diesel::query_builder::Query for MainFile {
    type SqlType = diesel::sql_types::Text;
}

impl<C> diesel::RunQueryDsl<C> for MainFile {}

/// No transaction open and the transaction manager sound: ready for the next batch.
fn idle(conn: &mut DbConn) -> bool {
    !<DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
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

/// Run `f` in a write transaction. On SQLite, on a thread that has entered a [`Writer`] (every
/// request does, through `AppState::db`), `f` is a job of that writer: it runs in its own SAVEPOINT
/// of the writer's batch transaction on the writer's connection (not `conn`), and this returns
/// after the batch has committed. Inside a job, and elsewhere (the CLI, background workers,
/// PostgreSQL), it is a transaction (or a nested SAVEPOINT) on `conn` whose first statement is a
/// write (see [`begin_write`]).
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Only an outermost transaction needs its first statement to be a write; one inside a
    // transaction already open on `conn` is a SAVEPOINT of it (never a job: the writer would wait
    // for the lock this transaction may hold).
    let outermost = depth(conn) == 0;
    if outermost && matches!(conn, DbConn::Sqlite(_)) {
        if let Some(w) = Writer::for_write(conn) {
            return w.run(f);
        }
    }
    conn.transaction(|c| {
        if outermost {
            begin_write(c)?;
        }
        f(c)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use diesel::connection::SimpleConnection;
    use diesel::result::Error;

    use super::*;

    /// A writer on a fresh database file with a table `t (v TEXT UNIQUE)` and a table with a
    /// deferred foreign key (checked only at COMMIT).
    fn writer() -> (tempfile::TempDir, String, Arc<Writer>) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let mut c = crate::db::connect(&url).unwrap();
        c.batch_execute(
            "CREATE TABLE t (v TEXT NOT NULL UNIQUE); \
             CREATE TABLE child (parent TEXT REFERENCES t (v) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        let w = Writer::open(&url, false).unwrap();
        (dir, url, w)
    }

    fn insert(c: &mut DbConn, v: &str) -> Result<(), Error> {
        c.batch_execute(&format!("INSERT INTO t (v) VALUES ('{v}')"))
    }

    /// The values committed, read on a connection of their own.
    fn committed(url: &str) -> Vec<String> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let mut c = crate::db::connect(url).unwrap();
        let mut v: Vec<String> = diesel::sql_query("SELECT v FROM t")
            .load::<V>(&mut c)
            .unwrap()
            .into_iter()
            .map(|r| r.v)
            .collect();
        v.sort();
        v
    }

    /// Block inside the first job until `n` more jobs wait for the connection, so that they all
    /// join its batch.
    fn until_waiting(w: &Writer, n: usize) {
        let t = Instant::now();
        while lock(&w.state).waiting < n {
            assert!(t.elapsed() < Duration::from_secs(20), "jobs did not queue");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Wait until the writer has started `n` jobs.
    fn until_started(w: &Writer, n: u64) {
        let t = Instant::now();
        while w.stats().jobs < n {
            assert!(t.elapsed() < Duration::from_secs(20), "job did not start");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_failing_job_loses_only_its_own_writes() {
        let (_d, url, w) = writer();
        let first = {
            let w = w.clone();
            std::thread::spawn(move || {
                w.run(|c| {
                    insert(c, "a")?;
                    until_waiting(&w, 3);
                    Ok::<_, Error>(())
                })
            })
        };
        until_started(&w, 1);
        let jobs: Vec<_> = ["b", "fail", "c"]
            .into_iter()
            .map(|v| {
                let w = w.clone();
                std::thread::spawn(move || {
                    w.run(|c| {
                        if v == "fail" {
                            insert(c, "x")?;
                            // A duplicate: this job's SAVEPOINT is rolled back, with its "x".
                            insert(c, "a")?;
                        } else {
                            insert(c, v)?;
                        }
                        Ok::<_, Error>(())
                    })
                })
            })
            .collect();
        assert!(first.join().unwrap().is_ok());
        let results: Vec<_> = jobs.into_iter().map(|j| j.join().unwrap()).collect();
        assert!(results[0].is_ok() && results[2].is_ok());
        let err = results[1].as_ref().unwrap_err();
        assert!(crate::db::is_unique_violation(err), "{err}");
        assert_eq!(committed(&url), ["a", "b", "c"]);
        // All four in one transaction.
        assert_eq!(
            w.stats(),
            Stats {
                jobs: 4,
                commits: 1
            }
        );
    }

    #[test]
    fn callers_get_their_result_only_after_the_commit() {
        let (_d, url, w) = writer();
        let a_returned = Arc::new(AtomicBool::new(false));
        let a = {
            let (w, a_returned, url) = (w.clone(), a_returned.clone(), url.clone());
            std::thread::spawn(move || {
                let r = w.run(|c| {
                    insert(c, "a")?;
                    until_waiting(&w, 1);
                    Ok::<_, Error>(())
                });
                a_returned.store(true, Ordering::SeqCst);
                // Returned: committed, visible to every other connection.
                assert_eq!(committed(&url), ["a", "b"]);
                r
            })
        };
        until_started(&w, 1);
        let url2 = url.clone();
        let b = {
            let (w, a_returned) = (w.clone(), a_returned.clone());
            std::thread::spawn(move || {
                w.run(|c| {
                    // "a" is written in this batch but not committed: invisible elsewhere, and
                    // its caller has not been answered.
                    assert_eq!(committed(&url2), Vec::<String>::new());
                    std::thread::sleep(Duration::from_millis(50));
                    assert!(!a_returned.load(Ordering::SeqCst));
                    insert(c, "b")
                })
            })
        };
        assert!(b.join().unwrap().is_ok());
        assert!(a.join().unwrap().is_ok());
        assert_eq!(w.stats().commits, 1);
    }

    #[test]
    fn a_failed_commit_fails_every_job_of_the_batch() {
        let (_d, url, w) = writer();
        let first = {
            let w = w.clone();
            std::thread::spawn(move || {
                w.run(|c| {
                    insert(c, "a")?;
                    until_waiting(&w, 1);
                    Ok::<_, Error>(())
                })
            })
        };
        until_started(&w, 1);
        let second = {
            let w = w.clone();
            std::thread::spawn(move || {
                w.run(|c| {
                    // A dangling reference, deferred: the job succeeds, the COMMIT does not.
                    c.batch_execute("INSERT INTO child (parent) VALUES ('nobody')")
                })
            })
        };
        let (a, b) = (first.join().unwrap(), second.join().unwrap());
        assert!(a.is_err() && b.is_err(), "{a:?} {b:?}");
        assert!(a.unwrap_err().to_string().contains("commit failed"));
        assert_eq!(committed(&url), Vec::<String>::new());
        // The writer goes on.
        w.run(|c| insert(c, "later")).unwrap();
        assert_eq!(committed(&url), ["later"]);
    }

    #[test]
    fn nested_write_tx_is_a_savepoint_of_the_job() {
        let (_d, url, w) = writer();
        let mut pooled = crate::db::connect(&url).unwrap();
        let r: Result<(), Error> = w.enter(|| {
            crate::db::write_tx(&mut pooled, |c| {
                insert(c, "outer")?;
                let inner: Result<(), Error> = crate::db::write_tx(c, |c| {
                    insert(c, "inner-rolled-back")?;
                    insert(c, "outer") // duplicate: the inner SAVEPOINT rolls back
                });
                assert!(inner.is_err());
                crate::db::write_tx(c, |c| insert(c, "inner-kept"))
            })
        });
        r.unwrap();
        assert_eq!(committed(&url), ["inner-kept", "outer"]);
        assert_eq!(
            w.stats(),
            Stats {
                jobs: 1,
                commits: 1
            }
        );
    }

    #[test]
    fn a_panicking_job_rolls_back_alone_and_panics_in_its_caller() {
        let (_d, url, w) = writer();
        let first = {
            let w = w.clone();
            std::thread::spawn(move || {
                w.run(|c| {
                    insert(c, "a")?;
                    until_waiting(&w, 2);
                    Ok::<_, Error>(())
                })
            })
        };
        until_started(&w, 1);
        let panics = {
            let w = w.clone();
            std::thread::spawn(move || {
                let _: Result<(), Error> = w.run(|c| {
                    insert(c, "p")?;
                    panic!("a bug in a job");
                });
            })
        };
        let ok = {
            let w = w.clone();
            std::thread::spawn(move || w.run(|c| insert(c, "b")))
        };
        assert!(first.join().unwrap().is_ok());
        assert!(panics.join().is_err(), "the panic reaches its caller");
        assert!(ok.join().unwrap().is_ok());
        assert_eq!(committed(&url), ["a", "b"]);
        w.run(|c| insert(c, "after")).unwrap();
        assert_eq!(committed(&url), ["a", "after", "b"]);
    }

    #[test]
    fn a_write_tx_without_an_entered_writer_finds_its_databases_writer() {
        let (_d, url, w) = writer();
        // A background worker's thread: its own pooled connection, no writer entered.
        let mut c = crate::db::connect(&url).unwrap();
        crate::db::write_tx(&mut c, |c| insert(c, "bg")).unwrap();
        assert_eq!(
            w.stats(),
            Stats {
                jobs: 1,
                commits: 1
            }
        );
        // Inside a transaction already open on that connection: a SAVEPOINT of it, not a job.
        c.transaction(|c| {
            insert(c, "outer")?;
            crate::db::write_tx(c, |c| insert(c, "inner"))
        })
        .unwrap();
        assert_eq!(
            w.stats(),
            Stats {
                jobs: 1,
                commits: 1
            }
        );
        assert_eq!(committed(&url), ["bg", "inner", "outer"]);
        // Another database's connection does not go through this writer.
        let (_d2, url2, _) = {
            let dir = tempfile::tempdir().unwrap();
            let url2 = format!("sqlite://{}", dir.path().join("other.db").display());
            let mut o = crate::db::connect(&url2).unwrap();
            // `begin_write` (a transaction without a writer) touches the audit head first.
            o.batch_execute(
                "CREATE TABLE t (v TEXT NOT NULL UNIQUE); \
                 CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL); \
                 INSERT INTO audit_head VALUES (1, 0);",
            )
            .unwrap();
            (dir, url2, ())
        };
        let mut o = crate::db::connect(&url2).unwrap();
        crate::db::write_tx(&mut o, |c| insert(c, "elsewhere")).unwrap();
        assert_eq!(w.stats().jobs, 1);
        assert_eq!(committed(&url2), ["elsewhere"]);
    }
}
