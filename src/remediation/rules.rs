//! The rules for measures and for closing an incident, without web or database code.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::FieldProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Open,
    InProgress,
    Done,
    Cancelled,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 4] = [
        MeasureStatus::Open,
        MeasureStatus::InProgress,
        MeasureStatus::Done,
        MeasureStatus::Cancelled,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            MeasureStatus::Open => "open",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::Done => "done",
            MeasureStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<MeasureStatus> {
        Self::ALL.iter().copied().find(|m| m.as_str() == s)
    }

    pub fn label_nl(&self) -> &'static str {
        match self {
            MeasureStatus::Open => "open",
            MeasureStatus::InProgress => "in uitvoering",
            MeasureStatus::Done => "afgerond",
            MeasureStatus::Cancelled => "vervallen",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            MeasureStatus::Open => "open",
            MeasureStatus::InProgress => "in progress",
            MeasureStatus::Done => "done",
            MeasureStatus::Cancelled => "cancelled",
        }
    }

    /// Still to be done: blocks closing the incident.
    pub fn is_open(&self) -> bool {
        matches!(self, MeasureStatus::Open | MeasureStatus::InProgress)
    }
}

pub const MAX_DESCRIPTION: usize = 5_000;
pub const MAX_EVIDENCE: usize = 10_000;

/// A measure as a person enters or changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureDraft {
    pub description: String,
    pub due_on: NaiveDate,
    pub status: MeasureStatus,
    pub evidence: Option<String>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Refuse what cannot be right: an empty or overlong description, a due date before the breach
/// register could exist or absurdly far ahead, a measure marked done without evidence, or
/// cancelled without saying why (the evidence field holds the reason then).
pub fn validate(d: &MeasureDraft, today: NaiveDate) -> Result<(), Vec<FieldProblem>> {
    let mut out = vec![];
    let desc = d.description.trim();
    if desc.is_empty() || chars(desc) > MAX_DESCRIPTION {
        out.push(FieldProblem::new(
            "description",
            format!("describe the measure in 1 to {MAX_DESCRIPTION} characters"),
            format!("beschrijf de maatregel in 1 tot {MAX_DESCRIPTION} tekens"),
        ));
    }
    let earliest = NaiveDate::from_ymd_opt(2018, 5, 25).expect("valid date");
    let latest = today + chrono::Duration::days(5 * 366);
    if d.due_on < earliest || d.due_on > latest {
        out.push(FieldProblem::new(
            "due_on",
            "the due date must lie between 25 May 2018 and five years from today",
            "de streefdatum moet tussen 25 mei 2018 en vijf jaar na vandaag liggen",
        ));
    }
    let evidence = d.evidence.as_deref().map(str::trim).unwrap_or("");
    if chars(evidence) > MAX_EVIDENCE {
        out.push(FieldProblem::new(
            "evidence",
            format!("at most {MAX_EVIDENCE} characters"),
            format!("hoogstens {MAX_EVIDENCE} tekens"),
        ));
    }
    match d.status {
        MeasureStatus::Done if evidence.is_empty() => out.push(FieldProblem::new(
            "evidence",
            "a measure marked done needs evidence: what shows it was carried out",
            "een afgeronde maatregel heeft bewijs nodig: waaruit blijkt dat hij is uitgevoerd",
        )),
        MeasureStatus::Cancelled if evidence.is_empty() => out.push(FieldProblem::new(
            "evidence",
            "say why the measure is cancelled",
            "geef aan waarom de maatregel vervalt",
        )),
        _ => {}
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// Open and past its due date (the due date itself is still in time).
pub fn is_overdue(status: MeasureStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && due_on < today
}

/// Closing is the incident's rule; kept here by name for callers.
pub use crate::incidents::closing::{
    check_close, CloseInput, CloseRefusal, MAX_LESSONS, MAX_OVERRIDE,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn draft(status: MeasureStatus, evidence: Option<&str>) -> MeasureDraft {
        MeasureDraft {
            description: "Adresbestand opschonen".into(),
            due_on: d(2026, 12, 1),
            status,
            evidence: evidence.map(str::to_string),
        }
    }

    #[test]
    fn a_plain_open_measure_is_valid() {
        assert!(validate(&draft(MeasureStatus::Open, None), d(2026, 11, 23)).is_ok());
    }

    #[test]
    fn done_needs_evidence_and_cancelled_needs_a_reason() {
        let e = validate(&draft(MeasureStatus::Done, Some("  ")), d(2026, 11, 23)).unwrap_err();
        assert_eq!(e[0].field, "evidence");
        let e = validate(&draft(MeasureStatus::Cancelled, None), d(2026, 11, 23)).unwrap_err();
        assert_eq!(e[0].field, "evidence");
        assert!(validate(
            &draft(
                MeasureStatus::Done,
                Some("screenshot van de nieuwe instelling")
            ),
            d(2026, 11, 23)
        )
        .is_ok());
    }

    #[test]
    fn description_and_due_date_are_checked() {
        let mut m = draft(MeasureStatus::Open, None);
        m.description = " ".into();
        m.due_on = d(2040, 1, 1);
        let e = validate(&m, d(2026, 11, 23)).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["description", "due_on"]);
        m.description = "x".repeat(MAX_DESCRIPTION + 1);
        m.due_on = d(2017, 1, 1);
        assert_eq!(validate(&m, d(2026, 11, 23)).unwrap_err().len(), 2);
    }

    #[test]
    fn overdue_only_when_open_and_past_the_due_date() {
        let today = d(2026, 11, 23);
        assert!(!is_overdue(MeasureStatus::Open, today, today));
        assert!(is_overdue(MeasureStatus::Open, d(2026, 11, 22), today));
        assert!(is_overdue(MeasureStatus::InProgress, d(2026, 1, 1), today));
        assert!(!is_overdue(MeasureStatus::Done, d(2026, 1, 1), today));
        assert!(!is_overdue(MeasureStatus::Cancelled, d(2026, 1, 1), today));
    }
}
