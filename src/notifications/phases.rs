//! The phases of an AP notification (Art. 33(4)): a supplement (aanvulling) or withdrawal
//! (intrekking) refers to a notification that really was filed, a withdrawal ends the
//! notification, and a provisional notification opens a follow-up: its supplement is due within a
//! number of days. Pure: no web or database code here.
use chrono::{DateTime, Duration, Utc};

use super::ap::NoticeKind;
use crate::assessment::FieldProblem;
use crate::incidents::clock::{self, EscalationPoint};

/// An AP notification recorded as filed on this incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub kind: NoticeKind,
    pub ap_number: String,
}

/// Whether a supplement or withdrawal may refer to `earlier`: it names the AP number of a
/// notification filed on this incident, or an AP number from before Meldpunt, stated as such
/// (`before_meldpunt`). A notification that was withdrawn takes no further supplement or
/// withdrawal. Initial notifications refer to nothing: always `Ok`.
///
/// `complete`: the number is required (at filing); while drafting an absent number is left to the
/// draft's blocking list.
pub fn check_reference(
    kind: NoticeKind,
    earlier: Option<&str>,
    before_meldpunt: bool,
    filed: &[Filed],
    complete: bool,
) -> Result<(), FieldProblem> {
    if !kind.refers_to_earlier() {
        return Ok(());
    }
    let Some(n) = earlier.map(str::trim).filter(|n| !n.is_empty()) else {
        return if complete {
            Err(FieldProblem::new(
                "earlier_ap_number",
                "a supplement or withdrawal refers to the earlier notification's AP number",
                "Een aanvulling of intrekking verwijst naar het meldingsnummer van de eerdere melding.",
            ))
        } else {
            Ok(())
        };
    };
    let same = |f: &&Filed| f.ap_number.trim().eq_ignore_ascii_case(n);
    if filed
        .iter()
        .filter(same)
        .any(|f| f.kind == NoticeKind::Withdrawal)
    {
        return Err(FieldProblem::new(
            "earlier_ap_number",
            "the notification with this AP number was withdrawn: it takes no further supplement or withdrawal",
            "De melding met dit meldingsnummer is ingetrokken. Daar kan niets meer bij of af.",
        ));
    }
    if before_meldpunt || filed.iter().any(|f| same(&f) && f.kind.is_initial()) {
        return Ok(());
    }
    Err(FieldProblem::new(
        "earlier_ap_number",
        "no notification with this AP number was filed on this incident; give the number of a \
         filing recorded here, or state that it was filed before Meldpunt (earlier_before_meldpunt)",
        "Bij dit incident is geen melding met dit meldingsnummer vastgelegd. Vul het nummer in van \
         een melding die hier is vastgelegd, of geef aan dat de melding van vóór Meldpunt is.",
    ))
}

/// Days a supplement is due after a provisional notification, when not configured. The AP sets
/// no deadline ("without undue further delay", Art. 33(4)): five days keep it in the same week.
pub const DEFAULT_SUPPLEMENT_DAYS: i64 = 5;

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

    fn filed(kind: NoticeKind, n: &str) -> Filed {
        Filed {
            kind,
            ap_number: n.into(),
        }
    }

    #[test]
    fn a_supplement_refers_to_a_filing_on_this_incident() {
        use NoticeKind::*;
        let here = [filed(InitialProvisional, "M-2026-000123")];
        // The number of the initial filing here: accepted (case and spaces do not matter).
        assert!(check_reference(Supplement, Some(" m-2026-000123 "), false, &here, true).is_ok());
        assert!(check_reference(Withdrawal, Some("M-2026-000123"), false, &here, true).is_ok());
        // A number never filed here: refused, naming the field.
        let e = check_reference(Supplement, Some("BOGUS-000"), false, &here, true).unwrap_err();
        assert_eq!(e.field, "earlier_ap_number");
        // No initial filing on the incident at all: refused too.
        assert!(check_reference(Supplement, Some("BOGUS-000"), false, &[], true).is_err());
        // A supplement's own number does not make it an initial filing.
        let only_supplement = [filed(Supplement, "X-1")];
        assert!(check_reference(Supplement, Some("X-1"), false, &only_supplement, true).is_err());
        // From before Meldpunt, stated as such: accepted with the number.
        assert!(check_reference(Supplement, Some("AP-2019-77"), true, &[], true).is_ok());
        // …but the flag alone is not a number.
        assert!(check_reference(Supplement, None, true, &[], true).is_err());
        // While drafting an absent number is left to the draft's blocking list.
        assert!(check_reference(Supplement, None, false, &[], false).is_ok());
        // Initial notifications refer to nothing.
        assert!(check_reference(InitialComplete, Some("BOGUS"), false, &[], true).is_ok());
    }

    #[test]
    fn a_withdrawn_notification_takes_nothing_more() {
        use NoticeKind::*;
        let here = [filed(InitialComplete, "M-1"), filed(Withdrawal, "M-1")];
        assert!(check_reference(Supplement, Some("M-1"), false, &here, true).is_err());
        assert!(check_reference(Withdrawal, Some("M-1"), false, &here, true).is_err());
        assert!(check_reference(Withdrawal, Some("M-1"), true, &here, true).is_err());
    }

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
