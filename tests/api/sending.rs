//! Sending at scale with the outbox workers as separate OS processes (`meldpunt outbox work`)
//! against the same database: one SIGKILLed in the middle of a campaign, and two at once.
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use diesel::prelude::*;
use meldpunt::db::schema::outbox;
use serde_json::Value;

use crate::helpers::{Db, TestApp, User};
use crate::notifications::{campaign_app, wait_done};
use crate::outbox::{log_tail, wait_until, Serve};
use crate::smtp_sink::SmtpSink;

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    };
}

const N: usize = 2000;
/// Sending connections per worker process: at most this many messages are in doubt after a crash.
const CONNECTIONS: usize = 2;

/// A lease far longer than the test may take: a dead worker's claims must be taken up through its
/// silence (3 s without a heartbeat), never by waiting for the lease.
fn worker_env() -> [(&'static str, &'static str); 6] {
    [
        ("OUTBOX__BATCH_SIZE", "50"),
        ("OUTBOX__CONCURRENCY", "2"),
        ("OUTBOX__LEASE_SECONDS", "300"),
        ("OUTBOX__HEARTBEAT_SECONDS", "1"),
        ("OUTBOX__TAKEOVER_SECONDS", "3"),
        ("OUTBOX__POLL_INTERVAL_MS", "50"),
    ]
}

fn worker(name: &'static str, app: &TestApp, sink: &SmtpSink, dir: &std::path::Path) -> Serve {
    Serve::spawn(
        name,
        &["outbox", "work"],
        &app.db.url,
        sink.port(),
        dir,
        &worker_env(),
    )
}

/// Message-ID → how often the sink accepted it, and every recipient the sink accepted mail for.
fn received(sink: &SmtpSink) -> (HashMap<String, usize>, HashSet<String>) {
    let mut ids = HashMap::new();
    let mut rcpts = HashSet::new();
    for m in sink.accepted() {
        *ids.entry(m.message_id.expect("Message-ID")).or_insert(0) += 1;
        rcpts.extend(m.rcpt);
    }
    (ids, rcpts)
}

async fn progress(app: &TestApp, url: &str, h: &User) -> Value {
    let r = app.get(url, Some(&h.token)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Every recipient's status on the campaign page is `sent` with a Message-ID the sink accepted.
async fn assert_statuses_match_the_sink(
    app: &TestApp,
    url: &str,
    h: &User,
    ids: &HashMap<String, usize>,
) {
    let mut seen = 0;
    for offset in (0..N).step_by(1000) {
        let r = app
            .get(
                &format!("{url}/messages?offset={offset}&limit=1000"),
                Some(&h.token),
            )
            .await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        for m in page.as_array().unwrap() {
            seen += 1;
            assert_eq!(m["status"], "sent", "{m}");
            let mid = m["message_id"]
                .as_str()
                .expect("message_id of a sent e-mail");
            assert!(ids.contains_key(mid), "marked sent, never accepted: {m}");
        }
    }
    assert_eq!(seen, N);
}

fn every_recipient(rcpts: &HashSet<String>) {
    let missing: Vec<usize> = (0..N)
        .filter(|i| !rcpts.contains(&format!("p{i}@example.test")))
        .collect();
    assert!(missing.is_empty(), "recipients never reached: {missing:?}");
}

/// A worker process SIGKILLed a third of the way through a 2,000-recipient campaign; a second one
/// finishes it, taking up the dead worker's claims within seconds (not after their 300 s lease).
/// Every recipient gets the e-mail; the only copies are of messages the SMTP server accepted whose
/// outcome the killed worker had not yet committed (at most one per connection, 2); the campaign's
/// statuses match what the server received.
async fn a_worker_killed_mid_campaign_loses_none_and_doubles_at_most_one_per_connection(kind: Db) {
    let sink = SmtpSink::start().await;
    // 2 ms an answer: the campaign takes seconds, so the kill lands in the middle.
    sink.delay_replies(Duration::from_millis(2));
    let Some((app, url, h)) = campaign_app(kind, N).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut first = worker("worker-1", &app, &sink, dir.path());
    let (name, log) = (first.name, first.log.clone());
    wait_until(
        "a third of the campaign accepted",
        Duration::from_secs(120),
        || {
            first.assert_running();
            sink.accepted_count() >= N / 3
        },
        || format!("{}\n{}", sink.summary(), log_tail(name, &log)),
    )
    .await;
    first.kill();
    // Let the sink finish reading what reached it before the kill.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let at_kill = sink.accepted_count();
    let p = progress(&app, &url, &h).await;
    let marked = p["sent"].as_u64().unwrap() as usize;
    assert!(at_kill < N, "killed too late: {at_kill} accepted");
    assert!(marked <= at_kill, "marked {marked}, accepted {at_kill}");
    let unwritten = at_kill - marked;
    eprintln!(
        "killed with {at_kill} accepted, {marked} written, {unwritten} accepted but unwritten"
    );
    assert!(
        unwritten <= CONNECTIONS,
        "{unwritten} accepted but not written: more than one per connection ({CONNECTIONS})"
    );

    let mut second = worker("worker-2", &app, &sink, dir.path());
    let started = std::time::Instant::now();
    // Well under the 300 s lease: the second worker finishes only if it takes the claims up.
    let p = wait_done(&app, &url, &h, &sink, Duration::from_secs(60)).await;
    eprintln!(
        "the second worker finished the campaign {:.1} s after it started",
        started.elapsed().as_secs_f64()
    );
    second.assert_running();
    second.kill();
    assert_eq!(p["sent"], N as u64, "{p}");
    assert_eq!(p["failed"], 0, "{p}");

    let (ids, rcpts) = received(&sink);
    assert_eq!(ids.len(), N, "distinct Message-IDs accepted");
    every_recipient(&rcpts);
    let thrice: Vec<_> = ids.iter().filter(|(_, n)| **n > 2).collect();
    assert!(
        thrice.is_empty(),
        "accepted three times or more: {thrice:?}"
    );
    let twice = ids.values().filter(|n| **n == 2).count();
    assert_eq!(
        twice, unwritten,
        "copies: exactly the messages accepted but not yet written when the worker died"
    );
    assert!(twice <= CONNECTIONS);
    assert_eq!(sink.accepted_count(), N + twice, "{}", sink.summary());
    assert_statuses_match_the_sink(&app, &url, &h, &ids).await;
}
on_both!(a_worker_killed_mid_campaign_loses_none_and_doubles_at_most_one_per_connection);

/// Two worker processes at once on one database: each message exactly once, and both worked.
async fn two_worker_processes_at_once_send_each_message_once(kind: Db) {
    let sink = SmtpSink::start().await;
    sink.delay_replies(Duration::from_millis(1));
    let Some((app, url, h)) = campaign_app(kind, N).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut a = worker("worker-a", &app, &sink, dir.path());
    let mut b = worker("worker-b", &app, &sink, dir.path());
    let p = wait_done(&app, &url, &h, &sink, Duration::from_secs(180)).await;
    // Housekeeping: the finished campaign's gate is removed by a later claim.
    let kind = format!("campaign:{}", url.rsplit('/').next().unwrap());
    let mut gc = app.conn();
    wait_until(
        "the finished campaign's gate removed",
        Duration::from_secs(30),
        || {
            tokio::task::block_in_place(|| {
                meldpunt::outbox::store::gate(&mut gc, &kind)
                    .unwrap()
                    .is_none()
            })
        },
        String::new,
    )
    .await;
    let after = progress(&app, &url, &h).await;
    assert_eq!(after["paused"], false);
    assert_eq!(after["done"], true);
    a.assert_running();
    b.assert_running();
    a.kill();
    b.kill();
    assert_eq!(p["sent"], N as u64, "{p}");
    let (ids, rcpts) = received(&sink);
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "accepted more than once: {twice:?}");
    assert_eq!(ids.len(), N);
    every_recipient(&rcpts);
    assert_statuses_match_the_sink(&app, &url, &h, &ids).await;
    let mut c = app.conn();
    let claimers: Vec<Option<String>> = outbox::table
        .filter(outbox::kind.like("campaign:%"))
        .select(outbox::claimed_by)
        .distinct()
        .load(&mut c)
        .unwrap();
    let pids: HashSet<String> = claimers
        .into_iter()
        .flatten()
        .filter_map(|w| w.split(':').nth(1).map(str::to_string))
        .collect();
    assert_eq!(pids.len(), 2, "the work was not shared by both processes");
}
on_both!(two_worker_processes_at_once_send_each_message_once);
