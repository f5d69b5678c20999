//! Issue 17, point 9: replicas start together. Three `meldpunt serve` processes (the real binary)
//! started at once on a fresh database: one migrates under the lock (PostgreSQL: an advisory lock;
//! SQLite: a lock file), the others wait and find nothing to do; all three serve. With the clock
//! running on every instance, the daily retention claim and the escalation of an incident are raced
//! without a failing statement: PostgreSQL's log holds no ERROR for the database, and the escalation
//! e-mail goes out once.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use meldpunt::auth::Role;

use crate::helpers::{spawn_app_on, Db, TestDb};
use crate::outbox::{log_tail, Serve};
use crate::smtp_sink::SmtpSink;

/// The port a `serve` process listens on, from its log.
fn port_of(s: &Serve) -> Option<u16> {
    let text = std::fs::read_to_string(&s.log).ok()?;
    let line = text.lines().find(|l| l.contains("listening on http://"))?;
    let rest = line.split("listening on http://").nth(1)?;
    let hostport = rest.split_whitespace().next()?;
    hostport.rsplit(':').next()?.parse().ok()
}

/// PostgreSQL's log file (Debian's default; `MELDPUNT_TEST_PG_LOG` names another).
fn pg_log() -> std::path::PathBuf {
    std::env::var("MELDPUNT_TEST_PG_LOG")
        .unwrap_or_else(|_| "/var/log/postgresql/postgresql-15-main.log".into())
        .into()
}

fn db_name(url: &str) -> String {
    url.rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

async fn three_instances_start_together_on_a_fresh_database(kind: Db) {
    let Some(db) = TestDb::new(kind) else { return };
    let url = db.url.clone();
    let log_start = std::fs::metadata(pg_log()).map(|m| m.len()).ok();
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("CLOCK__ENABLED", "true"), ("CLOCK__INTERVAL_SECONDS", "1")];
    let names = ["replica-1", "replica-2", "replica-3"];
    let mut replicas: Vec<Serve> = names
        .iter()
        .map(|n| Serve::spawn(n, &["serve"], &url, sink.port(), dir.path(), &env))
        .collect();

    // All three come up and answer ready.
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut ports = HashMap::new();
    while ports.len() < 3 {
        for r in replicas.iter_mut() {
            let log = std::fs::read_to_string(&r.log).unwrap_or_default();
            if let Some(i) = log.find("Error: ") {
                let frames: Vec<&str> = log[i..]
                    .lines()
                    .filter(|l| !l.starts_with(' ') || l.contains("meldpunt::"))
                    .take(12)
                    .collect();
                panic!("{} failed to start:\n{}", r.name, frames.join("\n"));
            }
            r.assert_running();
            if let Some(p) = port_of(r) {
                ports.insert(r.name, p);
            }
        }
        assert!(
            Instant::now() < deadline,
            "not all replicas listen: {}",
            replicas.iter().map(|r| r.log_tail()).collect::<String>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (name, port) in &ports {
        let r = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name} ready");
    }
    // Exactly one of them applied the migrations.
    let migrated: Vec<&str> = replicas
        .iter()
        .filter(|r| {
            std::fs::read_to_string(&r.log)
                .unwrap_or_default()
                .contains("applied migration")
        })
        .map(|r| r.name)
        .collect();
    assert_eq!(migrated.len(), 1, "replicas that migrated: {migrated:?}");

    // An incident 70 hours after awareness: the 6-hour warning is due, raced by three clocks.
    let app = spawn_app_on(db, |s| {
        s.clock.enabled = false;
        s.outbox.enabled = false;
    })
    .await;
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.open_incident(&h, "oost", 70).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !sink
        .accepted()
        .iter()
        .any(|m| m.rcpt.iter().any(|r| r == "h@oost.nl"))
    {
        for r in replicas.iter_mut() {
            r.assert_running();
        }
        assert!(
            Instant::now() < deadline,
            "no escalation: {}",
            sink.summary()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A few more clock turns on every replica.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let to_h = sink
        .accepted()
        .iter()
        .filter(|m| m.rcpt.iter().any(|r| r == "h@oost.nl"))
        .count();
    assert_eq!(to_h, 1, "the escalation once: {}", sink.summary());
    for r in replicas.iter_mut() {
        r.assert_running();
        let log = std::fs::read_to_string(&r.log).unwrap_or_default();
        assert!(
            !log.contains("ERROR") && !log.contains("panicked"),
            "{}",
            log_tail(r.name, &r.log)
        );
    }
    for r in replicas.iter_mut() {
        r.kill();
    }

    if kind == Db::Postgres {
        let name = db_name(&url);
        match (log_start, std::fs::read(pg_log())) {
            (Some(start), Ok(bytes)) => {
                let new = String::from_utf8_lossy(&bytes[(start as usize).min(bytes.len())..])
                    .to_string();
                let errors: Vec<&str> = new
                    .lines()
                    .filter(|l| l.contains(&name) && (l.contains("ERROR:") || l.contains("FATAL:")))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "PostgreSQL logged errors for {name}:\n{}",
                    errors.join("\n")
                );
            }
            _ => eprintln!(
                "NOTE: PostgreSQL's log ({}) is not readable here: its ERROR lines were not checked",
                pg_log().display()
            ),
        }
    }
}

mod three_instances_start_together_on_a_fresh_database {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::three_instances_start_together_on_a_fresh_database(crate::helpers::Db::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::three_instances_start_together_on_a_fresh_database(crate::helpers::Db::Postgres)
            .await
    }
}
