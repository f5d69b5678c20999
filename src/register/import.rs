//! Import of an existing breach register (Art. 33(5)) from CSV or Excel (`.xlsx`, told apart by
//! the file's first bytes): a column mapping (target field → source column, proposed from Dutch
//! and English header names and the Excel export's headings), the usual date formats and Excel's
//! own dates, and
//! either every row as it will be stored or every bad row named by line and field (all or
//! nothing). Pure: the service stores what [`parse`] returns.
//!
//! The breach register's own exports (`breaches::CSV_COLUMNS`, and `breaches::XLSX_COLUMNS` with
//! Dutch words for the stored keys) map onto themselves, so an export re-imports without change; its computed columns (reference, organisation, deadline,
//! timeliness, hours, severity, proposal, open measures) are recomputed, not read.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;

use crate::assessment::decision::{self, Exception, Outcome};
use crate::assessment::facts::{
    Fact, Facts, GeneralData, IncidentKind, Nature, PeopleConsequence, PeopleCount, PersonGroup,
    SpecialCategory,
};
use crate::incidents::lifecycle::State;
use crate::remediation::rules::MeasureStatus;
use crate::tabular::{self, Record, Unreadable};

pub const MAX_ROWS: usize = 10_000;

/// The fields a row can fill, each with its key (the export's column name where there is one) and
/// the header names proposed for it (compared lower-case, trimmed).
pub const TARGETS: &[(&str, &[&str])] = &[
    (
        "title",
        &["title", "titel", "omschrijving kort", "onderwerp", "naam"],
    ),
    (
        "description",
        &["description", "omschrijving", "beschrijving", "toelichting"],
    ),
    ("state", &["state", "status", "fase"]),
    (
        "discovered_at",
        &[
            "discovered_at",
            "datum ontdekking",
            "ontdekt op",
            "discovered",
            "date discovered",
        ],
    ),
    (
        "became_aware_at",
        &[
            "became_aware_at",
            "datum bewustwording",
            "bekend sinds",
            "datum kennisname",
            "aware",
            "date aware",
            "awareness",
        ],
    ),
    (
        "notified_at",
        &[
            "notified_at",
            "datum melding ap",
            "gemeld bij ap op",
            "datum melding",
            "notified",
            "date notified",
        ],
    ),
    (
        "ap_number",
        &[
            "ap_number",
            "meldnummer ap",
            "meldnummer",
            "ap reference",
            "ap number",
        ],
    ),
    (
        "people_informed_at",
        &[
            "people_informed_at",
            "datum betrokkenen geïnformeerd",
            "betrokkenen geïnformeerd op",
            "datum informeren betrokkenen",
            "data subjects informed",
        ],
    ),
    (
        "closed_at",
        &[
            "closed_at",
            "datum afgesloten",
            "afgesloten op",
            "datum afsluiting",
            "closed",
            "date closed",
        ],
    ),
    (
        "kind",
        &["kind", "soort", "soort incident", "type incident", "type"],
    ),
    ("nature", &["nature", "aard", "aard van de inbreuk"]),
    (
        "data_categories",
        &[
            "data_categories",
            "soorten gegevens",
            "persoonsgegevens",
            "categorieën gegevens",
        ],
    ),
    (
        "special_categories",
        &[
            "special_categories",
            "bijzondere persoonsgegevens",
            "bijzondere categorieën",
        ],
    ),
    (
        "groups",
        &[
            "groups",
            "betrokkenen",
            "groepen betrokkenen",
            "categorieën betrokkenen",
        ],
    ),
    (
        "people",
        &[
            "people",
            "aantal betrokkenen",
            "aantal personen",
            "number of people",
        ],
    ),
    (
        "consequences",
        &["consequences", "gevolgen", "gevolgen voor betrokkenen"],
    ),
    ("decision", &["decision", "besluit", "beslissing"]),
    (
        "decision_exception",
        &["decision_exception", "uitzondering", "exception"],
    ),
    (
        "decision_reasons",
        &[
            "decision_reasons",
            "motivering",
            "redenen",
            "onderbouwing",
            "reasons",
        ],
    ),
    (
        "decision_reason_for_difference",
        &[
            "decision_reason_for_difference",
            "reden afwijking",
            "afwijking van voorstel",
        ],
    ),
    (
        "decided_at",
        &["decided_at", "datum besluit", "besloten op", "date decided"],
    ),
    (
        "measures",
        &["measures", "maatregelen", "genomen maatregelen"],
    ),
    (
        "lessons_learned",
        &["lessons_learned", "lessen", "geleerde lessen", "evaluatie"],
    ),
    (
        "close_override_reason",
        &[
            "close_override_reason",
            "reden afsluiten met open maatregelen",
        ],
    ),
    (
        "notification_withdrawn_at",
        &[
            "notification_withdrawn_at",
            "datum intrekking",
            "ingetrokken op",
        ],
    ),
    (
        "late_awareness_reason",
        &["late_awareness_reason", "reden late bewustwording"],
    ),
];

/// Target field → source column header, as the user confirms it.
pub type Mapping = BTreeMap<String, String>;

fn norm(s: &str) -> String {
    s.trim().trim_start_matches('\u{feff}').to_lowercase()
}

/// The Dutch heading the register's Excel export gives column `key`.
fn export_heading(key: &str) -> Option<String> {
    use super::breaches::{CSV_COLUMNS, XLSX_COLUMNS};
    CSV_COLUMNS
        .iter()
        .position(|c| *c == key)
        .map(|i| XLSX_COLUMNS[i].0.to_lowercase())
}

/// The mapping proposed from the headers: every target whose key, alias or heading in the Excel
/// export is a header.
pub fn propose_mapping(headers: &[String]) -> Mapping {
    let mut m = Mapping::new();
    for (key, aliases) in TARGETS {
        let heading = export_heading(key);
        if let Some(h) = headers.iter().find(|h| {
            let h = norm(h);
            aliases.iter().any(|a| h == *a) || h == *key || heading.as_deref() == Some(h.as_str())
        }) {
            m.insert((*key).to_string(), h.clone());
        }
    }
    m
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportedDecision {
    pub outcome: String,
    pub exception: Option<String>,
    pub reasons: String,
    pub reason_for_difference: Option<String>,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportedMeasure {
    pub description: String,
    pub status: String,
    pub due_on: NaiveDate,
}

/// One row as it will be stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportedRow {
    pub line: u64,
    pub title: String,
    pub description: String,
    pub state: String,
    pub discovered_at: Option<DateTime<Utc>>,
    pub became_aware_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    pub ap_number: Option<String>,
    pub people_informed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The facts in the assessment's vocabulary, when any fact column was filled.
    #[serde(skip)]
    pub facts: Option<Facts>,
    pub kind: Option<String>,
    pub nature: Vec<String>,
    pub data_categories: Vec<String>,
    pub special_categories: Vec<String>,
    pub groups: Vec<String>,
    pub people: Option<String>,
    pub consequences: Vec<String>,
    pub decision: Option<ImportedDecision>,
    pub measures: Vec<ImportedMeasure>,
    pub lessons_learned: Option<String>,
    pub close_override_reason: Option<String>,
    pub notification_withdrawn_at: Option<DateTime<Utc>>,
    pub late_awareness_reason: Option<String>,
}

/// A refused cell, row or file: its line as the user's spreadsheet shows it (1 = the header), the
/// field, and why in English (the API, the CLI) and Dutch (the pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
    #[serde(skip)]
    pub message_nl: String,
}

fn problem(line: u64, field: &str, en: impl Into<String>, nl: impl Into<String>) -> Problem {
    Problem {
        line,
        field: field.into(),
        message: en.into(),
        message_nl: nl.into(),
    }
}

/// The file's rows as text with their lines, header first: `.xlsx` (told apart by its first
/// bytes; dates stored as dates come as `jjjj-mm-dd [uu:mm[:ss]]`, Amsterdam time) or CSV (UTF-8,
/// `,` or `;`). The flag says whether it was Excel.
fn table(bytes: &[u8]) -> Result<(bool, Vec<Record>), Vec<Problem>> {
    let unreadable = |u: Unreadable| vec![problem(u.line, "file", u.en, u.nl)];
    if tabular::is_xlsx(bytes) {
        return tabular::xlsx_records(bytes)
            .map(|r| (true, r))
            .map_err(unreadable);
    }
    let text = std::str::from_utf8(tabular::strip_bom(bytes)).map_err(|e| {
        vec![problem(
            1,
            "file",
            format!(
                "the file is not UTF-8 (invalid byte at offset {}); save it as CSV UTF-8 or as .xlsx",
                e.valid_up_to()
            ),
            "Het bestand is geen UTF-8-tekst: sla het op als CSV UTF-8 of als .xlsx.",
        )]
    })?;
    tabular::csv_records(text, tabular::sniff_delimiter(text))
        .map(|r| (false, r))
        .map_err(unreadable)
}

fn header_of(recs: &[Record]) -> Result<(u64, Vec<String>), Vec<Problem>> {
    match recs.first() {
        Some((line, h)) => Ok((*line, h.iter().map(|s| norm_keep(s)).collect())),
        None => Err(vec![problem(
            1,
            "file",
            "the file is empty: a header row is required",
            "Het bestand is leeg: de eerste regel moet de kolomnamen hebben.",
        )]),
    }
}

/// A header as written, trimmed and without a byte-order mark.
fn norm_keep(s: &str) -> String {
    s.trim().trim_start_matches('\u{feff}').trim().to_string()
}

/// The header row of a CSV or `.xlsx` file, or why it cannot be read.
pub fn headers(bytes: &[u8]) -> Result<Vec<String>, Vec<Problem>> {
    let (_, recs) = table(bytes)?;
    header_of(&recs).map(|(_, h)| h)
}

/// The mapping used: the proposed one with the user's choices over it (an empty source: the
/// field is not filled). Checks nothing; [`parse`] does.
pub fn effective_mapping(headers: &[String], overrides: &Mapping) -> Mapping {
    let mut used = propose_mapping(headers);
    for (k, v) in overrides {
        if v.trim().is_empty() {
            used.remove(k);
        } else {
            used.insert(k.clone(), v.clone());
        }
    }
    used
}

/// A date or date-time as registers write them: RFC 3339 (`2026-10-24T08:00:00Z`), ISO
/// (`2026-10-24`, `2026-10-24 08:00`), Dutch (`24-10-2026`, `24-10-2026 08:00`, also with `/`
/// or seconds). Times without an offset are Dutch local time; a date alone is its midnight.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    const DATETIMES: [&str; 8] = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
    ];
    const DATES: [&str; 3] = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"];
    let naive = DATETIMES
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            DATES
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    chrono_tz::Europe::Amsterdam
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_people(s: &str) -> Option<PeopleCount> {
    let s = s.trim().replace(['.', ' '], "");
    if let Some(min) = s.strip_prefix('≥').or_else(|| s.strip_prefix(">=")) {
        return Some(PeopleCount::Range {
            min: min.parse().ok()?,
            max: None,
        });
    }
    if let Some((a, b)) = s.split_once('–').or_else(|| s.split_once('-')) {
        let (min, max): (i64, i64) = (a.parse().ok()?, b.parse().ok()?);
        return (min <= max).then_some(PeopleCount::Range {
            min,
            max: Some(max),
        });
    }
    let n: i64 = s.parse().ok()?;
    (n >= 0).then_some(PeopleCount::Exact { n })
}

/// Measures as the exports write them: `description [status, yyyy-mm-dd]` joined by ` | ` (CSV),
/// or `description (status, uiterlijk dd-mm-jjjj)` one a line (Excel). The error in English and
/// Dutch.
fn parse_measures(s: &str) -> Result<Vec<ImportedMeasure>, (String, String)> {
    let mut out = vec![];
    for part in s
        .split(" | ")
        .flat_map(|p| p.split('\n'))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let form = if let Some((desc, rest)) = part.rsplit_once(" [") {
            rest.strip_suffix(']').map(|inner| (desc, inner))
        } else if let Some((desc, rest)) = part.rsplit_once(" (") {
            rest.strip_suffix(')').map(|inner| (desc, inner))
        } else {
            None
        };
        let (desc, inner) = form.ok_or_else(|| {
            (
                format!("`{part}`: write each measure as `description [status, date]`"),
                format!("‘{part}’: schrijf elke maatregel als ‘omschrijving (status, uiterlijk 24-10-2026)’"),
            )
        })?;
        let (status, due) = inner.split_once(',').ok_or_else(|| {
            (
                format!("`{part}`: write the status and the due date"),
                format!("‘{part}’: vul de status en de uiterste datum in"),
            )
        })?;
        let status = MeasureStatus::parse(status.trim())
            .or_else(|| {
                MeasureStatus::ALL.into_iter().find(|m| {
                    m.label_nl().eq_ignore_ascii_case(status.trim())
                        || m.label_en().eq_ignore_ascii_case(status.trim())
                })
            })
            .ok_or_else(|| {
                (
                    format!("unknown measure status `{}`", status.trim()),
                    format!("onbekende status ‘{}’", status.trim()),
                )
            })?;
        let due = due.trim();
        let due = due.strip_prefix("uiterlijk ").unwrap_or(due);
        let due_on = parse_time(due)
            .map(|t| t.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive())
            .ok_or_else(|| {
                (
                    format!("`{due}` is not a date"),
                    format!("‘{due}’ is geen datum"),
                )
            })?;
        out.push(ImportedMeasure {
            description: desc.trim().to_string(),
            status: status.as_str().to_string(),
            due_on,
        });
    }
    Ok(out)
}

/// One vocabulary value by its key, its Dutch or English label, or the first words of exactly one
/// label (see [`by_words`]).
macro_rules! vocab {
    ($ty:ty, $s:expr) => {{
        let s: &str = $s.trim();
        <$ty>::parse(s).or_else(|| {
            by_words(
                s,
                <$ty>::ALL
                    .iter()
                    .map(|v| (*v, [v.label_nl(), v.label_en()])),
            )
        })
    }};
}

/// The words of a text: lower case, letters and digits only ("AP," and "ap" are one word).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// What a register kept for years says in its own short words: the whole label (any case and
/// punctuation), or its first whole words when they begin exactly one value's label — "alleen
/// registreren" for "alleen registreren in het register van datalekken". Words that begin the
/// labels of several values are refused, never guessed.
fn by_words<T: Copy + PartialEq, const N: usize>(
    s: &str,
    values: impl Iterator<Item = (T, [&'static str; N])>,
) -> Option<T> {
    let typed = words(s);
    if typed.is_empty() {
        return None;
    }
    let mut exact = None;
    let mut begun: Vec<T> = vec![];
    for (v, labels) in values {
        for l in labels {
            let lw = words(l);
            if lw == typed {
                exact = Some(v);
            } else if lw.starts_with(&typed) && !begun.contains(&v) {
                begun.push(v);
            }
        }
    }
    exact.or(match begun.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

/// How old registers write the decision in a few words, beyond the beginnings of the labels.
fn decision_alias(s: &str) -> Option<Outcome> {
    let w = words(s).join(" ");
    let w = w.as_str();
    Some(match w {
        "niet melden"
        | "niet gemeld"
        | "niet meldplichtig"
        | "geen melding"
        | "registreren"
        | "intern registreren"
        | "alleen intern registreren"
        | "not notified"
        | "register" => Outcome::RegisterOnly,
        "melden ap" | "melden aan de ap" | "gemeld bij de ap" | "gemeld aan de ap"
        | "gemeld ap" | "melden bij de ap" | "ap" | "notify ap" | "notified to the ap" => {
            Outcome::NotifyAp
        }
        "melden ap en betrokkenen"
        | "melden bij de ap en betrokkenen"
        | "gemeld bij de ap en betrokkenen"
        | "ap en betrokkenen"
        | "ap en betrokkenen informeren"
        | "melden ap en betrokkenen informeren" => Outcome::NotifyApAndDataSubjects,
        "melden ap en openbaar bekendmaken"
        | "ap en openbaar"
        | "ap en openbare bekendmaking"
        | "openbaar bekendmaken"
        | "openbare bekendmaking" => Outcome::NotifyApAndPublicCommunication,
        _ => return None,
    })
}

struct Row<'a> {
    line: u64,
    /// CSV cells may carry the export's `'` before a formula character; Excel cells are as typed.
    is_xlsx: bool,
    cells: BTreeMap<&'static str, &'a str>,
    problems: &'a mut Vec<Problem>,
}

impl Row<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.cells
            .get(key)
            .map(|s| {
                let s = s.trim();
                if self.is_xlsx {
                    s
                } else {
                    tabular::unformula(s)
                }
                .to_string()
            })
            .filter(|s| !s.is_empty())
    }

    fn bad(&mut self, key: &str, en: impl Into<String>, nl: impl Into<String>) {
        self.problems.push(problem(self.line, key, en, nl));
    }

    fn time(&mut self, key: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let raw = self.text(key)?;
        match parse_time(&raw) {
            Some(t) if t > now => {
                self.bad(
                    key,
                    format!("`{raw}` lies in the future"),
                    format!("‘{raw}’ ligt in de toekomst"),
                );
                None
            }
            Some(t) => Some(t),
            None => {
                self.bad(
                    key,
                    format!(
                        "`{raw}` is not a date (use 2026-10-24, 24-10-2026 or 24-10-2026 08:00)"
                    ),
                    format!("‘{raw}’ is geen datum (schrijf 24-10-2026 of 24-10-2026 08:00)"),
                );
                None
            }
        }
    }

    fn list<T: Copy>(&mut self, key: &str, parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
        let raw = self.text(key)?;
        let mut v = vec![];
        for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match parse(part) {
                Some(x) => v.push(x),
                None => self.bad(
                    key,
                    format!("unknown value `{part}`"),
                    format!("onbekende waarde ‘{part}’"),
                ),
            }
        }
        Some(v)
    }
}

/// Parse a CSV or `.xlsx` file with the mapping (the proposed one, overridden by `overrides`):
/// every row as it will be stored, or every problem with its line (1 = the header; for Excel the
/// row number Excel shows) and field.
pub fn parse(
    bytes: &[u8],
    overrides: &Mapping,
    now: DateTime<Utc>,
) -> Result<Vec<ImportedRow>, Vec<Problem>> {
    let (is_xlsx, recs) = table(bytes)?;
    let (header_line, headers) = header_of(&recs)?;
    let mut problems = vec![];
    for (target, source) in overrides {
        if !TARGETS.iter().any(|(k, _)| k == target) {
            problems.push(problem(
                header_line,
                &format!("mapping.{target}"),
                "unknown field",
                "onbekend veld",
            ));
        } else if !source.trim().is_empty() && !headers.iter().any(|h| norm(h) == norm(source)) {
            problems.push(problem(
                header_line,
                &format!("mapping.{target}"),
                format!("no column `{source}` in the file"),
                format!("het bestand heeft geen kolom ‘{source}’"),
            ));
        }
    }
    let mapping = effective_mapping(&headers, overrides);
    for required in ["title", "became_aware_at"] {
        if !mapping.contains_key(required) {
            problems.push(problem(
                header_line,
                &format!("mapping.{required}"),
                "map a column to this field",
                "kies de kolom voor dit veld",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let index: Vec<(&'static str, usize)> = TARGETS
        .iter()
        .filter_map(|(k, _)| {
            let src = mapping.get(*k)?;
            headers
                .iter()
                .position(|h| norm(h) == norm(src))
                .map(|i| (*k, i))
        })
        .collect();
    let mut out = vec![];
    for (line, rec) in recs.iter().skip(1) {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() + 1 > MAX_ROWS {
            problems.push(problem(
                *line,
                "file",
                format!("at most {MAX_ROWS} rows"),
                format!("hoogstens {MAX_ROWS} rijen"),
            ));
            break;
        }
        let cells = index
            .iter()
            .filter_map(|(k, i)| rec.get(*i).map(|v| (*k, v.as_str())))
            .collect();
        let mut row = Row {
            line: *line,
            is_xlsx,
            cells,
            problems: &mut problems,
        };
        if let Some(r) = parse_row(&mut row, now) {
            out.push(r);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn entered<T>(v: Option<Vec<T>>) -> Fact<Vec<T>> {
    v.map(Fact::entered).unwrap_or_default()
}

fn parse_row(row: &mut Row, now: DateTime<Utc>) -> Option<ImportedRow> {
    let before = row.problems.len();
    let title = row.text("title");
    if title.is_none() {
        row.bad("title", "a title is required", "vul de titel in");
    }
    let aware_raw = row.text("became_aware_at");
    let aware = row.time("became_aware_at", now);
    if aware_raw.is_none() {
        row.bad(
            "became_aware_at",
            "the date of awareness is required",
            "vul in sinds wanneer de organisatie op de hoogte is",
        );
    }
    let discovered = row.time("discovered_at", now);
    let notified = row.time("notified_at", now);
    let informed = row.time("people_informed_at", now);
    let closed = row.time("closed_at", now);
    let withdrawn = row.time("notification_withdrawn_at", now);
    let decided = row.time("decided_at", now);
    if let Some(a) = aware {
        for (key, t) in [
            ("notified_at", notified),
            ("people_informed_at", informed),
            ("closed_at", closed),
            ("decided_at", decided),
        ] {
            if t.is_some_and(|t| t < a) {
                row.bad(
                    key,
                    "lies before the date of awareness",
                    "ligt vóór de datum waarop de organisatie op de hoogte raakte",
                );
            }
        }
        if discovered.is_some_and(|d| d > a) {
            row.bad(
                "discovered_at",
                "lies after the date of awareness",
                "ligt na de datum waarop de organisatie op de hoogte raakte",
            );
        }
    }
    if withdrawn.is_some() && notified.is_none() {
        row.bad(
            "notification_withdrawn_at",
            "a withdrawal needs the date of the AP notification",
            "een intrekking kan alleen met de datum van de melding aan de AP",
        );
    }
    let state = match row.text("state") {
        Some(s) => match State::parse(s.trim()).or_else(|| {
            crate::incidents::lifecycle::ALL
                .into_iter()
                .find(|st| st.label_nl().eq_ignore_ascii_case(s.trim()))
        }) {
            Some(st) => Some(st),
            None => {
                row.bad(
                    "state",
                    format!("unknown state `{s}`"),
                    format!("onbekende status ‘{s}’"),
                );
                None
            }
        },
        None if closed.is_some() => Some(State::Closed),
        None if notified.is_some() => Some(State::Notified),
        None => Some(State::Assessed),
    };
    match (state, closed) {
        (Some(State::Closed), None) => row.bad(
            "closed_at",
            "a closed incident needs its closing date",
            "een gesloten incident heeft een datum van sluiten nodig",
        ),
        (Some(s), Some(_)) if s != State::Closed => row.bad(
            "state",
            "an incident with a closing date is closed",
            "een incident met een datum van sluiten is gesloten",
        ),
        _ => {}
    }
    // Facts.
    let kind = row
        .text("kind")
        .and_then(|k| match vocab!(IncidentKind, &k) {
            Some(v) => Some(v),
            None => {
                row.bad(
                    "kind",
                    format!("unknown kind `{k}`"),
                    format!("onbekende soort ‘{k}’"),
                );
                None
            }
        });
    let nature = row.list("nature", |s| vocab!(Nature, s));
    let data = row.list("data_categories", |s| vocab!(GeneralData, s));
    let special = row.list("special_categories", |s| vocab!(SpecialCategory, s));
    let groups = row.list("groups", |s| vocab!(PersonGroup, s));
    let consequences = row.list("consequences", |s| vocab!(PeopleConsequence, s));
    let people = row.text("people").and_then(|p| match parse_people(&p) {
        Some(v) => Some(v),
        None => {
            row.bad(
                "people",
                format!("`{p}` is not a number (12, 100–500 or ≥ 1000)"),
                format!("‘{p}’ is geen aantal (schrijf 12, 100–500 of ≥ 1000)"),
            );
            None
        }
    });
    let any_fact = kind.is_some()
        || nature.is_some()
        || data.is_some()
        || special.is_some()
        || groups.is_some()
        || consequences.is_some()
        || people.is_some();
    let facts = any_fact.then(|| Facts {
        kind: kind.map(Fact::entered).unwrap_or_default(),
        nature: entered(nature.clone()),
        general_data: entered(data.clone()),
        special_categories: entered(special.clone()),
        groups: entered(groups.clone()),
        people: people.map(Fact::entered).unwrap_or_default(),
        consequences_people: entered(consequences.clone()),
        ..Facts::default()
    });
    if let Some(f) = &facts {
        if let Err(ps) = decision::propose_checked(f) {
            for p in ps {
                row.bad(&p.field, p.message, p.message_nl);
            }
        }
    }
    // Decision.
    let decision = match row.text("decision") {
        None => {
            for key in ["decision_exception", "decision_reasons", "decided_at"] {
                if row.text(key).is_some() {
                    row.bad(
                        key,
                        "filled in without a decision",
                        "ingevuld zonder besluit",
                    );
                }
            }
            None
        }
        Some(d) => {
            let outcome = vocab!(Outcome, &d).or_else(|| decision_alias(&d));
            if outcome.is_none() {
                row.bad(
                    "decision",
                    format!("unknown decision `{d}`"),
                    format!("onbekend besluit ‘{d}’"),
                );
            }
            let exception =
                row.text("decision_exception")
                    .and_then(|e| match vocab!(Exception, &e) {
                        Some(x) => Some(x.as_str().to_string()),
                        None => {
                            row.bad(
                                "decision_exception",
                                format!("unknown exception `{e}`"),
                                format!("onbekende uitzondering ‘{e}’"),
                            );
                            None
                        }
                    });
            let reasons = row.text("decision_reasons");
            if reasons.is_none() {
                row.bad(
                    "decision_reasons",
                    "a decision needs its reasons (Art. 33(5))",
                    "een besluit heeft een motivering nodig (art. 33 lid 5 AVG)",
                );
            }
            let decided_at = decided.or(notified).or(aware);
            match (outcome, reasons, decided_at) {
                (Some(o), Some(r), Some(t)) => Some(ImportedDecision {
                    outcome: o.as_str().to_string(),
                    exception,
                    reasons: r,
                    reason_for_difference: row.text("decision_reason_for_difference"),
                    decided_at: t,
                }),
                _ => None,
            }
        }
    };
    let measures = match row.text("measures").map(|m| parse_measures(&m)) {
        None => vec![],
        Some(Ok(v)) => v,
        Some(Err((en, nl))) => {
            row.bad("measures", en, nl);
            vec![]
        }
    };
    if row.problems.len() > before {
        return None;
    }
    let keys = |v: Option<Vec<&'static str>>| {
        v.unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    Some(ImportedRow {
        line: row.line,
        title: title?,
        description: row.text("description").unwrap_or_default(),
        state: state?.as_str().to_string(),
        discovered_at: discovered,
        became_aware_at: aware?,
        notified_at: notified,
        ap_number: row.text("ap_number"),
        people_informed_at: informed,
        closed_at: closed,
        kind: kind.map(|k| k.as_str().to_string()),
        nature: keys(nature.map(|v| v.iter().map(|x| x.as_str()).collect())),
        data_categories: keys(data.map(|v| v.iter().map(|x| x.as_str()).collect())),
        special_categories: keys(special.map(|v| v.iter().map(|x| x.as_str()).collect())),
        groups: keys(groups.map(|v| v.iter().map(|x| x.as_str()).collect())),
        people: row.text("people"),
        consequences: keys(consequences.map(|v| v.iter().map(|x| x.as_str()).collect())),
        facts,
        decision,
        measures,
        lessons_learned: row.text("lessons_learned"),
        close_override_reason: row.text("close_override_reason"),
        notification_withdrawn_at: withdrawn,
        late_awareness_reason: row.text("late_awareness_reason"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn short_dutch_values_are_read_when_they_fit_one_value_only() {
        assert_eq!(
            vocab!(Outcome, "alleen registreren"),
            Some(Outcome::RegisterOnly)
        );
        assert_eq!(
            vocab!(Outcome, "Alleen registreren."),
            Some(Outcome::RegisterOnly)
        );
        // "melden bij de AP" begins two labels: not guessed by its words…
        assert_eq!(vocab!(Outcome, "melden bij de AP en"), None);
        // …but a register's usual phrase for the AP alone.
        assert_eq!(decision_alias("Melden bij de AP"), Some(Outcome::NotifyAp));
        assert_eq!(decision_alias("niet gemeld"), Some(Outcome::RegisterOnly));
        assert_eq!(
            decision_alias("AP en betrokkenen"),
            Some(Outcome::NotifyApAndDataSubjects)
        );
        assert_eq!(decision_alias("iets anders"), None);
        assert_eq!(vocab!(Outcome, "   "), None);
    }

    proptest::proptest! {
        /// Every value is found by its key, by each whole label, and by the first words of a label
        /// when those words begin no other value's label; words that begin several are refused.
        #[test]
        fn a_value_is_found_by_the_words_that_begin_its_label_alone(
            pick in 0usize..Outcome::ALL.len(),
            cut in 1usize..12,
            en in proptest::bool::ANY,
        ) {
            let v = Outcome::ALL[pick];
            proptest::prop_assert_eq!(vocab!(Outcome, v.as_str()), Some(v));
            proptest::prop_assert_eq!(vocab!(Outcome, v.label_nl()), Some(v));
            proptest::prop_assert_eq!(vocab!(Outcome, v.label_en()), Some(v));
            let label = if en { v.label_en() } else { v.label_nl() };
            let w = words(label);
            let typed = w[..cut.min(w.len())].join(" ");
            let fits: Vec<Outcome> = Outcome::ALL
                .iter()
                .copied()
                .filter(|o| {
                    [o.label_nl(), o.label_en()]
                        .iter()
                        .any(|l| words(l).starts_with(&words(&typed)))
                })
                .collect();
            let exact = Outcome::ALL.iter().copied().find(|o| {
                [o.label_nl(), o.label_en()].iter().any(|l| words(l) == words(&typed))
            });
            let found = vocab!(Outcome, &typed);
            if let Some(e) = exact {
                proptest::prop_assert_eq!(found, Some(e));
            } else if fits.len() == 1 {
                proptest::prop_assert_eq!(found, Some(v));
            } else {
                proptest::prop_assert_eq!(found, None);
            }
        }
    }

    #[test]
    fn dates_in_the_usual_formats_are_dutch_local_time() {
        let want = Utc.with_ymd_and_hms(2025, 3, 4, 8, 30, 0).unwrap(); // 09:30 CET
        assert_eq!(parse_time("04-03-2025 09:30"), Some(want));
        assert_eq!(parse_time("2025-03-04 09:30"), Some(want));
        assert_eq!(parse_time("04/03/2025 09:30:00"), Some(want));
        assert_eq!(parse_time("2025-03-04T08:30:00Z"), Some(want));
        assert_eq!(
            parse_time("04-03-2025"),
            Some(Utc.with_ymd_and_hms(2025, 3, 3, 23, 0, 0).unwrap())
        );
        assert_eq!(parse_time("4 maart"), None);
        assert_eq!(parse_time("31-02-2025"), None);
    }

    #[test]
    fn dutch_headers_are_mapped_and_rows_keep_their_dates() {
        let csv = "Titel;Datum ontdekking;Datum bewustwording;Datum melding AP;Meldnummer AP;Besluit;Motivering;Datum afgesloten\n\
                   Brief verkeerd adres;01-02-2025;02-02-2025 10:00;04-02-2025 09:00;M-123;melden bij de Autoriteit Persoonsgegevens;Risico;01-03-2025\n";
        let rows = parse(csv.as_bytes(), &Mapping::new(), now()).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.state, "closed");
        assert_eq!(r.ap_number.as_deref(), Some("M-123"));
        assert_eq!(
            r.became_aware_at,
            Utc.with_ymd_and_hms(2025, 2, 2, 9, 0, 0).unwrap()
        );
        let d = r.decision.as_ref().unwrap();
        assert_eq!(d.outcome, "notify_ap");
        // Without a decision date, the decision is dated at the notification.
        assert_eq!(Some(d.decided_at), r.notified_at);
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_field_and_nothing_is_returned() {
        let csv = "title,became_aware_at,closed_at,state,people\n\
                   Goed,2025-01-01,2025-02-01,closed,12\n\
                   ,31-02-2025,,closed,veel\n\
                   Toekomst,2030-01-01,,,\n";
        let err = parse(csv.as_bytes(), &Mapping::new(), now()).unwrap_err();
        let got: Vec<(u64, &str)> = err.iter().map(|p| (p.line, p.field.as_str())).collect();
        assert!(got.contains(&(3, "title")), "{got:?}");
        assert!(got.contains(&(3, "became_aware_at")), "{got:?}");
        assert!(got.contains(&(3, "closed_at")), "{got:?}");
        assert!(got.contains(&(3, "people")), "{got:?}");
        assert!(got.contains(&(4, "became_aware_at")), "{got:?}");
        assert!(!got.iter().any(|(l, _)| *l == 2), "{got:?}");
    }

    #[test]
    fn the_mapping_overrides_proposals_and_names_unknown_fields_and_columns() {
        let csv = "Wat,Wanneer\nLek,2025-01-01\n";
        let mut m = Mapping::new();
        m.insert("title".into(), "Wat".into());
        m.insert("became_aware_at".into(), "Wanneer".into());
        let rows = parse(csv.as_bytes(), &m, now()).unwrap();
        assert_eq!(rows[0].title, "Lek");
        assert_eq!(rows[0].state, "assessed");
        m.insert("colour".into(), "Wat".into());
        m.insert("closed_at".into(), "Einde".into());
        let err = parse(csv.as_bytes(), &m, now()).unwrap_err();
        let fields: Vec<&str> = err.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["mapping.closed_at", "mapping.colour"]);
        let err = parse(b"Wat\nLek\n", &Mapping::new(), now()).unwrap_err();
        assert_eq!(err[0].field, "mapping.title");
    }

    #[test]
    fn measures_in_the_export_form_are_read_back() {
        let m = parse_measures(
            "Adres controleren [done, 2025-02-10] | Training [in uitvoering, 01-03-2025]",
        )
        .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].status, "done");
        assert_eq!(m[1].status, "in_progress");
        assert_eq!(m[1].due_on, NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        assert!(parse_measures("zonder haakjes").is_err());
    }

    #[test]
    fn people_counts_as_the_export_writes_them() {
        assert_eq!(parse_people("12"), Some(PeopleCount::Exact { n: 12 }));
        assert_eq!(
            parse_people("100–500"),
            Some(PeopleCount::Range {
                min: 100,
                max: Some(500)
            })
        );
        assert_eq!(
            parse_people("≥ 1000"),
            Some(PeopleCount::Range {
                min: 1000,
                max: None
            })
        );
        assert_eq!(parse_people("500-100"), None);
    }
}
