//! The `meldpunt` binary's commands, run as a person would, against a real database.
use std::io::Write;
use std::process::{Command, Output, Stdio};

use diesel::connection::SimpleConnection;

use crate::helpers::{spawn_app_with, Db, TestDb, PASSWORD};

fn meldpunt(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args(args)
        .current_dir(dir.path())
        .env("MELDPUNT__DATABASE__URL", &db.url)
        // The service's key (as in `test_settings`): audit records are keyed with it.
        .env(
            "MELDPUNT__SECURITY__SECRET_KEY",
            "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
        )
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run meldpunt");
    if let Some(s) = stdin {
        // The command may exit before reading (a refused argument): ignore a broken pipe.
        let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn cli_administration(kind: Db) {
    let Some(db) = TestDb::new(kind) else { return };
    let o = meldpunt(&db, &["migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("applied 20261203000020"), "{}", text(&o));
    let o = meldpunt(&db, &["migrate"], None);
    assert!(text(&o).contains("no migrations applied"), "{}", text(&o));

    let o = meldpunt(
        &db,
        &[
            "org",
            "create",
            "gemeente-oost",
            "--name",
            "Gemeente Oost",
            "--kvk",
            "12345678",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    // One service creates organisations for the API, the page and the CLI: the CLI's audit
    // record carries the whole organisation, as theirs do.
    let org = meldpunt::orgs::store::by_slug(&mut db.conn(), "gemeente-oost")
        .unwrap()
        .expect("created");
    let trail =
        meldpunt::audit::store::for_entity(&mut db.conn(), "organisation", &org.id).unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "organisation.created");
    assert_eq!(trail[0].actor, "cli");
    let after: serde_json::Value =
        serde_json::from_str(trail[0].after_json.as_deref().unwrap()).unwrap();
    assert_eq!(after["id"], org.id.as_str());
    assert_eq!(after["slug"], "gemeente-oost");
    assert_eq!(after["kvk_number"], "12345678");
    assert_eq!(after["require_2fa"], false);
    let o = meldpunt(
        &db,
        &["org", "create", "gemeente-oost", "--name", "Dubbel"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("exists already"), "{}", text(&o));
    let o = meldpunt(&db, &["org", "create", "Fout Slug", "--name", "x"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("slug"));

    let o = meldpunt(
        &db,
        &[
            "user",
            "create",
            "--email",
            "fg@oost.nl",
            "--role",
            "fg",
            "--org",
            "gemeente-oost",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(o.status.success(), "{}", text(&o));
    // The account and its first role, each audited.
    let fg = meldpunt::auth::store::user_by_email(&mut db.conn(), "fg@oost.nl")
        .unwrap()
        .expect("created");
    let trail = meldpunt::audit::store::for_entity(&mut db.conn(), "user", &fg.id).unwrap();
    assert_eq!(trail[0].action, "user.created");
    let trail =
        meldpunt::audit::store::for_entity(&mut db.conn(), "organisation", &org.id).unwrap();
    assert_eq!(
        trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["organisation.created", "membership.added"]
    );
    let o = meldpunt(
        &db,
        &[
            "user",
            "create",
            "--email",
            "kort@oost.nl",
            "--role",
            "fg",
            "--org",
            "gemeente-oost",
        ],
        Some("kort\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("password"));
    let o = meldpunt(
        &db,
        &[
            "user",
            "create",
            "--email",
            "x@oost.nl",
            "--role",
            "baas",
            "--org",
            "gemeente-oost",
        ],
        Some(PASSWORD),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = meldpunt(
        &db,
        &[
            "user",
            "create",
            "--email",
            "x@oost.nl",
            "--role",
            "fg",
            "--org",
            "nergens",
        ],
        Some(PASSWORD),
    );
    assert_eq!(o.status.code(), Some(2));

    let o = meldpunt(&db, &["token", "create", "--email", "fg@oost.nl"], None);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("mpt_"), "{stdout}");

    // The token works against the service on the same database.
    let url = db.url.clone();
    let app = spawn_app_with(kind, move |s| s.database.url = url)
        .await
        .unwrap();
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "fg@oost.nl");
    assert_eq!(me["memberships"][0]["role"], "fg");
    let r = app.post("/api/v1/incidents", Some(&token), serde_json::json!({"organisation": "gemeente-oost", "title": "Test", "became_aware_at": chrono::Utc::now()})).await;
    assert_eq!(r.status(), 201);

    // The audit chain verifies; tampering is found and named.
    let o = meldpunt(&db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("intact"));
    // PostgreSQL refuses changes to the trail (triggers); a writer who goes around them (the
    // retention path) is still found.
    if kind == Db::Postgres {
        let refused = db
            .conn()
            .batch_execute("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3");
        assert!(
            format!("{refused:?}").contains("append-only"),
            "{refused:?}"
        );
        let refused = db
            .conn()
            .batch_execute("DELETE FROM audit_log WHERE seq = 3");
        assert!(refused.is_err());
        let refused = db
            .conn()
            .batch_execute("UPDATE audit_head SET seq = seq - 1, hash = 'x'");
        assert!(refused.is_err(), "the head never moves back");
    }
    let bypass = if kind == Db::Postgres {
        "SET meldpunt.audit_retention = 'on'; "
    } else {
        ""
    };
    db.conn()
        .batch_execute(&format!(
            "{bypass}UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3"
        ))
        .unwrap();
    let o = meldpunt(&db, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("record 3"), "{}", text(&o));
    db.conn()
        .batch_execute(&format!("{bypass}DELETE FROM audit_log WHERE seq = 3"))
        .unwrap();
    let o = meldpunt(&db, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("record 3 missing"), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_administration_sqlite() {
    cli_administration(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_administration_postgres() {
    cli_administration(Db::Postgres).await
}

#[test]
fn serve_prints_where_it_listens_and_a_setup_code_on_first_start() {
    let db = TestDb::new(Db::Sqlite).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .arg("serve")
        .current_dir(dir.path())
        .env("MELDPUNT__DATABASE__URL", &db.url)
        .env("MELDPUNT__SERVER__BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = vec![];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            seen.push(l);
            if seen.iter().any(|l| l.contains("listening on")) {
                break;
            }
        }
    }
    let all = seen.join("\n");
    let port: u16 = all
        .split("listening on http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {all}"));
    // Serving: /healthz answers.
    let mut up = false;
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut resp = String::new();
            let _ = s.read_to_string(&mut resp);
            if resp.starts_with("HTTP/1.1 200") {
                up = true;
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "/healthz did not answer");
    // SIGTERM: graceful shutdown, exit 0.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(all.contains("setup code: setup_"), "{all}");
    assert!(
        all.contains("Meldpunt listening on http://127.0.0.1:"),
        "{all}"
    );
    assert!(
        status.success() || status.code().is_some(),
        "exited after SIGTERM: {status:?}"
    );
}
