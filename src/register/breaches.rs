//! The breach register (Art. 33(5)): every incident, notified or not, with its facts, effects,
//! decision with reasons, and remedial action. This module shapes and filters entries and writes
//! the CSV export; `service` loads them.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Whether the AP was notified within 72 hours of awareness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    Within,
    After,
    NotNotified,
}

impl Timeliness {
    pub fn of(aware: DateTime<Utc>, notified: Option<DateTime<Utc>>) -> Timeliness {
        match notified {
            None => Timeliness::NotNotified,
            Some(n) if crate::incidents::clock::notified_in_time(aware, n) => Timeliness::Within,
            Some(_) => Timeliness::After,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Timeliness::Within => "within",
            Timeliness::After => "after",
            Timeliness::NotNotified => "not_notified",
        }
    }

    pub fn parse(s: &str) -> Option<Timeliness> {
        [
            Timeliness::Within,
            Timeliness::After,
            Timeliness::NotNotified,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    pub fn label_nl(&self) -> &'static str {
        match self {
            Timeliness::Within => "binnen 72 uur gemeld",
            Timeliness::After => "na 72 uur gemeld",
            Timeliness::NotNotified => "niet gemeld bij de AP",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeasureSummary {
    pub description: String,
    pub status: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// One entry of the register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub incident_id: String,
    pub reference: String,
    pub organisation_id: String,
    pub organisation: String,
    pub title: String,
    pub state: String,
    pub became_aware_at: DateTime<Utc>,
    /// Why awareness is recorded later than the processor's notice (the 72 hours run from the notice).
    pub late_awareness_reason: Option<String>,
    pub ap_deadline: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    /// The 72 hours counted from the start of the clock (awareness, or the processor's notice if earlier).
    #[schema(value_type = String)]
    pub timeliness: Timeliness,
    /// When the AP notification was withdrawn (intrekking): it stays in the register as filed and
    /// withdrawn, and the statistics count it as withdrawn, not as notified.
    pub notification_withdrawn_at: Option<DateTime<Utc>>,
    /// Hours from awareness to notification, when notified.
    pub hours_to_notification: Option<f64>,
    /// The kind of incident (AP form key), when recorded.
    pub kind: Option<String>,
    pub nature: Vec<String>,
    pub data_categories: Vec<String>,
    pub special_categories: Vec<String>,
    pub groups: Vec<String>,
    /// "12" or "100–500" or "≥ 1000".
    pub people: Option<String>,
    pub consequences: Vec<String>,
    pub severity_band: Option<String>,
    pub severity_score: Option<f64>,
    pub proposal: Option<String>,
    pub decision: Option<String>,
    pub decision_exception: Option<String>,
    pub decision_reasons: Option<String>,
    pub decision_reason_for_difference: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub measures: Vec<MeasureSummary>,
    pub open_measures: usize,
    pub lessons_learned: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_override_reason: Option<String>,
    pub evidence_purged_at: Option<DateTime<Utc>>,
}

/// The register's filters. Period bounds are calendar dates of awareness (inclusive).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct Filter {
    pub organisation: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<String>,
    /// A decision outcome key, or `none` for incidents without a decision.
    pub decision: Option<String>,
    /// within, after or not_notified (the filing's timeliness); or withdrawn.
    pub timeliness: Option<String>,
}

impl Filter {
    /// Check the values that are not free: unknown keys are refused, naming the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(k) = &self.kind {
            if crate::assessment::facts::IncidentKind::parse(k).is_none() {
                return Err(("kind", format!("unknown kind of incident `{k}`")));
            }
        }
        if let Some(d) = &self.decision {
            if d != "none" && crate::assessment::decision::Outcome::parse(d).is_none() {
                return Err(("decision", format!("unknown decision `{d}`")));
            }
        }
        if let Some(t) = &self.timeliness {
            if Timeliness::parse(t).is_none() && t != "withdrawn" {
                return Err((
                    "timeliness",
                    "one of within, after, not_notified, withdrawn".into(),
                ));
            }
        }
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if f > t {
                return Err(("to", "the end of the period lies before its start".into()));
            }
        }
        Ok(())
    }

    /// The filters on the entry's own fields (organisation and period are applied in the query).
    pub fn matches(&self, e: &Entry) -> bool {
        if let Some(k) = &self.kind {
            if e.kind.as_deref() != Some(k.as_str()) {
                return false;
            }
        }
        if let Some(d) = &self.decision {
            let ok = if d == "none" {
                e.decision.is_none()
            } else {
                e.decision.as_deref() == Some(d.as_str())
            };
            if !ok {
                return false;
            }
        }
        if let Some(t) = &self.timeliness {
            let ok = if t == "withdrawn" {
                e.notification_withdrawn_at.is_some()
            } else {
                e.timeliness.as_str() == t
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

pub const CSV_COLUMNS: [&str; 31] = [
    "reference",
    "organisation",
    "title",
    "state",
    "became_aware_at",
    "ap_deadline",
    "notified_at",
    "timeliness",
    "hours_to_notification",
    "kind",
    "nature",
    "data_categories",
    "special_categories",
    "groups",
    "people",
    "consequences",
    "severity_band",
    "severity_score",
    "proposal",
    "decision",
    "decision_exception",
    "decision_reasons",
    "decision_reason_for_difference",
    "decided_at",
    "measures",
    "open_measures",
    "lessons_learned",
    "closed_at",
    "close_override_reason",
    "notification_withdrawn_at",
    "late_awareness_reason",
];

fn ts(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Spreadsheets run text starting with these as formulas; a leading `'` keeps it text.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub fn to_csv(entries: &[Entry]) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(CSV_COLUMNS).expect("in memory");
    for e in entries {
        let measures = e
            .measures
            .iter()
            .map(|m| format!("{} [{}, {}]", m.description, m.status, m.due_on))
            .collect::<Vec<_>>()
            .join(" | ");
        let row: Vec<String> = vec![
            e.reference.clone(),
            e.organisation.clone(),
            e.title.clone(),
            e.state.clone(),
            ts(Some(e.became_aware_at)),
            ts(Some(e.ap_deadline)),
            ts(e.notified_at),
            e.timeliness.as_str().into(),
            e.hours_to_notification
                .map(|h| format!("{h:.1}"))
                .unwrap_or_default(),
            e.kind.clone().unwrap_or_default(),
            e.nature.join(";"),
            e.data_categories.join(";"),
            e.special_categories.join(";"),
            e.groups.join(";"),
            e.people.clone().unwrap_or_default(),
            e.consequences.join(";"),
            e.severity_band.clone().unwrap_or_default(),
            e.severity_score.map(|s| format!("{s}")).unwrap_or_default(),
            e.proposal.clone().unwrap_or_default(),
            e.decision.clone().unwrap_or_default(),
            e.decision_exception.clone().unwrap_or_default(),
            e.decision_reasons.clone().unwrap_or_default(),
            e.decision_reason_for_difference.clone().unwrap_or_default(),
            ts(e.decided_at),
            measures,
            e.open_measures.to_string(),
            e.lessons_learned.clone().unwrap_or_default(),
            ts(e.closed_at),
            e.close_override_reason.clone().unwrap_or_default(),
            ts(e.notification_withdrawn_at),
            e.late_awareness_reason.clone().unwrap_or_default(),
        ];
        w.write_record(row.iter().map(|s| cell(s)))
            .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timeliness_counts_the_72_hours_from_awareness() {
        let aware = Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap();
        assert_eq!(Timeliness::of(aware, None), Timeliness::NotNotified);
        assert_eq!(
            Timeliness::of(aware, Some(aware + chrono::Duration::hours(72))),
            Timeliness::Within
        );
        assert_eq!(
            Timeliness::of(aware, Some(aware + chrono::Duration::minutes(72 * 60 + 1))),
            Timeliness::After
        );
    }

    #[test]
    fn unknown_filter_values_are_refused_by_name() {
        let f = Filter {
            kind: Some("meteor".into()),
            ..Filter::default()
        };
        assert_eq!(f.validate().unwrap_err().0, "kind");
        let f = Filter {
            timeliness: Some("soon".into()),
            ..Filter::default()
        };
        assert_eq!(f.validate().unwrap_err().0, "timeliness");
        let f = Filter {
            from: NaiveDate::from_ymd_opt(2026, 2, 1),
            to: NaiveDate::from_ymd_opt(2026, 1, 1),
            ..Filter::default()
        };
        assert_eq!(f.validate().unwrap_err().0, "to");
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("gewoon"), "gewoon");
    }
}
