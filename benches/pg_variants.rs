//! `pg_variants` (see `/work/shared/design/benchmarks.md`): the product's diesel paths on
//! PostgreSQL against the raw `postgres` client (rust-postgres, sync) running the same statements on
//! the same schema, in the same run, interleaved (product, baseline, product, …), median of the
//! pair ratios.
//!
//! * `pg_insert`: `incidents::store::insert` through `DbConn`, one row per autocommit statement
//!   (each a commit, with its fsync), vs a prepared INSERT of the same 32 columns. rows/s.
//! * `pg_insert_tx`: the same rows in transactions of 100 (the commit no longer hides the client's
//!   CPU cost). rows/s.
//! * `pg_list`: `incidents::store::list` (the list by time left: 100 rows of 5,000: the kept
//!   counts, then each running (organisation, state) in deadline order) vs the raw client running
//!   the same statements, every column decoded into the same Rust types. queries/s.
//! * `pg_intake`: a citizen report stored as the intake does on PostgreSQL (`write_tx` around
//!   `reports::store::insert_batch` of one report: counter, report row, audit record, chain head)
//!   vs the raw client running the same five statements in one transaction, with the same work
//!   around them (token, hashes, JSON, the audit hash: the product's own functions). reports/s.
//!
//! Run: `cargo bench --bench pg_variants` (`PGV_BENCH_ROUNDS`, default 5; `PGV_BENCH_ROWS`, default
//! 5000; `PGV_BENCH_COMMITS`, default 1000: rows of `pg_insert` and reports of `pg_intake`, one
//! commit each; `PGV_BENCH_URL`, default `MELDPUNT_TEST_PG_URL` or
//! `postgres://postgres@127.0.0.1:5432/test`). Each run creates the database `pgv_<pid>`, migrates
//! it with the product's migrations and drops it at the end; without PostgreSQL it says so and
//! skips.
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::Connection;
use meldpunt::audit::chain;
use meldpunt::audit::Action;
use meldpunt::auth::secrets::{random_secret, sha256_hex};
use meldpunt::auth::store as auth_store;
use meldpunt::db::{self, DbConn};
use meldpunt::incidents::lifecycle::State;
use meldpunt::incidents::model::Facts;
use meldpunt::incidents::store::{self, IncidentRow, ListFilter};
use meldpunt::orgs::store as org_store;
use meldpunt::orgs::OrganisationInput;
use meldpunt::reports::model::{self as report_model, NewReport, ReportStatus};
use meldpunt::reports::store as report_store;
use postgres::{Client, NoTls};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// The server's URL with another database and no TLS (loopback; as the tests connect).
fn db_url(base: &str, name: &str) -> String {
    let path = base.split_once('?').map(|(p, _)| p).unwrap_or(base);
    match path.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{name}?sslmode=disable", &path[..i]),
        _ => format!("{path}/{name}?sslmode=disable"),
    }
}

/// The bench's database: created and migrated at the start, dropped at the end (also on error).
struct BenchDb {
    admin: Client,
    name: String,
    url: String,
}

impl BenchDb {
    fn create(base: &str) -> anyhow::Result<BenchDb> {
        let mut admin = Client::connect(&db_url(base, &base_name(base)), NoTls)?;
        // Databases of earlier runs whose process has gone (interrupted runs).
        for row in admin.query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgv\\_%'",
            &[],
        )? {
            let name: String = row.get(0);
            let pid = name.trim_start_matches("pgv_").parse::<u32>().ok();
            if pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        let name = format!("pgv_{}", std::process::id());
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let url = db_url(base, &name);
        let b = BenchDb { admin, name, url };
        let mut c = db::connect(&b.url)?;
        db::run_migrations(&mut c)?;
        Ok(b)
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// The database named in the base URL (where the bench connects to create its own).
fn base_name(base: &str) -> String {
    let path = base.split_once('?').map(|(p, _)| p).unwrap_or(base);
    match path.rfind('/') {
        Some(i) if i > "postgres://".len() => path[i + 1..].to_string(),
        _ => "postgres".to_string(),
    }
}

/// One organisation and one user; returns (org id, user id).
fn seed(url: &str, slug: &str) -> anyhow::Result<(String, String)> {
    let mut c = db::connect(url)?;
    let org = org_store::OrgRow::new_from(&OrganisationInput {
        slug: Some(slug.into()),
        name: Some(format!("Gemeente {slug}")),
        ..Default::default()
    });
    org_store::insert(&mut c, &org)?;
    let u = auth_store::new_user(&format!("{slug}@example.nl"), "Bench", None, false);
    auth_store::insert_user(&mut c, &u)?;
    Ok((org.id, u.id))
}

/// Empty the incident tables, so that every timed run starts from the same state.
fn clear_incidents(url: &str) -> anyhow::Result<()> {
    let mut c = Client::connect(url, NoTls)?;
    c.batch_execute("TRUNCATE incidents, incident_counts CASCADE")?;
    Ok(())
}

fn rows(n: usize, org: &str, user: &str) -> Vec<IncidentRow> {
    let now = Utc::now();
    (0..n)
        .map(|i| {
            let facts = Facts {
                title: format!("Brief naar verkeerd adres {i}"),
                description: "Een brief met naam en adres is bij de buren bezorgd.".into(),
                became_aware_at: now - Duration::minutes((i % 5000) as i64),
                breach_started_at: None,
                breach_ended_at: None,
                discovered_at: None,
                awareness_established_by: None,
                awareness_how: None,
                processor_name: None,
                processor_aware_at: None,
                processor_notice_at: None,
                processor_contract_hours: None,
                late_awareness_reason: None,
            };
            let mut r = IncidentRow::new(
                db::new_id(),
                org.to_string(),
                format!("DL-2026-{i:05}"),
                &facts,
                user.to_string(),
                now,
            );
            if i % 3 == 0 {
                r.state = State::Closed;
            }
            r
        })
        .collect()
}

const INSERT_SQL: &str = "INSERT INTO incidents (id, organisation_id, reference, title, description, state, \
    state_reason, breach_started_at, breach_ended_at, discovered_at, became_aware_at, awareness_established_by, \
    awareness_how, ap_deadline, processor_name, processor_aware_at, processor_notice_at, processor_contract_hours, \
    created_by, created_at, updated_at, version, notified_at, closed_at, lessons_learned, close_override_reason, \
    evidence_purged_at, late_awareness_reason, notification_withdrawn_at, supplement_due_at, supplement_closed_at, \
    owner_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
    $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)";

/// The product's insert; `per_tx` rows in each transaction (1: autocommit, as `store::insert` alone).
fn product_insert(url: &str, rows: &[IncidentRow], per_tx: usize) -> anyhow::Result<f64> {
    let mut c: DbConn = db::connect(url)?;
    let t = Instant::now();
    if per_tx <= 1 {
        for r in rows {
            store::insert(&mut c, r)?;
        }
    } else {
        for chunk in rows.chunks(per_tx) {
            c.transaction::<_, diesel::result::Error, _>(|c| {
                for r in chunk {
                    store::insert(c, r)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(rows.len() as f64 / t.elapsed().as_secs_f64())
}

fn raw_insert(
    c: &mut impl postgres::GenericClient,
    st: &postgres::Statement,
    r: &IncidentRow,
) -> Result<u64, postgres::Error> {
    c.execute(
        st,
        &[
            &r.id,
            &r.organisation_id,
            &r.reference,
            &r.title,
            &r.description,
            &r.state.as_str(),
            &r.state_reason,
            &r.breach_started_at,
            &r.breach_ended_at,
            &r.discovered_at,
            &r.became_aware_at,
            &r.awareness_established_by,
            &r.awareness_how,
            &r.ap_deadline,
            &r.processor_name,
            &r.processor_aware_at,
            &r.processor_notice_at,
            &r.processor_contract_hours,
            &r.created_by,
            &r.created_at,
            &r.updated_at,
            &r.version,
            &r.notified_at,
            &r.closed_at,
            &r.lessons_learned,
            &r.close_override_reason,
            &r.evidence_purged_at,
            &r.late_awareness_reason,
            &r.notification_withdrawn_at,
            &r.supplement_due_at,
            &r.supplement_closed_at,
            &r.owner_id,
        ],
    )
}

fn baseline_insert(url: &str, rows: &[IncidentRow], per_tx: usize) -> anyhow::Result<f64> {
    let mut c = Client::connect(url, NoTls)?;
    let t = Instant::now();
    let st = c.prepare(INSERT_SQL)?;
    if per_tx <= 1 {
        for r in rows {
            raw_insert(&mut c, &st, r)?;
        }
    } else {
        for chunk in rows.chunks(per_tx) {
            let mut tx = c.transaction()?;
            for r in chunk {
                raw_insert(&mut tx, &st, r)?;
            }
            tx.commit()?;
        }
    }
    Ok(rows.len() as f64 / t.elapsed().as_secs_f64())
}

/// The list's total: the counts the database's triggers keep (per organisation, state and owner).
const COUNT_SQL: &str = "SELECT organisation_id, state, n FROM incident_counts \
    WHERE organisation_id = ANY($1) AND state = ANY($2) AND n > $3";

/// One (organisation, state) of the list in deadline order, as far as the page reaches.
const LIST_SQL: &str = "SELECT id, organisation_id, reference, title, description, state, state_reason, \
    breach_started_at, breach_ended_at, discovered_at, became_aware_at, awareness_established_by, awareness_how, \
    ap_deadline, processor_name, processor_aware_at, processor_notice_at, processor_contract_hours, created_by, \
    created_at, updated_at, version, notified_at, closed_at, lessons_learned, close_override_reason, evidence_purged_at, \
    late_awareness_reason, notification_withdrawn_at, supplement_due_at, supplement_closed_at, owner_id \
    FROM incidents WHERE organisation_id = $1 AND state = $2 ORDER BY ap_deadline ASC, id ASC LIMIT $3";

/// Every column decoded into the type the product's row has (the state as its text).
#[allow(dead_code)]
struct RawRow {
    id: String,
    organisation_id: String,
    reference: String,
    title: String,
    description: String,
    state: String,
    state_reason: Option<String>,
    breach_started_at: Option<NaiveDateTime>,
    breach_ended_at: Option<NaiveDateTime>,
    discovered_at: Option<NaiveDateTime>,
    became_aware_at: NaiveDateTime,
    awareness_established_by: Option<String>,
    awareness_how: Option<String>,
    ap_deadline: NaiveDateTime,
    processor_name: Option<String>,
    processor_aware_at: Option<NaiveDateTime>,
    processor_notice_at: Option<NaiveDateTime>,
    processor_contract_hours: Option<i32>,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    notified_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    lessons_learned: Option<String>,
    close_override_reason: Option<String>,
    evidence_purged_at: Option<NaiveDateTime>,
    late_awareness_reason: Option<String>,
    notification_withdrawn_at: Option<NaiveDateTime>,
    supplement_due_at: Option<NaiveDateTime>,
    supplement_closed_at: Option<NaiveDateTime>,
    owner_id: Option<String>,
}

impl RawRow {
    fn from_row(r: &postgres::Row) -> Result<RawRow, postgres::Error> {
        Ok(RawRow {
            id: r.try_get(0)?,
            organisation_id: r.try_get(1)?,
            reference: r.try_get(2)?,
            title: r.try_get(3)?,
            description: r.try_get(4)?,
            state: r.try_get(5)?,
            state_reason: r.try_get(6)?,
            breach_started_at: r.try_get(7)?,
            breach_ended_at: r.try_get(8)?,
            discovered_at: r.try_get(9)?,
            became_aware_at: r.try_get(10)?,
            awareness_established_by: r.try_get(11)?,
            awareness_how: r.try_get(12)?,
            ap_deadline: r.try_get(13)?,
            processor_name: r.try_get(14)?,
            processor_aware_at: r.try_get(15)?,
            processor_notice_at: r.try_get(16)?,
            processor_contract_hours: r.try_get(17)?,
            created_by: r.try_get(18)?,
            created_at: r.try_get(19)?,
            updated_at: r.try_get(20)?,
            version: r.try_get(21)?,
            notified_at: r.try_get(22)?,
            closed_at: r.try_get(23)?,
            lessons_learned: r.try_get(24)?,
            close_override_reason: r.try_get(25)?,
            evidence_purged_at: r.try_get(26)?,
            late_awareness_reason: r.try_get(27)?,
            notification_withdrawn_at: r.try_get(28)?,
            supplement_due_at: r.try_get(29)?,
            supplement_closed_at: r.try_get(30)?,
            owner_id: r.try_get(31)?,
        })
    }
}

fn product_list(url: &str, org: &str, queries: usize) -> anyhow::Result<f64> {
    let mut c: DbConn = db::connect(url)?;
    let f = ListFilter {
        org_ids: vec![org.to_string()],
        open_only: true,
        limit: 100,
        ..Default::default()
    };
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..queries {
        n += store::list(&mut c, &f)?.len();
    }
    assert_eq!(n, queries * 100);
    Ok(queries as f64 / t.elapsed().as_secs_f64())
}

/// What the product does for the first page of open incidents: the kept counts, then each
/// (organisation, state) with incidents in it whose clock runs (here: "new"), in deadline order.
fn baseline_list(url: &str, org: &str, queries: usize) -> anyhow::Result<f64> {
    let mut c = Client::connect(url, NoTls)?;
    let open: Vec<&str> = [
        State::New,
        State::Triage,
        State::Assessed,
        State::NotificationPending,
        State::Notified,
        State::Remediation,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    let orgs = vec![org];
    let t = Instant::now();
    let counts = c.prepare(COUNT_SQL)?;
    let list = c.prepare(LIST_SQL)?;
    let mut n = 0;
    for _ in 0..queries {
        let streams: Vec<(String, String, i64)> = c
            .query(&counts, &[&orgs, &open, &0i64])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, postgres::Error>>()?;
        for (o, state, _) in streams
            .iter()
            .filter(|s| State::parse(&s.1).is_some_and(|s| s.clock_running()))
        {
            for r in c.query(&list, &[o, state, &100i64])? {
                RawRow::from_row(&r)?;
                n += 1;
            }
        }
    }
    assert_eq!(n, queries * 100);
    Ok(queries as f64 / t.elapsed().as_secs_f64())
}

fn report(org: &str, i: usize) -> NewReport {
    NewReport {
        channel: "web_form".into(),
        organisation_id: Some(org.to_string()),
        organisation_hint: None,
        description: format!(
            "Ik kreeg een brief met de gegevens van mijn buurman, nummer {i}. Wat moet ik doen?"
        ),
        received_via: None,
        received_on: None,
        data_kinds: vec!["naw".into(), "contact".into()],
        action_taken: None,
        contact_name: Some("Jan de Vries".into()),
        contact_email: Some("jan@example.nl".into()),
        contact_phone: None,
        may_contact: true,
        language: "nl".into(),
        created_by: None,
        attachments: vec![],
        acknowledge: None,
    }
}

/// As the intake on PostgreSQL stores a report: its own write transaction through `write_tx`.
fn product_intake(url: &str, reports: &[NewReport]) -> anyhow::Result<f64> {
    let mut c: DbConn = db::connect(url)?;
    let t = Instant::now();
    for r in reports {
        db::write_tx(&mut c, |c| {
            report_store::insert_batch(c, std::slice::from_ref(r), None)
        })?;
    }
    Ok(reports.len() as f64 / t.elapsed().as_secs_f64())
}

const REPORT_SQL: &str = "INSERT INTO reports (id, reference, channel, organisation_id, organisation_hint, \
    description, received_via, received_on, data_kinds, action_taken, contact_name, contact_email, contact_phone, \
    may_contact, language, follow_up_hash, status, incident_id, created_by, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";
const AUDIT_SQL: &str = "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, \
    organisation_id, before_json, after_json, prev_hash, hash, scheme) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// The same statements and work as `product_intake`, on the raw client.
fn baseline_intake(url: &str, reports: &[NewReport]) -> anyhow::Result<f64> {
    let mut c = Client::connect(url, NoTls)?;
    let t = Instant::now();
    let bump = c.prepare(
        "UPDATE counters SET value = value + $1 WHERE scope = $2 AND year = $3 RETURNING value",
    )?;
    let first = c.prepare(
        "INSERT INTO counters (scope, year, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )?;
    let insert = c.prepare(REPORT_SQL)?;
    let head = c.prepare("SELECT seq, hash FROM audit_head WHERE id = 1 LIMIT $1 FOR UPDATE")?;
    let audit = c.prepare(AUDIT_SQL)?;
    let move_head = c.prepare("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")?;
    let key = chain::installed_key();
    for r in reports {
        let now = db::now();
        let year = now.year();
        let mut tx = c.transaction()?;
        let n: i64 = match tx.query_opt(&bump, &[&1i64, &"report", &year])? {
            Some(row) => row.try_get(0)?,
            None => {
                tx.execute(&first, &[&"report", &year, &1i64])?;
                1
            }
        };
        let token = random_secret("mpf_");
        let id = db::new_id();
        let reference = report_model::reference(year, n);
        let data_kinds = serde_json::to_string(&r.data_kinds).unwrap_or_else(|_| "[]".into());
        let at = db::to_db(now);
        tx.execute(
            &insert,
            &[
                &id,
                &reference,
                &r.channel,
                &r.organisation_id,
                &r.organisation_hint,
                &r.description,
                &r.received_via,
                &r.received_on as &Option<NaiveDate>,
                &data_kinds,
                &r.action_taken,
                &r.contact_name,
                &r.contact_email,
                &r.contact_phone,
                &r.may_contact,
                &r.language,
                &sha256_hex(&token),
                &ReportStatus::Received.as_str(),
                &None::<String>,
                &r.created_by,
                &at,
                &at,
            ],
        )?;
        let after = serde_json::json!({
            "reference": reference,
            "channel": r.channel,
            "organisation_id": r.organisation_id,
            "data_kinds": r.data_kinds,
        })
        .to_string();
        let row = tx.query_one(&head, &[&1i64])?;
        let (seq, prev): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        let seq = seq + 1;
        let at = db::to_db(db::now());
        let actor = "citizen".to_string();
        let action = Action::ReportReceived.as_str();
        let hash = chain::compute_hash(
            key,
            &prev,
            seq,
            db::from_db(at),
            &actor,
            action,
            "report",
            &id,
            r.organisation_id.as_deref(),
            None,
            Some(&after),
        );
        tx.execute(
            &audit,
            &[
                &seq,
                &at,
                &actor,
                &action,
                &"report",
                &id,
                &r.organisation_id,
                &None::<String>,
                &Some(&after),
                &prev,
                &hash,
                &chain::SCHEME_KEYED,
            ],
        )?;
        tx.execute(&move_head, &[&seq, &hash])?;
        tx.commit()?;
    }
    Ok(reports.len() as f64 / t.elapsed().as_secs_f64())
}

fn line(name: &str, product: &[f64], baseline: &[f64], unit: &str, target: f64) {
    let ratios: Vec<f64> = product.iter().zip(baseline).map(|(p, b)| p / b).collect();
    let r = median(&ratios);
    let lo = ratios.iter().cloned().fold(f64::MAX, f64::min);
    let hi = ratios.iter().cloned().fold(f64::MIN, f64::max);
    println!(
        "{name:<14} product {:>9.0} {unit}  baseline {:>9.0} {unit}  ratio {r:.2}x  target ≥{target:.2}x  {}  spread {lo:.2}–{hi:.2} over {} pairs",
        median(product),
        median(baseline),
        if r >= target { "met: yes" } else { "met: NO" },
        ratios.len()
    );
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = env_or("PGV_BENCH_ROUNDS", 5);
    let n: usize = env_or("PGV_BENCH_ROWS", 5000);
    let commits: usize = env_or("PGV_BENCH_COMMITS", 1000);
    let base = std::env::var("PGV_BENCH_URL")
        .or_else(|_| std::env::var("MELDPUNT_TEST_PG_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));

    if let Err(e) = Client::connect(&db_url(&base, &base_name(&base)), NoTls) {
        println!(
            "pg_variants: skipped, PostgreSQL is not reachable at {base} ({e}); set PGV_BENCH_URL"
        );
        return Ok(());
    }
    let bdb = BenchDb::create(&base)?;
    let url = bdb.url.clone();
    // As `serve` runs: audit records keyed (scheme 2).
    chain::install_key(&[7u8; 32]);
    let (org, user) = seed(&url, "bench")?;
    println!(
        "pg_variants: {rounds} interleaved pairs, database {} ({n} rows listed, {commits} single commits)",
        bdb.name
    );

    if want("pg_insert") && !filter.iter().any(|f| f == "pg_insert_tx") {
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            clear_incidents(&url)?;
            p.push(product_insert(&url, &rows(commits, &org, &user), 1)?);
            clear_incidents(&url)?;
            b.push(baseline_insert(&url, &rows(commits, &org, &user), 1)?);
        }
        line("pg_insert", &p, &b, "rows/s", 0.9);
    }
    if want("pg_insert_tx") {
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            clear_incidents(&url)?;
            p.push(product_insert(&url, &rows(n, &org, &user), 100)?);
            clear_incidents(&url)?;
            b.push(baseline_insert(&url, &rows(n, &org, &user), 100)?);
        }
        line("pg_insert_tx", &p, &b, "rows/s", 0.9);
    }
    if want("pg_list") {
        clear_incidents(&url)?;
        baseline_insert(&url, &rows(n, &org, &user), 500)?;
        Client::connect(&url, NoTls)?.batch_execute("VACUUM ANALYZE incidents, incident_counts")?;
        let queries = 300;
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            p.push(product_list(&url, &org, queries)?);
            b.push(baseline_list(&url, &org, queries)?);
        }
        line("pg_list", &p, &b, "q/s", 0.9);
    }
    if want("pg_intake") {
        let reports: Vec<NewReport> = (0..commits).map(|i| report(&org, i)).collect();
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            p.push(product_intake(&url, &reports)?);
            b.push(baseline_intake(&url, &reports)?);
        }
        line("pg_intake", &p, &b, "reports/s", 0.9);
        // Both wrote the same chain, each record hashed on the one before it.
        let mut c = db::connect(&url)?;
        let v = meldpunt::audit::store::verify(&mut c)?;
        println!(
            "pg_intake      audit chain after the run: {} records checked, broken: {:?}",
            v.checked, v.broken
        );
    }
    drop(bdb);
    Ok(())
}
