//! The incident's facts and their rules. No web or database code here.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::clock;
use crate::error::FieldError;

/// Clock skew tolerated before an instant counts as "in the future".
pub const FUTURE_SKEW_MINUTES: i64 = 5;

/// The facts of an incident that people enter and change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    pub title: String,
    pub description: String,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub breach_ended_at: Option<DateTime<Utc>>,
    pub discovered_at: Option<DateTime<Utc>>,
    pub became_aware_at: DateTime<Utc>,
    pub awareness_established_by: Option<String>,
    pub awareness_how: Option<String>,
    pub processor_name: Option<String>,
    pub processor_aware_at: Option<DateTime<Utc>>,
    pub processor_notice_at: Option<DateTime<Utc>>,
    pub processor_contract_hours: Option<i32>,
    /// Why awareness is recorded later than the processor's notice (required in that case).
    pub late_awareness_reason: Option<String>,
}

impl Facts {
    /// When the 72 hours start: awareness, or the processor's notice when that came first
    /// (the controller is aware once its processor informs it, EDPB guidelines 9/2022).
    pub fn clock_start(&self) -> DateTime<Utc> {
        clock::clock_start(self.became_aware_at, self.processor_notice_at)
    }

    pub fn ap_deadline(&self) -> DateTime<Utc> {
        clock::ap_deadline(self.clock_start())
    }

    pub fn processor_on_time(&self) -> Option<bool> {
        clock::processor_on_time(
            self.processor_aware_at,
            self.processor_notice_at,
            self.processor_contract_hours,
        )
    }

    /// Every rule the facts must meet together, each failure naming its field.
    pub fn validate(&self, now: DateTime<Utc>, max_description: usize) -> Vec<FieldError> {
        let mut errs = vec![];
        let limit = now + Duration::minutes(FUTURE_SKEW_MINUTES);
        let t = self.title.trim();
        if t.is_empty() {
            errs.push(FieldError::new("title", "required"));
        } else if t.chars().count() > 200 {
            errs.push(FieldError::new("title", "at most 200 characters"));
        }
        if self.description.chars().count() > max_description {
            errs.push(FieldError::new(
                "description",
                format!("at most {max_description} characters"),
            ));
        }
        for (name, v) in [
            ("became_aware_at", Some(self.became_aware_at)),
            ("breach_started_at", self.breach_started_at),
            ("discovered_at", self.discovered_at),
            ("processor_aware_at", self.processor_aware_at),
            ("processor_notice_at", self.processor_notice_at),
        ] {
            if v.map(|v| v > limit).unwrap_or(false) {
                errs.push(FieldError::new(name, "lies in the future"));
            }
        }
        if let (Some(s), Some(e)) = (self.breach_started_at, self.breach_ended_at) {
            if e < s {
                errs.push(FieldError::new(
                    "breach_ended_at",
                    "lies before breach_started_at",
                ));
            }
        }
        if let Some(d) = self.discovered_at {
            if self.became_aware_at < d {
                errs.push(FieldError::new(
                    "became_aware_at",
                    "lies before discovered_at",
                ));
            }
        }
        if let (Some(a), Some(n)) = (self.processor_aware_at, self.processor_notice_at) {
            if n < a {
                errs.push(FieldError::new(
                    "processor_notice_at",
                    "lies before processor_aware_at",
                ));
            }
        }
        if let Some(n) = self.processor_notice_at {
            if self.became_aware_at > n && self.late_awareness_reason.is_none() {
                errs.push(FieldError::bilingual(
                    "became_aware_at",
                    "lies after processor_notice_at: the organisation is aware once its processor \
                     informs it; give late_awareness_reason to record a later moment (the 72 hours \
                     still run from the processor's notice)",
                    "Dit moment ligt na de melding van de verwerker. De organisatie weet het zodra de \
                     verwerker het meldt. Schrijf bij ‘Reden voor later op de hoogte’ waarom u een \
                     later moment vastlegt; de 72 uur tellen vanaf de melding van de verwerker.",
                ));
                errs.push(FieldError::bilingual(
                    "processor_notice_at",
                    "lies before became_aware_at: give late_awareness_reason, or correct either",
                    "De melding van de verwerker ligt vóór ‘Op de hoogte sinds’. Geef een reden, of \
                     verbeter een van beide.",
                ));
            }
        }
        if let Some(h) = self.processor_contract_hours {
            if !(1..=720).contains(&h) {
                errs.push(FieldError::new(
                    "processor_contract_hours",
                    "between 1 and 720",
                ));
            }
        }
        for (name, v) in [
            ("awareness_established_by", &self.awareness_established_by),
            ("awareness_how", &self.awareness_how),
            ("processor_name", &self.processor_name),
            ("late_awareness_reason", &self.late_awareness_reason),
        ] {
            if v.as_ref()
                .map(|s| s.chars().count() > 1000)
                .unwrap_or(false)
            {
                errs.push(FieldError::new(name, "at most 1000 characters"));
            }
        }
        errs
    }

    /// The fields that differ, as (before, after) JSON objects, for the audit trail.
    pub fn diff(&self, after: &Facts) -> Option<(serde_json::Value, serde_json::Value)> {
        let a = serde_json::to_value(self).ok()?;
        let b = serde_json::to_value(after).ok()?;
        let (a, b) = (a.as_object()?, b.as_object()?);
        let mut before = serde_json::Map::new();
        let mut now = serde_json::Map::new();
        for (k, v) in b {
            if a.get(k) != Some(v) {
                before.insert(
                    k.clone(),
                    a.get(k).cloned().unwrap_or(serde_json::Value::Null),
                );
                now.insert(k.clone(), v.clone());
            }
        }
        if now.is_empty() {
            None
        } else {
            Some((before.into(), now.into()))
        }
    }
}

/// `POST /api/v1/incidents`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentCreate {
    /// The organisation's slug.
    pub organisation: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// When the organisation became aware (RFC 3339). Defaults to `processor_notice_at`, else to
    /// the arrival of the earliest linked report, else to now (then `awareness_how` is required).
    pub became_aware_at: Option<DateTime<Utc>>,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub breach_ended_at: Option<DateTime<Utc>>,
    pub discovered_at: Option<DateTime<Utc>>,
    pub awareness_established_by: Option<String>,
    pub awareness_how: Option<String>,
    pub processor_name: Option<String>,
    pub processor_aware_at: Option<DateTime<Utc>>,
    /// When the processor's notice reached the organisation.
    pub processor_notice_at: Option<DateTime<Utc>>,
    /// Hours the processing agreement allows; defaults to the organisation's setting.
    pub processor_contract_hours: Option<i32>,
    /// Why `became_aware_at` lies after `processor_notice_at` (required then); the 72 hours still
    /// run from the notice.
    pub late_awareness_reason: Option<String>,
    /// References of reports (`M-2026-000123`) that belong to this incident.
    #[serde(default)]
    pub reports: Vec<String>,
}

impl IncidentCreate {
    /// The facts to store. `earliest_report` is the arrival of the earliest linked report (the
    /// proposed awareness when no moment is given); `now` the default for an incident found from
    /// scratch, which must then say how it was found.
    pub fn facts(
        &self,
        org_processor_hours: Option<i32>,
        earliest_report: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Facts, FieldError> {
        let given = self.became_aware_at.or(self.processor_notice_at);
        if given.is_none()
            && earliest_report.is_none()
            && clean(self.awareness_how.clone()).is_none()
        {
            return Err(FieldError::bilingual(
                "awareness_how",
                "required: say how the organisation became aware (became_aware_at defaults to now)",
                "Vul in hoe uw organisatie van het lek hoorde.",
            ));
        }
        let became_aware_at = given.or(earliest_report).unwrap_or(now);
        let processor = self.processor_name.is_some() || self.processor_notice_at.is_some();
        Ok(Facts {
            title: self.title.trim().to_string(),
            description: self.description.trim().to_string(),
            breach_started_at: self.breach_started_at,
            breach_ended_at: self.breach_ended_at,
            discovered_at: self.discovered_at,
            became_aware_at,
            awareness_established_by: clean(self.awareness_established_by.clone()),
            awareness_how: clean(self.awareness_how.clone()),
            processor_name: clean(self.processor_name.clone()),
            processor_aware_at: self.processor_aware_at,
            processor_notice_at: self.processor_notice_at,
            processor_contract_hours: self.processor_contract_hours.or(if processor {
                org_processor_hours
            } else {
                None
            }),
            late_awareness_reason: clean(self.late_awareness_reason.clone()),
        })
    }
}

/// The awareness proposed for an incident made of reports: the arrival of the earliest one. A
/// citizen's report that describes a breach gives the organisation reasonable certainty when it
/// arrives (EDPB Guidelines 9/2022, para. 31 ff.), so the 72 hours run from then unless the
/// handler records otherwise.
pub fn proposed_awareness(arrivals: &[DateTime<Utc>]) -> Option<DateTime<Utc>> {
    arrivals.iter().min().copied()
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn double<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/incidents/{id}`: absent fields stay; `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub became_aware_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub breach_started_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub breach_ended_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub discovered_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub awareness_established_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub awareness_how: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub processor_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub processor_aware_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub processor_notice_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<i32>)]
    pub processor_contract_hours: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub late_awareness_reason: Option<Option<String>>,
    /// The version the change was based on; a stale one gets 409.
    pub version: Option<i64>,
}

impl IncidentPatch {
    pub fn apply(&self, f: &Facts) -> Facts {
        let mut n = f.clone();
        if let Some(v) = &self.title {
            n.title = v.trim().to_string();
        }
        if let Some(v) = &self.description {
            n.description = v.trim().to_string();
        }
        if let Some(v) = self.became_aware_at {
            n.became_aware_at = v;
        }
        macro_rules! set {
            ($f:ident) => {
                if let Some(v) = &self.$f {
                    n.$f = v.clone();
                }
            };
        }
        macro_rules! set_text {
            ($f:ident) => {
                if let Some(v) = &self.$f {
                    n.$f = clean(v.clone());
                }
            };
        }
        set!(breach_started_at);
        set!(breach_ended_at);
        set!(discovered_at);
        set_text!(awareness_established_by);
        set_text!(awareness_how);
        set_text!(processor_name);
        set_text!(late_awareness_reason);
        set!(processor_aware_at);
        set!(processor_notice_at);
        set!(processor_contract_hours);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts() -> Facts {
        Facts {
            title: "Brief naar verkeerd adres".into(),
            description: String::new(),
            breach_started_at: None,
            breach_ended_at: None,
            discovered_at: None,
            became_aware_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
            awareness_established_by: None,
            awareness_how: None,
            processor_name: None,
            processor_aware_at: None,
            processor_notice_at: None,
            processor_contract_hours: None,
            late_awareness_reason: None,
        }
    }

    fn names(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn future_awareness_and_end_before_start_are_refused() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let mut f = facts();
        assert!(f.validate(now, 100).is_empty());
        f.became_aware_at = now + Duration::hours(1);
        f.breach_started_at = Some(now - Duration::days(2));
        f.breach_ended_at = Some(now - Duration::days(3));
        f.title = " ".into();
        assert_eq!(
            names(f.validate(now, 100)),
            vec!["title", "became_aware_at", "breach_ended_at"]
        );
    }

    #[test]
    fn awareness_cannot_precede_discovery() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let mut f = facts();
        f.discovered_at = Some(f.became_aware_at + Duration::hours(1));
        assert_eq!(names(f.validate(now, 100)), vec!["became_aware_at"]);
    }

    #[test]
    fn processor_awareness_defaults_to_receipt_with_org_hours() {
        let notice = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap();
        let c = IncidentCreate {
            organisation: "x".into(),
            title: "Lek bij verwerker".into(),
            description: String::new(),
            became_aware_at: None,
            breach_started_at: None,
            breach_ended_at: None,
            discovered_at: None,
            awareness_established_by: None,
            awareness_how: None,
            processor_name: Some("Hosting BV".into()),
            processor_aware_at: Some(notice - Duration::hours(30)),
            processor_notice_at: Some(notice),
            processor_contract_hours: None,
            late_awareness_reason: None,
            reports: vec![],
        };
        let f = c.facts(Some(24), None, notice).unwrap();
        assert_eq!(f.became_aware_at, notice);
        assert_eq!(f.processor_contract_hours, Some(24));
        assert_eq!(f.processor_on_time(), Some(false));
        assert_eq!(f.ap_deadline(), notice + Duration::hours(72));
    }

    #[test]
    fn awareness_after_the_processors_notice_needs_a_reason_and_the_clock_runs_from_the_notice() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let notice = Utc.with_ymd_and_hms(2026, 11, 17, 9, 0, 0).unwrap();
        let mut f = facts();
        f.processor_name = Some("Hosting BV".into());
        f.processor_notice_at = Some(notice);
        f.became_aware_at = notice + Duration::days(3);
        // Three days later without a reason: refused, naming both fields.
        assert_eq!(
            names(f.validate(now, 100)),
            vec!["became_aware_at", "processor_notice_at"]
        );
        // With a reason it is accepted, but the deadline still runs from the notice.
        f.late_awareness_reason =
            Some("De melding kwam in een gedeelde mailbox die niemand las".into());
        assert!(f.validate(now, 100).is_empty());
        assert_eq!(f.clock_start(), notice);
        assert_eq!(f.ap_deadline(), notice + Duration::hours(72));
        // Awareness before the notice (found it ourselves first): no reason needed, the earlier counts.
        let mut g = facts();
        g.processor_notice_at = Some(g.became_aware_at + Duration::hours(5));
        assert!(g.validate(now, 100).is_empty());
        assert_eq!(g.ap_deadline(), g.became_aware_at + Duration::hours(72));
        // The same moment: no reason needed.
        g.processor_notice_at = Some(g.became_aware_at);
        assert!(g.validate(now, 100).is_empty());
        // A patch that moves awareness after the notice is refused the same way.
        let p: IncidentPatch =
            serde_json::from_str(r#"{"became_aware_at":"2026-11-20T10:00:00Z"}"#).unwrap();
        let mut h = facts();
        h.processor_notice_at = Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap());
        let n = p.apply(&h);
        assert_eq!(
            names(n.validate(now, 100)),
            vec!["became_aware_at", "processor_notice_at"]
        );
        let p: IncidentPatch = serde_json::from_str(
            r#"{"became_aware_at":"2026-11-20T10:00:00Z","late_awareness_reason":"  verkeerd geadresseerd  "}"#,
        )
        .unwrap();
        let n = p.apply(&h);
        assert!(n.validate(now, 100).is_empty());
        assert_eq!(
            n.late_awareness_reason.as_deref(),
            Some("verkeerd geadresseerd")
        );
        assert_eq!(
            n.ap_deadline(),
            h.processor_notice_at.unwrap() + Duration::hours(72)
        );
    }

    #[test]
    fn patch_sets_clears_and_diffs() {
        let f = facts();
        let p: IncidentPatch = serde_json::from_str(
            r#"{"title":"Nieuw","breach_started_at":"2026-11-19T08:00:00Z","awareness_how":null}"#,
        )
        .unwrap();
        let n = p.apply(&f);
        assert_eq!(n.title, "Nieuw");
        assert!(n.breach_started_at.is_some());
        let (before, after) = f.diff(&n).unwrap();
        assert_eq!(before["title"], "Brief naar verkeerd adres");
        assert_eq!(after["title"], "Nieuw");
        assert!(after.get("awareness_how").is_none());
        assert!(f.diff(&f).is_none());
    }
}
