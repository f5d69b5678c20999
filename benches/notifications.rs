//! Notification benchmarks (protocol: /work/shared/design/benchmarks.md): each product figure against a
//! bare baseline measured in the same run, interleaved product/baseline, median of the pair ratios.
//!
//! - `letters_queue`: start a campaign for 100,000 recipients — the approval rechecked, every e-mail
//!   rendered (the body uses the recipient only as plain values, so it is rendered once per language
//!   and filled per recipient: `notifications::split`; output identical to handlebars' full render)
//!   and queued in the outbox with its campaign message row, in one
//!   transaction on SQLite (tmpfs) — vs a bare handlebars render of the same e-mail body 100,000 times.
//!   Target ≥ 0.30×.
//! - `smtp_delivery`: the outbox worker (claim, renew, send over one SMTP connection with
//!   TCP_NODELAY, mark sent) to a loopback sink that ACKs as the kernel does (delayed ACKs) vs lettre's
//!   own pooled client sending the same messages over one connection to a sink that ACKs at once
//!   (TCP_QUICKACK re-armed after every read) — "the same client with the ACK delay removed".
//!   Target ≥ 0.5× per connection.
//! - `breach_100k`: import 100,000 recipients from CSV, start the campaign, deliver every e-mail
//!   to the loopback sink with two workers vs the sum of the component baselines (bare CSV split of
//!   the file, bare render, lettre to the quick-ACK sink). Target ≤ 2× that sum (printed as
//!   baseline/product ≥ 0.5×).
//!
//! Run: `cargo bench --bench notifications` (filters: names of the benchmarks to run).
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use meldpunt::auth::{store as auth_store, Role, Staff};
use meldpunt::config::Settings;
use meldpunt::db::{self, DbConn};
use meldpunt::notifications::ap::DraftInput;
use meldpunt::notifications::campaign::{self, NewCampaign};
use meldpunt::notifications::letters::{self, LetterCtx, RecipientCtx};
use meldpunt::notifications::render::NoticeTemplates;
use meldpunt::notifications::service::{self, Ctx, Decision, NewDraft};
use meldpunt::orgs::{store as org_store, OrganisationInput};
use meldpunt::outbox::transport::Mailer;
use meldpunt::outbox::worker::Worker;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

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

fn spread(v: &[f64]) -> String {
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.2}–{hi:.2} over {} pairs", v.len())
}

struct Line {
    name: &'static str,
    product: String,
    baseline: String,
    ratio: f64,
    target: &'static str,
    met: bool,
    spread: String,
}

fn print(rows: &[Line]) {
    println!();
    println!(
        "{:<16} {:>22} {:>22} {:>7} {:>8} {:>4}  spread of pair ratios",
        "name", "product", "baseline", "ratio", "target", "met"
    );
    for r in rows {
        println!(
            "{:<16} {:>22} {:>22} {:>6.2}x {:>8} {:>4}  {}",
            r.name,
            r.product,
            r.baseline,
            r.ratio,
            r.target,
            if r.met { "yes" } else { "NO" },
            r.spread
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Setup through the product's own operations

struct World {
    url: String,
    ctx: Ctx,
    handler: Staff,
    fg: Staff,
    _dir: tempfile::TempDir,
}

fn staff(c: &mut DbConn, email: &str, role: Role) -> Staff {
    let u = auth_store::new_user(email, "Bench", None, false);
    auth_store::insert_user(c, &u).unwrap();
    let org = org_store::by_slug(c, "oost").unwrap().unwrap();
    auth_store::add_membership(c, &u.id, &org.id, role).unwrap();
    auth_store::staff(c, &u).unwrap()
}

fn world() -> World {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        "/dev/shm"
    } else {
        "/tmp"
    };
    let dir = tempfile::tempdir_in(base).unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut c = db::connect(&url).unwrap();
    db::run_migrations(&mut c).unwrap();
    let org = org_store::OrgRow::new_from(&OrganisationInput {
        slug: Some("oost".into()),
        name: Some("Gemeente Oost".into()),
        fg_name: Some("F. Gerritsen".into()),
        fg_email: Some("fg@oost.example.nl".into()),
        ..Default::default()
    });
    org_store::insert(&mut c, &org).unwrap();
    let handler = staff(&mut c, "h@oost.example.nl", Role::Handler);
    let fg = staff(&mut c, "fg@oost.example.nl", Role::Fg);
    World {
        url,
        ctx: Ctx::default(),
        handler,
        fg,
        _dir: dir,
    }
}

fn csv(n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 60);
    s.push_str("name,email,postal_address,language,client_number\n");
    for i in 0..n {
        let lang = if i % 5 == 0 { "en" } else { "nl" };
        s.push_str(&format!(
            "Persoon {i},persoon{i}@example.test,,{lang},{}\n",
            100000 + i
        ));
    }
    s.into_bytes()
}

fn draft_input() -> DraftInput {
    DraftInput {
        what_happened: Some(
            "Op 12 november is een bestand met uw gegevens per ongeluk naar een verkeerde ontvanger gestuurd.".into(),
        ),
        measures: Some("De ontvanger heeft het bestand verwijderd; wij hebben onze werkwijze aangepast.".into()),
        advice: Some("Wees alert op e-mails en telefoontjes die u niet verwacht.".into()),
        ..Default::default()
    }
}

/// A new incident with `n` recipients and a signed-off communication draft: (incident, draft).
fn breach(w: &World, c: &mut DbConn, n: usize) -> (String, String) {
    let (id, did, _) = breach_timed(w, c, n);
    (id, did)
}

/// As [`breach`], also returning the seconds the CSV import took.
fn breach_timed(w: &World, c: &mut DbConn, n: usize) -> (String, String, f64) {
    let input: meldpunt::incidents::model::IncidentCreate =
        serde_json::from_value(serde_json::json!({
            "organisation": "oost", "title": "Bestand naar verkeerde ontvanger",
            "became_aware_at": chrono::Utc::now() - chrono::Duration::hours(2),
        }))
        .unwrap();
    let id = meldpunt::incidents::service::create(c, &w.handler, &input, 10_000).unwrap();
    let facts: meldpunt::assessment::facts::Facts = serde_json::from_value(serde_json::json!({
        "general_data": {"provenance": "entered", "value": ["name", "email", "bsn"]},
        "consequences_people": {"provenance": "entered", "value": ["identity_theft_or_fraud"]},
    }))
    .unwrap();
    meldpunt::assessment::service::record_facts(c, &w.handler, &id, facts).unwrap();
    let file = csv(n);
    let t0 = Instant::now();
    campaign::import(c, &w.handler, &id, &file, |_, _| {}).unwrap();
    let import = t0.elapsed().as_secs_f64();
    let d = service::create_draft(
        c,
        &w.ctx,
        &w.handler,
        &id,
        NewDraft {
            purpose: "communication".into(),
            kind: None,
            input: draft_input(),
        },
    )
    .unwrap();
    service::decide(
        c,
        &w.ctx,
        &w.fg,
        &id,
        &d.id,
        true,
        Decision {
            content_sha256: Some(d.content_sha256.clone()),
            remarks: None,
        },
    )
    .unwrap();
    (id, d.id, import)
}

// ---------------------------------------------------------------------------------------------
// letters_queue

fn bare_render(n: usize) -> f64 {
    // The same template and the same context shape, straight through handlebars.
    let mut hb = handlebars::Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string(
        "body",
        include_str!("../templates/notices/email.nl.txt.hbs"),
    )
    .unwrap();
    let org = meldpunt::notifications::ap::OrgPart {
        name: "Gemeente Oost".into(),
        fg_name: Some("F. Gerritsen".into()),
        fg_email: Some("fg@oost.example.nl".into()),
        ..Default::default()
    };
    let common = letters::common("nl", &org, "INC-2026-0001", None, &draft_input());
    let start = Instant::now();
    let mut bytes = 0usize;
    for i in 0..n {
        let r = RecipientCtx {
            name: format!("Persoon {i}"),
            email: format!("persoon{i}@example.test"),
            postal_address: String::new(),
            salutation: String::new(),
            extra: [("client_number".to_string(), (100000 + i).to_string())]
                .into_iter()
                .collect(),
        };
        let out = hb
            .render(
                "body",
                &LetterCtx {
                    common: &common,
                    recipient: &r,
                },
            )
            .unwrap();
        bytes += out.len();
    }
    std::hint::black_box(bytes);
    start.elapsed().as_secs_f64()
}

fn letters_queue(rounds: usize, n: usize) -> Line {
    let w = world();
    let mut c = db::connect(&w.url).unwrap();
    let (mut pr, mut br, mut ratios) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let (id, did) = breach(&w, &mut c, n);
        let start = Instant::now();
        let s = campaign::start(
            &mut c,
            &w.ctx,
            &w.handler,
            &id,
            NewCampaign {
                draft_id: did,
                per_minute: None,
                only_new: false,
            },
            "meldpunt.test",
            |_, _| {},
        )
        .unwrap();
        let p = start.elapsed().as_secs_f64();
        assert_eq!(s.emails, n);
        let b = bare_render(n);
        let (prate, brate) = (n as f64 / p, n as f64 / b);
        println!(
            "  letters_queue round {}: product {:.0}/s ({:.2} s), bare render {:.0}/s ({:.2} s), ratio {:.2}",
            round + 1,
            prate,
            p,
            brate,
            b,
            prate / brate
        );
        pr.push(prate);
        br.push(brate);
        ratios.push(prate / brate);
    }
    let r = median(&ratios);
    Line {
        name: "letters_queue",
        product: format!("{:.0} msg/s", median(&pr)),
        baseline: format!("{:.0} renders/s", median(&br)),
        ratio: r,
        target: "≥0.30x",
        met: r >= 0.30,
        spread: spread(&ratios),
    }
}

// ---------------------------------------------------------------------------------------------
// A loopback SMTP sink: accepts everything; with `quick_ack` it re-arms TCP_QUICKACK after every
// read so the kernel ACKs at once (no delayed ACK).

struct Sink {
    port: u16,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn quickack(fd: i32) {
    let one: libc::c_int = 1;
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            &one as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

async fn sink(quick_ack: bool) -> Sink {
    use std::os::fd::AsRawFd;
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let acc = accepted.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else {
                continue;
            };
            let acc = acc.clone();
            tokio::spawn(async move {
                let fd = s.as_raw_fd();
                let (r, mut wr) = s.into_split();
                let mut r = BufReader::new(r);
                let _ = wr.write_all(b"220 sink ESMTP\r\n").await;
                let mut line = Vec::new();
                let mut in_data = false;
                loop {
                    line.clear();
                    match r.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if quick_ack {
                        quickack(fd);
                    }
                    if in_data {
                        if line == b".\r\n" {
                            in_data = false;
                            let n = acc.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                            let _ = wr
                                .write_all(format!("250 2.0.0 Ok: queued as {n}\r\n").as_bytes())
                                .await;
                        }
                        continue;
                    }
                    let up = String::from_utf8_lossy(&line).to_ascii_uppercase();
                    let reply: &[u8] = if up.starts_with("EHLO") {
                        b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    } else if up.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if up.starts_with("QUIT") {
                        let _ = wr.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 Ok\r\n"
                    };
                    if wr.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Sink {
        port,
        accepted,
        task,
    }
}

fn mail_settings(port: u16, transport_tls: &str) -> meldpunt::config::MailSettings {
    let mut m = Settings::load_from(None, false).unwrap().mail;
    m.transport = "smtp".into();
    m.from = "Meldpunt <meldpunt@meldpunt.test>".into();
    m.smtp_host = "127.0.0.1".into();
    m.smtp_port = port;
    m.smtp_tls = transport_tls.into();
    m.smtp_pool_size = 1;
    m
}

fn sample_messages(n: usize) -> Vec<(String, String, String)> {
    let t = NoticeTemplates::embedded();
    let org = meldpunt::notifications::ap::OrgPart {
        name: "Gemeente Oost".into(),
        fg_name: Some("F. Gerritsen".into()),
        ..Default::default()
    };
    let common = letters::common("nl", &org, "INC-2026-0001", None, &draft_input());
    (0..n)
        .map(|i| {
            let r = RecipientCtx {
                name: format!("Persoon {i}"),
                email: format!("persoon{i}@example.test"),
                postal_address: String::new(),
                salutation: String::new(),
                extra: Default::default(),
            };
            let lc = LetterCtx {
                common: &common,
                recipient: &r,
            };
            (
                r.email.clone(),
                t.render("email_subject.nl", &lc)
                    .unwrap()
                    .trim()
                    .to_string(),
                t.render("email_body.nl", &lc).unwrap(),
            )
        })
        .collect()
}

/// lettre's pooled transport (one connection), straight, to a sink: messages per second.
async fn bare_lettre(port: u16, msgs: &[(String, String, String)]) -> f64 {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let t = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(1))
        .build();
    let start = Instant::now();
    for (i, (to, subject, body)) in msgs.iter().enumerate() {
        let m = Message::builder()
            .from("Meldpunt <meldpunt@meldpunt.test>".parse().unwrap())
            .to(to.parse().unwrap())
            .subject(subject.clone())
            .message_id(Some(format!("<bare{i}@meldpunt.test>")))
            .body(body.clone())
            .unwrap();
        t.send(m).await.unwrap();
    }
    msgs.len() as f64 / start.elapsed().as_secs_f64()
}

/// The outbox: queue the messages, then one worker with one connection delivers them all.
async fn outbox_delivery(port: u16, msgs: &[(String, String, String)], workers: usize) -> f64 {
    let w = world();
    let pool = db::build_pool(&w.url, 4, false).unwrap();
    {
        let mut c = pool.get().unwrap();
        let new: Vec<_> = msgs
            .iter()
            .map(|(to, subject, body)| meldpunt::outbox::NewMessage {
                kind: "bench".into(),
                dedupe_key: None,
                organisation_id: None,
                incident_id: None,
                to: to.clone(),
                subject: subject.clone(),
                body_text: body.clone(),
                body_html: None,
                thread: Default::default(),
            })
            .collect();
        db::write_tx(&mut c, |c| {
            meldpunt::outbox::store::enqueue_batch(c, &new, "meldpunt.test", db::now())
        })
        .unwrap();
    }
    let start = Instant::now();
    run_workers(&pool, port, workers, msgs.len()).await;
    msgs.len() as f64 / start.elapsed().as_secs_f64()
}

async fn run_workers(pool: &db::DbPool, port: u16, workers: usize, expect: usize) {
    let mut o = Settings::load_from(None, false).unwrap().outbox;
    o.batch_size = 50;
    o.concurrency = 1;
    o.lease_seconds = 600;
    o.poll_interval_ms = 10;
    let (stop, rx) = tokio::sync::watch::channel(false);
    let hs: Vec<_> = (0..workers)
        .map(|_| {
            let w = Arc::new(Worker::new(
                pool.clone(),
                Mailer::from_settings(&mail_settings(port, "none")).unwrap(),
                "Meldpunt <meldpunt@meldpunt.test>".into(),
                o.clone(),
            ));
            tokio::spawn(w.run(rx.clone()))
        })
        .collect();
    loop {
        let p = pool.clone();
        let sent = tokio::task::spawn_blocking(move || {
            let mut c = p.get().unwrap();
            meldpunt::outbox::store::count_by_status(&mut c, meldpunt::outbox::OutboxStatus::Sent)
                .unwrap()
        })
        .await
        .unwrap();
        if sent as usize >= expect {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    for h in hs {
        let _ = h.await;
    }
}

async fn smtp_delivery(rounds: usize, n: usize) -> Line {
    let msgs = sample_messages(n);
    let (mut pr, mut br, mut ratios) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let plain = sink(false).await;
        let p = outbox_delivery(plain.port, &msgs, 1).await;
        assert!(plain.accepted.load(std::sync::atomic::Ordering::Relaxed) >= n);
        let quick = sink(true).await;
        let b = bare_lettre(quick.port, &msgs).await;
        println!(
            "  smtp_delivery round {}: outbox (one connection, delayed-ACK sink) {:.0} msg/s, lettre to quick-ACK sink {:.0} msg/s, ratio {:.2}",
            round + 1,
            p,
            b,
            p / b
        );
        pr.push(p);
        br.push(b);
        ratios.push(p / b);
    }
    // For orientation: lettre's own transport against the delayed-ACK sink (the stall).
    let plain = sink(false).await;
    let stalled = bare_lettre(plain.port, &msgs[..msgs.len().min(100)]).await;
    println!(
        "  (lettre's pooled transport to the delayed-ACK sink, for comparison: {stalled:.0} msg/s)"
    );
    let r = median(&ratios);
    Line {
        name: "smtp_delivery",
        product: format!("{:.0} msg/s/conn", median(&pr)),
        baseline: format!("{:.0} msg/s/conn", median(&br)),
        ratio: r,
        target: "≥0.50x",
        met: r >= 0.5,
        spread: spread(&ratios),
    }
}

// ---------------------------------------------------------------------------------------------
// breach_100k

async fn breach_100k(rounds: usize, n: usize) -> Line {
    let msgs = sample_messages(n);
    let file = csv(n);
    let (mut pt, mut bt, mut ratios) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        // Product: import, sign-off, start, deliver with two workers.
        let w = Arc::new(world());
        let pool = db::build_pool(&w.url, 4, false).unwrap();
        let s = sink(false).await;
        let start = Instant::now();
        let (pool2, w2) = (pool.clone(), w.clone());
        let (import, prep, queue) = tokio::task::spawn_blocking(move || {
            let mut c = pool2.get().unwrap();
            let t0 = Instant::now();
            let (id, did, import) = breach_timed(&w2, &mut c, n);
            let prep = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            campaign::start(
                &mut c,
                &w2.ctx,
                &w2.handler,
                &id,
                NewCampaign {
                    draft_id: did,
                    per_minute: None,
                    only_new: false,
                },
                "meldpunt.test",
                |_, _| {},
            )
            .unwrap();
            (import, prep - import, t1.elapsed().as_secs_f64())
        })
        .await
        .unwrap();
        let t2 = Instant::now();
        run_workers(&pool, s.port, 2, n).await;
        let deliver = t2.elapsed().as_secs_f64();
        let p = start.elapsed().as_secs_f64();
        println!(
            "  breach_100k round {} phases: import {import:.2} s, incident + facts + draft + sign-off {prep:.2} s, campaign start (render + queue) {queue:.2} s, delivery {deliver:.2} s",
            round + 1
        );
        drop(s);
        // Baselines: split the CSV, render, lettre to a quick-ACK sink over two connections.
        let b0 = Instant::now();
        let lines = std::str::from_utf8(&file)
            .unwrap()
            .lines()
            .map(|l| l.split(',').count())
            .sum::<usize>();
        std::hint::black_box(lines);
        let split = b0.elapsed().as_secs_f64();
        let render = bare_render(n);
        let q = sink(true).await;
        let half = msgs.len() / 2;
        let (a, b) = tokio::join!(
            bare_lettre(q.port, &msgs[..half]),
            bare_lettre(q.port, &msgs[half..])
        );
        let send = half as f64 / a + (msgs.len() - half) as f64 / b;
        let base = split + render + send / 2.0;
        println!(
            "  breach_100k round {}: product {:.1} s, baselines {:.1} s (split {:.2} + render {:.2} + send {:.1} over 2 connections), ratio {:.2}",
            round + 1,
            p,
            base,
            split,
            render,
            send / 2.0,
            base / p
        );
        pt.push(p);
        bt.push(base);
        ratios.push(base / p);
    }
    let r = median(&ratios);
    Line {
        name: "breach_100k",
        product: format!("{:.1} s", median(&pt)),
        baseline: format!("{:.1} s", median(&bt)),
        ratio: r,
        target: "≥0.50x",
        met: r >= 0.5,
        spread: spread(&ratios),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |n: &str| args.is_empty() || args.iter().any(|a| n.contains(a.as_str()));
    let n: usize = std::env::var("NOTIFY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rounds: usize = std::env::var("NOTIFY_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "notifications benchmarks: n = {n}, {rounds} rounds, load {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let _ = std::io::stdout().flush();
    let mut rows = vec![];
    if want("letters_queue") {
        rows.push(letters_queue(rounds, n));
    }
    if want("smtp_delivery") {
        rows.push(rt.block_on(smtp_delivery(rounds, 2000.min(n))));
    }
    if want("breach_100k") {
        rows.push(rt.block_on(breach_100k(rounds.min(2), n)));
    }
    print(&rows);
}
