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

pub fn to_csv(entries: &[Entry]) -> String {
    let mut w = crate::tabular::csv_writer();
    crate::tabular::write_safe(&mut w, CSV_COLUMNS);
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
        crate::tabular::write_safe(&mut w, &row);
    }
    crate::tabular::csv_text(w)
}

/// The register's columns in an Excel export: Dutch headings and widths, in [`CSV_COLUMNS`] order.
pub const XLSX_COLUMNS: [(&str, f64); 31] = [
    ("Kenmerk", 16.0),
    ("Organisatie", 20.0),
    ("Titel", 36.0),
    ("Status", 16.0),
    ("Bekend geworden op", 17.0),
    ("Uiterste meldtermijn AP", 17.0),
    ("Gemeld aan AP op", 17.0),
    ("Tijdigheid", 18.0),
    ("Uren tot melding", 10.0),
    ("Soort incident", 30.0),
    ("Aard", 30.0),
    ("Soorten persoonsgegevens", 30.0),
    ("Bijzondere persoonsgegevens", 30.0),
    ("Groepen betrokkenen", 24.0),
    ("Aantal betrokkenen", 12.0),
    ("Gevolgen", 30.0),
    ("Ernst", 12.0),
    ("Ernstscore", 10.0),
    ("Voorstel", 24.0),
    ("Besluit", 24.0),
    ("Uitzondering", 24.0),
    ("Motivering besluit", 36.0),
    ("Reden afwijking van voorstel", 30.0),
    ("Besloten op", 17.0),
    ("Maatregelen", 40.0),
    ("Open maatregelen", 10.0),
    ("Geleerde lessen", 36.0),
    ("Gesloten op", 17.0),
    ("Reden sluiten met open maatregelen", 30.0),
    ("Melding ingetrokken op", 17.0),
    ("Reden late vaststelling", 30.0),
];

/// A stored key in Dutch words (the vocabulary of the AP form); an unknown key stays as it is.
fn words(key: &str, label: impl Fn(&str) -> Option<&'static str>) -> String {
    label(key)
        .map(str::to_string)
        .unwrap_or_else(|| key.to_string())
}

fn list_words(keys: &[String], label: impl Fn(&str) -> Option<&'static str>) -> String {
    keys.iter()
        .map(|k| words(k, &label))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The register as an Excel workbook (one sheet, Dutch headings and values, dates as dates on the
/// Amsterdam clock, filters on).
pub fn to_xlsx(entries: &[Entry]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use crate::assessment::decision::{Exception, Outcome};
    use crate::assessment::facts::{
        FormNature, GeneralData, IncidentKind, Nature, PeopleConsequence, PersonGroup,
        SpecialCategory,
    };
    use crate::assessment::severity::Band;
    use crate::tabular::Cell;
    let opt = |v: &Option<String>, label: &dyn Fn(&str) -> Option<&'static str>| -> Cell {
        v.as_deref()
            .map(|k| words(k, label))
            .unwrap_or_default()
            .into()
    };
    let num = |x: Option<f64>| x.map(Cell::Number).unwrap_or(Cell::Empty);
    let text = |v: &Option<String>| Cell::from(v.clone().unwrap_or_default());
    let rows = entries
        .iter()
        .map(|e| {
            let measures = e
                .measures
                .iter()
                .map(|m| {
                    let status = crate::remediation::rules::MeasureStatus::parse(&m.status)
                        .map(|s| s.label_nl())
                        .unwrap_or(&m.status);
                    format!(
                        "{} ({status}, uiterlijk {})",
                        m.description,
                        m.due_on.format("%d-%m-%Y")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            vec![
                Cell::from(e.reference.as_str()),
                Cell::from(e.organisation.as_str()),
                Cell::from(e.title.as_str()),
                Cell::from(words(&e.state, |k| {
                    crate::incidents::lifecycle::State::parse(k).map(|s| s.label_nl())
                })),
                Cell::Instant(e.became_aware_at),
                Cell::Instant(e.ap_deadline),
                Cell::from(e.notified_at),
                Cell::from(e.timeliness.label_nl()),
                num(e.hours_to_notification),
                opt(&e.kind, &|k| IncidentKind::parse(k).map(|v| v.label_nl())),
                Cell::from(list_words(&e.nature, |k| {
                    Nature::parse(k)
                        .map(|v| v.label_nl())
                        .or_else(|| FormNature::parse(k).map(|v| v.label_nl()))
                })),
                Cell::from(list_words(&e.data_categories, |k| {
                    GeneralData::parse(k).map(|v| v.label_nl())
                })),
                Cell::from(list_words(&e.special_categories, |k| {
                    SpecialCategory::parse(k).map(|v| v.label_nl())
                })),
                Cell::from(list_words(&e.groups, |k| {
                    PersonGroup::parse(k).map(|v| v.label_nl())
                })),
                text(&e.people),
                Cell::from(list_words(&e.consequences, |k| {
                    PeopleConsequence::parse(k).map(|v| v.label_nl())
                })),
                opt(&e.severity_band, &|k| Band::parse(k).map(|v| v.label_nl())),
                num(e.severity_score),
                opt(&e.proposal, &|k| Outcome::parse(k).map(|v| v.label_nl())),
                opt(&e.decision, &|k| Outcome::parse(k).map(|v| v.label_nl())),
                opt(&e.decision_exception, &|k| {
                    Exception::parse(k).map(|v| v.label_nl())
                }),
                text(&e.decision_reasons),
                text(&e.decision_reason_for_difference),
                Cell::from(e.decided_at),
                Cell::from(measures),
                Cell::Number(e.open_measures as f64),
                text(&e.lessons_learned),
                Cell::from(e.closed_at),
                text(&e.close_override_reason),
                Cell::from(e.notification_withdrawn_at),
                text(&e.late_awareness_reason),
            ]
        })
        .collect();
    crate::tabular::xlsx(&crate::tabular::Sheet {
        name: "Register datalekken",
        columns: &XLSX_COLUMNS,
        rows,
    })
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

    fn sample_entry() -> Entry {
        let aware = Utc.with_ymd_and_hms(2026, 1, 12, 8, 0, 0).unwrap();
        Entry {
            incident_id: "i1".into(),
            reference: "DL-2026-0001".into(),
            organisation_id: "o1".into(),
            organisation: "Gemeente Oost".into(),
            title: "Brief naar verkeerd adres".into(),
            state: "notified".into(),
            became_aware_at: aware,
            late_awareness_reason: None,
            ap_deadline: aware + chrono::Duration::hours(72),
            notified_at: Some(aware + chrono::Duration::hours(30)),
            timeliness: Timeliness::Within,
            notification_withdrawn_at: None,
            hours_to_notification: Some(30.0),
            kind: Some("letter_wrong_recipient".into()),
            nature: vec!["confidentiality".into()],
            data_categories: vec!["name".into(), "bsn".into()],
            special_categories: vec![],
            groups: vec![],
            people: Some("12".into()),
            consequences: vec![],
            severity_band: Some("medium".into()),
            severity_score: Some(2.5),
            proposal: Some("notify_ap".into()),
            decision: Some("notify_ap".into()),
            decision_exception: None,
            decision_reasons: None,
            decision_reason_for_difference: None,
            decided_at: None,
            measures: vec![MeasureSummary {
                description: "Adressen controleren".into(),
                status: "in_progress".into(),
                due_on: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
                overdue: false,
            }],
            open_measures: 1,
            lessons_learned: None,
            closed_at: None,
            close_override_reason: None,
            evidence_purged_at: None,
        }
    }

    #[test]
    fn the_excel_register_reads_back_in_dutch_with_real_dates() {
        use calamine::{Data, DataType, Reader};
        let bytes = to_xlsx(&[sample_entry()]).unwrap();
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let r = wb.worksheet_range_at(0).unwrap().unwrap();
        let at = |row: usize, col: &str| {
            let c = XLSX_COLUMNS.iter().position(|(h, _)| *h == col).unwrap();
            r.get((row, c)).cloned().unwrap_or(Data::Empty)
        };
        for (c, (h, _)) in XLSX_COLUMNS.iter().enumerate() {
            assert_eq!(r.get((0, c)), Some(&Data::String(h.to_string())));
        }
        assert_eq!(at(1, "Kenmerk"), Data::String("DL-2026-0001".into()));
        assert_eq!(at(1, "Status"), Data::String("gemeld".into()));
        assert_eq!(
            at(1, "Soorten persoonsgegevens"),
            Data::String("naam; burgerservicenummer (BSN)".into())
        );
        assert_eq!(
            at(1, "Tijdigheid"),
            Data::String("binnen 72 uur gemeld".into())
        );
        // 08:00 UTC in January is 09:00 on the Amsterdam clock; a real date cell.
        let aware = at(1, "Bekend geworden op");
        assert!(aware.is_datetime(), "{aware:?}");
        assert_eq!(
            aware.as_datetime().unwrap().to_string(),
            "2026-01-12 09:00:00"
        );
        assert_eq!(
            at(1, "Uiterste meldtermijn AP")
                .as_datetime()
                .unwrap()
                .to_string(),
            "2026-01-15 09:00:00"
        );
        assert_eq!(at(1, "Uren tot melding").as_f64(), Some(30.0));
        assert_eq!(at(1, "Besloten op"), Data::Empty);
        assert_eq!(
            at(1, "Maatregelen"),
            Data::String("Adressen controleren (in uitvoering, uiterlijk 01-02-2026)".into())
        );
        // No stored key reaches a Dutch cell.
        for row in r.rows().skip(1) {
            for c in row {
                if let Data::String(s) = c {
                    assert!(!s.contains('_'), "{s}");
                }
            }
        }
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        let mut e = sample_entry();
        e.title = "=HYPERLINK(\"x\")".into();
        let csv = to_csv(&[e]);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[2], "'=HYPERLINK(\"x\")");
    }
}
