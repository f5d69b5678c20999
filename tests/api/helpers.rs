//! Test harness: each test gets its own application on port 0 and its own database — a fresh SQLite
//! file, or a fresh PostgreSQL database when MELDPUNT_TEST_PG_URL is set.
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, Once};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use meldpunt::auth::{secrets, store as auth_store, Role};
use meldpunt::config::Settings;
use meldpunt::db::{self, DbConn};
use meldpunt::orgs::{store as org_store, OrganisationInput};
use meldpunt::outbox::transport::SentMail;
use meldpunt::startup::Application;
use meldpunt::state::AppState;
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub fn pg_base_url() -> Option<String> {
    std::env::var("MELDPUNT_TEST_PG_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

static SKIP_NOTE: Once = Once::new();

/// Said once per run, past the test harness's output capture, so nobody mistakes a skip for a pass.
pub fn note_pg_skipped() {
    SKIP_NOTE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: PostgreSQL runs SKIPPED: MELDPUNT_TEST_PG_URL is not set \
             (e.g. MELDPUNT_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test). Only SQLite was tested.\n"
        );
    });
}

pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static SWEEP: Once = Once::new();

/// Per-test PostgreSQL databases stay while their test process runs (dropping one under a running
/// app makes its workers wait out connection timeouts). Each run drops those of test processes that
/// have ended.
fn sweep_leftovers(c: &mut diesel::PgConnection) {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'meldpunt_t_%'")
            .load(c)
            .unwrap_or_default();
    for n in names {
        let pid = n
            .datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid
            .map(|p| std::path::Path::new(&format!("/proc/{p}")).exists())
            .unwrap_or(false);
        if !alive || pid == Some(std::process::id()) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                n.datname
            ));
        }
    }
}

impl TestDb {
    pub fn new(kind: Db) -> Option<TestDb> {
        match kind {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}", dir.path().join("meldpunt.db").display());
                Some(TestDb {
                    url,
                    _dir: Some(dir),
                })
            }
            Db::Postgres => {
                let Some(base) = pg_base_url() else {
                    note_pg_skipped();
                    return None;
                };
                let mut c = diesel::PgConnection::establish(&base)
                    .expect("connect to MELDPUNT_TEST_PG_URL");
                SWEEP.call_once(|| sweep_leftovers(&mut c));
                let name = format!(
                    "meldpunt_t_{}_{}",
                    std::process::id(),
                    uuid::Uuid::new_v4().simple()
                );
                c.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                // Loopback tests do not need TLS; without it, no OpenSSL state is in use on the
                // pools' threads when the test process exits (libpq would otherwise negotiate TLS
                // with a server that offers it, as Debian's does).
                let (path, query) = match base.split_once('?') {
                    Some((p, q)) => (p, q.to_string()),
                    None => (base.as_str(), String::new()),
                };
                let query = if query.contains("sslmode") {
                    query
                } else if query.is_empty() {
                    "sslmode=disable".to_string()
                } else {
                    format!("{query}&sslmode=disable")
                };
                let url = match path.rfind('/') {
                    Some(i) if i > "postgres://".len() => {
                        format!("{}/{}?{query}", &path[..i], name)
                    }
                    _ => format!("{path}/{name}?{query}"),
                };
                Some(TestDb { url, _dir: None })
            }
        }
    }

    pub fn conn(&self) -> DbConn {
        db::connect(&self.url).expect("connect")
    }
}

pub fn test_settings(url: &str) -> Settings {
    let mut s = Settings::load_from(None, false).expect("defaults");
    s.database.url = url.to_string();
    s.database.pool_size = 4;
    s.server.bind = "127.0.0.1:0".into();
    s.server.public_url = "http://meldpunt.test".into();
    s.server.workers = 2;
    s.mail.transport = "memory".into();
    s.mail.from = "Meldpunt <meldpunt@meldpunt.test>".into();
    s.outbox.poll_interval_ms = 50;
    s.clock.interval_seconds = 1;
    // A fixed key for the two-factor secrets (base64 of 32 bytes of 0x2a).
    s.security.secret_key = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=".into();
    // Every test client is 127.0.0.1: tests of the limit set it low themselves.
    s.limits.submissions_per_minute = 1000;
    s.limits.logins_per_minute = 1000;
    s.limits.logins_per_account_per_minute = 1000;
    s.limits.credentials_per_minute = 1000;
    s
}

pub struct TestApp {
    pub addr: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub sent: Option<Arc<Mutex<Vec<SentMail>>>>,
    pub db: TestDb,
}

pub async fn spawn_app(kind: Db) -> Option<TestApp> {
    spawn_app_with(kind, |_| {}).await
}

pub async fn spawn_app_with(kind: Db, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let db = TestDb::new(kind)?;
    Some(spawn_app_on(db, tweak).await)
}

/// An app on a database the test made (e.g. one other processes use too).
pub async fn spawn_app_on(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(&db.url);
    tweak(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build_with_listener(settings, listener)
        .await
        .expect("build app");
    let port = app.port();
    let state = app.state.clone();
    let sent = app.mailer.memory();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        addr: format!("http://127.0.0.1:{port}"),
        client,
        state,
        sent,
        db,
    }
}

/// Run a test body on SQLite, and on PostgreSQL when configured.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Db::Sqlite)
                    .await
                    .unwrap();
                super::$name(app).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Db::Postgres).await {
                    super::$name(app).await
                }
            }
        }
    };
}

pub struct User {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    pub fn conn(&self) -> DbConn {
        self.db.conn()
    }

    pub fn create_org(&self, slug: &str) -> String {
        let mut c = self.conn();
        let input = OrganisationInput {
            slug: Some(slug.into()),
            name: Some(format!("Gemeente {slug}")),
            fg_name: Some("F. Gerritsen".into()),
            fg_email: Some(format!("fg@{slug}.example.nl")),
            processor_hours: Some(24),
            ..Default::default()
        };
        let row = org_store::OrgRow::new_from(&input);
        org_store::insert(&mut c, &row).unwrap();
        self.state.forget_org_directory();
        row.id
    }

    /// A user with roles in organisations (by slug) and an API token.
    pub fn create_user(&self, email: &str, roles: &[(&str, Role)]) -> User {
        self.create_user_full(email, roles, false)
    }

    pub fn create_user_full(&self, email: &str, roles: &[(&str, Role)], admin: bool) -> User {
        let mut c = self.conn();
        let hash = secrets::hash_password(PASSWORD).unwrap();
        let u = auth_store::new_user(email, "Test Gebruiker", Some(hash), admin);
        auth_store::insert_user(&mut c, &u).unwrap();
        for (slug, role) in roles {
            let org = org_store::by_slug(&mut c, slug)
                .unwrap()
                .expect("org exists");
            auth_store::add_membership(&mut c, &u.id, &org.id, *role).unwrap();
        }
        let (_, token) = auth_store::create_token(&mut c, &u.id, "test").unwrap();
        User {
            id: u.id,
            email: u.email,
            token,
        }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut r = self.client.post(self.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut r = self.client.put(self.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut r = self.client.patch(self.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut r = self.client.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    /// A citizen's report to `org` (slug) through the public API; returns its reference.
    pub async fn submit_report(&self, org: &str, description: &str) -> String {
        let r = self
            .post(
                "/api/v1/reports",
                None,
                serde_json::json!({"description": description, "organisation": org,
                    "contact_email": "melder@example.nl"}),
            )
            .await;
        assert_eq!(r.status(), 201, "report");
        let v: serde_json::Value = r.json().await.unwrap();
        v["reference"].as_str().unwrap().to_string()
    }

    /// Open an incident as `user` in `org`, aware `hours_ago` hours ago; returns its JSON.
    pub async fn open_incident(&self, user: &User, org: &str, hours_ago: i64) -> Value {
        let aware = chrono::Utc::now() - chrono::Duration::hours(hours_ago);
        let r = self
            .post(
                "/api/v1/incidents",
                Some(&user.token),
                serde_json::json!({"organisation": org, "title": "Brief naar verkeerd adres",
                    "description": "Een brief met naam, adres en BSN ging naar een verkeerd adres.",
                    "became_aware_at": aware}),
            )
            .await;
        assert_eq!(r.status(), 201, "open incident");
        r.json().await.unwrap()
    }

    pub fn sent_mail(&self) -> Vec<SentMail> {
        self.sent
            .as_ref()
            .map(|s| s.lock().unwrap().clone())
            .unwrap_or_default()
    }

    /// Wait (bounded) until `f` holds for the mail sent so far.
    pub async fn wait_for_mail(&self, f: impl Fn(&[SentMail]) -> bool) -> Vec<SentMail> {
        for _ in 0..200 {
            let m = self.sent_mail();
            if f(&m) {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.sent_mail()
    }
}

/// Assert a problem+json response with `status` that names `field`.
pub async fn assert_problem(r: reqwest::Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct}"
    );
    let body: Value = r.json().await.unwrap();
    if let Some(f) = field {
        let names: Vec<String> = body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            names.iter().any(|n| n == f),
            "field {f} not named in {body}"
        );
    }
    body
}
