//! What an incident still needs, step by step, for the incident page's "Volgende stap" panel:
//! the facts, the decision, the AP notification (draft, the FG's sign-off, filing), informing the
//! people affected, and the measures. Each step is done, to do, or not needed. Pure: no web or
//! database code; the page gathers a [`Progress`] and shows [`steps`].
//!
//! The rule the tool must keep (regulation.md, Art. 33(1) and 34(1)): a step is "not needed" only
//! when a recorded decision says so. Before a decision every notification step is to do, so the
//! panel never proposes less than the law may demand.

/// The steps in the order they are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Facts,
    Decision,
    ApDraft,
    SignOff,
    Filing,
    People,
    Measures,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Facts,
        Step::Decision,
        Step::ApDraft,
        Step::SignOff,
        Step::Filing,
        Step::People,
        Step::Measures,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Step::Facts => "facts",
            Step::Decision => "decision",
            Step::ApDraft => "ap_draft",
            Step::SignOff => "sign_off",
            Step::Filing => "filing",
            Step::People => "people",
            Step::Measures => "measures",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    ToDo,
    NotNeeded,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::ToDo => "todo",
            Status::NotNeeded => "not_needed",
        }
    }
}

/// How far a notification draft has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Draft {
    #[default]
    None,
    /// Written, not yet approved by the FG (in draft, submitted or rejected).
    Written,
    /// Approved by the FG (or filed, for the AP).
    Approved,
}

/// What the recorded decision requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Notify the AP (Art. 33).
    pub ap: bool,
    /// Inform the people affected, one by one or publicly (Art. 34).
    pub people: bool,
}

/// What is known of one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Facts the decision still lacks.
    pub facts_missing: usize,
    /// The recorded decision; `None` before one is taken.
    pub decided: Option<Need>,
    /// The furthest AP notification draft.
    pub ap_draft: Draft,
    /// The AP notification filed (`incidents.notified_at`).
    pub filed: bool,
    /// The furthest communication to the people affected (letters, e-mails or public notice).
    pub people_draft: Draft,
    /// The people affected informed: a campaign done or a public notice published.
    pub people_informed: bool,
    /// Measures recorded that are not done or cancelled, and those done.
    pub measures_open: usize,
    pub measures_done: usize,
}

/// Every step with its status, in order.
pub fn steps(p: &Progress) -> Vec<(Step, Status)> {
    let todo_unless = |done: bool| if done { Status::Done } else { Status::ToDo };
    let ap_needed = p.decided.map(|n| n.ap).unwrap_or(true);
    let people_needed = p.decided.map(|n| n.people).unwrap_or(true);
    // Not needed only by a decision; what was done anyway stays done.
    let ap_step = |done: bool| {
        if done {
            Status::Done
        } else if ap_needed {
            Status::ToDo
        } else {
            Status::NotNeeded
        }
    };
    let people = if p.people_informed {
        Status::Done
    } else if people_needed {
        Status::ToDo
    } else {
        Status::NotNeeded
    };
    let measures = if p.measures_open == 0 && p.measures_done > 0 {
        Status::Done
    } else {
        Status::ToDo
    };
    vec![
        (Step::Facts, todo_unless(p.facts_missing == 0)),
        (Step::Decision, todo_unless(p.decided.is_some())),
        (Step::ApDraft, ap_step(p.ap_draft > Draft::None || p.filed)),
        (
            Step::SignOff,
            ap_step(p.ap_draft == Draft::Approved || p.filed),
        ),
        (Step::Filing, ap_step(p.filed)),
        (Step::People, people),
        (Step::Measures, measures),
    ]
}

/// The first step still to do.
pub fn next(p: &Progress) -> Option<Step> {
    steps(p)
        .into_iter()
        .find(|(_, s)| *s == Status::ToDo)
        .map(|(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft() -> impl Strategy<Value = Draft> {
        prop_oneof![
            Just(Draft::None),
            Just(Draft::Written),
            Just(Draft::Approved)
        ]
    }

    fn progress() -> impl Strategy<Value = Progress> {
        (
            0usize..4,
            prop::option::of(
                (any::<bool>(), any::<bool>()).prop_map(|(ap, people)| Need { ap, people }),
            ),
            draft(),
            any::<bool>(),
            draft(),
            any::<bool>(),
            0usize..3,
            0usize..3,
        )
            .prop_map(
                |(
                    facts_missing,
                    decided,
                    ap_draft,
                    filed,
                    people_draft,
                    people_informed,
                    measures_open,
                    measures_done,
                )| Progress {
                    facts_missing,
                    decided,
                    ap_draft,
                    filed,
                    people_draft,
                    people_informed,
                    measures_open,
                    measures_done,
                },
            )
    }

    fn status(p: &Progress, step: Step) -> Status {
        steps(p).into_iter().find(|(s, _)| *s == step).unwrap().1
    }

    proptest! {
        /// Never less than the law may demand: a step is "not needed" only when a recorded
        /// decision says so, and a decision to notify the AP (inform the people) makes its steps
        /// needed.
        #[test]
        fn not_needed_only_by_a_decision(p in progress()) {
            for (step, s) in steps(&p) {
                if s == Status::NotNeeded {
                    let d = p.decided.expect("not needed without a decision");
                    match step {
                        Step::ApDraft | Step::SignOff | Step::Filing => prop_assert!(!d.ap),
                        Step::People => prop_assert!(!d.people),
                        other => prop_assert!(false, "{:?} can never be not needed", other),
                    }
                }
            }
        }

        /// Doing more never undoes a step: from any progress, a further draft, filing, informing,
        /// or a fact answered keeps every done step done.
        #[test]
        fn progress_never_undoes_a_step(p in progress(), q in progress()) {
            let more = Progress {
                facts_missing: p.facts_missing.min(q.facts_missing),
                decided: p.decided.or(q.decided),
                ap_draft: p.ap_draft.max(q.ap_draft),
                filed: p.filed || q.filed,
                people_draft: p.people_draft.max(q.people_draft),
                people_informed: p.people_informed || q.people_informed,
                measures_open: p.measures_open,
                measures_done: p.measures_done.max(q.measures_done),
            };
            for step in Step::ALL {
                if status(&p, step) == Status::Done {
                    prop_assert_eq!(status(&more, step), Status::Done, "{:?}", step);
                }
            }
        }

        /// The next step is the first one to do, and there is none only when nothing is to do.
        #[test]
        fn next_is_the_first_to_do(p in progress()) {
            let all = steps(&p);
            prop_assert_eq!(all.iter().map(|(s, _)| *s).collect::<Vec<_>>(), Step::ALL.to_vec());
            match next(&p) {
                Some(n) => {
                    prop_assert_eq!(status(&p, n), Status::ToDo);
                    prop_assert!(all.iter().take_while(|(s, _)| *s != n).all(|(_, st)| *st != Status::ToDo));
                }
                None => prop_assert!(all.iter().all(|(_, s)| *s != Status::ToDo)),
            }
        }

        /// Filing is done exactly when the notification is filed; informing the people exactly when
        /// they are informed.
        #[test]
        fn filing_and_informing_are_what_happened(p in progress()) {
            prop_assert_eq!(status(&p, Step::Filing) == Status::Done, p.filed);
            prop_assert_eq!(status(&p, Step::People) == Status::Done, p.people_informed);
        }
    }

    #[test]
    fn a_new_incident_starts_with_the_facts_and_everything_is_to_do() {
        let p = Progress {
            facts_missing: 5,
            ..Progress::default()
        };
        assert_eq!(next(&p), Some(Step::Facts));
        assert!(steps(&p).iter().all(|(_, s)| *s == Status::ToDo));
    }

    #[test]
    fn register_only_leaves_the_measures() {
        let p = Progress {
            decided: Some(Need {
                ap: false,
                people: false,
            }),
            measures_open: 1,
            ..Progress::default()
        };
        let s = steps(&p);
        assert_eq!(
            s[2..6].iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            vec![Status::NotNeeded; 4]
        );
        assert_eq!(next(&p), Some(Step::Measures));
    }

    #[test]
    fn a_filed_notification_waits_for_the_letters() {
        let p = Progress {
            decided: Some(Need {
                ap: true,
                people: true,
            }),
            ap_draft: Draft::Approved,
            filed: true,
            people_draft: Draft::Written,
            measures_done: 2,
            ..Progress::default()
        };
        assert_eq!(next(&p), Some(Step::People));
    }
}
