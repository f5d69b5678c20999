//! The follow-up of a provisional AP notification (Art. 33(4)): when its supplement is due and
//! which alerts are due, on the same rule as the 72-hour clock. Pure: no web or database code here.
use chrono::{DateTime, Duration, Utc};

use super::clock::{self, EscalationPoint};

pub use crate::config::DEFAULT_SUPPLEMENT_DAYS;

/// When the supplement to a provisional notification filed at `filed_at` is due.
pub fn supplement_due(filed_at: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    filed_at + Duration::days(days.clamp(1, 365))
}

/// The key under which a follow-up alert is recorded once (in `clock_alerts`, beside the 72-hour
/// points): per due date, so a new provisional notification with a new due date alerts anew.
pub fn alert_key(due: DateTime<Utc>, p: EscalationPoint) -> String {
    format!("supplement:{}:{}", due.format("%Y%m%dT%H%M%S"), p.key())
}

/// Which follow-up alerts are due at `now`: the same rule as the 72-hour clock (one e-mail for
/// the most urgent point newly reached, the less urgent ones recorded as skipped).
pub fn due_alerts(
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    hours: &[i64],
    already: &[String],
) -> (Option<EscalationPoint>, Vec<EscalationPoint>) {
    let prefix = format!("supplement:{}:", due.format("%Y%m%dT%H%M%S"));
    let done: Vec<String> = already
        .iter()
        .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
        .collect();
    clock::due_escalations(due, now, hours, &done)
}

/// What the incident shows of the notification's phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// No provisional notification waits for a supplement.
    None,
    Open {
        due: DateTime<Utc>,
        overdue: bool,
    },
    Closed {
        due: DateTime<Utc>,
        closed: DateTime<Utc>,
    },
}

pub fn follow_up(
    due: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> FollowUp {
    match (due, closed) {
        (None, _) => FollowUp::None,
        (Some(due), Some(closed)) => FollowUp::Closed { due, closed },
        (Some(due), None) => FollowUp::Open {
            due,
            overdue: now > due,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_follow_up_is_due_after_the_configured_days_and_alerts_like_the_clock() {
        let filed_at = Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap();
        let due = supplement_due(filed_at, 14);
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 16, 10, 0, 0).unwrap());
        assert_eq!(supplement_due(filed_at, 0), filed_at + Duration::days(1));
        let cfg = [24, 6, 0];
        assert_eq!(
            due_alerts(due, due - Duration::hours(30), &cfg, &[]),
            (None, vec![])
        );
        let (send, skip) = due_alerts(due, due - Duration::hours(3), &cfg, &[]);
        assert_eq!(send.unwrap().key(), "6h");
        assert_eq!(
            skip.iter().map(|p| p.key()).collect::<Vec<_>>(),
            vec!["24h"]
        );
        let done = vec![alert_key(due, send.unwrap()), alert_key(due, skip[0])];
        assert_eq!(done[0], "supplement:20261116T100000:6h");
        assert_eq!(
            due_alerts(due, due - Duration::hours(2), &cfg, &done),
            (None, vec![])
        );
        // The 72-hour points of the same incident do not count as follow-up alerts.
        let clock_done = vec!["6h".to_string(), "24h".to_string()];
        assert!(due_alerts(due, due - Duration::hours(2), &cfg, &clock_done)
            .0
            .is_some());
        let (send, _) = due_alerts(due, due + Duration::hours(1), &cfg, &done);
        assert_eq!(send.unwrap().key(), "overdue");
        // A new due date alerts anew.
        let later = due + Duration::days(7);
        assert!(due_alerts(later, later - Duration::hours(2), &cfg, &done)
            .0
            .is_some());
    }

    #[test]
    fn follow_up_states() {
        let due = Utc.with_ymd_and_hms(2026, 11, 16, 10, 0, 0).unwrap();
        assert_eq!(follow_up(None, None, due), FollowUp::None);
        assert_eq!(
            follow_up(Some(due), None, due + Duration::seconds(1)),
            FollowUp::Open { due, overdue: true }
        );
        assert_eq!(
            follow_up(Some(due), None, due),
            FollowUp::Open {
                due,
                overdue: false
            }
        );
        assert_eq!(
            follow_up(Some(due), Some(due), due + Duration::days(3)),
            FollowUp::Closed { due, closed: due }
        );
    }
}
