//! Hardening (issue 17): brute force bounded, no personal data in logs, one input boundary,
//! redirects only to our own paths, honest health. Every test on SQLite and PostgreSQL.
use std::process::{Command, Stdio};

use diesel::connection::SimpleConnection;
use meldpunt::auth::{secrets, store as auth_store};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, spawn_app_with, Db, TestApp, TestDb, PASSWORD};
use crate::staff_pages::{csrf_of, location};

/// Run a test body on SQLite, and on PostgreSQL when configured (the body spawns its own app).
macro_rules! both_kinds {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if $crate::helpers::pg_base_url().is_some() {
                    super::$name($crate::helpers::Db::Postgres).await
                } else {
                    $crate::helpers::note_pg_skipped();
                }
            }
        }
    };
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

// --- 1. brute force ---------------------------------------------------------------------------

/// 16 guessers in parallel, 4 tries each: at most `lock_after` guesses are evaluated (401), every
/// other try is refused unevaluated (429), and the right password is refused while locked.
async fn parallel_guessers_get_at_most_the_policys_guesses(kind: Db) {
    let app = spawn_app_with(kind, |s| {
        // No waits between tries: only the lock bounds them, so the race is at its widest.
        s.security.slow_down_after = 10;
        s.security.lock_after = 10;
        s.database.pool_size = 16;
    })
    .await
    .unwrap();
    app.create_user("doelwit@oost.nl", &[]);
    let mut tasks = vec![];
    for g in 0..16 {
        let client = reqwest::Client::new();
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            let mut statuses = vec![];
            for i in 0..4 {
                let r = client
                    .post(&url)
                    .json(&json!({"email": "doelwit@oost.nl", "password": format!("gok-{g}-{i}")}))
                    .send()
                    .await
                    .unwrap();
                statuses.push(r.status().as_u16());
            }
            statuses
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let evaluated = all.iter().filter(|s| **s == 401).count();
    let refused = all.iter().filter(|s| **s == 429).count();
    assert_eq!(evaluated, 10, "guesses evaluated: {all:?}");
    assert_eq!(evaluated + refused, 64, "{all:?}");
    // Locked: even the right password is refused now.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "doelwit@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(retry_after(&r) > 60, "locked for minutes");
}
both_kinds!(parallel_guessers_get_at_most_the_policys_guesses);

/// Every anonymous or credential endpoint has a per-address limit (429 with Retry-After), logins
/// also one per account; X-Forwarded-For counts only from a configured proxy.
async fn anonymous_and_credential_endpoints_are_limited(kind: Db) {
    let app = spawn_app_with(kind, |s| {
        s.limits.submissions_per_minute = 2;
        s.limits.logins_per_minute = 3;
        s.limits.credentials_per_minute = 2;
        s.limits.logins_per_account_per_minute = 1000;
    })
    .await
    .unwrap();
    app.create_user("fg@oost.nl", &[]);
    // API intake: the third report from this address in a minute is refused.
    for _ in 0..2 {
        let r = app
            .post(
                "/api/v1/reports",
                None,
                json!({"description": "Brief kwam bij mij"}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Brief kwam bij mij"}),
        )
        .await;
    assert!(retry_after(&r) >= 1);
    assert_problem(r, 429, None).await;
    // The form shares the budget (an address cannot use both to double it).
    let r = app
        .client
        .post(app.url("/melden"))
        .form(&[("description", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // Follow-up additions too.
    let r = app
        .client
        .post(app.url("/volgen/M-2026-000001/mpf_x"))
        .form(&[("text", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // API login: per address, whatever the account (password spraying).
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": format!("iemand{i}@oost.nl"), "password": "fout"}),
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "fg@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert!(retry_after(&r) >= 1);
    assert_problem(r, 429, None).await;
    // The login page shares that budget.
    let html = app
        .client
        .get(app.url("/staff/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = app
        .client
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "fg@oost.nl"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(retry_after(&r) >= 1);
    // Setup codes and follow-up links: per address.
    for _ in 0..2 {
        let r = app
            .post(
                "/api/v1/setup",
                None,
                json!({"setup_code": "setup_gok", "email": "a@b.nl", "display_name": "A", "password": "lang genoeg wachtwoord"}),
            )
            .await;
        assert_ne!(r.status(), 429);
    }
    let r = app
        .post(
            "/api/v1/setup",
            None,
            json!({"setup_code": "setup_gok", "email": "a@b.nl", "display_name": "A", "password": "lang genoeg wachtwoord"}),
        )
        .await;
    assert_problem(r, 429, None).await;
    let r = app.get("/volgen/M-2026-000001/mpf_gok", None).await;
    assert_eq!(r.status(), 429);
    let r = app
        .get("/api/v1/reports/M-2026-000001", Some("mpf_gok"))
        .await;
    assert_problem(r, 429, None).await;
    // Without a trusted proxy, X-Forwarded-For does not buy a new budget.
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("x-forwarded-for", "198.51.100.20")
        .json(&json!({"description": "Brief kwam bij mij"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}
both_kinds!(anonymous_and_credential_endpoints_are_limited);

async fn forwarded_for_from_a_trusted_proxy_and_per_account_limit(kind: Db) {
    let app = spawn_app_with(kind, |s| {
        s.server.trusted_proxies = vec!["127.0.0.0/8".into()];
        s.limits.submissions_per_minute = 1;
        s.limits.logins_per_minute = 1000;
        s.limits.logins_per_account_per_minute = 2;
    })
    .await
    .unwrap();
    app.create_user("fg@oost.nl", &[]);
    let report = |from: &'static str| {
        app.client
            .post(app.url("/api/v1/reports"))
            .header("x-forwarded-for", from)
            .json(&json!({"description": "Brief kwam bij mij"}))
            .send()
    };
    // Behind the proxy each client has its own budget …
    assert_eq!(report("198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(report("198.51.100.2").await.unwrap().status(), 201);
    assert_eq!(report("198.51.100.1").await.unwrap().status(), 429);
    // … and a client cannot pick its address by prepending one: the proxy's nearest hop counts.
    assert_eq!(
        report("203.0.113.99, 198.51.100.2").await.unwrap().status(),
        429
    );
    // One account from ever new addresses: limited per account.
    let login = |from: String| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", from)
            .json(&json!({"email": "FG@oost.nl", "password": "fout"}))
            .send()
    };
    assert_eq!(login("198.51.100.10".into()).await.unwrap().status(), 401);
    assert_eq!(login("198.51.100.11".into()).await.unwrap().status(), 401);
    let r = login("198.51.100.12".into()).await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(retry_after(&r) >= 1);
}
both_kinds!(forwarded_for_from_a_trusted_proxy_and_per_account_limit);

// --- 4. one input boundary --------------------------------------------------------------------

async fn control_characters_and_odd_dates_get_a_clear_4xx(kind: Db) {
    let app = spawn_app_with(kind, |_| {}).await.unwrap();
    app.create_org("oost");
    let fg = app.create_user("fg@oost.nl", &[("oost", meldpunt::auth::Role::Fg)]);
    // API intake: NUL and other control characters, named by field.
    for (field, body) in [
        ("description", json!({"description": "Brief\u{0000}kwam"})),
        (
            "contact_name",
            json!({"description": "Brief", "contact_name": "Jan\u{0007}"}),
        ),
        (
            "contact_email",
            json!({"description": "Brief", "contact_email": "a\u{0}@b.nl"}),
        ),
        (
            "data_kinds[0]",
            json!({"description": "Brief", "data_kinds": ["bsn\u{85}"]}),
        ),
    ] {
        let r = app.post("/api/v1/reports", None, body).await;
        assert_problem(r, 422, Some(field)).await;
    }
    // Line breaks and tabs are text.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Regel een\n\tregel twee"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Dates within 1900–2200.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Brief", "received_on": "0001-01-01"}),
        )
        .await;
    assert_problem(r, 422, Some("received_on")).await;
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&fg.token),
            json!({"organisation": "oost", "title": "Lek", "became_aware_at": "9999-01-01T00:00:00Z"}),
        )
        .await;
    assert_problem(r, 422, Some("became_aware_at")).await;
    // The login's e-mail field.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "fg@oost.nl\u{0}", "password": PASSWORD}),
        )
        .await;
    assert_problem(r, 422, Some("email")).await;
    // Addresses: path and query, percent-encoded or not.
    for path in [
        "/api/v1/reports/M-2026-%00",
        "/api/v1/reports?q=a%00b",
        "/bekendmaking/a%00b",
        "/staff/inbox?q=%00",
        "/volgen/M-2026-000001/mpf_%00",
    ] {
        let r = app.get(path, Some(&fg.token)).await;
        assert_eq!(r.status(), 400, "{path}");
    }
    // The form: shown again with the text kept, without the bad characters.
    let html = app
        .client
        .get(app.url("/melden"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = app
        .client
        .post(app.url("/melden"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("description", "Brief met\u{0} een NUL erin"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Brief met een NUL erin"), "text kept");
    assert!(!page.contains('\u{0}'));
    assert!(
        page.contains("tekens die wij niet kunnen bewaren"),
        "said why"
    );
    let r = app
        .client
        .post(app.url("/melden"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("description", "Brief"),
            ("received_on", "0001-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("tussen 1-1-1900 en vandaag"));
    // Error bodies stay small, however much was sent.
    let kinds: Vec<String> = (0..12_000).map(|i| format!("soort-{i}")).collect();
    let body = json!({"description": "Brief", "data_kinds": kinds});
    let sent = body.to_string().len();
    let r = app.post("/api/v1/reports", None, body).await;
    assert_eq!(r.status(), 422);
    let answer = r.text().await.unwrap().len();
    assert!(
        answer < 16 * 1024,
        "error body {answer} bytes for {sent} sent"
    );
    // Serde's messages do not quote what was sent.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Brief", "may_contact": "jan@example.nl"}),
        )
        .await;
    let body = assert_problem(r, 422, Some("may_contact")).await;
    assert!(!body.to_string().contains("jan@example.nl"), "{body}");
}
both_kinds!(control_characters_and_odd_dates_get_a_clear_4xx);

// --- 5. redirects -----------------------------------------------------------------------------

async fn next_goes_only_to_our_own_paths(kind: Db) {
    let app = spawn_app_with(kind, |_| {}).await.unwrap();
    app.create_user("fg@oost.nl", &[]);
    for (next, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0D%0ASet-Cookie:%20x=1", "/"),
        ("/%00", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example", "/"),
        ("/staff/inbox%3Fq%3Dx", "/staff/inbox?q=x"),
    ] {
        let r = app.get(&format!("/lang/en?next={next}"), None).await;
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(location(&r), expected, "{next}");
    }
    // After a correct login too.
    let html = app
        .client
        .get(app.url("/staff/login?next=/%09/evil.example"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = app
        .client
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "fg@oost.nl"),
            ("password", PASSWORD),
            ("next", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff");
}
both_kinds!(next_goes_only_to_our_own_paths);

// --- 7. honest health -------------------------------------------------------------------------

/// Make every pooled connection refuse writes, as a read-only database does.
fn make_pool_read_only(app: &TestApp, kind: Db) {
    let size = app.state.pool.max_size();
    let mut held = vec![];
    for _ in 0..size {
        held.push(app.state.pool.get().unwrap());
    }
    let sql = match kind {
        Db::Sqlite => "PRAGMA query_only = ON",
        Db::Postgres => "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    };
    for c in held.iter_mut() {
        match &mut **c {
            meldpunt::db::DbConn::Sqlite(s) => s.batch_execute(sql).unwrap(),
            meldpunt::db::DbConn::Pg(p) => p.batch_execute(sql).unwrap(),
        }
    }
    // On SQLite the requests' writes go through the writer's own connection.
    if let Some(w) = &app.state.writer {
        w.with_connection(|c| c.batch_execute(sql)).unwrap();
    }
}

async fn a_read_only_database_is_reported_and_writes_get_503(kind: Db) {
    let app = spawn_app_with(kind, |_| {}).await.unwrap();
    app.create_org("oost");
    let fg = app.create_user("fg@oost.nl", &[("oost", meldpunt::auth::Role::Fg)]);
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), 200);
    make_pool_read_only(&app, kind);
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), 503);
    assert!(retry_after(&r) >= 1);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["database"], "read-only", "{body}");
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&fg.token),
            json!({"organisation": "oost", "title": "Lek", "became_aware_at": chrono::Utc::now()}),
        )
        .await;
    assert!(retry_after(&r) >= 1);
    assert_problem(r, 503, None).await;
    // Reading still works.
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status(), 200);
}
both_kinds!(a_read_only_database_is_reported_and_writes_get_503);

async fn https_public_url_gives_hsts_and_secure_cookies(kind: Db) {
    let app = spawn_app_with(kind, |s| {
        s.server.public_url = "https://meldpunt.example.nl".into();
    })
    .await
    .unwrap();
    let r = app.get("/melden", None).await;
    assert_eq!(r.status(), 200);
    let hsts = r
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(hsts.starts_with("max-age="), "HSTS: {hsts}");
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("meldpunt_csrf="))
        .expect("csrf cookie");
    assert!(csrf.contains("Secure"), "{csrf}");
    // Over plain http: no HSTS.
    let plain = spawn_app_with(kind, |_| {}).await.unwrap();
    let r = plain.get("/melden", None).await;
    assert!(r.headers().get("strict-transport-security").is_none());
}
both_kinds!(https_public_url_gives_hsts_and_secure_cookies);

// --- 3. no personal data in logs, at trace ----------------------------------------------------

const BSN: &str = "111222333";
const IBAN: &str = "NL91ABNA0417164300";
const PHONE: &str = "0612345678";
const EMAIL: &str = "pietje.puk@example.nl";
const NAME: &str = "Pietje Puk";
const NAME_SEARCH: &str = "Pukkelpop";

/// The real binary at `RUST_LOG=trace`: personal data sent through the API, the form, the login
/// and the searches appears nowhere in what it logs.
async fn nothing_personal_in_the_log_at_trace(kind: Db) {
    let Some(db) = TestDb::new(kind) else { return };
    {
        let mut c = db.conn();
        meldpunt::db::run_migrations(&mut c).unwrap();
        let hash = secrets::hash_password(PASSWORD).unwrap();
        let u = auth_store::new_user("fg@oost.nl", "F. Gerritsen", Some(hash), true);
        auth_store::insert_user(&mut c, &u).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .arg("serve")
        .current_dir(dir.path())
        .env("MELDPUNT__DATABASE__URL", &db.url)
        .env("MELDPUNT__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("MELDPUNT__SERVER__WORKERS", "2")
        .env("MELDPUNT__MAIL__TRANSPORT", "file")
        .env("MELDPUNT__MAIL__FILE_DIR", dir.path().join("mail"))
        .env(
            "MELDPUNT__SECURITY__SECRET_KEY",
            "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
        )
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                up = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the service did not start");
    let text = format!("Brief van {NAME} met BSN {BSN}, IBAN {IBAN}, tel {PHONE}, {EMAIL}");
    // API: a report, and one whose field has the wrong type (serde would quote it).
    let r = client
        .post(format!("{base}/api/v1/reports"))
        .json(&json!({"description": text, "contact_name": NAME, "contact_email": EMAIL, "contact_phone": PHONE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = client
        .post(format!("{base}/api/v1/reports"))
        .json(&json!({"description": "x", "may_contact": EMAIL, "data_kinds": BSN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = client
        .post(format!("{base}/api/v1/reports"))
        .json(&json!({"description": text, "received_on": IBAN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The form (rendered again with everything typed, then sent).
    let html = client
        .get(format!("{base}/melden"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    for email in ["geen-adres", EMAIL] {
        let r = client
            .post(format!("{base}/melden"))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .text("description", text.clone())
                    .text("contact_name", NAME)
                    .text("contact_email", email)
                    .text("contact_phone", PHONE),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status() == 200 || r.status() == 422, "{}", r.status());
    }
    // Logins: wrong, then right (API and page), with a search term in the way back.
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": EMAIL, "password": BSN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .get(format!("{base}/staff/inbox?q={NAME_SEARCH}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "to the login page");
    let html = client
        .get(format!(
            "{base}/staff/login?next=/staff/inbox%3Fq%3D{NAME_SEARCH}"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = client
        .post(format!("{base}/staff/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "fg@oost.nl"),
            ("password", PASSWORD),
            ("next", &format!("/staff/inbox?q={NAME_SEARCH}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Searches: the page and the API, by name, e-mail address and BSN.
    for q in [NAME_SEARCH, EMAIL, BSN] {
        let r = client
            .get(format!("{base}/staff/inbox?q={q}"))
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{}", r.status());
        let r = client
            .get(format!("{base}/api/v1/reports?q={q}"))
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{}", r.status());
        // The incident list's search too (page and API).
        for path in ["/staff/incidents", "/api/v1/incidents"] {
            let r = client
                .get(format!("{base}{path}?q={q}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path}");
        }
    }
    // The inbox and the report page show the data (rendered by handlebars).
    let r = client
        .get(format!("{base}/staff/inbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let _ = child.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines().count() > 20 && log.contains("TRACE"),
        "the service logged at trace: {} lines",
        log.lines().count()
    );
    for secret in [BSN, IBAN, PHONE, EMAIL, NAME, NAME_SEARCH] {
        let at: Vec<&str> = log.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(at.is_empty(), "{secret} in the log: {at:#?}");
    }
}
both_kinds!(nothing_personal_in_the_log_at_trace);

/// The staff pages' file uploads (recipients, processing register, breach-register import) read
/// their multipart bodies through the same guard as the public form: a body that ends inside a part
/// (it left actix-multipart waiting for ever) and one that made its parser panic (both found by
/// cargo fuzz on the public form) are refused with 400 at once, before any sign-in is looked at.
async fn staff_uploads_refuse_broken_multipart_bodies(app: TestApp) {
    let fixture = |name: &str| -> (String, Vec<u8>) {
        let raw = std::fs::read(format!(
            "{}/tests/fixtures/fuzz/form_multipart/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        // The target's layout: a chunk-size byte, the Content-Type up to a line feed, the body.
        let rest = &raw[1..];
        let nl = rest.iter().position(|b| *b == b'\n').unwrap();
        (
            String::from_utf8(rest[..nl].to_vec()).unwrap(),
            rest[nl + 1..].to_vec(),
        )
    };
    for path in [
        "/staff/incidents/01a00000-0000-7000-8000-000000000000/recipients",
        "/staff/activities/import",
        "/staff/register/import",
    ] {
        for name in ["body_ends_inside_field.bin", "one_char_boundary_panic.bin"] {
            let (content_type, body) = fixture(name);
            let r = tokio::time::timeout(
                std::time::Duration::from_secs(20),
                app.client
                    .post(app.url(path))
                    .header("Content-Type", content_type)
                    .body(body)
                    .send(),
            )
            .await
            .unwrap_or_else(|_| panic!("{path} with {name}: no answer within 20 s"))
            .unwrap();
            assert_eq!(r.status(), 400, "{path} with {name}");
        }
    }
}
both!(staff_uploads_refuse_broken_multipart_bodies);
