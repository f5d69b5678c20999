//! The life cycle of a notification draft, as `incidents/lifecycle.rs` is the incident's: what a
//! draft is ([`DraftKind`]: its purpose and the templates it renders), where it stands
//! ([`DraftStatus`]), what a step does to it ([`next`]) and what the person looking at it may do
//! now ([`allowed_actions`]). Pure: the service checks every change here and stores it; the pages
//! show what [`allowed_actions`] says and recompute nothing.
//!
//! The rules (`regulation.md` §3, §6; the FG signs off the exact content):
//! - a new draft waits for the FG's sign-off (`pending`);
//! - the FG approves or rejects the content as it is now; nobody else does, and the drafter does
//!   not approve their own draft unless the organisation allows it;
//! - a change of the content after approval voids the sign-off (`void`: it waits for the FG again);
//!   a change after a rejection offers it for sign-off again (`pending`);
//! - nothing is filed, published or sent without a valid sign-off of exactly the content now;
//! - only a notification to the AP is filed, and once filed it is final: a supplement is a new draft.
use serde::{Deserialize, Serialize};

use super::ap::NoticeKind;
use super::parts::PartName;

/// What a draft is for: the AP's form, or telling the people (letters, e-mails, a public notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Ap,
    Communication,
}

impl Purpose {
    pub fn as_str(&self) -> &'static str {
        match self {
            Purpose::Ap => "ap",
            Purpose::Communication => "communication",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        [Purpose::Ap, Purpose::Communication]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The kinds of draft. Each owns its purpose and its template set; adding a kind means adding it
/// here (and its templates and words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    /// To the AP: a first notification with all answers.
    InitialComplete,
    /// To the AP: a first notification in phases (Art. 33(4)).
    InitialProvisional,
    /// To the AP: a supplement to an earlier notification.
    Supplement,
    /// To the AP: the withdrawal of an earlier notification.
    Withdrawal,
    /// The letter and e-mail to the people affected (Art. 34).
    LetterEmail,
    /// A public notice instead of telling each person (Art. 34(3)(c)).
    PublicNotice,
}

pub const ALL_KINDS: [DraftKind; 6] = [
    DraftKind::InitialComplete,
    DraftKind::InitialProvisional,
    DraftKind::Supplement,
    DraftKind::Withdrawal,
    DraftKind::LetterEmail,
    DraftKind::PublicNotice,
];

/// The templates of the AP's answer set.
const AP_TEMPLATES: &[&str] = &["ap_draft"];
/// The templates of a letter draft, per language, in the order of the signed-off content.
const LETTER_TEMPLATES: &[&str] = &["email_subject", "email_body", "letter"];
const LETTER_PARTS: &[PartName] = &[
    PartName::EmailSubject,
    PartName::EmailBody,
    PartName::Letter,
];
/// The template of a public notice, per language.
const PUBLIC_TEMPLATES: &[&str] = &["public_notice"];
const PUBLIC_PARTS: &[PartName] = &[PartName::PublicNotice];

/// Why a new draft's purpose and kind were not understood (the API names the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindProblem {
    /// An unknown purpose.
    Purpose,
    /// An AP notification without a kind.
    KindMissing,
    /// An AP notification with an unknown kind.
    KindUnknown,
}

impl DraftKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DraftKind::InitialComplete => "initial_complete",
            DraftKind::InitialProvisional => "initial_provisional",
            DraftKind::Supplement => "supplement",
            DraftKind::Withdrawal => "withdrawal",
            DraftKind::LetterEmail => "letter_email",
            DraftKind::PublicNotice => "public_notice",
        }
    }

    pub fn parse(s: &str) -> Option<DraftKind> {
        ALL_KINDS.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind a new draft asks for: `ap` with one of the four AP kinds, `communication` (the
    /// letter and e-mail) or `public` (a public notice, a communication of its own kind).
    pub fn requested(purpose: &str, kind: Option<&str>) -> Result<DraftKind, KindProblem> {
        match purpose {
            "ap" => {
                let k = kind.ok_or(KindProblem::KindMissing)?;
                NoticeKind::parse(k)
                    .map(DraftKind::from)
                    .ok_or(KindProblem::KindUnknown)
            }
            "communication" => Ok(DraftKind::LetterEmail),
            "public" => Ok(DraftKind::PublicNotice),
            _ => Err(KindProblem::Purpose),
        }
    }

    pub fn purpose(&self) -> Purpose {
        match self {
            DraftKind::LetterEmail | DraftKind::PublicNotice => Purpose::Communication,
            _ => Purpose::Ap,
        }
    }

    /// The kind of AP notification, for a draft to the AP.
    pub fn notice_kind(&self) -> Option<NoticeKind> {
        match self {
            DraftKind::InitialComplete => Some(NoticeKind::InitialComplete),
            DraftKind::InitialProvisional => Some(NoticeKind::InitialProvisional),
            DraftKind::Supplement => Some(NoticeKind::Supplement),
            DraftKind::Withdrawal => Some(NoticeKind::Withdrawal),
            DraftKind::LetterEmail | DraftKind::PublicNotice => None,
        }
    }

    pub fn is_ap(&self) -> bool {
        self.purpose() == Purpose::Ap
    }

    /// A first notification to the AP (complete or provisional): filing it notifies the incident.
    pub fn is_initial(&self) -> bool {
        self.notice_kind().map(|k| k.is_initial()).unwrap_or(false)
    }

    /// The letter and e-mail: sent to imported recipients by a campaign, previewed per recipient.
    pub fn is_letters(&self) -> bool {
        *self == DraftKind::LetterEmail
    }

    pub fn is_public(&self) -> bool {
        *self == DraftKind::PublicNotice
    }

    /// The template names this kind renders (per language for letters and notices).
    pub fn templates(&self) -> &'static [&'static str] {
        match self {
            DraftKind::LetterEmail => LETTER_TEMPLATES,
            DraftKind::PublicNotice => PUBLIC_TEMPLATES,
            _ => AP_TEMPLATES,
        }
    }

    /// The rendered parts, per language and in the order of the signed-off content (one for each
    /// template); none for the AP, whose content is the answer set.
    pub fn parts(&self) -> &'static [PartName] {
        match self {
            DraftKind::LetterEmail => LETTER_PARTS,
            DraftKind::PublicNotice => PUBLIC_PARTS,
            _ => &[],
        }
    }

    /// What a step is to this kind: only a notification to the AP is filed.
    pub fn takes(&self, step: Step) -> bool {
        step != Step::File || self.is_ap()
    }
}

impl From<NoticeKind> for DraftKind {
    fn from(k: NoticeKind) -> DraftKind {
        match k {
            NoticeKind::InitialComplete => DraftKind::InitialComplete,
            NoticeKind::InitialProvisional => DraftKind::InitialProvisional,
            NoticeKind::Supplement => DraftKind::Supplement,
            NoticeKind::Withdrawal => DraftKind::Withdrawal,
        }
    }
}

/// Where a draft stands with the FG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// Waits for the FG's sign-off (new, or changed after a rejection).
    Pending,
    /// Signed off: the FG approved the content with the stored hash.
    Approved,
    /// The FG rejected the content (with remarks).
    Rejected,
    /// Signed off, but the content changed since: it waits for the FG again.
    Void,
    /// Filed at the AP (final).
    Filed,
}

pub const ALL_STATUSES: [DraftStatus; 5] = [
    DraftStatus::Pending,
    DraftStatus::Approved,
    DraftStatus::Rejected,
    DraftStatus::Void,
    DraftStatus::Filed,
];

/// The statuses that wait for the FG (the FG's worklist): new or offered again, or signed off and
/// changed since.
pub const AWAITING_SIGNOFF: [DraftStatus; 2] = [DraftStatus::Pending, DraftStatus::Void];

impl DraftStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DraftStatus::Pending => "pending",
            DraftStatus::Approved => "approved",
            DraftStatus::Rejected => "rejected",
            DraftStatus::Void => "void",
            DraftStatus::Filed => "filed",
        }
    }

    pub fn parse(s: &str) -> Option<DraftStatus> {
        ALL_STATUSES.into_iter().find(|st| st.as_str() == s)
    }

    /// Nothing changes a filed notification any more.
    pub fn is_final(&self) -> bool {
        *self == DraftStatus::Filed
    }

    /// It waits for the FG (on the FG's worklist).
    pub fn awaits_signoff(&self) -> bool {
        AWAITING_SIGNOFF.contains(self)
    }

    /// The FG signed off the content it was filed or approved with.
    pub fn signed_off(&self) -> bool {
        matches!(self, DraftStatus::Approved | DraftStatus::Filed)
    }

    /// The status after the content rendered now turned out to differ from what the FG signed
    /// off: a sign-off becomes void; a filed notification keeps what was filed.
    pub fn content_changed(self) -> DraftStatus {
        match self {
            DraftStatus::Approved => DraftStatus::Void,
            s => s,
        }
    }

    /// Whether, as far as its status goes, the draft may go out now (be filed, published or
    /// sent): only with the FG's sign-off, and a filed one not again.
    pub fn may_go_out(self) -> Result<(), Refused> {
        match self {
            DraftStatus::Approved => Ok(()),
            DraftStatus::Void => Err(Refused::Void),
            DraftStatus::Rejected => Err(Refused::Rejected),
            DraftStatus::Pending => Err(Refused::NotSigned),
            DraftStatus::Filed => Err(Refused::Filed),
        }
    }

    /// The status a step leads to, or why the step is refused. A step that does not change the
    /// status (a change of content while pending) returns the same status.
    pub fn next(self, step: Step) -> Result<DraftStatus, Refused> {
        use DraftStatus::*;
        match (self, step) {
            // A change of the content (facts, settings, templates) voids a sign-off.
            (s, Step::ContentChanged) => Ok(s.content_changed()),
            (Filed, _) => Err(Refused::Filed),
            // Changed after the FG rejected it: offered for sign-off again.
            (Rejected, Step::Edit) => Ok(Pending),
            (s, Step::Edit) => Ok(s),
            (_, Step::Approve) => Ok(Approved),
            (_, Step::Reject) => Ok(Rejected),
            (s, Step::File) => s.may_go_out().map(|()| Filed),
        }
    }
}

/// What happens to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The drafter changes what they added.
    Edit,
    /// The content rendered now differs from what the FG signed off.
    ContentChanged,
    /// The FG approves the content as it is now.
    Approve,
    /// The FG rejects it, with remarks.
    Reject,
    /// The filing at the AP is recorded.
    File,
}

pub const ALL_STEPS: [Step; 5] = [
    Step::Edit,
    Step::ContentChanged,
    Step::Approve,
    Step::Reject,
    Step::File,
];

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The notification was filed: final.
    Filed,
    /// The sign-off is void (the content changed after it).
    Void,
    /// The FG rejected the content.
    Rejected,
    /// Not signed off yet.
    NotSigned,
    /// Only a notification to the AP is filed.
    NotAp,
}

/// [`DraftStatus::next`] for a draft of this kind.
pub fn next(kind: DraftKind, status: DraftStatus, step: Step) -> Result<DraftStatus, Refused> {
    if !kind.takes(step) {
        return Err(Refused::NotAp);
    }
    status.next(step)
}

/// What one may do with a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Change what the drafter added.
    Edit,
    /// Sign off the content as it is now (the FG).
    Approve,
    /// Reject it with remarks (the FG).
    Reject,
    /// Record the filing at the AP.
    File,
    /// Publish the public notice.
    Publish,
    /// Send the letters and e-mails (start a campaign).
    Send,
}

pub const ALL_ACTIONS: [Action; 6] = [
    Action::Edit,
    Action::Approve,
    Action::Reject,
    Action::File,
    Action::Publish,
    Action::Send,
];

impl Action {
    /// The status change the action makes, if any (publishing and sending leave the draft as it is).
    pub fn step(&self) -> Option<Step> {
        match self {
            Action::Edit => Some(Step::Edit),
            Action::Approve => Some(Step::Approve),
            Action::Reject => Some(Step::Reject),
            Action::File => Some(Step::File),
            Action::Publish | Action::Send => None,
        }
    }

    /// It puts the content before the AP or the people: only with a valid sign-off.
    pub fn goes_out(&self) -> bool {
        matches!(self, Action::File | Action::Publish | Action::Send)
    }
}

/// Who looks at the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewer {
    /// An FG of the draft's organisation.
    pub fg: bool,
    /// They made the draft.
    pub drafted_it: bool,
    /// The organisation lets an FG approve their own draft.
    pub self_signoff_allowed: bool,
}

impl Viewer {
    /// An FG who may sign off this draft: not the drafter, unless the organisation allows it.
    pub fn may_sign(&self) -> bool {
        self.fg && (!self.drafted_it || self.self_signoff_allowed)
    }
}

/// What else the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Circumstances {
    /// The stored sign-off is of exactly the content rendered now.
    pub approval_valid: bool,
    /// Something the FG cannot sign off without is missing.
    pub blocking: bool,
    /// The incident's current decision is the public communication of Art. 34(3)(c).
    pub public_decided: bool,
    /// A public notice of the incident is in force.
    pub notice_in_force: bool,
}

/// What the viewer may do with a draft of this kind and status now.
pub fn allowed_actions(
    kind: DraftKind,
    status: DraftStatus,
    viewer: Viewer,
    circ: Circumstances,
) -> Vec<Action> {
    let open = !status.is_final();
    let signed = status == DraftStatus::Approved && circ.approval_valid;
    ALL_ACTIONS
        .into_iter()
        .filter(|a| match a {
            Action::Edit => open,
            Action::Approve => open && viewer.may_sign() && !circ.blocking,
            Action::Reject => open && viewer.fg,
            Action::File => kind.is_ap() && signed,
            Action::Publish => {
                kind.is_public() && signed && circ.public_decided && !circ.notice_in_force
            }
            Action::Send => kind.is_letters() && signed,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use DraftStatus::*;

    fn any_kind() -> impl Strategy<Value = DraftKind> {
        proptest::sample::select(ALL_KINDS.to_vec())
    }
    fn any_status() -> impl Strategy<Value = DraftStatus> {
        proptest::sample::select(ALL_STATUSES.to_vec())
    }
    fn any_step() -> impl Strategy<Value = Step> {
        proptest::sample::select(ALL_STEPS.to_vec())
    }
    fn any_viewer() -> impl Strategy<Value = Viewer> {
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(fg, d, s)| Viewer {
            fg,
            drafted_it: d,
            self_signoff_allowed: s,
        })
    }
    fn any_circumstances() -> impl Strategy<Value = Circumstances> {
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(v, b, p, n)| {
            Circumstances {
                approval_valid: v,
                blocking: b,
                public_decided: p,
                notice_in_force: n,
            }
        })
    }

    proptest! {
        /// A filed notification is final: every step is refused or leaves it filed.
        #[test]
        fn nothing_leaves_the_final_state(kind in any_kind(), step in any_step()) {
            if let Ok(s) = next(kind, Filed, step) {
                prop_assert_eq!(s, Filed);
            }
            let fg = Viewer { fg: true, drafted_it: false, self_signoff_allowed: true };
            let valid = Circumstances { approval_valid: true, public_decided: true, ..Default::default() };
            let offered = allowed_actions(kind, Filed, fg, valid);
            prop_assert!(
                offered.iter().all(|a| a.step().is_none()),
                "{:?} offered on a filed draft", offered
            );
        }

        /// Every action offered leads to a status the transition table allows.
        #[test]
        fn every_allowed_action_is_a_transition_the_table_allows(
            kind in any_kind(), status in any_status(), viewer in any_viewer(), circ in any_circumstances()
        ) {
            for a in allowed_actions(kind, status, viewer, circ) {
                if let Some(step) = a.step() {
                    prop_assert!(next(kind, status, step).is_ok(), "{:?} offered from {:?} ({:?})", a, status, kind);
                }
            }
        }

        /// Nothing goes to the AP or the people without a valid sign-off of the content now, and
        /// each kind goes out its own way only.
        #[test]
        fn nothing_goes_out_without_a_valid_signoff(
            kind in any_kind(), status in any_status(), viewer in any_viewer(), circ in any_circumstances()
        ) {
            for a in allowed_actions(kind, status, viewer, circ) {
                if a.goes_out() {
                    prop_assert_eq!(status, Approved);
                    prop_assert!(circ.approval_valid);
                }
                match a {
                    Action::File => prop_assert!(kind.is_ap()),
                    Action::Publish => prop_assert!(kind.is_public() && circ.public_decided && !circ.notice_in_force),
                    Action::Send => prop_assert_eq!(kind, DraftKind::LetterEmail),
                    _ => {}
                }
            }
        }

        /// Only the FG signs off, never their own draft unless the organisation allows it, and
        /// never while something required is missing.
        #[test]
        fn only_an_fg_signs_off(
            kind in any_kind(), status in any_status(), viewer in any_viewer(), circ in any_circumstances()
        ) {
            let actions = allowed_actions(kind, status, viewer, circ);
            if actions.contains(&Action::Approve) {
                prop_assert!(viewer.fg && !circ.blocking);
                prop_assert!(!viewer.drafted_it || viewer.self_signoff_allowed);
            }
            if actions.contains(&Action::Reject) {
                prop_assert!(viewer.fg);
            }
            if !viewer.fg {
                prop_assert!(!actions.contains(&Action::Approve) && !actions.contains(&Action::Reject));
            }
        }

        /// A sign-off is voided by any change of the content: after it, nothing goes out until
        /// the FG signs off again.
        #[test]
        fn any_change_of_content_voids_the_signoff(
            kind in any_kind(), status in any_status(), viewer in any_viewer(), circ in any_circumstances()
        ) {
            let after = next(kind, status, Step::ContentChanged).unwrap();
            if status == Approved {
                prop_assert_eq!(after, Void);
            }
            if !status.is_final() {
                prop_assert!(allowed_actions(kind, after, viewer, circ).iter().all(|a| !a.goes_out()));
            }
        }

        /// Any sequence of steps from a new draft: a draft is filed only from a sign-off, only a
        /// notification to the AP is filed, and a filed one stays filed; an edit after a rejection
        /// offers it again, and what waits for the FG is exactly pending or void.
        #[test]
        fn walks_from_a_new_draft_keep_the_rules(kind in any_kind(), steps in proptest::collection::vec(any_step(), 0..24)) {
            let mut s = Pending;
            let mut signed_content = false;
            for step in steps {
                let before = s;
                match next(kind, s, step) {
                    Ok(n) => {
                        if n == Filed && before != Filed {
                            prop_assert!(kind.is_ap() && before == Approved && signed_content);
                        }
                        if before == Filed {
                            prop_assert_eq!(n, Filed);
                        }
                        if before == Rejected && step == Step::Edit {
                            prop_assert_eq!(n, Pending);
                        }
                        signed_content = match step {
                            Step::Approve => true,
                            Step::ContentChanged | Step::Reject => false,
                            _ => signed_content,
                        };
                        s = n;
                    }
                    Err(r) => {
                        prop_assert!(before == Filed || step == Step::File);
                        if step == Step::File && before != Filed {
                            prop_assert!(!kind.is_ap() || before != Approved, "{:?}", r);
                        }
                    }
                }
                prop_assert_eq!(s.awaits_signoff(), matches!(s, Pending | Void));
                if s == Approved {
                    prop_assert!(signed_content);
                }
            }
        }
    }

    /// `signals` (below this module: it may not name these types) keeps the statuses that wait
    /// for the FG as text: the same ones.
    #[test]
    fn the_worklist_waits_for_the_same_statuses() {
        assert_eq!(
            crate::signals::store::AWAITING.to_vec(),
            AWAITING_SIGNOFF.map(|s| s.as_str()).to_vec()
        );
        for s in ALL_STATUSES {
            assert_eq!(s.awaits_signoff(), AWAITING_SIGNOFF.contains(&s));
        }
    }

    #[test]
    fn the_main_paths() {
        let ap = DraftKind::InitialComplete;
        assert_eq!(next(ap, Pending, Step::Approve), Ok(Approved));
        assert_eq!(next(ap, Approved, Step::File), Ok(Filed));
        assert_eq!(next(ap, Pending, Step::Reject), Ok(Rejected));
        assert_eq!(next(ap, Rejected, Step::Edit), Ok(Pending));
        assert_eq!(next(ap, Approved, Step::ContentChanged), Ok(Void));
        assert_eq!(next(ap, Void, Step::Approve), Ok(Approved));
        assert_eq!(next(ap, Approved, Step::Edit), Ok(Approved));
        assert_eq!(next(ap, Filed, Step::Edit), Err(Refused::Filed));
        assert_eq!(next(ap, Filed, Step::Approve), Err(Refused::Filed));
        assert_eq!(next(ap, Filed, Step::File), Err(Refused::Filed));
        assert_eq!(next(ap, Void, Step::File), Err(Refused::Void));
        assert_eq!(next(ap, Rejected, Step::File), Err(Refused::Rejected));
        assert_eq!(next(ap, Pending, Step::File), Err(Refused::NotSigned));
        assert_eq!(
            next(DraftKind::LetterEmail, Approved, Step::File),
            Err(Refused::NotAp)
        );
    }

    #[test]
    fn the_pages_offer_what_the_code_offered() {
        let fg = Viewer {
            fg: true,
            drafted_it: false,
            self_signoff_allowed: false,
        };
        let valid = Circumstances {
            approval_valid: true,
            public_decided: true,
            ..Default::default()
        };
        assert_eq!(
            allowed_actions(DraftKind::InitialProvisional, Approved, fg, valid),
            vec![Action::Edit, Action::Approve, Action::Reject, Action::File]
        );
        assert_eq!(
            allowed_actions(DraftKind::LetterEmail, Approved, Viewer::default(), valid),
            vec![Action::Edit, Action::Send]
        );
        assert_eq!(
            allowed_actions(DraftKind::PublicNotice, Approved, Viewer::default(), valid),
            vec![Action::Edit, Action::Publish]
        );
        // A notice in force, or no decision for a public communication: not published.
        let in_force = Circumstances {
            notice_in_force: true,
            ..valid
        };
        assert!(
            !allowed_actions(DraftKind::PublicNotice, Approved, fg, in_force)
                .contains(&Action::Publish)
        );
        let own = Viewer {
            drafted_it: true,
            ..fg
        };
        assert_eq!(
            allowed_actions(DraftKind::LetterEmail, Pending, own, valid),
            vec![Action::Edit, Action::Reject]
        );
        let blocked = Circumstances {
            blocking: true,
            ..valid
        };
        assert_eq!(
            allowed_actions(DraftKind::InitialComplete, Void, fg, blocked),
            vec![Action::Edit, Action::Reject]
        );
        assert_eq!(
            allowed_actions(DraftKind::InitialComplete, Filed, fg, valid),
            vec![]
        );
    }

    #[test]
    fn kinds_and_statuses_round_trip_and_own_their_purpose() {
        for k in ALL_KINDS {
            assert_eq!(DraftKind::parse(k.as_str()), Some(k));
            assert_eq!(k.is_ap(), k.notice_kind().is_some());
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
            assert!(!k.templates().is_empty());
            if !k.is_ap() {
                let names: Vec<&str> = k.parts().iter().filter_map(|p| p.template()).collect();
                assert_eq!(names, k.templates());
            }
        }
        for s in ALL_STATUSES {
            assert_eq!(DraftStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert_eq!(DraftKind::parse("bogus"), None);
        assert_eq!(DraftStatus::parse("Approved"), None);
        assert_eq!(Purpose::parse("ap"), Some(Purpose::Ap));
        assert_eq!(
            DraftKind::requested("ap", Some("supplement")),
            Ok(DraftKind::Supplement)
        );
        assert_eq!(
            DraftKind::requested("ap", None),
            Err(KindProblem::KindMissing)
        );
        assert_eq!(
            DraftKind::requested("ap", Some("letter_email")),
            Err(KindProblem::KindUnknown)
        );
        assert_eq!(
            DraftKind::requested("communication", Some("whatever")),
            Ok(DraftKind::LetterEmail)
        );
        assert_eq!(
            DraftKind::requested("public", None),
            Ok(DraftKind::PublicNotice)
        );
        assert_eq!(
            DraftKind::requested("post", None),
            Err(KindProblem::Purpose)
        );
        assert_eq!(DraftKind::PublicNotice.purpose(), Purpose::Communication);
        assert!(DraftKind::InitialProvisional.is_initial() && !DraftKind::Supplement.is_initial());
    }
}
