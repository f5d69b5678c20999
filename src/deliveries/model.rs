//! A delivery to inform on an incident: what is entered, when it is due, whether it was told in
//! time. No web or database code.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// `POST /api/v1/incidents/{id}/deliveries`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    /// The organisation that receives the data, as the delivery agreement names it.
    #[serde(default)]
    pub recipient: String,
    /// The id of the processing activity (of the incident's organisation) the delivery belongs to.
    pub activity: Option<String>,
    /// The delivery agreement and its breach clause, e.g. "Leveringsovereenkomst 2024, art. 9".
    #[serde(default)]
    pub agreement: String,
    /// Hours the breach clause gives, counted from the incident's awareness (the start of its
    /// 72 hours). Give this or `due_at`.
    pub clause_hours: Option<i32>,
    /// The moment the recipient must be told by. Give this or `clause_hours`.
    pub due_at: Option<DateTime<Utc>>,
}

/// An entry that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub recipient: String,
    pub activity: Option<String>,
    pub agreement: String,
    pub clause_hours: Option<i32>,
    pub due_at: DateTime<Utc>,
}

/// The moment a breach clause of `hours` hours is due: elapsed hours from the incident's awareness,
/// through nights, weekends and DST changes (as the 72 hours are counted).
pub fn due_from_clause(clock_start: DateTime<Utc>, hours: i32) -> DateTime<Utc> {
    clock_start + Duration::hours(hours as i64)
}

impl DeliveryInput {
    /// `clock_start`: when the incident's 72 hours started (its awareness).
    pub fn validate(&self, clock_start: DateTime<Utc>) -> Result<NewDelivery, Vec<FieldError>> {
        let mut errs = vec![];
        let recipient = self.recipient.trim().to_string();
        if recipient.is_empty() {
            errs.push(FieldError::bilingual(
                "recipient",
                "required: the organisation to inform",
                "Vul in welke organisatie u moet informeren.",
            ));
        } else if recipient.chars().count() > 200 {
            errs.push(FieldError::bilingual(
                "recipient",
                "at most 200 characters",
                "Gebruik ten hoogste 200 tekens.",
            ));
        }
        let agreement = self.agreement.trim().to_string();
        if agreement.chars().count() > 1000 {
            errs.push(FieldError::bilingual(
                "agreement",
                "at most 1000 characters",
                "Gebruik ten hoogste 1000 tekens.",
            ));
        }
        let due = match (self.clause_hours, self.due_at) {
            (Some(_), Some(_)) => {
                errs.push(FieldError::bilingual(
                    "clause_hours",
                    "give clause_hours or due_at, not both",
                    "Vul het aantal uren in, of de datum en tijd, niet allebei.",
                ));
                None
            }
            (Some(h), None) if !(1..=720).contains(&h) => {
                errs.push(FieldError::bilingual(
                    "clause_hours",
                    "between 1 and 720",
                    "Vul een aantal uren in van 1 tot en met 720.",
                ));
                None
            }
            (Some(h), None) => Some(due_from_clause(clock_start, h)),
            (None, Some(d)) => Some(d),
            (None, None) => {
                errs.push(FieldError::bilingual(
                    "due_at",
                    "required: give due_at or clause_hours",
                    "Vul in binnen hoeveel uur, of uiterlijk wanneer, u de organisatie moet informeren.",
                ));
                None
            }
        };
        let activity = self
            .activity
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        match (errs.is_empty(), due) {
            (true, Some(due_at)) => Ok(NewDelivery {
                recipient,
                activity,
                agreement,
                clause_hours: self.clause_hours,
                due_at,
            }),
            _ => Err(errs),
        }
    }
}

/// `POST /api/v1/incidents/{id}/deliveries/{delivery}/told`: when and how the recipient was told.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToldInput {
    /// When (default: now).
    pub told_at: Option<DateTime<Utc>>,
    /// How: e-mail to the contact in the agreement, phone call, letter …
    #[serde(default)]
    pub how: String,
}

impl ToldInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(DateTime<Utc>, String), Vec<FieldError>> {
        let mut errs = vec![];
        let at = self.told_at.unwrap_or(now);
        if at > now + Duration::minutes(crate::incidents::model::FUTURE_SKEW_MINUTES) {
            errs.push(FieldError::bilingual(
                "told_at",
                "lies in the future",
                "Dit moment ligt in de toekomst.",
            ));
        }
        let how = self.how.trim().to_string();
        if how.is_empty() {
            errs.push(FieldError::bilingual(
                "how",
                "required: how the organisation was told",
                "Vul in hoe u de organisatie heeft geïnformeerd.",
            ));
        } else if how.chars().count() > 500 {
            errs.push(FieldError::bilingual(
                "how",
                "at most 500 characters",
                "Gebruik ten hoogste 500 tekens.",
            ));
        }
        if errs.is_empty() {
            Ok((at, how))
        } else {
            Err(errs)
        }
    }
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Still to be told, before its due moment.
    Open,
    /// Still to be told, past its due moment.
    Overdue,
    /// Told by the due moment (the moment itself counts as in time).
    ToldInTime,
    /// Told after the due moment.
    ToldLate,
}

pub fn state(due: DateTime<Utc>, told: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DeliveryState {
    match told {
        Some(t) if t <= due => DeliveryState::ToldInTime,
        Some(_) => DeliveryState::ToldLate,
        None if now > due => DeliveryState::Overdue,
        None => DeliveryState::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn due_from_the_clause_counts_elapsed_hours() {
        let aware = t("2026-10-24T10:00:00+02:00");
        let input = DeliveryInput {
            recipient: " SVB ".into(),
            clause_hours: Some(24),
            ..Default::default()
        };
        let d = input.validate(aware).unwrap();
        assert_eq!(d.recipient, "SVB");
        assert_eq!(d.due_at, t("2026-10-25T09:00:00+01:00"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let f = |i: DeliveryInput| -> Vec<String> {
            i.validate(t("2026-10-24T10:00:00Z"))
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(f(DeliveryInput::default()), ["recipient", "due_at"]);
        assert_eq!(
            f(DeliveryInput {
                recipient: "GGD".into(),
                clause_hours: Some(0),
                ..Default::default()
            }),
            ["clause_hours"]
        );
        assert_eq!(
            f(DeliveryInput {
                recipient: "GGD".into(),
                clause_hours: Some(4),
                due_at: Some(t("2026-10-25T10:00:00Z")),
                agreement: "x".repeat(1001),
                ..Default::default()
            }),
            ["agreement", "clause_hours"]
        );
        let now = t("2026-10-24T10:00:00Z");
        let told = ToldInput {
            told_at: Some(now + Duration::hours(1)),
            how: " ".into(),
        };
        let fields: Vec<String> = told
            .validate(now)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["told_at", "how"]);
    }

    proptest! {
        /// Told late iff told after the due moment; overdue iff untold past it.
        #[test]
        fn states(due in 0i64..4_000_000_000, told in proptest::option::of(0i64..4_000_000_000), now in 0i64..4_000_000_000) {
            let at = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
            let s = state(at(due), told.map(at), at(now));
            match told {
                Some(x) => prop_assert_eq!(s == DeliveryState::ToldLate, x > due),
                None => prop_assert_eq!(s == DeliveryState::Overdue, now > due),
            }
        }
    }
}
