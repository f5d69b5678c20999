//! The outbox against a real SMTP server (tests/api/smtp_sink.rs): a killed process loses nothing and
//! sends nothing twice, several workers never send one message twice, temporary failures are
//! retried and permanent ones are not.
//!
//! These tests drive their own workers on a bare migrated database. They do not use `both!`: the app
//! it spawns runs an outbox worker of its own (memory transport) that would take rows from the
//! workers under test.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use meldpunt::config::{MailSettings, OutboxSettings, Settings};
use meldpunt::db::schema::outbox;
use meldpunt::db::{self, DbConn};
use meldpunt::outbox::store::{self, OutboxRow};
use meldpunt::outbox::transport::Mailer;
use meldpunt::outbox::worker::Worker;
use meldpunt::outbox::{enqueue, NewMessage};
use tokio::sync::watch;

use crate::helpers::{Db, TestDb};
use crate::smtp_sink::{SmtpSink, NO_SUCH_USER, TEMP_FAILURE};

const FROM: &str = "Meldpunt <meldpunt@meldpunt.test>";

/// Like `helpers::both!`, but hands the test a backend instead of a running app.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    };
}

/// A fresh migrated database; `None` for PostgreSQL when it is not configured (helpers say so).
fn migrated(kind: Db) -> Option<TestDb> {
    let db = TestDb::new(kind)?;
    let mut c = db.conn();
    db::run_migrations(&mut c).expect("migrate");
    Some(db)
}

/// Queue `n` messages to `<prefix><i>@example.test`; returns their row ids.
fn enqueue_many(c: &mut DbConn, prefix: &str, n: usize) -> Vec<String> {
    db::write_tx(c, |c| -> QueryResult<Vec<String>> {
        (0..n)
            .map(|i| {
                enqueue(
                    c,
                    &message(&format!("{prefix}{i}@example.test")),
                    "meldpunt.test",
                    db::now(),
                )
            })
            .collect()
    })
    .expect("enqueue")
}

fn message(to: &str) -> NewMessage {
    NewMessage {
        kind: "test".into(),
        dedupe_key: None,
        organisation_id: None,
        incident_id: None,
        to: to.into(),
        subject: format!("Test for {to}"),
        body_text: format!(
            "Hello {to},\r\n.\r\nA line that starts with a dot, to test dot-stuffing.\r\n"
        ),
        body_html: None,
        thread: Default::default(),
    }
}

fn rows(c: &mut DbConn) -> Vec<OutboxRow> {
    tokio::task::block_in_place(|| outbox::table.order(outbox::created_at.asc()).load(c))
        .expect("load outbox")
}

fn status_counts(c: &mut DbConn) -> BTreeMap<String, i64> {
    tokio::task::block_in_place(|| {
        outbox::table
            .group_by(outbox::status)
            .select((outbox::status, diesel::dsl::count_star()))
            .load::<(String, i64)>(c)
    })
    .expect("count outbox")
    .into_iter()
    .collect()
}

fn sent(c: &mut DbConn) -> i64 {
    tokio::task::block_in_place(|| store::count_by_status(c, meldpunt::outbox::OutboxStatus::Sent))
        .expect("count sent")
}

/// Poll `check` (every 50 ms) until it holds or `limit` passes; then panic with `what` and `context()`.
pub(crate) async fn wait_until(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> bool,
    context: impl Fn() -> String,
) {
    let start = Instant::now();
    while !check() {
        if start.elapsed() > limit {
            panic!(
                "timed out after {limit:?} waiting for {what}\n{}",
                context()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Await `f` for at most `limit`.
async fn bounded<T>(what: &str, limit: Duration, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, f)
        .await
        .unwrap_or_else(|_| panic!("timed out after {limit:?}: {what}"))
}

fn smtp_settings(port: u16) -> MailSettings {
    let mut m = Settings::load_from(None, false).expect("defaults").mail;
    m.transport = "smtp".into();
    m.from = FROM.into();
    m.smtp_host = "127.0.0.1".into();
    m.smtp_port = port;
    m.smtp_tls = "none".into();
    m
}

fn outbox_settings() -> OutboxSettings {
    let mut o = Settings::load_from(None, false).expect("defaults").outbox;
    o.poll_interval_ms = 20;
    o.batch_size = 10;
    // Long enough that no claim runs out while its worker is alive: any second claim of a row here
    // would be a bug.
    o.lease_seconds = 600;
    o.backoff_base_seconds = 1;
    o.concurrency = 4;
    o
}

fn worker(pool: &db::DbPool, port: u16, settings: OutboxSettings) -> Worker {
    let mailer = Mailer::from_settings(&smtp_settings(port)).expect("smtp mailer");
    Worker::new(pool.clone(), mailer, FROM.into(), settings)
}

/// Message-ID → how often the sink accepted it.
fn accepted_ids(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for m in sink.accepted() {
        let id = m
            .message_id
            .unwrap_or_else(|| panic!("accepted message without Message-ID:\n{}", m.data));
        *ids.entry(id).or_insert(0) += 1;
    }
    ids
}

/// Every row was accepted exactly once under its own Message-ID, and nothing else was.
fn assert_each_row_accepted_once(rows: &[OutboxRow], sink: &SmtpSink) {
    let ids = accepted_ids(sink);
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "Message-IDs the sink accepted more than once: {twice:?}"
    );
    for r in rows {
        assert_eq!(
            ids.get(&r.message_id).copied().unwrap_or(0),
            1,
            "row {} ({}, status {}, attempts {}) accepted this often",
            r.id,
            r.message_id,
            r.status,
            r.attempts
        );
    }
    assert_eq!(
        ids.len(),
        rows.len(),
        "the sink accepted Message-IDs no row has"
    );
}

/// `meldpunt serve` (or another command of it, e.g. `outbox work`) as a child process, killed when
/// dropped.
pub(crate) struct Serve {
    pub(crate) name: &'static str,
    child: Child,
    pub(crate) log: PathBuf,
}

impl Serve {
    fn start(name: &'static str, db_url: &str, smtp_port: u16, dir: &Path) -> Serve {
        Serve::spawn(name, &["serve"], db_url, smtp_port, dir, &[])
    }

    /// `meldpunt <args>` against `db_url`, mail to the sink on `smtp_port`; `env` (name without the
    /// `MELDPUNT__` prefix, value) on top of the settings below.
    pub(crate) fn spawn(
        name: &'static str,
        args: &[&str],
        db_url: &str,
        smtp_port: u16,
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Serve {
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_meldpunt"));
        // Only the settings below, whatever the environment running the tests holds.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("MELDPUNT__") {
                cmd.env_remove(k);
            }
        }
        cmd.args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .env_remove("MELDPUNT_CONFIG")
            .env("RUST_LOG", "info")
            .env("MELDPUNT__DATABASE__URL", db_url)
            .env("MELDPUNT__SERVER__BIND", "127.0.0.1:0")
            .env("MELDPUNT__SERVER__WORKERS", "1")
            .env("MELDPUNT__MAIL__TRANSPORT", "smtp")
            .env("MELDPUNT__MAIL__SMTP_HOST", "127.0.0.1")
            .env("MELDPUNT__MAIL__SMTP_PORT", smtp_port.to_string())
            .env("MELDPUNT__MAIL__SMTP_TLS", "none")
            .env("MELDPUNT__OUTBOX__LEASE_SECONDS", "2")
            .env("MELDPUNT__OUTBOX__POLL_INTERVAL_MS", "50")
            .env("MELDPUNT__OUTBOX__BATCH_SIZE", "10")
            .env("MELDPUNT__OUTBOX__CONCURRENCY", "1")
            .env("MELDPUNT__CLOCK__ENABLED", "false");
        for (k, v) in env {
            cmd.env(format!("MELDPUNT__{k}"), v);
        }
        let child = cmd.spawn().expect("start meldpunt");
        Serve { name, child, log }
    }

    /// Panics (with the log) when the process has exited.
    pub(crate) fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!(
                "{} `meldpunt serve` exited early ({status})\n{}",
                self.name,
                self.log_tail()
            );
        }
    }

    pub(crate) fn log_tail(&self) -> String {
        log_tail(self.name, &self.log)
    }

    /// SIGKILL, and reap.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) fn log_tail(name: &str, log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(40)..].join("\n");
    format!(
        "--- last lines of the {name} process's log ({}) ---\n{tail}",
        log.display()
    )
}

/// A process killed while the SMTP server holds its 15th message (batches of 10, one sending
/// connection, each outcome committed before the next message): the 14 accepted are all written,
/// so the second process sends every message that was not accepted and none twice; at most the one
/// in flight per connection could have gone out twice (the at-least-once edge), with the same
/// Message-ID.
async fn crash_mid_send_loses_nothing_and_resends_at_most_one_per_connection(kind: Db) {
    let Some(db) = migrated(kind) else { return };
    let mut c = db.conn();
    let ids = enqueue_many(&mut c, "crash", 40);
    assert_eq!(ids.len(), 40);
    let sink = SmtpSink::start().await;
    sink.stall_on(15);
    let dir = tempfile::tempdir().expect("tempdir");

    let mut first = Serve::start("first", &db.url, sink.port(), dir.path());
    let (first_name, first_log) = (first.name, first.log.clone());
    wait_until(
        "14 messages accepted and the 15th held by the sink",
        Duration::from_secs(60),
        || {
            first.assert_running();
            sink.held() == 1
        },
        || format!("{}\n{}", sink.summary(), log_tail(first_name, &first_log)),
    )
    .await;
    assert_eq!(sink.accepted_count(), 14, "{}", sink.summary());
    first.kill();
    // Every accepted message's outcome was committed before the next was sent.
    let marked = sent(&mut c);
    assert_eq!(
        marked,
        14,
        "rows marked sent by the killed process: {:?}",
        status_counts(&mut c)
    );
    let unmarked_accepted = 14 - marked as usize;

    sink.release();
    let mut second = Serve::start("second", &db.url, sink.port(), dir.path());
    let (second_name, second_log) = (second.name, second.log.clone());
    wait_until(
        "all 40 rows sent by the second process",
        Duration::from_secs(60),
        || {
            second.assert_running();
            sent(&mut c) == 40
        },
        || {
            format!(
                "{:?}\n{}\n{}",
                status_counts(&mut db.conn()),
                sink.summary(),
                log_tail(second_name, &second_log)
            )
        },
    )
    .await;
    second.kill();

    let all = rows(&mut c);
    assert_eq!(all.len(), 40);
    let accepted = accepted_ids(&sink);
    let mut twice = 0;
    for r in &all {
        match accepted.get(&r.message_id).copied().unwrap_or(0) {
            1 => {}
            // Accepted, then the process died before writing that: sent again after the lease.
            2 => {
                twice += 1;
                assert_eq!(r.attempts, 2, "a row sent twice was claimed twice: {r:?}");
            }
            n => panic!("row {} accepted {n} times\n{}", r.id, sink.summary()),
        }
    }
    assert_eq!(
        accepted.len(),
        40,
        "the sink accepted Message-IDs no row has"
    );
    assert_eq!(
        twice, unmarked_accepted,
        "sent twice: exactly the accepted-but-unwritten ones"
    );
    assert!(
        twice <= 1,
        "more than one message per connection sent twice: {twice}"
    );
    assert_eq!(sink.accepted_count(), 40 + twice, "{}", sink.summary());
    // The held message and the rest of its batch (rows 15–20) were claimed by the killed process
    // and taken up again; everything else was claimed once.
    let reclaimed = all.iter().filter(|r| r.attempts == 2).count();
    let once = all.iter().filter(|r| r.attempts == 1).count();
    assert_eq!(
        (reclaimed, once),
        (6, 34),
        "attempts per row: {:?}",
        all.iter().map(|r| r.attempts).collect::<Vec<_>>()
    );
    let accepted = sink.accepted();
    let recipients: HashSet<&String> = accepted.iter().flat_map(|m| &m.rcpt).collect();
    assert_eq!(recipients.len(), 40, "distinct recipients accepted");
    assert!(
        accepted.iter().all(|m| m.mail_from == "meldpunt@localhost"),
        "envelope senders (default mail.from)"
    );
}
on_both!(crash_mid_send_loses_nothing_and_resends_at_most_one_per_connection);

/// Three workers on one database: every message goes out once.
async fn several_workers_send_each_message_once(kind: Db) {
    let Some(db) = migrated(kind) else { return };
    let mut c = db.conn();
    enqueue_many(&mut c, "many", 200);
    let sink = SmtpSink::start().await;
    let pool = db::build_pool(&db.url, 8, false).expect("pool");
    let workers: Vec<Arc<Worker>> = (0..3)
        .map(|_| Arc::new(worker(&pool, sink.port(), outbox_settings())))
        .collect();
    let (stop, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = workers
        .iter()
        .map(|w| tokio::spawn(w.clone().run(stop_rx.clone())))
        .collect();

    wait_until(
        "all 200 rows sent",
        Duration::from_secs(120),
        || sent(&mut c) == 200,
        || format!("{:?}\n{}", status_counts(&mut db.conn()), sink.summary()),
    )
    .await;
    stop.send(true).expect("stop workers");
    for t in tasks {
        bounded("a worker to stop", Duration::from_secs(30), t)
            .await
            .expect("worker task");
    }

    let all = rows(&mut c);
    assert_eq!(all.len(), 200);
    assert_eq!(sink.accepted_count(), 200, "{}", sink.summary());
    assert_each_row_accepted_once(&all, &sink);
    let claimed_twice: Vec<_> = all
        .iter()
        .filter(|r| r.attempts != 1)
        .map(|r| (&r.id, r.attempts))
        .collect();
    assert!(
        claimed_twice.is_empty(),
        "rows claimed more than once: {claimed_twice:?}"
    );
    let claimers: HashSet<_> = all.iter().filter_map(|r| r.claimed_by.clone()).collect();
    assert!(
        claimers.len() >= 2,
        "the work was not shared; claimed by {claimers:?}"
    );
}
on_both!(several_workers_send_each_message_once);

/// 451 → back to the queue with the error and sent on a later attempt; 550 → failed, not retried.
async fn temporary_failures_retry_permanent_failures_stop(kind: Db) {
    let Some(db) = migrated(kind) else { return };
    let mut c = db.conn();
    let sink = SmtpSink::start().await;
    sink.fail_next(2);
    sink.reject_recipient("nobody@example.test");
    enqueue_many(&mut c, "retry", 4);
    let rejected = db::write_tx(&mut c, |c| {
        enqueue(
            c,
            &message("nobody@example.test"),
            "meldpunt.test",
            db::now(),
        )
    })
    .expect("enqueue");
    let pool = db::build_pool(&db.url, 4, false).expect("pool");
    let w = worker(
        &pool,
        sink.port(),
        OutboxSettings {
            concurrency: 1,
            ..outbox_settings()
        },
    );

    let claimed = bounded(
        "the first delivery round",
        Duration::from_secs(60),
        w.run_once(),
    )
    .await
    .expect("run_once");
    assert_eq!(claimed, 5);
    let refused = sink.refused();
    assert_eq!(refused.len(), 3, "refusals: {refused:?}");
    let temp: HashSet<String> = refused
        .iter()
        .filter(|r| r.reply == TEMP_FAILURE)
        .filter_map(|r| r.message_id.clone())
        .collect();
    assert_eq!(temp.len(), 2, "refusals: {refused:?}");
    assert!(
        refused
            .iter()
            .any(|r| r.reply == NO_SUCH_USER && r.rcpt == ["nobody@example.test"]),
        "refusals: {refused:?}"
    );
    let first = rows(&mut c);
    for r in &first {
        let err = r.last_error.as_deref().unwrap_or("");
        if r.id == rejected {
            assert_eq!(
                (r.status.as_str(), r.attempts),
                ("failed", 1),
                "rejected row {r:?}"
            );
            assert!(err.contains("550"), "rejected row's last_error: {err:?}");
        } else if temp.contains(&r.message_id) {
            assert_eq!(
                (r.status.as_str(), r.attempts),
                ("queued", 1),
                "row after 451 {r:?}"
            );
            assert!(err.contains("451"), "last_error after 451: {err:?}");
            assert!(r.next_attempt_at > r.created_at, "a retry waits: {r:?}");
            assert!(r.claimed_until.is_none(), "claim released: {r:?}");
        } else {
            assert_eq!((r.status.as_str(), r.attempts), ("sent", 1), "row {r:?}");
        }
    }

    // The retries come after the 1 s backoff.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sent(&mut c) < 4 {
        assert!(
            Instant::now() < deadline,
            "retries not sent within 30 s: {:?}\n{}",
            status_counts(&mut c),
            sink.summary()
        );
        bounded("a delivery round", Duration::from_secs(60), w.run_once())
            .await
            .expect("run_once");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing is left to claim: the failed row is not retried.
    assert_eq!(
        bounded("a last round", Duration::from_secs(60), w.run_once())
            .await
            .expect("run_once"),
        0
    );

    let all = rows(&mut c);
    for r in &all {
        if r.id == rejected {
            assert_eq!(
                (r.status.as_str(), r.attempts),
                ("failed", 1),
                "rejected row {r:?}"
            );
        } else if temp.contains(&r.message_id) {
            assert_eq!(
                (r.status.as_str(), r.attempts),
                ("sent", 2),
                "retried row {r:?}"
            );
            assert_eq!(r.last_error, None, "error cleared once sent: {r:?}");
        } else {
            assert_eq!((r.status.as_str(), r.attempts), ("sent", 1), "row {r:?}");
        }
    }
    let delivered: Vec<OutboxRow> = all.into_iter().filter(|r| r.id != rejected).collect();
    assert_each_row_accepted_once(&delivered, &sink);
    let to_nobody = sink
        .refused()
        .iter()
        .filter(|r| r.rcpt == ["nobody@example.test"])
        .count();
    assert_eq!(
        to_nobody, 1,
        "the permanently refused message was tried again"
    );
}
on_both!(temporary_failures_retry_permanent_failures_stop);

/// A batch that takes longer than its lease: an idle worker takes up the rows whose lease ran
/// out, and the worker that claimed them must then not send them as well.
async fn a_batch_outliving_its_lease_sends_nothing_twice(kind: Db) {
    let Some(db) = migrated(kind) else { return };
    let mut c = db.conn();
    enqueue_many(&mut c, "slow", 20);
    let sink = SmtpSink::start().await;
    // Ten messages a batch at 0.3 s each: 3 s per batch against a 2 s lease, while every single
    // send stays well inside it.
    sink.delay_replies(Duration::from_millis(300));
    let pool = db::build_pool(&db.url, 8, false).expect("pool");
    let settings = OutboxSettings {
        lease_seconds: 2,
        batch_size: 10,
        concurrency: 1,
        ..outbox_settings()
    };
    let workers: Vec<Arc<Worker>> = (0..3)
        .map(|_| Arc::new(worker(&pool, sink.port(), settings.clone())))
        .collect();
    let (stop, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = workers
        .iter()
        .map(|w| tokio::spawn(w.clone().run(stop_rx.clone())))
        .collect();

    wait_until(
        "all 20 rows sent",
        Duration::from_secs(60),
        || sent(&mut c) == 20,
        || format!("{:?}\n{}", status_counts(&mut db.conn()), sink.summary()),
    )
    .await;
    stop.send(true).expect("stop workers");
    for t in tasks {
        bounded("a worker to stop", Duration::from_secs(30), t)
            .await
            .expect("worker task");
    }

    let all = rows(&mut c);
    assert_eq!(all.len(), 20);
    assert_each_row_accepted_once(&all, &sink);
    assert_eq!(sink.accepted_count(), 20, "{}", sink.summary());
}
on_both!(a_batch_outliving_its_lease_sends_nothing_twice);

/// Claims of a worker that stopped beating are taken up once the takeover time has passed, long
/// before their lease ends; a worker that keeps beating keeps its claims for the whole lease, and a
/// worker that retires in order gives its claims up at once. (Times are given, not waited for.)
async fn a_silent_worker_s_claims_are_taken_up_after_the_takeover_time(kind: Db) {
    let Some(db) = migrated(kind) else { return };
    let mut c = db.conn();
    enqueue_many(&mut c, "silent", 6);
    let lease = chrono::Duration::seconds(600);
    let takeover = chrono::Duration::seconds(10);
    let t0 = chrono::Utc::now();
    let s = chrono::Duration::seconds;

    let dead = store::claim(&mut c, "dead", 2, lease, takeover, t0).unwrap();
    let busy = store::claim(&mut c, "busy", 2, lease, takeover, t0).unwrap();
    let gone = store::claim(&mut c, "gone", 2, lease, takeover, t0).unwrap();
    assert_eq!((dead.len(), busy.len(), gone.len()), (2, 2, 2));

    // Within the takeover time nobody's claims are taken.
    let early = store::claim(&mut c, "other", 10, lease, takeover, t0 + s(9)).unwrap();
    assert!(
        early.is_empty(),
        "taken within the takeover time: {early:?}"
    );

    // `busy` beats on; `gone` stops in order; `dead` says nothing more.
    store::beat(&mut c, "busy", t0 + s(8)).unwrap();
    store::retire(&mut c, "gone").unwrap();
    let ids = |rows: &[OutboxRow]| rows.iter().map(|r| r.id.clone()).collect::<HashSet<_>>();
    let retired = store::claim(&mut c, "other", 10, lease, takeover, t0 + s(9)).unwrap();
    assert_eq!(
        ids(&retired),
        ids(&gone),
        "a retired worker's claims at once"
    );

    let later = store::claim(&mut c, "other", 10, lease, takeover, t0 + s(12)).unwrap();
    assert_eq!(ids(&later), ids(&dead), "only the silent worker's claims");
    assert!(later
        .iter()
        .all(|r| r.attempts == 2 && r.claimed_by.as_deref() == Some("other")));

    // The silent worker can no longer write an outcome for what it lost.
    let (marked, _) = store::settle(
        &mut c,
        "dead",
        &[(dead[0].id.clone(), store::Outcome::Sent("250 ok".into()))],
        &[],
        lease,
        t0 + s(13),
    )
    .unwrap();
    assert_eq!(
        marked, 0,
        "an outcome written for a claim that was taken up"
    );

    // `busy` beat at 8 s: its claims are safe until 18 s, then taken up too.
    let kept = store::claim(&mut c, "other", 10, lease, takeover, t0 + s(17)).unwrap();
    assert!(kept.is_empty(), "a beating worker's claims taken: {kept:?}");
    let after = store::claim(&mut c, "other", 10, lease, takeover, t0 + s(19)).unwrap();
    assert_eq!(ids(&after), ids(&busy));
    assert_eq!(status_counts(&mut c).get("sending"), Some(&6));
}
on_both!(a_silent_worker_s_claims_are_taken_up_after_the_takeover_time);
