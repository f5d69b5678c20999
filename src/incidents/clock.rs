//! The 72-hour rule (GDPR Art. 33(1)) and the processor's clock (Art. 33(2)).
//!
//! Pure functions of their inputs and an explicit `now`: the deadline is a duration of elapsed
//! hours, running through nights, weekends, holidays and DST changes.
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Amsterdam;
use serde::Serialize;

/// Hours the controller has to notify the AP after becoming aware.
pub const AP_HOURS: i64 = 72;

/// When the 72 hours start: the moment of awareness, or the processor's notice when that came
/// first. The controller is aware once its processor informs it (EDPB guidelines 9/2022 on
/// personal data breach notification, §§ 41-42): a later recorded awareness never moves the deadline.
pub fn clock_start(
    became_aware_at: DateTime<Utc>,
    processor_notice_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    match processor_notice_at {
        Some(n) if n < became_aware_at => n,
        _ => became_aware_at,
    }
}

pub fn ap_deadline(became_aware_at: DateTime<Utc>) -> DateTime<Utc> {
    became_aware_at + Duration::hours(AP_HOURS)
}

/// Whether a notification at `notified_at` met the 72 hours counted from awareness (the deadline
/// itself still counts). The one rule for the incident view, the register and the AP draft.
pub fn notified_in_time(became_aware_at: DateTime<Utc>, notified_at: DateTime<Utc>) -> bool {
    notified_at <= ap_deadline(became_aware_at)
}

/// The deadline shown as people in the Netherlands read it, in Dutch: `di 27-10-2026 09:00 (CET)`.
pub fn local_display(t: DateTime<Utc>) -> String {
    crate::locale::datetime_nl(t)
}

/// The same in English: `Tue 27-10-2026 09:00 (CET)`.
pub fn local_display_en(t: DateTime<Utc>) -> String {
    crate::locale::datetime_en(t)
}

/// RFC 3339 with the Amsterdam offset, for machines that want the local wall-clock time.
pub fn local_rfc3339(t: DateTime<Utc>) -> String {
    t.with_timezone(&Amsterdam).to_rfc3339()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockStatus {
    pub deadline: DateTime<Utc>,
    pub deadline_local: String,
    /// The deadline in English words (for English texts).
    pub deadline_local_en: String,
    /// Whole and fractional hours left; negative once overdue.
    pub hours_left: f64,
    pub overdue: bool,
    /// Readable, by [`remaining`]'s rule: "nog 31 uur" / "nog 1 uur en 58 minuten" / "3 uur te laat".
    pub label_nl: String,
    pub label_en: String,
}

/// Under this many hours the time left is said to the minute.
pub const MINUTES_BELOW_HOURS: i64 = 6;

/// The time left (or overdue) as people read it, by one rule for every page and e-mail: whole
/// minutes, rounded down (never more time than there is; overdue counts whole minutes past);
/// under [`MINUTES_BELOW_HOURS`] hours in hours and minutes, above it in whole hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining {
    pub overdue: bool,
    pub hours: i64,
    /// 0 when shown in whole hours.
    pub minutes: i64,
}

pub fn remaining(deadline: DateTime<Utc>, now: DateTime<Utc>) -> Remaining {
    let secs = (deadline - now).num_seconds();
    let overdue = secs < 0;
    let total_minutes = secs.abs() / 60;
    let hours = total_minutes / 60;
    let minutes = if hours < MINUTES_BELOW_HOURS {
        total_minutes % 60
    } else {
        0
    };
    Remaining {
        overdue,
        hours,
        minutes,
    }
}

impl Remaining {
    /// "1 uur en 58 minuten", "45 minuten", "31 uur", "0 minuten".
    pub fn words_nl(&self) -> String {
        let m = |n: i64| format!("{n} {}", if n == 1 { "minuut" } else { "minuten" });
        match (self.hours, self.minutes) {
            (0, n) => m(n),
            (h, 0) => format!("{h} uur"),
            (h, n) => format!("{h} uur en {}", m(n)),
        }
    }

    /// "1 hour and 58 minutes", "45 minutes", "31 hours".
    pub fn words_en(&self) -> String {
        let m = |n: i64| format!("{n} {}", if n == 1 { "minute" } else { "minutes" });
        let h = |n: i64| format!("{n} {}", if n == 1 { "hour" } else { "hours" });
        match (self.hours, self.minutes) {
            (0, n) => m(n),
            (n, 0) => h(n),
            (a, b) => format!("{} and {}", h(a), m(b)),
        }
    }

    /// "nog 1 uur en 58 minuten" / "3 uur te laat".
    pub fn label_nl(&self) -> String {
        if self.overdue {
            format!("{} te laat", self.words_nl())
        } else {
            format!("nog {}", self.words_nl())
        }
    }

    /// "1 hour and 58 minutes left" / "3 hours overdue".
    pub fn label_en(&self) -> String {
        if self.overdue {
            format!("{} overdue", self.words_en())
        } else {
            format!("{} left", self.words_en())
        }
    }
}

pub fn status(deadline: DateTime<Utc>, now: DateTime<Utc>) -> ClockStatus {
    let secs = (deadline - now).num_seconds();
    let hours_left = (secs as f64 / 3600.0 * 10.0).round() / 10.0;
    let overdue = secs < 0;
    let r = remaining(deadline, now);
    let (label_nl, label_en) = (r.label_nl(), r.label_en());
    ClockStatus {
        deadline,
        deadline_local: local_display(deadline),
        deadline_local_en: local_display_en(deadline),
        hours_left,
        overdue,
        label_nl,
        label_en,
    }
}

/// Whether a processor told the controller within the hours its contract sets.
/// `None` when not enough is known to judge.
pub fn processor_on_time(
    processor_aware_at: Option<DateTime<Utc>>,
    notice_at: Option<DateTime<Utc>>,
    contract_hours: Option<i32>,
) -> Option<bool> {
    match (processor_aware_at, notice_at, contract_hours) {
        (Some(a), Some(n), Some(h)) => Some(n - a <= Duration::hours(h as i64)),
        _ => None,
    }
}

/// The latest moment a processor should have told the controller: its awareness + the contract's hours.
pub fn processor_notice_due(
    processor_aware_at: Option<DateTime<Utc>>,
    contract_hours: Option<i32>,
) -> Option<DateTime<Utc>> {
    Some(processor_aware_at? + Duration::hours(contract_hours? as i64))
}

/// An escalation point: `hours` before the deadline (0 = the deadline itself, i.e. overdue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationPoint {
    pub hours: i64,
}

impl EscalationPoint {
    pub fn key(&self) -> String {
        if self.hours == 0 {
            "overdue".to_string()
        } else {
            format!("{}h", self.hours)
        }
    }
}

/// Which escalation points have been reached at `now`, given those already handled.
///
/// Returns `(send, skip)`: `send` is the single most urgent point newly reached (people get one
/// e-mail, not a burst when an incident is entered late); `skip` are the less urgent points reached
/// at the same time, recorded so they never fire later.
pub fn due_escalations(
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    configured_hours: &[i64],
    already: &[String],
) -> (Option<EscalationPoint>, Vec<EscalationPoint>) {
    let mut reached: Vec<EscalationPoint> = configured_hours
        .iter()
        .filter(|h| **h >= 0)
        .map(|h| EscalationPoint { hours: *h })
        .filter(|p| now >= deadline - Duration::hours(p.hours))
        .filter(|p| !already.contains(&p.key()))
        .collect();
    reached.sort_by_key(|p| p.hours);
    reached.dedup();
    if reached.is_empty() {
        return (None, vec![]);
    }
    let send = reached.remove(0);
    (Some(send), reached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rounding_rule_for_page_and_mail() {
        let d = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let at = |m: i64| remaining(d, d - Duration::seconds(m));
        // 1 h 58 min 59 s left: never rounded up to "2 uur".
        assert_eq!(at(7139).label_nl(), "nog 1 uur en 58 minuten");
        assert_eq!(at(7139).label_en(), "1 hour and 58 minutes left");
        assert_eq!(at(3600).label_nl(), "nog 1 uur");
        assert_eq!(at(60).label_nl(), "nog 1 minuut");
        assert_eq!(at(59).label_nl(), "nog 0 minuten");
        assert_eq!(at(45 * 60 + 30).label_en(), "45 minutes left");
        // From 6 hours on: whole hours, rounded down.
        assert_eq!(at(6 * 3600 + 59 * 60).label_nl(), "nog 6 uur");
        assert_eq!(at(5 * 3600 + 59 * 60).label_nl(), "nog 5 uur en 59 minuten");
        assert_eq!(at(31 * 3600 + 20 * 60).label_nl(), "nog 31 uur");
        // Overdue: whole minutes past.
        assert_eq!(at(-(3 * 3600 + 10)).label_nl(), "3 uur te laat");
        assert_eq!(at(-(90 * 60)).label_en(), "1 hour and 30 minutes overdue");
        assert_eq!(
            status(d, d - Duration::seconds(7139)).label_nl,
            "nog 1 uur en 58 minuten"
        );
    }
    use chrono::TimeZone;

    #[test]
    fn notified_in_time_up_to_and_including_the_deadline() {
        let aware = Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap();
        assert!(notified_in_time(aware, aware + Duration::hours(72)));
        assert!(!notified_in_time(
            aware,
            aware + Duration::hours(72) + Duration::seconds(1)
        ));
    }

    fn ams(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Amsterdam
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn deadline_is_72_elapsed_hours_across_dst_change() {
        // Aware Sat 24 Oct 2026 10:00 CEST; clocks go back on Sun 25 Oct 03:00 → 02:00.
        let aware = ams(2026, 10, 24, 10, 0);
        let deadline = ap_deadline(aware);
        assert_eq!(deadline, ams(2026, 10, 27, 9, 0));
        assert_eq!(deadline.to_rfc3339(), "2026-10-27T08:00:00+00:00");
        assert_eq!(local_display(deadline), "di 27-10-2026 09:00 (CET)");
        assert_eq!(local_display_en(deadline), "Tue 27-10-2026 09:00 (CET)");
        assert_eq!(local_rfc3339(deadline), "2026-10-27T09:00:00+01:00");
    }

    #[test]
    fn deadline_across_spring_dst_change_moves_an_hour_later_on_the_wall_clock() {
        // Aware Fri 27 Mar 2026 12:00 CET; clocks go forward on Sun 29 Mar 02:00 → 03:00.
        let aware = ams(2026, 3, 27, 12, 0);
        assert_eq!(ap_deadline(aware), ams(2026, 3, 30, 13, 0));
    }

    #[test]
    fn deadline_runs_through_weekends_and_holidays() {
        // Aware on Christmas Eve: no rollover to a working day.
        let aware = ams(2026, 12, 24, 16, 30);
        assert_eq!(ap_deadline(aware), ams(2026, 12, 27, 16, 30));
    }

    #[test]
    fn status_counts_hours_left_and_overdue() {
        let aware = ams(2026, 10, 24, 10, 0);
        let deadline = ap_deadline(aware);
        let s = status(deadline, aware + Duration::hours(41));
        assert_eq!(s.hours_left, 31.0);
        assert!(!s.overdue);
        assert_eq!(s.label_nl, "nog 31 uur");
        let late = status(deadline, deadline + Duration::minutes(190));
        assert!(late.overdue);
        assert_eq!(late.label_en, "3 hours and 10 minutes overdue");
        assert!(late.hours_left < 0.0);
    }

    #[test]
    fn the_clock_starts_at_the_earlier_of_awareness_and_the_processors_notice() {
        let a = ams(2026, 5, 4, 9, 0);
        assert_eq!(clock_start(a, None), a);
        assert_eq!(
            clock_start(a, Some(a - Duration::days(3))),
            a - Duration::days(3)
        );
        assert_eq!(clock_start(a, Some(a + Duration::hours(2))), a);
        assert_eq!(ap_deadline(clock_start(a, Some(a - Duration::days(3)))), a);
    }

    #[test]
    fn processor_on_time_against_contract_hours() {
        let a = ams(2026, 5, 1, 9, 0);
        assert_eq!(
            processor_on_time(Some(a), Some(a + Duration::hours(24)), Some(24)),
            Some(true)
        );
        assert_eq!(
            processor_on_time(Some(a), Some(a + Duration::hours(25)), Some(24)),
            Some(false)
        );
        assert_eq!(processor_on_time(None, Some(a), Some(24)), None);
        assert_eq!(processor_on_time(Some(a), Some(a), None), None);
    }

    #[test]
    fn escalations_fire_once_most_urgent_first() {
        let aware = ams(2026, 10, 24, 10, 0);
        let deadline = ap_deadline(aware);
        let cfg = [24, 6, 0];
        // 30 hours left: nothing due.
        assert_eq!(
            due_escalations(deadline, deadline - Duration::hours(30), &cfg, &[]),
            (None, vec![])
        );
        // 20 hours left: the 24 h point.
        let (send, skip) = due_escalations(deadline, deadline - Duration::hours(20), &cfg, &[]);
        assert_eq!(send, Some(EscalationPoint { hours: 24 }));
        assert!(skip.is_empty());
        // Already sent: nothing more until 6 h.
        let done = vec!["24h".to_string()];
        assert_eq!(
            due_escalations(deadline, deadline - Duration::hours(7), &cfg, &done),
            (None, vec![])
        );
        // Entered when already overdue: one e-mail (overdue), the others skipped for good.
        let (send, skip) = due_escalations(deadline, deadline + Duration::hours(1), &cfg, &[]);
        assert_eq!(send.unwrap().key(), "overdue");
        assert_eq!(
            skip.iter().map(|p| p.key()).collect::<Vec<_>>(),
            vec!["6h", "24h"]
        );
    }
}
