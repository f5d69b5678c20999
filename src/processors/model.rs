//! A processor's link to a controller, its breach notice and supplements as submitted, and what
//! makes them valid; the status of a notice as the processor may see it. No web or database code.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::assessment::facts::{GeneralData, PersonGroup, SpecialCategory};
use crate::error::FieldError;

/// The most controllers one notice may go to.
pub const MAX_CONTROLLERS: usize = 50;
/// The longest measures text and supplement.
pub const MAX_TEXT: usize = 10_000;
/// The largest number of people or records (more than live on earth: a typing error).
pub const MAX_COUNT: i64 = 10_000_000_000;
/// Clock skew tolerated before an instant counts as "in the future" (as for incidents).
pub const FUTURE_SKEW_MINUTES: i64 = crate::incidents::model::FUTURE_SKEW_MINUTES;

/// `POST /api/v1/processor-links`: a processor serves a controller under an agreement.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The processor organisation's slug.
    pub processor: String,
    /// The controller organisation's slug.
    pub controller: String,
    /// Hours the processing agreement gives the processor to tell the controller of a breach
    /// (1–720); defaults to the controller's `processor_hours`.
    pub contract_hours: Option<i32>,
    /// Ids of the controller's processing activities the agreement concerns.
    #[serde(default)]
    pub activities: Vec<String>,
}

impl LinkInput {
    /// What can be checked without the database.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errs = vec![];
        if self.processor.trim().is_empty() {
            errs.push(required("processor"));
        }
        if self.controller.trim().is_empty() {
            errs.push(required("controller"));
        }
        if let Some(h) = self.contract_hours {
            if !(1..=720).contains(&h) {
                errs.push(FieldError::bilingual(
                    "contract_hours",
                    "between 1 and 720",
                    "Vul een aantal uren in van 1 tot en met 720.",
                ));
            }
        }
        if self.activities.len() > 100 {
            errs.push(FieldError::bilingual(
                "activities",
                "at most 100",
                "Kies ten hoogste 100 verwerkingen.",
            ));
        }
        errs
    }
}

/// `POST /api/v1/processor/notices`: what Art. 33(2) and the AP's form need from the processor.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// The processor organisation (slug) the notice is sent for; may be left out by someone who
    /// acts for one processor only.
    pub processor: Option<String>,
    /// The controllers whose data are concerned (slugs): only controllers the processor is linked
    /// to. Each gets its own report.
    #[serde(default)]
    pub controllers: Vec<String>,
    /// What happened.
    #[serde(default)]
    pub description: String,
    /// When the processor became aware of the breach (RFC 3339).
    pub aware_at: Option<DateTime<Utc>>,
    /// When the breach started, if known.
    pub breach_started_at: Option<DateTime<Utc>>,
    /// General categories of personal data, in the AP form's words (`name`, `bsn`, `address` …).
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// Special categories (Art. 9): `health`, `biometric` …
    #[serde(default)]
    pub special_categories: Vec<String>,
    /// Groups of people affected: `employees`, `customers`, `pupils_or_students`, `minors` …
    #[serde(default)]
    pub person_groups: Vec<String>,
    /// Approximately how many people: the exact number, or the least (with `people_max` the most).
    pub people_min: Option<i64>,
    pub people_max: Option<i64>,
    /// Approximately how many records.
    pub records: Option<i64>,
    /// Measures taken or proposed, including to limit the consequences.
    #[serde(default)]
    pub measures: String,
    /// A phone number at the processor for the controller's questions.
    pub contact_phone: Option<String>,
    /// nl (default) or en: the language of the texts.
    pub language: Option<String>,
}

/// A notice that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    /// Controller slugs, in the order given, without repeats.
    pub controllers: Vec<String>,
    pub description: String,
    pub aware_at: DateTime<Utc>,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub data_categories: Vec<GeneralData>,
    pub special_categories: Vec<SpecialCategory>,
    pub person_groups: Vec<PersonGroup>,
    pub people_min: Option<i64>,
    pub people_max: Option<i64>,
    pub records: Option<i64>,
    pub measures: String,
    pub contact_phone: Option<String>,
    pub language: String,
}

fn required(field: &str) -> FieldError {
    FieldError::bilingual(field, "required", "Vul dit in.")
}

fn too_long(field: &str, max: usize) -> FieldError {
    FieldError::bilingual(
        field,
        format!("at most {max} characters"),
        format!("Gebruik ten hoogste {max} tekens."),
    )
}

fn phone_ok(p: &str) -> bool {
    let digits = p.chars().filter(|c| c.is_ascii_digit()).count();
    (6..=15).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// Parse a list of vocabulary keys, naming each unknown one by its place.
fn keys<T: Ord + Copy>(
    errs: &mut Vec<FieldError>,
    field: &str,
    given: &[String],
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<T> {
    let mut out = vec![];
    for (i, k) in given.iter().enumerate() {
        match parse(k.trim()) {
            Some(v) => out.push(v),
            None => errs.push(FieldError::bilingual(
                format!("{field}[{i}]"),
                "not an option of the list",
                "Kies een mogelijkheid uit de lijst.",
            )),
        }
    }
    out.sort();
    out.dedup();
    out
}

impl NoticeInput {
    /// Every rule the notice must meet by itself, each failure naming its field. `now` is the
    /// moment of the notice.
    pub fn validate(
        &self,
        now: DateTime<Utc>,
        max_description: usize,
    ) -> Result<NewNotice, Vec<FieldError>> {
        let mut errs = vec![];
        let mut controllers: Vec<String> = vec![];
        for c in &self.controllers {
            let c = c.trim().to_string();
            if !c.is_empty() && !controllers.contains(&c) {
                controllers.push(c);
            }
        }
        if controllers.is_empty() {
            errs.push(FieldError::bilingual(
                "controllers",
                "name at least one controller whose data are concerned",
                "Kies minstens één organisatie van wie de gegevens zijn gelekt.",
            ));
        } else if controllers.len() > MAX_CONTROLLERS {
            errs.push(FieldError::bilingual(
                "controllers",
                format!("at most {MAX_CONTROLLERS}"),
                format!("Kies ten hoogste {MAX_CONTROLLERS} organisaties."),
            ));
        }
        let description = self.description.trim().to_string();
        if description.is_empty() {
            errs.push(FieldError::bilingual(
                "description",
                "required: describe what happened",
                "Beschrijf wat er is gebeurd.",
            ));
        } else if description.chars().count() > max_description {
            errs.push(too_long("description", max_description));
        }
        let limit = now + Duration::minutes(FUTURE_SKEW_MINUTES);
        match self.aware_at {
            None => errs.push(FieldError::bilingual(
                "aware_at",
                "required: when the processor became aware",
                "Vul in wanneer u van het datalek wist.",
            )),
            Some(a) if a > limit => errs.push(FieldError::bilingual(
                "aware_at",
                "lies in the future",
                "Dit moment ligt in de toekomst.",
            )),
            _ => {}
        }
        if let Some(s) = self.breach_started_at {
            if s > limit {
                errs.push(FieldError::bilingual(
                    "breach_started_at",
                    "lies in the future",
                    "Dit moment ligt in de toekomst.",
                ));
            } else if self.aware_at.is_some_and(|a| s > a) {
                errs.push(FieldError::bilingual(
                    "breach_started_at",
                    "lies after aware_at",
                    "Het lek kan niet begonnen zijn nadat u ervan wist.",
                ));
            }
        }
        let data_categories = keys(
            &mut errs,
            "data_categories",
            &self.data_categories,
            GeneralData::parse,
        );
        let special_categories = keys(
            &mut errs,
            "special_categories",
            &self.special_categories,
            SpecialCategory::parse,
        );
        let person_groups = keys(
            &mut errs,
            "person_groups",
            &self.person_groups,
            PersonGroup::parse,
        );
        for (name, v) in [
            ("people_min", self.people_min),
            ("people_max", self.people_max),
            ("records", self.records),
        ] {
            if v.is_some_and(|n| !(0..=MAX_COUNT).contains(&n)) {
                errs.push(FieldError::bilingual(
                    name,
                    format!("from 0 to {MAX_COUNT}"),
                    "Vul een aantal in van 0 of meer.",
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (self.people_min, self.people_max) {
            if hi < lo {
                errs.push(FieldError::bilingual(
                    "people_max",
                    "less than people_min",
                    "Het grootste aantal is kleiner dan het kleinste.",
                ));
            }
        }
        let measures = self.measures.trim().to_string();
        if measures.chars().count() > MAX_TEXT {
            errs.push(too_long("measures", MAX_TEXT));
        }
        let contact_phone = self
            .contact_phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if contact_phone.as_deref().is_some_and(|p| !phone_ok(p)) {
            errs.push(FieldError::bilingual(
                "contact_phone",
                "not a phone number",
                "Dit is geen telefoonnummer.",
            ));
        }
        let language = self.language.clone().unwrap_or_else(|| "nl".into());
        if language != "nl" && language != "en" {
            errs.push(FieldError::bilingual(
                "language",
                "nl or en",
                "Kies Nederlands of Engels.",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(NewNotice {
            controllers,
            description,
            aware_at: self.aware_at.unwrap_or(now),
            breach_started_at: self.breach_started_at,
            data_categories,
            special_categories,
            person_groups,
            people_min: self.people_min,
            people_max: self.people_max,
            records: self.records,
            measures,
            contact_phone,
            language,
        })
    }
}

impl NewNotice {
    /// The notice's categories in the report's (citizens') words, so the inbox and the assessment
    /// read a processor's report as they read any other.
    pub fn report_data_kinds(&self) -> Vec<String> {
        use GeneralData as G;
        let mut v: Vec<String> = self
            .data_categories
            .iter()
            .map(|g| match g {
                G::Name => "name",
                G::Address => "address",
                G::ContactDetails | G::Email | G::Phone => "contact_details",
                G::Bsn => "bsn",
                G::DateOfBirth => "date_of_birth",
                G::Financial
                | G::Iban
                | G::CreditCard
                | G::Debts
                | G::Benefits
                | G::OtherFinancial => "financial",
                G::IdDocuments => "id_copy",
                G::Criminal => "criminal",
                G::Unknown => "unknown",
                G::Sex | G::AccessData | G::Location | G::Behavioural | G::Other => "other",
            })
            .chain(self.special_categories.iter().map(|s| match s {
                SpecialCategory::Health => "health",
                _ => "other",
            }))
            .map(str::to_string)
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// `POST /api/v1/processor/notices/{reference}/supplements`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementInput {
    /// What the processor adds to its notice (1 to 10,000 characters).
    #[serde(default)]
    pub text: String,
}

impl SupplementInput {
    pub fn validate(&self) -> Result<String, Vec<FieldError>> {
        let t = self.text.trim();
        if t.is_empty() {
            Err(vec![FieldError::bilingual(
                "text",
                "required: what you add to the notice",
                "Schrijf wat u aan de melding toevoegt.",
            )])
        } else if t.chars().count() > MAX_TEXT {
            Err(vec![too_long("text", MAX_TEXT)])
        } else {
            Ok(t.to_string())
        }
    }
}

/// Where a notice stands at one controller, as the processor may know it: never the controller's
/// incident, its facts or its decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// The controller has it and has not yet taken it into an incident.
    Received,
    /// The controller handles it as (part of) an incident.
    InIncident,
    /// The controller has finished with it.
    Closed,
}

impl NoticeStatus {
    /// From the controller's report: its status, and whether its incident (if any) is closed.
    pub fn of(report_status: &str, incident_closed: Option<bool>) -> NoticeStatus {
        match (report_status, incident_closed) {
            ("closed", _) | (_, Some(true)) => NoticeStatus::Closed,
            ("linked", _) | (_, Some(false)) => NoticeStatus::InIncident,
            _ => NoticeStatus::Received,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            NoticeStatus::Received => "received",
            NoticeStatus::InIncident => "in_incident",
            NoticeStatus::Closed => "closed",
        }
    }
}

/// The reference a processor quotes for its notice: `V-2026-000012`.
pub fn reference(year: i32, n: i64) -> String {
    format!("V-{year}-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    fn good() -> NoticeInput {
        NoticeInput {
            controllers: vec!["oost".into(), " oost ".into(), "west".into()],
            description: "Een map met loonstroken stond open op een gedeelde schijf.".into(),
            aware_at: Some(now() - Duration::hours(3)),
            data_categories: vec!["name".into(), "bsn".into(), "iban".into()],
            special_categories: vec!["health".into()],
            person_groups: vec!["employees".into()],
            people_min: Some(120),
            people_max: Some(140),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_notice() {
        let n = good().validate(now(), 10_000).unwrap();
        assert_eq!(n.controllers, vec!["oost", "west"]);
        assert_eq!(n.language, "nl");
        assert_eq!(
            n.report_data_kinds(),
            vec!["bsn", "financial", "health", "name"]
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let n = NoticeInput {
            controllers: vec![" ".into()],
            description: "  ".into(),
            aware_at: Some(now() + Duration::hours(1)),
            breach_started_at: Some(now() + Duration::hours(2)),
            data_categories: vec!["name".into(), "shoe size".into()],
            special_categories: vec!["mood".into()],
            person_groups: vec!["aliens".into()],
            people_min: Some(10),
            people_max: Some(5),
            records: Some(-1),
            measures: "x".repeat(MAX_TEXT + 1),
            contact_phone: Some("call me".into()),
            language: Some("de".into()),
            ..Default::default()
        };
        let f = fields(n.validate(now(), 10_000).unwrap_err());
        for name in [
            "controllers",
            "description",
            "aware_at",
            "breach_started_at",
            "data_categories[1]",
            "special_categories[0]",
            "person_groups[0]",
            "people_max",
            "records",
            "measures",
            "contact_phone",
            "language",
        ] {
            assert!(f.contains(&name.to_string()), "{name} missing from {f:?}");
        }
    }

    #[test]
    fn awareness_is_required_and_the_start_comes_first() {
        let mut n = good();
        n.aware_at = None;
        assert_eq!(fields(n.validate(now(), 10_000).unwrap_err()), ["aware_at"]);
        let mut n = good();
        n.breach_started_at = Some(now() - Duration::hours(1));
        assert_eq!(
            fields(n.validate(now(), 10_000).unwrap_err()),
            ["breach_started_at"]
        );
    }

    #[test]
    fn status_as_the_processor_sees_it() {
        assert_eq!(NoticeStatus::of("received", None), NoticeStatus::Received);
        assert_eq!(NoticeStatus::of("in_review", None), NoticeStatus::Received);
        assert_eq!(
            NoticeStatus::of("linked", Some(false)),
            NoticeStatus::InIncident
        );
        assert_eq!(NoticeStatus::of("linked", Some(true)), NoticeStatus::Closed);
        assert_eq!(NoticeStatus::of("closed", None), NoticeStatus::Closed);
    }

    #[test]
    fn links_and_supplements() {
        let l = LinkInput {
            contract_hours: Some(0),
            ..Default::default()
        };
        assert_eq!(
            fields(l.check()),
            ["processor", "controller", "contract_hours"]
        );
        assert!(SupplementInput { text: " ".into() }.validate().is_err());
        assert_eq!(
            SupplementInput {
                text: " Ook adressen. ".into()
            }
            .validate()
            .unwrap(),
            "Ook adressen."
        );
        assert_eq!(reference(2026, 12), "V-2026-000012");
    }
}
