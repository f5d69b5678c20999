//! Issue 17, point 6: a trail a database writer cannot rewrite unseen. Records are keyed with the
//! secret kept outside the database; the service writes signed checkpoints to a file; `meldpunt
//! audit verify` (the real binary) names a rewrite, a tail truncation and a reset.
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use meldpunt::audit::chain;
use meldpunt::audit::store::AuditRow;
use meldpunt::auth::Role;
use meldpunt::db::schema::{audit_head, audit_log};
use meldpunt::db::{from_db, DbConn};

use crate::helpers::{spawn_app_with, Db, TestApp};

const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

fn verify(app: &TestApp, file: &std::path::Path) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args(["audit", "verify"])
        .current_dir(dir.path())
        .env("MELDPUNT__DATABASE__URL", &app.db.url)
        .env("MELDPUNT__SECURITY__SECRET_KEY", KEY)
        .env("MELDPUNT__AUDIT__CHECKPOINT_FILE", file)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// As a database writer without the key would: recompute the chain from `from` on (with a key of
/// their own) and move the head to match, going around PostgreSQL's triggers.
fn rewrite_from(c: &mut DbConn, from: i64, key: Option<&[u8; 32]>, bypass: &str) {
    let rows: Vec<AuditRow> = audit_log::table
        .filter(audit_log::seq.ge(from))
        .order(audit_log::seq.asc())
        .load(c)
        .unwrap();
    let mut prev: String = audit_log::table
        .filter(audit_log::seq.eq(from - 1))
        .select(audit_log::hash)
        .first(c)
        .unwrap_or_else(|_| chain::GENESIS.to_string());
    for r in rows {
        let h = chain::compute_hash(
            key,
            &prev,
            r.seq,
            from_db(r.at),
            &r.actor,
            &r.action,
            &r.entity_type,
            &r.entity_id,
            r.organisation_id.as_deref(),
            r.before_json.as_deref(),
            r.after_json.as_deref(),
        );
        c.batch_execute(&format!(
            "{bypass}UPDATE audit_log SET prev_hash = '{prev}', hash = '{h}', scheme = {} WHERE seq = {}",
            if key.is_some() { 2 } else { 1 },
            r.seq
        ))
        .unwrap();
        prev = h;
    }
    set_head(c, bypass);
}

/// Point the head at the last record left (as after removing records at the end).
fn set_head(c: &mut DbConn, bypass: &str) {
    let last: Option<(i64, String)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(c)
        .optional()
        .unwrap();
    let (seq, hash) = last.unwrap_or((0, chain::GENESIS.to_string()));
    c.batch_execute(&format!(
        "{bypass}UPDATE audit_head SET seq = {seq}, hash = '{hash}' WHERE id = 1"
    ))
    .unwrap();
}

fn head(c: &mut DbConn) -> i64 {
    audit_head::table.select(audit_head::seq).first(c).unwrap()
}

/// Wait until the checkpoint file holds the chain's current head.
async fn checkpointed(app: &TestApp, file: &std::path::Path) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = head(&mut app.conn());
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.lines().any(|l| l.contains(&format!("\"seq\":{n},"))) {
            return n;
        }
        assert!(Instant::now() < deadline, "no checkpoint of {n}: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn verify_names_rewrites_truncation_and_resets(kind: Db) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints.jsonl");
    let f = file.clone();
    let Some(app) = spawn_app_with(kind, move |s| {
        s.audit.checkpoint_file = f.display().to_string();
        s.audit.checkpoint_seconds = 1;
    })
    .await
    else {
        return;
    };
    let bypass = if kind == Db::Postgres {
        "SET meldpunt.audit_retention = 'on'; "
    } else {
        ""
    };
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    for _ in 0..5 {
        app.open_incident(&h, "oost", 1).await;
    }
    let n = checkpointed(&app, &file).await;
    assert!(n >= 5, "{n} records");
    // New records are keyed.
    let schemes: Vec<i32> = audit_log::table
        .select(audit_log::scheme)
        .load(&mut app.conn())
        .unwrap();
    assert!(
        schemes.iter().all(|s| *s == chain::SCHEME_KEYED),
        "{schemes:?}"
    );
    let (code, out) = verify(&app, &file);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("intact") && out.contains("matches the checkpoint"),
        "{out}"
    );

    let mut c = app.conn();
    // Record 2 changed and the chain recomputed with the unkeyed scheme, or with a key of the
    // writer's own: found at record 2.
    c.batch_execute(&format!(
        "{bypass}UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2"
    ))
    .unwrap();
    rewrite_from(&mut c, 2, Some(&[7u8; 32]), bypass);
    let (code, out) = verify(&app, &file);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("record 2: content does not match its hash"),
        "{out}"
    );
    // All of it recomputed unkeyed: a chain that holds together, but not the one checkpointed.
    rewrite_from(&mut c, 1, None, bypass);
    let (code, out) = verify(&app, &file);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("intact") && out.contains(&format!("REWRITTEN: record {n}")),
        "{out}"
    );

    // The last two records removed and the head moved back: a consistent chain, but shorter than
    // the checkpoint saw.
    c.batch_execute(&format!(
        "{bypass}DELETE FROM audit_log WHERE seq > {}",
        n - 2
    ))
    .unwrap();
    set_head(&mut c, bypass);
    let (code, out) = verify(&app, &file);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("intact") && out.contains("TAIL TRUNCATED"),
        "{out}"
    );
    assert!(out.contains(&format!("saw {n} record(s)")), "{out}");

    // The whole trail replaced: everything removed, new records written after the checkpoint.
    c.batch_execute(&format!("{bypass}DELETE FROM audit_log"))
        .unwrap();
    set_head(&mut c, bypass);
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.open_incident(&h, "oost", 1).await;
    let (code, out) = verify(&app, &file);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("intact") && out.contains("RESET"), "{out}");
    // The service does not sign the replaced chain.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (code, out) = verify(&app, &file);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("RESET"), "{out}");
}

mod verify_names_rewrites_truncation_and_resets {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::verify_names_rewrites_truncation_and_resets(crate::helpers::Db::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::verify_names_rewrites_truncation_and_resets(crate::helpers::Db::Postgres).await
    }
}
