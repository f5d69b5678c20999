//! `orm_overhead` (see `/work/shared/design/benchmarks.md`): the product's diesel paths on SQLite
//! against rusqlite running the same SQL on the same schema, in the same run, interleaved
//! (product, baseline, product, …), median of the pairs.
//!
//! * `orm_insert`: `incidents::store::insert` (on the concrete connection: `db::Cached`), one row per
//!   autocommit statement, vs a cached rusqlite INSERT of the same 29 columns. rows/s.
//! * `orm_list`: `incidents::store::list` (the list by time left: 100 rows of 5,000: the kept
//!   counts, then each (organisation, state) in deadline order) vs rusqlite running the same
//!   statements, every column read into a struct. queries/s.
//!
//! Run: `cargo bench --bench orm` (`ORM_BENCH_ROUNDS`, default 3; `ORM_BENCH_ROWS`, default 5000).
//! Databases live on /dev/shm when it exists, to measure CPU cost rather than the disk.
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Duration, Utc};
use meldpunt::auth::store as auth_store;
use meldpunt::db::{self, DbConn};
use meldpunt::incidents::model::Facts;
use meldpunt::incidents::store::{self, IncidentRow, ListFilter};
use meldpunt::orgs::store as org_store;
use meldpunt::orgs::OrganisationInput;

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

fn base_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A migrated database with one organisation and one user; returns (path, org id, user id).
fn fresh(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, String, String)> {
    let path = dir.join(format!("{name}.db"));
    let url = format!("sqlite://{}", path.display());
    let mut c = db::connect(&url)?;
    db::run_migrations(&mut c)?;
    let org = org_store::OrgRow::new_from(&OrganisationInput {
        slug: Some("bench".into()),
        name: Some("Gemeente Bench".into()),
        ..Default::default()
    });
    org_store::insert(&mut c, &org)?;
    let u = auth_store::new_user("bench@example.nl", "Bench", None, false);
    auth_store::insert_user(&mut c, &u)?;
    Ok((path, org.id, u.id))
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
                r.state = meldpunt::incidents::lifecycle::State::Closed;
            }
            r
        })
        .collect()
}

fn ts(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

const INSERT_SQL: &str = "INSERT INTO incidents (id, organisation_id, reference, title, description, state, \
    state_reason, breach_started_at, breach_ended_at, discovered_at, became_aware_at, awareness_established_by, \
    awareness_how, ap_deadline, processor_name, processor_aware_at, processor_notice_at, processor_contract_hours, \
    created_by, created_at, updated_at, version, notified_at, closed_at, lessons_learned, close_override_reason, \
    evidence_purged_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
    ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)";

fn product_insert(path: &Path, rows: &[IncidentRow]) -> anyhow::Result<f64> {
    let mut c: DbConn = db::connect(&format!("sqlite://{}", path.display()))?;
    let t = Instant::now();
    for r in rows {
        store::insert(&mut c, r)?;
    }
    Ok(rows.len() as f64 / t.elapsed().as_secs_f64())
}

fn raw_conn(path: &Path) -> anyhow::Result<rusqlite::Connection> {
    let c = rusqlite::Connection::open(path)?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
    )?;
    Ok(c)
}

fn baseline_insert(path: &Path, rows: &[IncidentRow]) -> anyhow::Result<f64> {
    let c = raw_conn(path)?;
    let t = Instant::now();
    {
        let mut st = c.prepare_cached(INSERT_SQL)?;
        for r in rows {
            st.execute(rusqlite::params![
                r.id,
                r.organisation_id,
                r.reference,
                r.title,
                r.description,
                r.state.as_str(),
                r.state_reason,
                r.breach_started_at.map(ts),
                r.breach_ended_at.map(ts),
                r.discovered_at.map(ts),
                ts(r.became_aware_at),
                r.awareness_established_by,
                r.awareness_how,
                ts(r.ap_deadline),
                r.processor_name,
                r.processor_aware_at.map(ts),
                r.processor_notice_at.map(ts),
                r.processor_contract_hours,
                r.created_by,
                ts(r.created_at),
                ts(r.updated_at),
                r.version,
                r.notified_at.map(ts),
                r.closed_at.map(ts),
                r.lessons_learned,
                r.close_override_reason,
                r.evidence_purged_at.map(ts),
            ])?;
        }
    }
    Ok(rows.len() as f64 / t.elapsed().as_secs_f64())
}

/// The list's total: the counts the database's triggers keep (per organisation, state and owner).
const COUNT_SQL: &str = "SELECT organisation_id, state, n FROM incident_counts \
    WHERE organisation_id IN (?1) AND state IN (?2, ?3, ?4, ?5, ?6, ?7) AND n > 0";

/// One (organisation, state) of the list in deadline order, as far as the page reaches.
const LIST_SQL: &str = "SELECT id, organisation_id, reference, title, description, state, state_reason, \
    breach_started_at, breach_ended_at, discovered_at, became_aware_at, awareness_established_by, awareness_how, \
    ap_deadline, processor_name, processor_aware_at, processor_notice_at, processor_contract_hours, created_by, \
    created_at, updated_at, version, notified_at, closed_at, lessons_learned, close_override_reason, evidence_purged_at, \
    late_awareness_reason, notification_withdrawn_at, supplement_due_at, supplement_closed_at, owner_id \
    FROM incidents WHERE organisation_id = ?1 AND state = ?2 ORDER BY ap_deadline ASC, id ASC LIMIT ?3";

/// Every column read, as the product's row struct has them.
#[allow(dead_code)]
struct RawRow {
    text: [Option<String>; 20],
    hours: Option<i32>,
    version: i64,
}

fn product_list(path: &Path, org: &str, queries: usize) -> anyhow::Result<f64> {
    let mut c: DbConn = db::connect(&format!("sqlite://{}", path.display()))?;
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
/// (organisation, state) with incidents in it, in the order of the list (here: the running "new").
fn baseline_list(path: &Path, org: &str, queries: usize) -> anyhow::Result<f64> {
    let c = raw_conn(path)?;
    let mut counts = c.prepare_cached(COUNT_SQL)?;
    let mut st = c.prepare_cached(LIST_SQL)?;
    let open = [
        "new",
        "triage",
        "assessed",
        "notification_pending",
        "notified",
        "remediation",
    ];
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..queries {
        let streams: Vec<(String, String, i64)> = counts
            .query_map(
                rusqlite::params![org, open[0], open[1], open[2], open[3], open[4], open[5]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .collect::<Result<_, _>>()?;
        for (o, state, _) in streams.iter().filter(|s| s.1 == "new") {
            let rows = st.query_map(rusqlite::params![o, state, 100], |r| {
                let mut text: [Option<String>; 20] = Default::default();
                let text_cols = [
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20,
                ];
                for (slot, col) in text.iter_mut().zip(text_cols) {
                    *slot = r.get(col)?;
                }
                for col in 22..32 {
                    let _: Option<String> = r.get(col)?;
                }
                Ok(RawRow {
                    text,
                    hours: r.get(17)?,
                    version: r.get(21)?,
                })
            })?;
            for row in rows {
                row?;
                n += 1;
            }
        }
    }
    assert_eq!(n, queries * 100);
    Ok(queries as f64 / t.elapsed().as_secs_f64())
}

fn line(name: &str, product: &[f64], baseline: &[f64], unit: &str, target: f64) {
    let ratios: Vec<f64> = product.iter().zip(baseline).map(|(p, b)| p / b).collect();
    let r = median(&ratios);
    let lo = ratios.iter().cloned().fold(f64::MAX, f64::min);
    let hi = ratios.iter().cloned().fold(f64::MIN, f64::max);
    println!(
        "{name:<14} product {:>10.0} {unit}  baseline {:>10.0} {unit}  ratio {r:.2}x (pairs {lo:.2}–{hi:.2})  target ≥ {target:.2}x  {}",
        median(product),
        median(baseline),
        if r >= target { "met" } else { "NOT met" }
    );
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = env_or("ORM_BENCH_ROUNDS", 3);
    let n: usize = env_or("ORM_BENCH_ROWS", 5000);
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let dir = tempfile::tempdir_in(base_dir())?;
    println!(
        "orm bench: {rounds} interleaved pairs, {n} rows, databases in {}",
        dir.path().display()
    );

    if want("orm_insert") {
        let (mut p, mut b) = (vec![], vec![]);
        for i in 0..rounds {
            let (path, org, user) = fresh(dir.path(), &format!("p{i}"))?;
            p.push(product_insert(&path, &rows(n, &org, &user))?);
            let (path, org, user) = fresh(dir.path(), &format!("b{i}"))?;
            b.push(baseline_insert(&path, &rows(n, &org, &user))?);
        }
        line("orm_insert", &p, &b, "rows/s", 0.9);
    }
    if want("orm_list") {
        let (path, org, user) = fresh(dir.path(), "list")?;
        baseline_insert(&path, &rows(n, &org, &user))?;
        let queries = 300;
        let (mut p, mut b) = (vec![], vec![]);
        for _ in 0..rounds {
            p.push(product_list(&path, &org, queries)?);
            b.push(baseline_list(&path, &org, queries)?);
        }
        line("orm_list", &p, &b, "q/s", 0.9);
    }
    Ok(())
}
