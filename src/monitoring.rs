//! Prometheus metrics (`metrics` + `metrics-exporter-prometheus`).
//!
//! Two kinds, kept apart on purpose so that several instances against one PostgreSQL report
//! correct figures:
//!
//! - **Events counted by this instance** (counters, histograms): e-mails sent, failed for good and
//!   put back for a retry by this instance's outbox worker, HTTP request durations by route
//!   pattern, and this instance's mailbox polls. Sum them over instances (`sum(rate(...))`).
//! - **State of the database** (gauges), computed at scrape time from the database, never kept in
//!   memory: outbox messages by state and the age of the oldest waiting message, incidents by
//!   their 72-hour clock band, open overdue measures, the quarantine and the last mail received.
//!   Every instance reports the same figures; aggregate them with `max`, never `sum`.
//!
//! Labels never carry personal data: routes are labelled by their pattern
//! (`/api/v1/incidents/{id}`), never by the path asked; outbox messages by their kind.
//!
//! Served at `/metrics` on a separate address (`metrics.bind`, e.g. `127.0.0.1:9464`) and/or on
//! the main address behind a bearer token (`metrics.token`); with neither set there are none.
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::Cached;
use crate::db::DbConn;

pub const HTTP_DURATION: &str = "meldpunt_http_request_duration_seconds";
// The outbox counts its own deliveries (it sits below this module); the names live with it.
pub use crate::outbox::metrics::{
    outbox_delivery, Delivery, OUTBOX_FAILED, OUTBOX_RETRIED, OUTBOX_SENT,
};

/// The process-wide recorder: installed once, whatever the number of applications built (tests
/// build many in one process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(HTTP_DURATION.into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .expect("buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (an embedding program): ours still renders what it
        // is given, so /metrics keeps working; the counters then go to theirs.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("metrics: a global recorder was already installed");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_histogram, Unit};
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request durations by method, route pattern and status class"
    );
    describe_counter!(
        OUTBOX_SENT,
        "E-mails accepted by the SMTP server (this instance)"
    );
    describe_counter!(
        OUTBOX_FAILED,
        "E-mails failed for good: permanent refusal or attempts used up (this instance)"
    );
    describe_counter!(
        OUTBOX_RETRIED,
        "E-mail attempts that failed and were put back in the queue (this instance)"
    );
}

/// The gauges' descriptions, in the recorder of one scrape.
fn describe_gauges() {
    use metrics::{describe_gauge, Unit};
    describe_gauge!(
        "meldpunt_outbox_messages",
        "Outbox messages by state (from the database)"
    );
    describe_gauge!(
        "meldpunt_outbox_oldest_queued_age_seconds",
        Unit::Seconds,
        "Age of the oldest message still waiting to be sent (0 when none; from the database)"
    );
    describe_gauge!(
        "meldpunt_incidents_clock",
        "Incidents whose 72-hour clock runs, by time left to the AP deadline (from the database)"
    );
    describe_gauge!(
        "meldpunt_measures_open_overdue",
        "Open measures past their due date (from the database)"
    );
    describe_gauge!(
        "meldpunt_mailbox_quarantine_messages",
        "Messages held in the mail quarantine (from the database)"
    );
    describe_gauge!(
        "meldpunt_mailbox_last_received_timestamp_seconds",
        Unit::Seconds,
        "When the last mail was taken in, Unix time (0 when never; from the database)"
    );
    describe_gauge!(
        "meldpunt_mailbox_poll_lag_seconds",
        Unit::Seconds,
        "Seconds since this instance last polled the mailbox successfully"
    );
}

/// Count one HTTP request: method, route pattern (`unmatched` when no route matched) and status
/// class (2xx …).
pub fn http_request(method: &str, pattern: Option<&str>, status: u16, seconds: f64) {
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::histogram!(
        HTTP_DURATION,
        "method" => method.to_string(),
        "route" => pattern.unwrap_or("unmatched").to_string(),
        "status" => class,
    )
    .record(seconds);
}

fn polls() -> &'static Mutex<HashMap<String, Instant>> {
    static POLLS: OnceLock<Mutex<HashMap<String, Instant>>> = OnceLock::new();
    POLLS.get_or_init(Default::default)
}

/// The mailbox `name` (the Maildir, or an IMAP account's configured name) was polled successfully.
pub fn mailbox_polled(name: &str) {
    if let Ok(mut m) = polls().lock() {
        m.insert(name.to_string(), Instant::now());
    }
}

/// Where an incident stands against its AP deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockBand {
    /// More than 24 hours left.
    Over24h,
    /// Between 6 and 24 hours left.
    Under24h,
    /// Less than 6 hours left.
    Under6h,
    /// Past the deadline.
    Overdue,
}

impl ClockBand {
    pub const ALL: [ClockBand; 4] = [
        ClockBand::Over24h,
        ClockBand::Under24h,
        ClockBand::Under6h,
        ClockBand::Overdue,
    ];

    pub fn of(deadline: DateTime<Utc>, now: DateTime<Utc>) -> ClockBand {
        let left = deadline - now;
        if left <= chrono::Duration::zero() {
            ClockBand::Overdue
        } else if left < chrono::Duration::hours(6) {
            ClockBand::Under6h
        } else if left < chrono::Duration::hours(24) {
            ClockBand::Under24h
        } else {
            ClockBand::Over24h
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ClockBand::Over24h => "over_24h",
            ClockBand::Under24h => "under_24h",
            ClockBand::Under6h => "under_6h",
            ClockBand::Overdue => "overdue",
        }
    }
}

/// The database's state at `now`, for the gauges.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DbState {
    pub outbox: Vec<(String, i64)>,
    pub oldest_queued_seconds: f64,
    pub clock: Vec<(ClockBand, i64)>,
    pub overdue_measures: i64,
    pub quarantine: i64,
    pub last_mail_received: Option<DateTime<Utc>>,
}

pub const OUTBOX_STATES: [&str; 4] = ["queued", "sending", "sent", "failed"];

/// Read the state the gauges show, in one read transaction.
pub fn read_state(c: &mut DbConn, now: DateTime<Utc>) -> diesel::QueryResult<DbState> {
    use crate::db::schema::{incidents, mail_messages, measures, outbox};
    use diesel::dsl::{count_star, max, min};
    use diesel::prelude::*;
    let from_db = |t: chrono::NaiveDateTime| t.and_utc();
    c.transaction(|c| {
        let mut st = DbState::default();
        for s in OUTBOX_STATES {
            let n: i64 = outbox::table
                .filter(outbox::status.eq(s))
                .select(count_star())
                .first_on(c)?;
            st.outbox.push((s.to_string(), n));
        }
        let oldest: Option<chrono::NaiveDateTime> = outbox::table
            .filter(outbox::status.eq_any(["queued", "sending"]))
            .select(min(outbox::created_at))
            .first_on(c)?;
        st.oldest_queued_seconds = oldest
            .map(|t| ((now - from_db(t)).num_milliseconds() as f64 / 1000.0).max(0.0))
            .unwrap_or(0.0);
        let running: Vec<&str> = crate::incidents::lifecycle::ALL
            .iter()
            .filter(|s| s.clock_running())
            .map(|s| s.as_str())
            .collect();
        let deadlines: Vec<chrono::NaiveDateTime> = incidents::table
            .filter(incidents::state.eq_any(running))
            .filter(incidents::notified_at.is_null())
            .select(incidents::ap_deadline)
            .load_on(c)?;
        let mut bands: HashMap<ClockBand, i64> = HashMap::new();
        for d in deadlines {
            *bands.entry(ClockBand::of(from_db(d), now)).or_default() += 1;
        }
        st.clock = ClockBand::ALL
            .iter()
            .map(|b| (*b, bands.get(b).copied().unwrap_or(0)))
            .collect();
        let today = crate::remediation::service::today_nl(now);
        let open: Vec<&str> = crate::remediation::rules::MeasureStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        st.overdue_measures = measures::table
            .filter(measures::status.eq_any(open))
            .filter(measures::due_on.lt(today))
            .select(count_star())
            .first_on(c)?;
        st.quarantine = mail_messages::table
            .filter(mail_messages::outcome.eq("quarantined"))
            .select(count_star())
            .first_on(c)?;
        st.last_mail_received = mail_messages::table
            .select(max(mail_messages::received_at))
            .first_on::<Option<chrono::NaiveDateTime>>(c)?
            .map(from_db);
        Ok(st)
    })
}

/// Set the gauges from the database's state and this instance's polls.
pub fn set_gauges(st: &DbState) {
    use metrics::gauge;
    for (s, n) in &st.outbox {
        gauge!("meldpunt_outbox_messages", "state" => s.clone()).set(*n as f64);
    }
    gauge!("meldpunt_outbox_oldest_queued_age_seconds").set(st.oldest_queued_seconds);
    for (b, n) in &st.clock {
        gauge!("meldpunt_incidents_clock", "band" => b.label()).set(*n as f64);
    }
    gauge!("meldpunt_measures_open_overdue").set(st.overdue_measures as f64);
    gauge!("meldpunt_mailbox_quarantine_messages").set(st.quarantine as f64);
    gauge!("meldpunt_mailbox_last_received_timestamp_seconds").set(
        st.last_mail_received
            .map(|t| t.timestamp() as f64)
            .unwrap_or(0.0),
    );
    if let Ok(m) = polls().lock() {
        for (name, at) in m.iter() {
            gauge!("meldpunt_mailbox_poll_lag_seconds", "mailbox" => name.clone())
                .set(at.elapsed().as_secs_f64());
        }
    }
}

/// The text exposition: this instance's counters and histograms, then the gauges read from the
/// database now. The gauges go into a recorder of this scrape alone, so two scrapes (or two
/// applications in one process) never see each other's figures and no stale value lingers.
pub fn render(c: &mut DbConn, now: DateTime<Utc>) -> diesel::QueryResult<String> {
    let st = read_state(c, now)?;
    let local = PrometheusBuilder::new().build_recorder();
    let local_handle = local.handle();
    metrics::with_local_recorder(&local, || {
        describe_gauges();
        set_gauges(&st);
    });
    let mut out = handle().render();
    out.push_str(&local_handle.render());
    Ok(out)
}

/// Is this `Authorization` header the configured token? Compared in constant time.
pub fn token_ok(configured: &str, authorization: Option<&str>) -> bool {
    use sha2::{Digest, Sha256};
    if configured.is_empty() {
        return false;
    }
    let Some(given) = authorization.and_then(|v| v.strip_prefix("Bearer ")) else {
        return false;
    };
    // Equal-length digests: the comparison's time says nothing about the token.
    let a = Sha256::digest(configured.as_bytes());
    let b = Sha256::digest(given.trim().as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn clock_bands_split_at_24_and_6_hours_and_the_deadline() {
        let d = Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap();
        let h = chrono::Duration::hours;
        assert_eq!(ClockBand::of(d, d - h(30)), ClockBand::Over24h);
        assert_eq!(ClockBand::of(d, d - h(24)), ClockBand::Over24h);
        assert_eq!(
            ClockBand::of(d, d - h(24) + chrono::Duration::seconds(1)),
            ClockBand::Under24h
        );
        assert_eq!(ClockBand::of(d, d - h(6)), ClockBand::Under24h);
        assert_eq!(ClockBand::of(d, d - h(5)), ClockBand::Under6h);
        assert_eq!(ClockBand::of(d, d), ClockBand::Overdue);
        assert_eq!(ClockBand::of(d, d + h(1)), ClockBand::Overdue);
    }

    #[test]
    fn the_token_is_needed_and_must_match() {
        assert!(!token_ok("", Some("Bearer ")));
        assert!(!token_ok("s3cret", None));
        assert!(!token_ok("s3cret", Some("Bearer s3cre")));
        assert!(!token_ok("s3cret", Some("s3cret")));
        assert!(token_ok("s3cret", Some("Bearer s3cret")));
    }
}
