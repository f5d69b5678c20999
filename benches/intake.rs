//! Intake benchmarks (see `/work/shared/design/benchmarks.md`): every figure is a ratio against a
//! bare baseline measured in the same run, interleaved product/baseline, median of the pairs.
//!
//! Run: `cargo bench --bench intake` (or `benches/run.sh`). Filter: `cargo bench --bench intake --
//! intake_http`. Environment knobs: `INTAKE_BENCH_SECS` (measured seconds per round, default 3),
//! `INTAKE_BENCH_WARMUP` (seconds, default 0.5), `INTAKE_BENCH_ROUNDS` (pairs, default 3),
//! `INTAKE_BENCH_CONNS` (keep-alive connections, default 64), `INTAKE_BENCH_SKIP_BASELINE=1` (only
//! the product side: for profiling), `INTAKE_BENCH_NO_MIDDLEWARE=1` (diagnostic: product without
//! the DefaultHeaders/TracingLogger middleware).
//!
//! * `intake_http`: `POST /api/v1/reports` (~1 KB JSON) through the real routes and the production
//!   middleware stack, storage switched off (`Intake::discard`), against a bare actix handler that
//!   parses the same body into `serde_json::Value` and echoes it. req/s and p99.
//! * `intake_persisted` (+ `_shm`): the same POST with the group-commit SQLite intake built as
//!   `startup.rs` builds it (WAL, synchronous=NORMAL) against raw rusqlite single-row autocommit
//!   INSERTs of the same row into the same schema. req/s vs rows/s; fresh database per round.
//! * `intake_durable` (+ `_shm`): as above with synchronous=FULL on both sides.
//!
//! The server (one actix worker, plus every thread it spawns: accept loop, blocking pool, r2d2,
//! report writer) runs pinned to core 0; the load generator (a raw HTTP/1.1 keep-alive client on a
//! current-thread tokio runtime, closed loop) to core 1; the raw rusqlite baseline to core 0.
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpResponse, HttpServer};
use tokio::net::TcpStream;

use meldpunt::config::Settings;
use meldpunt::db::{self, Backend};
use meldpunt::reports::intake::Intake;
use meldpunt::state::{AppState, OrgDirectory};

const SERVER_CORE: usize = 0;
const LOAD_CORE: usize = 1;
const ORG_ID: &str = "019a0000-0000-7000-8000-000000000001";
const PATH: &str = "/api/v1/reports";

// ---------------------------------------------------------------------------------------------
// Configuration and small helpers

struct Cfg {
    secs: f64,
    warmup: f64,
    rounds: usize,
    conns: usize,
    filter: Vec<String>,
    skip_baseline: bool,
    pinned: bool,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Cfg {
    fn load() -> Cfg {
        let filter = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        Cfg {
            secs: env_or("INTAKE_BENCH_SECS", 3.0),
            warmup: env_or("INTAKE_BENCH_WARMUP", 0.5),
            rounds: env_or("INTAKE_BENCH_ROUNDS", 3usize).max(1),
            conns: env_or("INTAKE_BENCH_CONNS", 64usize).max(1),
            filter,
            skip_baseline: env_or("INTAKE_BENCH_SKIP_BASELINE", 0u8) == 1,
            pinned: false,
        }
    }

    fn wants(&self, name: &str) -> bool {
        self.filter.is_empty() || self.filter.iter().any(|f| name.contains(f.as_str()))
    }

    fn dur(&self) -> Duration {
        Duration::from_secs_f64(self.secs)
    }

    fn warm(&self) -> Duration {
        Duration::from_secs_f64(self.warmup)
    }
}

/// Pin the calling thread (and every thread it spawns afterwards) to one core.
fn pin_to(core: usize) -> bool {
    // SAFETY: cpu_set_t is plain data; sched_setaffinity(0, ..) affects only the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// Percentile (0..=100) of microsecond latencies, in milliseconds.
fn pct_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted_us.len() - 1) as f64).round() as usize;
    sorted_us[i.min(sorted_us.len() - 1)] as f64 / 1000.0
}

/// A figure with its spread over the rounds: "41234 (40100–42010, ±2.3%)".
fn spread(v: &[f64], decimals: usize) -> String {
    let m = median(v);
    let (lo, hi) = min_max(v);
    let pm = if m > 0.0 {
        (hi - lo) / 2.0 / m * 100.0
    } else {
        0.0
    };
    format!("{m:.decimals$} ({lo:.decimals$}–{hi:.decimals$}, ±{pm:.1}%)")
}

// ---------------------------------------------------------------------------------------------
// The citizen report

fn report_json() -> String {
    let received_on =
        (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).format("%Y-%m-%d");
    let body = serde_json::json!({
        "description": "Vandaag kreeg ik per post een envelop van de gemeente. Daarin zat niet alleen mijn \
            eigen beschikking, maar ook de beschikking bijzondere bijstand van iemand anders: naam, adres, \
            geboortedatum, burgerservicenummer en een overzicht van inkomsten, schulden en de \
            betalingsregeling met de kredietbank van een mevrouw die een paar straten verderop woont. \
            Ik heb de papieren niet verder gelezen dan nodig was om te begrijpen wat er misging en ik \
            bewaar ze in een gesloten envelop tot ik weet wat ik ermee moet doen. Mijn buurvrouw \
            vertelde dat zij vorige maand iets vergelijkbaars heeft meegemaakt, dus misschien gaat het \
            vaker fout bij het printen en verzenden van deze brieven. Wilt u contact met mij opnemen \
            over het terugsturen of vernietigen van deze stukken?",
        "received_via": "letter",
        "received_on": received_on.to_string(),
        "data_kinds": ["name", "address", "date_of_birth", "bsn", "financial"],
        "action_taken": "kept",
        "contact_email": "j.de.vries@example.nl",
        "language": "nl",
    });
    body.to_string()
}

fn http_request(body: &str) -> Vec<u8> {
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: meldpunt-bench\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Servers

struct Running {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<thread::JoinHandle<()>>,
}

/// Start a server on its own thread pinned to the server core; `build` runs on that thread inside
/// the actix system, so every thread it spawns (workers, blocking pool, r2d2, writer) is pinned too.
fn spawn_server<F>(pin: bool, build: F) -> Running
where
    F: FnOnce(TcpListener) -> anyhow::Result<Server> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let thread = thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            if pin {
                pin_to(SERVER_CORE);
            }
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            let addr = listener.local_addr().expect("local addr");
            actix_web::rt::System::new().block_on(async move {
                let server = build(listener).expect("build server");
                tx.send((addr, server.handle()))
                    .expect("report server address");
                let _ = server.await;
            });
        })
        .expect("spawn server thread");
    let (addr, handle) = rx.recv().expect("server did not start");
    Running {
        addr,
        handle,
        thread: Some(thread),
    }
}

impl Running {
    fn stop(mut self, rt: &tokio::runtime::Runtime) {
        rt.block_on(self.handle.stop(true));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn seed_org(db_path: &Path) -> anyhow::Result<()> {
    let c = rusqlite::Connection::open(db_path)?;
    c.busy_timeout(Duration::from_secs(10))?;
    c.execute(
        "INSERT INTO organisations (id, slug, name, require_2fa, created_at, updated_at) \
         VALUES (?1, 'gemeente-voorbeeld', 'Gemeente Voorbeeld', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        [ORG_ID],
    )?;
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Storage {
    Discard,
    GroupCommit { full: bool },
}

/// The application state as `startup.rs` builds it, with the chosen intake, and the requests'
/// writes going through the SQLite writer (as `startup.rs` builds it) or, with `writer` false, each
/// in its own transaction on its pooled connection (SQLite's busy handler, as before the writer).
fn product_state_with(
    db_path: &Path,
    storage: Storage,
    writer: bool,
) -> anyhow::Result<(AppState, Intake)> {
    let mut settings = Settings::load_from(None, false)?;
    settings.database.url = format!("sqlite://{}", db_path.display());
    settings.database.synchronous_full = matches!(storage, Storage::GroupCommit { full: true });
    settings.server.workers = 1;
    settings.outbox.enabled = false;
    settings.clock.enabled = false;
    // One client address sends everything here: lift the per-address limits (they answer 429
    // after 10 reports a minute), which would otherwise be what is measured.
    settings.limits.submissions_per_minute = 1_000_000_000;
    settings.limits.credentials_per_minute = 1_000_000_000;
    let (pool, _) = meldpunt::startup::prepare_database(&settings)?;
    seed_org(db_path)?;
    let w = db::Writer::open(&settings.database.url, settings.database.synchronous_full)?;
    let intake = match storage {
        Storage::Discard => Intake::discard(pool.clone()),
        Storage::GroupCommit { .. } => {
            // As the product does: the organisation's handlers are looked up for each batch.
            let signal = meldpunt::signals::Links::from_settings(&settings);
            Intake::group_commit(pool.clone(), w.clone(), Some(signal))
        }
    };
    let limits = Arc::new(meldpunt::http::ratelimit::Limiters::new(
        &settings.limits,
        &[],
    )?);
    let state = AppState {
        pool,
        settings: Arc::new(settings),
        backend: Backend::Sqlite,
        orgs: Arc::new(OrgDirectory::default()),
        limits,
        writer: writer.then_some(w),
    };
    Ok((state, intake))
}

/// The real routes behind the production middleware stack (as in `startup.rs`), one worker.
/// `INTAKE_BENCH_NO_MIDDLEWARE=1` (diagnostic only) drops the middleware to see what it costs.
fn product_server(pin: bool, db_path: PathBuf, storage: Storage) -> Running {
    product_server_with(pin, db_path, storage, true)
}

fn product_server_with(pin: bool, db_path: PathBuf, storage: Storage, writer: bool) -> Running {
    let bare = env_or("INTAKE_BENCH_NO_MIDDLEWARE", 0u8) == 1;
    spawn_server(pin, move |listener| {
        let (state, intake) = product_state_with(&db_path, storage, writer)?;
        let (data, intake) = (web::Data::new(state), web::Data::new(intake));
        let server = if bare {
            HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .app_data(intake.clone())
                    .configure(meldpunt::ops::configure)
                    .configure(meldpunt::reports::routes::configure)
                    .configure(meldpunt::incidents::routes::configure)
            })
            .workers(1)
            .disable_signals()
            .shutdown_timeout(2)
            .listen(listener)?
            .run()
        } else {
            HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .app_data(intake.clone())
                    .wrap(
                        DefaultHeaders::new()
                            .add(("X-Content-Type-Options", "nosniff"))
                            .add(("Referrer-Policy", "no-referrer"))
                            .add(("X-Frame-Options", "DENY"))
                            .add((
                                "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'",
                            ))
                            .add(("Cache-Control", "no-store")),
                    )
                    .wrap(tracing_actix_web::TracingLogger::default())
                    .configure(meldpunt::ops::configure)
                    .configure(meldpunt::reports::routes::configure)
                    .configure(meldpunt::incidents::routes::configure)
            })
            .workers(1)
            .disable_signals()
            .shutdown_timeout(2)
            .listen(listener)?
            .run()
        };
        Ok(server)
    })
}

async fn echo(v: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(v.into_inner())
}

/// The bare baseline: parse the body into a `serde_json::Value` and echo it.
fn baseline_server(pin: bool) -> Running {
    spawn_server(pin, |listener| {
        Ok(
            HttpServer::new(|| App::new().route(PATH, web::post().to(echo)))
                .workers(1)
                .disable_signals()
                .shutdown_timeout(2)
                .listen(listener)?
                .run(),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Load generator: raw HTTP/1.1 keep-alive, one request in flight per connection (closed loop).

#[derive(Default)]
struct Load {
    /// Responses completed inside the measured window.
    ok: u64,
    bad: u64,
    /// Good responses over the whole run, warm-up included (to check rows stored).
    ok_total: u64,
    secs: f64,
    lat_us: Vec<u32>,
    first_bad: Option<String>,
}

impl Load {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs
    }
}

async fn write_all(s: &TcpStream, mut b: &[u8]) -> io::Result<()> {
    while !b.is_empty() {
        s.writable().await?;
        match s.try_write(b) {
            Ok(n) => b = &b[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn read_some(s: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        s.readable().await?;
        match s.try_read(buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Read one response; returns (status, total length) with the bytes in `buf`.
async fn read_response(s: &TcpStream, buf: &mut Vec<u8>) -> io::Result<(u16, usize)> {
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        filled += read_some(s, &mut buf[filled..]).await?;
        let Some(hend) = find(&buf[..filled], b"\r\n\r\n") else {
            continue;
        };
        let head =
            std::str::from_utf8(&buf[..hend]).map_err(|_| io::Error::other("non-UTF-8 header"))?;
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| io::Error::other("bad status line"))?;
        let mut len = None;
        for l in lines {
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse::<usize>().ok();
                } else if k.eq_ignore_ascii_case("transfer-encoding") {
                    return Err(io::Error::other("chunked responses are not supported"));
                }
            }
        }
        let total = hend + 4 + len.ok_or_else(|| io::Error::other("no content-length"))?;
        if buf.len() < total {
            buf.resize(total, 0);
        }
        while filled < total {
            filled += read_some(s, &mut buf[filled..total]).await?;
        }
        return Ok((status, total));
    }
}

async fn connection(
    addr: SocketAddr,
    req: Arc<Vec<u8>>,
    from: Instant,
    end: Instant,
    expect: u16,
) -> io::Result<Load> {
    let s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let mut buf = vec![0u8; 8192];
    let mut out = Load {
        lat_us: Vec::with_capacity(1 << 16),
        ..Default::default()
    };
    loop {
        let t0 = Instant::now();
        if t0 >= end {
            break;
        }
        write_all(&s, &req).await?;
        let (status, total) = read_response(&s, &mut buf).await?;
        let t1 = Instant::now();
        let good = status == expect;
        if good {
            out.ok_total += 1;
        } else if out.first_bad.is_none() {
            out.first_bad = Some(String::from_utf8_lossy(&buf[..total.min(600)]).into_owned());
        }
        if t1 >= from && t1 < end {
            if good {
                out.ok += 1;
                out.lat_us
                    .push((t1 - t0).as_micros().min(u32::MAX as u128) as u32);
            } else {
                out.bad += 1;
            }
        }
    }
    Ok(out)
}

/// Run `conns` keep-alive connections for warm-up + `dur`; figures cover the measured part only.
fn load(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    req: &Arc<Vec<u8>>,
    conns: usize,
    warm: Duration,
    dur: Duration,
    expect: u16,
) -> Load {
    rt.block_on(async {
        let from = Instant::now() + warm;
        let end = from + dur;
        let tasks: Vec<_> = (0..conns)
            .map(|_| tokio::spawn(connection(addr, req.clone(), from, end, expect)))
            .collect();
        let mut all = Load {
            secs: dur.as_secs_f64(),
            ..Default::default()
        };
        for t in tasks {
            let l = t
                .await
                .expect("load task panicked")
                .expect("load connection failed");
            all.ok += l.ok;
            all.bad += l.bad;
            all.ok_total += l.ok_total;
            all.lat_us.extend_from_slice(&l.lat_us);
            if all.first_bad.is_none() {
                all.first_bad = l.first_bad;
            }
        }
        all.lat_us.sort_unstable();
        all
    })
}

fn check(what: &str, l: &Load) {
    if l.bad > 0 || l.ok == 0 {
        eprintln!(
            "WARNING {what}: {} good, {} unexpected responses; first: {:?}",
            l.ok, l.bad, l.first_bad
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Raw rusqlite baseline

const INSERT: &str = "INSERT INTO reports (id, reference, channel, organisation_id, organisation_hint, \
    description, received_via, received_on, data_kinds, action_taken, contact_name, contact_email, \
    contact_phone, may_contact, language, follow_up_hash, status, incident_id, created_by, created_at, \
    updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
    ?19, ?20, ?21)";

/// The row the product stores for `report_json()`, as diesel writes it on SQLite.
struct Row {
    description: String,
    received_on: String,
    data_kinds: String,
    contact_email: String,
}

fn baseline_row(body: &str) -> Row {
    let v: serde_json::Value = serde_json::from_str(body).expect("report json");
    let mut kinds: Vec<String> =
        serde_json::from_value(v["data_kinds"].clone()).expect("data_kinds");
    kinds.sort();
    Row {
        description: v["description"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string(),
        received_on: v["received_on"].as_str().unwrap_or_default().to_string(),
        data_kinds: serde_json::to_string(&kinds).expect("kinds"),
        contact_email: v["contact_email"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase(),
    }
}

/// A fresh database with the product's own migrations (the same `reports` table, indexes and
/// constraints) and the same organisation.
fn fresh_db(dir: &Path) -> anyhow::Result<PathBuf> {
    let path = dir.join("meldpunt.db");
    let mut c = db::connect(&format!("sqlite://{}", path.display()))?;
    db::run_migrations(&mut c)?;
    drop(c);
    seed_org(&path)?;
    Ok(path)
}

struct Inserts {
    rows: u64,
    rows_total: u64,
    secs: f64,
    lat_us: Vec<u32>,
}

/// Single-row autocommit INSERTs (one transaction and commit per row) on a thread pinned to the
/// server core, for warm-up + `dur`.
fn raw_inserts(
    pin: bool,
    path: PathBuf,
    full: bool,
    row: Arc<Row>,
    warm: Duration,
    dur: Duration,
) -> Inserts {
    thread::spawn(move || {
        if pin {
            pin_to(SERVER_CORE);
        }
        let c = rusqlite::Connection::open(&path).expect("open baseline db");
        let mode: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .expect("wal");
        assert_eq!(mode.to_lowercase(), "wal");
        c.execute_batch(&format!(
            "PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
            if full { "FULL" } else { "NORMAL" }
        ))
        .expect("pragmas");
        let mut stmt = c.prepare_cached(INSERT).expect("prepare");
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let year = 2026;
        let (from, end) = (Instant::now() + warm, Instant::now() + warm + dur);
        let mut out = Inserts {
            rows: 0,
            rows_total: 0,
            secs: dur.as_secs_f64(),
            lat_us: Vec::with_capacity(1 << 17),
        };
        let mut n: i64 = 0;
        loop {
            let t0 = Instant::now();
            if t0 >= end {
                break;
            }
            n += 1;
            let now = chrono::Utc::now()
                .naive_utc()
                .format("%Y-%m-%d %H:%M:%S%.6f")
                .to_string();
            stmt.execute(rusqlite::params![
                uuid::Uuid::now_v7().to_string(),
                format!("M-{year}-{n:06}"),
                "api",
                ORG_ID,
                None::<String>,
                row.description,
                "letter",
                row.received_on,
                row.data_kinds,
                "kept",
                None::<String>,
                row.contact_email,
                None::<String>,
                true,
                "nl",
                hash,
                "received",
                None::<String>,
                None::<String>,
                now,
                now,
            ])
            .expect("insert");
            let t1 = Instant::now();
            out.rows_total += 1;
            if t1 >= from && t1 < end {
                out.rows += 1;
                out.lat_us.push((t1 - t0).as_micros() as u32);
            }
        }
        out.lat_us.sort_unstable();
        out
    })
    .join()
    .expect("baseline thread panicked")
}

fn count_reports(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .and_then(|c| c.query_row("SELECT count(*) FROM reports", [], |r| r.get(0)))
        .unwrap_or(-1)
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

struct Summary {
    name: String,
    product: String,
    baseline: String,
    ratio: f64,
    target: &'static str,
    /// None: an informational line without a target of its own.
    met: Option<bool>,
    spread: String,
}

fn print_summary(rows: &[Summary]) {
    println!();
    println!(
        "{:<22} {:>16} {:>16} {:>7} {:>8} {:>4}  spread of pair ratios",
        "name", "product", "baseline", "ratio", "target", "met"
    );
    for s in rows {
        println!(
            "{:<22} {:>16} {:>16} {:>6.2}x {:>8} {:>4}  {}",
            s.name,
            s.product,
            s.baseline,
            s.ratio,
            s.target,
            match s.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            },
            s.spread
        );
    }
}

fn ratio_spread(r: &[f64]) -> String {
    let (lo, hi) = min_max(r);
    format!("{lo:.2}–{hi:.2} over {} pairs", r.len())
}

fn bench_http(
    cfg: &Cfg,
    rt: &tokio::runtime::Runtime,
    body: &str,
    out: &mut Vec<Summary>,
) -> anyhow::Result<()> {
    let name = "intake_http";
    println!("\n== {name}: POST {PATH} ({} B JSON), storage off, vs bare actix echo; {} conns, {} x {:.1} s (+{:.1} s warm-up), load {}",
        body.len(), cfg.conns, cfg.rounds, cfg.secs, cfg.warmup, loadavg());
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))?;
    let product = product_server(cfg.pinned, dir.path().join("meldpunt.db"), Storage::Discard);
    let baseline = baseline_server(cfg.pinned);
    let req = Arc::new(http_request(body));
    // Warm both (connections, allocator, org cache) without recording.
    check(
        "product warm-up",
        &load(
            rt,
            product.addr,
            &req,
            cfg.conns,
            Duration::ZERO,
            Duration::from_secs(1),
            201,
        ),
    );
    if !cfg.skip_baseline {
        check(
            "baseline warm-up",
            &load(
                rt,
                baseline.addr,
                &req,
                cfg.conns,
                Duration::ZERO,
                Duration::from_secs(1),
                200,
            ),
        );
    }
    let (mut pr, mut br, mut pp, mut bp, mut rr, mut lr) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for round in 1..=cfg.rounds {
        let a = load(
            rt,
            product.addr,
            &req,
            cfg.conns,
            cfg.warm(),
            cfg.dur(),
            201,
        );
        check("product", &a);
        let (a99, a50) = (pct_ms(&a.lat_us, 99.0), pct_ms(&a.lat_us, 50.0));
        pr.push(a.rps());
        pp.push(a99);
        if cfg.skip_baseline {
            println!(
                "  round {round}: product {:>8.0} req/s p50 {a50:.2} ms p99 {a99:.2} ms",
                a.rps()
            );
            continue;
        }
        let b = load(
            rt,
            baseline.addr,
            &req,
            cfg.conns,
            cfg.warm(),
            cfg.dur(),
            200,
        );
        check("baseline", &b);
        let (b99, b50) = (pct_ms(&b.lat_us, 99.0), pct_ms(&b.lat_us, 50.0));
        br.push(b.rps());
        bp.push(b99);
        rr.push(a.rps() / b.rps());
        lr.push(a99 / b99);
        println!(
            "  round {round}: product {:>8.0} req/s p50 {a50:.2} ms p99 {a99:.2} ms | baseline {:>8.0} req/s p50 {b50:.2} ms p99 {b99:.2} ms | {:.3}x req/s, {:.2}x p99",
            a.rps(), b.rps(), a.rps() / b.rps(), a99 / b99
        );
    }
    product.stop(rt);
    baseline.stop(rt);
    println!(
        "  product  req/s {}  p99 ms {}",
        spread(&pr, 0),
        spread(&pp, 2)
    );
    if cfg.skip_baseline {
        return Ok(());
    }
    println!(
        "  baseline req/s {}  p99 ms {}",
        spread(&br, 0),
        spread(&bp, 2)
    );
    let (r, l) = (median(&rr), median(&lr));
    out.push(Summary {
        name: name.into(),
        product: format!("{:.0} req/s", median(&pr)),
        baseline: format!("{:.0} req/s", median(&br)),
        ratio: r,
        target: ">=0.75x",
        met: Some(r >= 0.75),
        spread: ratio_spread(&rr),
    });
    out.push(Summary {
        name: format!("{name} p99"),
        product: format!("{:.2} ms", median(&pp)),
        baseline: format!("{:.2} ms", median(&bp)),
        ratio: l,
        target: "<=1.5x",
        met: Some(l <= 1.5),
        spread: ratio_spread(&lr),
    });
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn bench_persisted(
    cfg: &Cfg,
    rt: &tokio::runtime::Runtime,
    body: &str,
    name: &str,
    root: &Path,
    full: bool,
    target: Option<f64>,
    out: &mut Vec<Summary>,
) -> anyhow::Result<()> {
    println!(
        "\n== {name}: POST {PATH} stored by the group-commit intake (synchronous={}) vs raw rusqlite single-row commits; db in {}; {} conns, {} x {:.1} s (+{:.1} s warm-up), load {}",
        if full { "FULL" } else { "NORMAL" }, root.display(), cfg.conns, cfg.rounds, cfg.secs, cfg.warmup, loadavg()
    );
    let req = Arc::new(http_request(body));
    let row = Arc::new(baseline_row(body));
    let (mut pr, mut br, mut rr) = (vec![], vec![], vec![]);
    for round in 1..=cfg.rounds {
        // Product: fresh database, server started as startup.rs does, stopped after the round.
        let dir = tempfile::tempdir_in(root)?;
        let db_path = dir.path().join("meldpunt.db");
        let product = product_server(cfg.pinned, db_path.clone(), Storage::GroupCommit { full });
        let a = load(
            rt,
            product.addr,
            &req,
            cfg.conns,
            cfg.warm(),
            cfg.dur(),
            201,
        );
        product.stop(rt);
        check("product", &a);
        let stored = count_reports(&db_path);
        if stored != a.ok_total as i64 {
            eprintln!(
                "WARNING {name}: {} reports answered 201 but {stored} rows stored",
                a.ok_total
            );
        }
        drop(dir);
        let (a50, a99) = (pct_ms(&a.lat_us, 50.0), pct_ms(&a.lat_us, 99.0));
        pr.push(a.rps());
        if cfg.skip_baseline {
            println!(
                "  round {round}: product {:>8.0} req/s (p50 {a50:.2} ms, p99 {a99:.2} ms)",
                a.rps()
            );
            continue;
        }
        // Baseline: fresh database with the same schema.
        let dir = tempfile::tempdir_in(root)?;
        let path = fresh_db(dir.path())?;
        let b = raw_inserts(
            cfg.pinned,
            path.clone(),
            full,
            row.clone(),
            cfg.warm(),
            cfg.dur(),
        );
        let stored = count_reports(&path);
        if stored != b.rows_total as i64 {
            eprintln!(
                "WARNING {name}: baseline inserted {} but {stored} rows stored",
                b.rows_total
            );
        }
        drop(dir);
        let b_rps = b.rows as f64 / b.secs;
        br.push(b_rps);
        rr.push(a.rps() / b_rps);
        println!(
            "  round {round}: product {:>8.0} req/s (p50 {a50:.2} ms, p99 {a99:.2} ms) | baseline {b_rps:>8.0} rows/s (commit p50 {:.3} ms, p99 {:.3} ms) | {:.3}x",
            a.rps(), pct_ms(&b.lat_us, 50.0), pct_ms(&b.lat_us, 99.0), a.rps() / b_rps
        );
    }
    println!("  product  req/s  {}", spread(&pr, 0));
    if cfg.skip_baseline {
        return Ok(());
    }
    println!("  baseline rows/s {}", spread(&br, 0));
    let r = median(&rr);
    out.push(Summary {
        name: name.into(),
        product: format!("{:.0} req/s", median(&pr)),
        baseline: format!("{:.0} rows/s", median(&br)),
        ratio: r,
        target: match target {
            Some(t) if t >= 3.0 => ">=3x",
            Some(_) => ">=1.5x",
            None => "info",
        },
        met: target.map(|t| r >= t),
        spread: ratio_spread(&rr),
    });
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Concurrent writes: incident creation next to the report intake (issue: writes must not queue on
// SQLite's lock)

const BENCH_TOKEN: &str = "mpt_bench_0123456789abcdef0123456789abcdef";

/// A handler of the seeded organisation with a known API token.
fn seed_handler(db_path: &Path) -> anyhow::Result<()> {
    let c = rusqlite::Connection::open(db_path)?;
    c.busy_timeout(Duration::from_secs(10))?;
    let user = "019a0000-0000-7000-8000-0000000000a1";
    c.execute(
        "INSERT INTO users (id, email, display_name, is_admin, totp_enabled, failed_logins, language, created_at) \
         VALUES (?1, 'bench@voorbeeld.nl', 'Bench', 0, 0, 0, 'nl', '2026-01-01 00:00:00')",
        [user],
    )?;
    c.execute(
        "INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (?1, ?2, 'handler', '2026-01-01 00:00:00')",
        [user, ORG_ID],
    )?;
    c.execute(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ('019a0000-0000-7000-8000-0000000000b1', ?1, 'bench', ?2, '2026-01-01 00:00:00')",
        [user.to_string(), meldpunt::auth::secrets::sha256_hex(BENCH_TOKEN)],
    )?;
    Ok(())
}

fn incident_request() -> Vec<u8> {
    let body = serde_json::json!({
        "organisation": "gemeente-voorbeeld",
        "title": "Brief naar verkeerd adres",
        "description": "Een brief met een beschikking is naar een oud adres gestuurd.",
        "awareness_how": "Melding van een medewerker",
    })
    .to_string();
    format!(
        "POST /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: meldpunt-bench\r\nAccept: application/json\r\n\
         Authorization: Bearer {BENCH_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// `incident_writes`: per round one product server (SQLite on disk, as `serve` runs), 16 clients
/// posting citizen reports, then 16 clients creating incidents on the same server (both through
/// the database's group-commit writer, each incident a job in its own SAVEPOINT with its audit
/// record); then the same incident load on a server without the writer (each write its own
/// transaction, queueing in SQLite's busy handler). Target: incidents at least half the report
/// rate of the same round, with p99 under 10 × p50.
fn bench_incident_writes(
    cfg: &Cfg,
    rt: &tokio::runtime::Runtime,
    body: &str,
    root: &Path,
    out: &mut Vec<Summary>,
) -> anyhow::Result<()> {
    let conns = env_or("INTAKE_BENCH_WRITE_CONNS", 16usize);
    println!(
        "\n== incident_writes: POST /api/v1/incidents vs POST {PATH} on one server, {conns} conns each, db in {}, {} x {:.1} s (+{:.1} s warm-up), load {}",
        root.display(), cfg.rounds, cfg.secs, cfg.warmup, loadavg()
    );
    let (reports_req, incident_req) = (Arc::new(http_request(body)), Arc::new(incident_request()));
    let (mut ratios, mut tails, mut inc, mut rep) = (vec![], vec![], vec![], vec![]);
    for round in 1..=cfg.rounds {
        let mut line = format!("  round {round}:");
        let mut gated = (0.0, 0.0, 0.0);
        for with_writer in [true, false] {
            let dir = tempfile::tempdir_in(root)?;
            let db_path = dir.path().join("meldpunt.db");
            let server = product_server_with(
                cfg.pinned,
                db_path.clone(),
                Storage::GroupCommit { full: false },
                with_writer,
            );
            seed_handler(&db_path)?;
            let r = if with_writer {
                let r = load(
                    rt,
                    server.addr,
                    &reports_req,
                    conns,
                    cfg.warm(),
                    cfg.dur(),
                    201,
                );
                check("reports", &r);
                Some(r)
            } else {
                None
            };
            let i = load(
                rt,
                server.addr,
                &incident_req,
                conns,
                cfg.warm(),
                cfg.dur(),
                201,
            );
            server.stop(rt);
            check("incidents", &i);
            drop(dir);
            let (p50, p99) = (pct_ms(&i.lat_us, 50.0), pct_ms(&i.lat_us, 99.0));
            let max = i.lat_us.last().copied().unwrap_or(0) as f64 / 1000.0;
            if let Some(r) = r {
                gated = (i.rps(), r.rps(), p99 / p50.max(1e-9));
                line += &format!(
                    " reports {:.0}/s (p99 {:.2} ms) | incidents {:.0}/s (p50 {p50:.2}, p99 {p99:.2}, max {max:.1} ms) = {:.3}x, p99/p50 {:.1} |",
                    r.rps(), pct_ms(&r.lat_us, 99.0), i.rps(), i.rps() / r.rps(), gated.2
                );
            } else {
                line += &format!(
                    " without the writer: incidents {:.0}/s (p50 {p50:.2}, p99 {p99:.2}, max {max:.1} ms)",
                    i.rps()
                );
            }
        }
        println!("{line}");
        inc.push(gated.0);
        rep.push(gated.1);
        ratios.push(gated.0 / gated.1);
        tails.push(gated.2);
    }
    let (r, tail) = (median(&ratios), median(&tails));
    println!(
        "  incidents/s {}; reports/s {}; p99/p50 {}",
        spread(&inc, 0),
        spread(&rep, 0),
        spread(&tails, 1)
    );
    out.push(Summary {
        name: "incident_writes".into(),
        product: format!("{:.0} inc/s, p99/p50 {tail:.1}", median(&inc)),
        baseline: format!("{:.0} reports/s", median(&rep)),
        ratio: r,
        target: ">=0.5x, p99<10xp50",
        met: Some(r >= 0.5 && tail < 10.0),
        spread: ratio_spread(&ratios),
    });
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut cfg = Cfg::load();
    let cores = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // The main thread drives the load: pin it (and the runtime below) to the load core.
    cfg.pinned = cores > LOAD_CORE && pin_to(LOAD_CORE);
    println!(
        "intake benchmarks: {cores} cores, server pinned to core {SERVER_CORE}, load generator to core {LOAD_CORE}: {}; load average {}",
        if cfg.pinned { "yes" } else { "NO (not enough cores or sched_setaffinity failed)" },
        loadavg()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let body = report_json();
    let disk = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let shm = PathBuf::from("/dev/shm");
    let mut out = vec![];
    if cfg.wants("intake_http") {
        bench_http(&cfg, &rt, &body, &mut out)?;
    }
    // The targets apply on disk; the tmpfs lines separate CPU from I/O and have none of their own.
    let runs: [(&str, &Path, bool, Option<f64>); 4] = [
        ("intake_persisted", &disk, false, Some(1.5)),
        ("intake_persisted_shm", &shm, false, None),
        ("intake_durable", &disk, true, Some(3.0)),
        ("intake_durable_shm", &shm, true, None),
    ];
    for (name, root, full, target) in runs {
        if cfg.wants(name) {
            if !root.is_dir() {
                println!(
                    "\n== {name}: skipped, {} is not a directory",
                    root.display()
                );
                continue;
            }
            bench_persisted(&cfg, &rt, &body, name, root, full, target, &mut out)?;
        }
    }
    if cfg.wants("incident_writes") {
        bench_incident_writes(&cfg, &rt, &body, &disk, &mut out)?;
    }
    print_summary(&out);
    println!("(load average at the end: {})", loadavg());
    Ok(())
}
