//! The incident's life cycle as a state machine. Every change of state goes through [`check`].
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    New,
    Triage,
    Assessed,
    NotificationPending,
    Notified,
    Remediation,
    Closed,
    NotABreach,
}

pub const ALL: [State; 8] = [
    State::New,
    State::Triage,
    State::Assessed,
    State::NotificationPending,
    State::Notified,
    State::Remediation,
    State::Closed,
    State::NotABreach,
];

impl State {
    pub fn as_str(&self) -> &'static str {
        match self {
            State::New => "new",
            State::Triage => "triage",
            State::Assessed => "assessed",
            State::NotificationPending => "notification_pending",
            State::Notified => "notified",
            State::Remediation => "remediation",
            State::Closed => "closed",
            State::NotABreach => "not_a_breach",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        ALL.iter().copied().find(|st| st.as_str() == s)
    }

    pub fn label_nl(&self) -> &'static str {
        match self {
            State::New => "nieuw",
            State::Triage => "triage",
            State::Assessed => "beoordeeld",
            State::NotificationPending => "melding in voorbereiding",
            State::Notified => "gemeld",
            State::Remediation => "herstel",
            State::Closed => "gesloten",
            State::NotABreach => "geen datalek",
        }
    }

    /// While the AP has not been notified and the breach is not ruled out, the 72-hour clock matters.
    pub fn clock_running(&self) -> bool {
        matches!(
            self,
            State::New | State::Triage | State::Assessed | State::NotificationPending
        )
    }

    pub fn is_closed(&self) -> bool {
        matches!(self, State::Closed | State::NotABreach)
    }

    /// The states reachable from here.
    pub fn allowed(&self) -> &'static [State] {
        use State::*;
        match self {
            New => &[Triage, NotABreach],
            Triage => &[Assessed, NotABreach],
            // Assessed: notify the AP, or (document only) go straight to remediation or close;
            // back to triage when new facts come in.
            Assessed => &[NotificationPending, Remediation, Closed, Triage],
            NotificationPending => &[Notified, Assessed],
            Notified => &[Remediation, Closed],
            Remediation => &[Closed],
            // Reopening needs a reason.
            Closed => &[Remediation, Triage],
            NotABreach => &[Triage],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    NotAllowed {
        from: State,
        to: State,
        allowed: Vec<State>,
    },
    ReasonRequired {
        to: State,
    },
    Unchanged(State),
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::NotAllowed { from, to, allowed } => {
                let list: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
                write!(
                    f,
                    "transition from {} to {} is not allowed; allowed from {}: {}",
                    from.as_str(),
                    to.as_str(),
                    from.as_str(),
                    list.join(", ")
                )
            }
            TransitionError::ReasonRequired { to } => {
                write!(f, "a reason is required to move to {}", to.as_str())
            }
            TransitionError::Unchanged(s) => write!(f, "the incident is already {}", s.as_str()),
        }
    }
}

/// Whether a reason must accompany the move `from → to`: closing as "not a breach" and reopening.
pub fn reason_required(from: State, to: State) -> bool {
    to == State::NotABreach || from.is_closed()
}

pub fn check(from: State, to: State, reason: Option<&str>) -> Result<(), TransitionError> {
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    if !from.allowed().contains(&to) {
        return Err(TransitionError::NotAllowed {
            from,
            to,
            allowed: from.allowed().to_vec(),
        });
    }
    let has_reason = reason.map(|r| !r.trim().is_empty()).unwrap_or(false);
    if reason_required(from, to) && !has_reason {
        return Err(TransitionError::ReasonRequired { to });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::*;

    #[test]
    fn the_main_path_is_allowed() {
        let path = [
            New,
            Triage,
            Assessed,
            NotificationPending,
            Notified,
            Remediation,
            Closed,
        ];
        for w in path.windows(2) {
            assert_eq!(check(w[0], w[1], None), Ok(()), "{:?} -> {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn skipping_steps_is_refused_with_the_allowed_list() {
        let err = check(New, Notified, None).unwrap_err();
        assert_eq!(
            err,
            TransitionError::NotAllowed {
                from: New,
                to: Notified,
                allowed: vec![Triage, NotABreach]
            }
        );
        assert!(err
            .to_string()
            .contains("allowed from new: triage, not_a_breach"));
        assert!(check(Closed, Notified, Some("x")).is_err());
        assert!(check(Remediation, New, None).is_err());
    }

    #[test]
    fn not_a_breach_and_reopening_need_reasons() {
        assert_eq!(
            check(Triage, NotABreach, None),
            Err(TransitionError::ReasonRequired { to: NotABreach })
        );
        assert_eq!(
            check(Triage, NotABreach, Some("  ")),
            Err(TransitionError::ReasonRequired { to: NotABreach })
        );
        assert_eq!(
            check(Triage, NotABreach, Some("no personal data involved")),
            Ok(())
        );
        assert_eq!(
            check(NotABreach, Triage, None),
            Err(TransitionError::ReasonRequired { to: Triage })
        );
        assert_eq!(check(Closed, Remediation, Some("measure failed")), Ok(()));
    }

    #[test]
    fn same_state_is_not_a_transition() {
        assert_eq!(
            check(Triage, Triage, None),
            Err(TransitionError::Unchanged(Triage))
        );
    }

    #[test]
    fn every_state_round_trips_and_clock_runs_only_before_notification() {
        for s in ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert!(State::parse("bogus").is_none());
        assert!(New.clock_running() && NotificationPending.clock_running());
        assert!(
            !Notified.clock_running() && !NotABreach.clock_running() && !Closed.clock_running()
        );
    }
}
