//! The phases of an AP notification (Art. 33(4)): a supplement (aanvulling) or withdrawal
//! (intrekking) refers to a notification that really was filed, a withdrawal ends the
//! notification, and a provisional notification opens a follow-up: its supplement is due within a
//! number of days. Pure: no web or database code here.

use super::ap::NoticeKind;
use crate::error::FieldProblem;

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

/// The follow-up's clock lives with the incident's other clocks; kept here by name for callers.
pub use crate::incidents::follow_up::{
    alert_key, due_alerts, follow_up, supplement_due, FollowUp, DEFAULT_SUPPLEMENT_DAYS,
};

#[cfg(test)]
mod tests {
    use super::*;

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
}
