//! Processing activities (Art. 30): the model, its validation, and CSV/JSON import and export.
//! Lists of categories use the AP form's vocabulary (`assessment::facts`), so linking an incident
//! to an activity can propose its data and people categories.
use serde::{Deserialize, Serialize};

use crate::assessment::facts::{GeneralData, PersonGroup, SpecialCategory};
use crate::error::FieldProblem;

/// The lawful bases of Art. 6(1) GDPR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
}

impl LegalBasis {
    pub const ALL: [LegalBasis; 6] = [
        LegalBasis::Consent,
        LegalBasis::Contract,
        LegalBasis::LegalObligation,
        LegalBasis::VitalInterests,
        LegalBasis::PublicTask,
        LegalBasis::LegitimateInterests,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegalObligation => "legal_obligation",
            LegalBasis::VitalInterests => "vital_interests",
            LegalBasis::PublicTask => "public_task",
            LegalBasis::LegitimateInterests => "legitimate_interests",
        }
    }

    pub fn parse(s: &str) -> Option<LegalBasis> {
        Self::ALL.iter().copied().find(|b| b.as_str() == s.trim())
    }

    pub fn label_nl(&self) -> &'static str {
        match self {
            LegalBasis::Consent => "toestemming (art. 6 lid 1 sub a)",
            LegalBasis::Contract => "overeenkomst (sub b)",
            LegalBasis::LegalObligation => "wettelijke verplichting (sub c)",
            LegalBasis::VitalInterests => "vitaal belang (sub d)",
            LegalBasis::PublicTask => "taak van algemeen belang of openbaar gezag (sub e)",
            LegalBasis::LegitimateInterests => "gerechtvaardigd belang (sub f)",
        }
    }
}

/// One processing activity as entered, imported or exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    pub name: String,
    pub purposes: String,
    #[schema(value_type = String)]
    pub legal_basis: LegalBasis,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub data_categories: Vec<GeneralData>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub special_categories: Vec<SpecialCategory>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub person_groups: Vec<PersonGroup>,
    /// Recipients, including deliveries to other organisations and the agreement they rest on.
    #[serde(default)]
    pub recipients: String,
    #[serde(default)]
    pub processors: String,
    /// How long the data are kept, in words ("7 jaar na beëindiging").
    #[serde(default)]
    pub retention: String,
}

const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 5_000;

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl Activity {
    /// Trimmed texts, sorted and deduplicated lists.
    pub fn normalised(mut self) -> Activity {
        for s in [
            &mut self.name,
            &mut self.purposes,
            &mut self.recipients,
            &mut self.processors,
            &mut self.retention,
        ] {
            *s = s.trim().to_string();
        }
        self.data_categories.sort();
        self.data_categories.dedup();
        self.special_categories.sort();
        self.special_categories.dedup();
        self.person_groups.sort();
        self.person_groups.dedup();
        self
    }

    pub fn validate(&self) -> Result<(), Vec<FieldProblem>> {
        let mut out = vec![];
        if self.name.trim().is_empty() || chars(&self.name) > MAX_NAME {
            out.push(FieldProblem::new(
                "name",
                format!("a name of 1 to {MAX_NAME} characters"),
                format!("een naam van 1 tot {MAX_NAME} tekens"),
            ));
        }
        if self.purposes.trim().is_empty() {
            out.push(FieldProblem::new(
                "purposes",
                "state the purposes of the processing",
                "vermeld de doeleinden van de verwerking",
            ));
        }
        for (field, v) in [
            ("purposes", &self.purposes),
            ("recipients", &self.recipients),
            ("processors", &self.processors),
            ("retention", &self.retention),
        ] {
            if chars(v) > MAX_TEXT {
                out.push(FieldProblem::new(
                    field,
                    format!("at most {MAX_TEXT} characters"),
                    format!("hoogstens {MAX_TEXT} tekens"),
                ));
            }
        }
        // The input boundary, for the imports too (PostgreSQL refuses NUL in text, SQLite
        // stores it; found by cargo fuzz).
        for (field, v) in [
            ("name", &self.name),
            ("purposes", &self.purposes),
            ("recipients", &self.recipients),
            ("processors", &self.processors),
            ("retention", &self.retention),
        ] {
            if crate::input::has_bad_chars(v) {
                out.push(FieldProblem::new(
                    field,
                    crate::input::BAD_CHARS_MESSAGE,
                    "bevat tekens die we niet kunnen bewaren (zoals NUL); haal ze weg",
                ));
            }
        }
        if self.data_categories.is_empty() && self.special_categories.is_empty() {
            out.push(FieldProblem::new(
                "data_categories",
                "name at least one category of personal data",
                "noem ten minste één categorie persoonsgegevens",
            ));
        }
        if self.person_groups.is_empty() {
            out.push(FieldProblem::new(
                "person_groups",
                "name at least one group of people",
                "noem ten minste één groep betrokkenen",
            ));
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// What this activity says about an incident linked to it.
    pub fn as_source(&self) -> crate::assessment::derive::Source {
        crate::assessment::derive::Source::from_activity(
            format!("verwerkingsregister: {}", self.name),
            &format!("{} {}", self.name, self.purposes),
            &self.data_categories,
            &self.special_categories,
            &self.person_groups,
        )
    }
}

/// The CSV columns, in order. Lists are separated by `;` and use the vocabulary keys.
pub const CSV_COLUMNS: [&str; 9] = [
    "name",
    "purposes",
    "legal_basis",
    "data_categories",
    "special_categories",
    "person_groups",
    "recipients",
    "processors",
    "retention",
];

/// One refused row of an import: its line in the file (1 = the header) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

fn row_problem(line: u64, field: &str, message: impl Into<String>) -> RowProblem {
    RowProblem {
        line,
        field: field.into(),
        message: message.into(),
    }
}

fn parse_list<T>(
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    line: u64,
    field: &str,
    out: &mut Vec<RowProblem>,
) -> Vec<T> {
    let mut v = vec![];
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match parse(part) {
            Some(x) => v.push(x),
            None => out.push(row_problem(line, field, format!("unknown value `{part}`"))),
        }
    }
    v
}

pub const MAX_IMPORT_ROWS: usize = 10_000;

/// The Excel export's Dutch headings, in [`CSV_COLUMNS`] order, with their widths. An import
/// takes either these or the CSV keys.
pub const XLSX_COLUMNS: [(&str, f64); 9] = [
    ("Naam", 30.0),
    ("Doeleinden", 40.0),
    ("Grondslag", 30.0),
    ("Persoonsgegevens", 40.0),
    ("Bijzondere persoonsgegevens", 30.0),
    ("Groepen betrokkenen", 30.0),
    ("Ontvangers", 30.0),
    ("Verwerkers", 30.0),
    ("Bewaartermijn", 24.0),
];

/// Parse a CSV export (UTF-8, header row with exactly [`CSV_COLUMNS`], `,` or `;` as delimiter).
/// All rows or none: any problem is reported with its line, and nothing is returned.
pub fn from_csv(bytes: &[u8]) -> Result<Vec<Activity>, Vec<RowProblem>> {
    let text = match std::str::from_utf8(crate::tabular::strip_bom(bytes)) {
        Ok(t) => t,
        Err(e) => {
            return Err(vec![row_problem(
                1,
                "file",
                format!(
                    "the file is not UTF-8 (invalid byte at offset {}); save it as CSV UTF-8",
                    e.valid_up_to()
                ),
            )])
        }
    };
    let recs = crate::tabular::csv_records(text, crate::tabular::sniff_delimiter(text))
        .map_err(|u| vec![row_problem(u.line, "file", u.en)])?;
    from_records(recs, false)
}

/// Parse an Excel file (`.xlsx`, the first sheet): the export's Dutch headings or the CSV keys.
pub fn from_xlsx(bytes: &[u8]) -> Result<Vec<Activity>, Vec<RowProblem>> {
    let recs =
        crate::tabular::xlsx_records(bytes).map_err(|u| vec![row_problem(u.line, "file", u.en)])?;
    from_records(recs, true)
}

/// A CSV or Excel file, told apart by its first bytes.
pub fn from_table(bytes: &[u8]) -> Result<Vec<Activity>, Vec<RowProblem>> {
    if crate::tabular::is_xlsx(bytes) {
        from_xlsx(bytes)
    } else {
        from_csv(bytes)
    }
}

/// A list cell in keys or in the export's Dutch words.
fn vocab<T: Copy>(
    all: &[T],
    key: impl Fn(&T) -> &str,
    nl: impl Fn(&T) -> &str,
    s: &str,
) -> Option<T> {
    all.iter()
        .copied()
        .find(|v| key(v) == s || nl(v).eq_ignore_ascii_case(s))
}

fn from_records(
    recs: Vec<crate::tabular::Record>,
    is_xlsx: bool,
) -> Result<Vec<Activity>, Vec<RowProblem>> {
    let mut recs = recs.into_iter();
    let Some((header_line, header)) = recs.next() else {
        return Err(vec![row_problem(
            1,
            "file",
            "the file is empty: a header row is required",
        )]);
    };
    // Dutch headings (the Excel export) stand for their keys.
    let headers: Vec<String> = header
        .iter()
        .map(|s| {
            let h = s.trim().to_lowercase();
            XLSX_COLUMNS
                .iter()
                .position(|(nl, _)| nl.to_lowercase() == h)
                .map(|i| CSV_COLUMNS[i].to_string())
                .unwrap_or(h)
        })
        .collect();
    let mut problems = vec![];
    for col in CSV_COLUMNS {
        if !headers.iter().any(|h| h == col) {
            problems.push(row_problem(
                header_line,
                col,
                "column missing from the header",
            ));
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            // A problem names its field: an empty heading by its column (found by cargo fuzz).
            problems.push(row_problem(
                header_line,
                "header",
                format!("column {} has no name", i + 1),
            ));
        } else if !CSV_COLUMNS.contains(&h.as_str()) {
            problems.push(row_problem(header_line, h, "unknown column"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let idx = |name: &str| headers.iter().position(|h| h == name).expect("checked");
    let mut out = vec![];
    let mut names = std::collections::HashMap::<String, u64>::new();
    for (line, mut rec) in recs {
        if is_xlsx {
            crate::tabular::pad(&mut rec, headers.len());
        }
        if out.len() + problems.len() >= MAX_IMPORT_ROWS {
            problems.push(row_problem(
                line,
                "file",
                format!("at most {MAX_IMPORT_ROWS} rows"),
            ));
            break;
        }
        if rec.len() != headers.len() {
            problems.push(row_problem(
                line,
                "row",
                format!(
                    "{} fields where the header has {}",
                    rec.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let get = |name: &str| {
            crate::tabular::unformula(rec.get(idx(name)).map(String::as_str).unwrap_or(""))
                .to_string()
        };
        let before = problems.len();
        let legal_basis = match vocab(
            &LegalBasis::ALL,
            |b| b.as_str(),
            |b| b.label_nl(),
            get("legal_basis").trim(),
        ) {
            Some(b) => Some(b),
            None => {
                problems.push(row_problem(
                    line,
                    "legal_basis",
                    format!("unknown legal basis `{}`; one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests", get("legal_basis").trim()),
                ));
                None
            }
        };
        let data_categories = parse_list(
            &get("data_categories"),
            |p| vocab(GeneralData::ALL, |v| v.as_str(), |v| v.label_nl(), p),
            line,
            "data_categories",
            &mut problems,
        );
        let special_categories = parse_list(
            &get("special_categories"),
            |p| vocab(SpecialCategory::ALL, |v| v.as_str(), |v| v.label_nl(), p),
            line,
            "special_categories",
            &mut problems,
        );
        let person_groups = parse_list(
            &get("person_groups"),
            |p| vocab(PersonGroup::ALL, |v| v.as_str(), |v| v.label_nl(), p),
            line,
            "person_groups",
            &mut problems,
        );
        let Some(legal_basis) = legal_basis else {
            continue;
        };
        if problems.len() > before {
            continue;
        }
        let a = Activity {
            name: get("name"),
            purposes: get("purposes"),
            legal_basis,
            data_categories,
            special_categories,
            person_groups,
            recipients: get("recipients"),
            processors: get("processors"),
            retention: get("retention"),
        }
        .normalised();
        if let Err(ps) = a.validate() {
            problems.extend(
                ps.into_iter()
                    .map(|p| row_problem(line, &p.field, p.message)),
            );
            continue;
        }
        let key = a.name.to_lowercase();
        if let Some(first) = names.get(&key) {
            problems.push(row_problem(
                line,
                "name",
                format!("the same name as line {first}"),
            ));
            continue;
        }
        names.insert(key, line);
        out.push(a);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Write activities as CSV with [`CSV_COLUMNS`] (UTF-8, `,`), which [`from_csv`] reads back.
pub fn to_csv(activities: &[Activity]) -> String {
    let mut w = crate::tabular::csv_writer();
    crate::tabular::write_safe(&mut w, CSV_COLUMNS);
    for a in activities {
        let join = |v: Vec<&str>| v.join(";");
        crate::tabular::write_safe(
            &mut w,
            [
                a.name.as_str(),
                &a.purposes,
                a.legal_basis.as_str(),
                &join(a.data_categories.iter().map(|c| c.as_str()).collect()),
                &join(a.special_categories.iter().map(|c| c.as_str()).collect()),
                &join(a.person_groups.iter().map(|c| c.as_str()).collect()),
                &a.recipients,
                &a.processors,
                &a.retention,
            ],
        );
    }
    crate::tabular::csv_text(w)
}

/// The register of processing activities as an Excel workbook: Dutch headings and values (the
/// categories in words), filters on. [`from_xlsx`] reads it back.
pub fn to_xlsx(activities: &[Activity]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use crate::tabular::Cell;
    let join = |v: Vec<&str>| Cell::from(v.join("; "));
    let rows = activities
        .iter()
        .map(|a| {
            vec![
                Cell::from(a.name.as_str()),
                Cell::from(a.purposes.as_str()),
                Cell::from(a.legal_basis.label_nl()),
                join(a.data_categories.iter().map(|c| c.label_nl()).collect()),
                join(a.special_categories.iter().map(|c| c.label_nl()).collect()),
                join(a.person_groups.iter().map(|c| c.label_nl()).collect()),
                Cell::from(a.recipients.as_str()),
                Cell::from(a.processors.as_str()),
                Cell::from(a.retention.as_str()),
            ]
        })
        .collect();
    crate::tabular::xlsx(&crate::tabular::Sheet {
        name: "Verwerkingsregister",
        columns: &XLSX_COLUMNS,
        rows,
    })
}

/// Parse a JSON import (an array of activities); all or none, problems by array position
/// (reported as `line` = position + 1).
pub fn from_json(bytes: &[u8]) -> Result<Vec<Activity>, Vec<RowProblem>> {
    let raw: Vec<serde_json::Value> = serde_json::from_slice(bytes).map_err(|e| {
        vec![row_problem(
            e.line() as u64,
            "file",
            format!("not a JSON array of activities: {e}"),
        )]
    })?;
    if raw.len() > MAX_IMPORT_ROWS {
        return Err(vec![row_problem(
            0,
            "file",
            format!("at most {MAX_IMPORT_ROWS} activities"),
        )]);
    }
    let mut out = vec![];
    let mut problems = vec![];
    let mut names = std::collections::HashMap::<String, u64>::new();
    for (i, v) in raw.into_iter().enumerate() {
        let line = i as u64 + 1;
        let a: Activity = match serde_path_to_error::deserialize(v) {
            Ok(a) => a,
            Err(e) => {
                let path = e.path().to_string();
                // The item as a whole, or an empty key (`"": 1`): the problem still names a
                // field (found by cargo fuzz).
                let path = if path.is_empty() || path == "." {
                    "item".to_string()
                } else {
                    path
                };
                problems.push(row_problem(line, &path, e.into_inner().to_string()));
                continue;
            }
        };
        let a = a.normalised();
        if let Err(ps) = a.validate() {
            problems.extend(
                ps.into_iter()
                    .map(|p| row_problem(line, &p.field, p.message)),
            );
            continue;
        }
        let key = a.name.to_lowercase();
        if let Some(first) = names.get(&key) {
            problems.push(row_problem(
                line,
                "name",
                format!("the same name as item {first}"),
            ));
            continue;
        }
        names.insert(key, line);
        out.push(a);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Activity {
        Activity {
            name: "Uitkeringen Participatiewet".into(),
            purposes: "Vaststellen en betalen van bijstand".into(),
            legal_basis: LegalBasis::LegalObligation,
            data_categories: vec![GeneralData::Name, GeneralData::Bsn, GeneralData::Iban],
            special_categories: vec![SpecialCategory::Health],
            person_groups: vec![PersonGroup::Customers],
            recipients: "Belastingdienst (gegevenslevering, convenant 2024); SVB".into(),
            processors: "Inkomensapplicatie BV (verwerkersovereenkomst 2023)".into(),
            retention: "10 jaar na beëindiging van de uitkering".into(),
        }
    }

    #[test]
    fn csv_round_trips() {
        let csv = to_csv(&[sample()]);
        assert!(csv.starts_with("name,purposes,legal_basis,"));
        assert_eq!(
            from_csv(csv.as_bytes()).unwrap(),
            vec![sample().normalised()]
        );
    }

    #[test]
    fn json_round_trips() {
        let json = serde_json::to_vec(&vec![sample()]).unwrap();
        assert_eq!(from_json(&json).unwrap(), vec![sample().normalised()]);
    }

    #[test]
    fn semicolon_csv_from_a_dutch_spreadsheet_is_read() {
        let csv = "\u{feff}name;purposes;legal_basis;data_categories;special_categories;person_groups;recipients;processors;retention\n\
                   Leerlingadministratie;Onderwijs geven;public_task;name,address;;pupils_or_students,minors;;;5 jaar\n";
        // With `;` as delimiter, lists must use `;` too, so `name,address` is one unknown value.
        let e = from_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].field, "data_categories");
    }

    #[test]
    fn bad_rows_are_named_by_line_and_nothing_is_returned() {
        let good = to_csv(&[sample()]);
        let bad = format!(
            "{good}Tweede,Doel,magic,name,,customers,,,\nDerde,,consent,,,,,,\nUitkeringen Participatiewet,Doel,consent,name,,customers,,,\n"
        );
        let e = from_csv(bad.as_bytes()).unwrap_err();
        let lines: Vec<(u64, &str)> = e.iter().map(|p| (p.line, p.field.as_str())).collect();
        assert_eq!(
            lines,
            vec![
                (3, "legal_basis"),
                (4, "purposes"),
                (4, "data_categories"),
                (4, "person_groups"),
                (5, "name")
            ]
        );
    }

    #[test]
    fn a_missing_column_or_wrong_encoding_is_refused() {
        let e = from_csv(b"name,purposes\nA,B\n").unwrap_err();
        assert!(e.iter().any(|p| p.field == "legal_basis" && p.line == 1));
        let latin1 = b"name,purposes,legal_basis,data_categories,special_categories,person_groups,recipients,processors,retention\nBe\xe9indiging,x,consent,name,,customers,,,\n";
        let e = from_csv(latin1).unwrap_err();
        assert_eq!(e[0].field, "file");
        assert!(e[0].message.contains("UTF-8"));
    }

    #[test]
    fn json_problems_name_the_item_and_field() {
        let e = from_json(br#"[{"name":"A","purposes":"B","legal_basis":"consent","data_categories":["nope"],"person_groups":["customers"]}]"#).unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(e[0].field.starts_with("data_categories"), "{e:?}");
    }

    #[test]
    fn excel_round_trips_in_dutch_and_formulas_stay_text() {
        use calamine::{Data, Reader};
        let mut all = sample();
        all.data_categories = GeneralData::ALL.to_vec();
        all.special_categories = SpecialCategory::ALL.to_vec();
        all.person_groups = PersonGroup::ALL.to_vec();
        let mut risky = sample();
        risky.name = "=HYPERLINK(\"http://x\")".into();
        let list = [all.clone().normalised(), risky.clone()];
        let bytes = to_xlsx(&list).unwrap();
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let r = wb.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(r.get((0, 2)), Some(&Data::String("Grondslag".into())));
        assert_eq!(
            r.get((2, 2)),
            Some(&Data::String("wettelijke verplichting (sub c)".into()))
        );
        assert_eq!(from_table(&bytes).unwrap(), list.to_vec());
        // CSV: a formula goes out defused and comes back as it was.
        let csv = to_csv(&[risky.clone()]);
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        assert_eq!(from_table(csv.as_bytes()).unwrap(), vec![risky]);
    }

    #[test]
    fn excel_rows_are_refused_by_their_row_number() {
        use crate::tabular::{xlsx, Cell, Sheet};
        let mut rows = vec![];
        for name in ["A", "B"] {
            rows.push(vec![
                Cell::from(name),
                Cell::from("doel"),
                Cell::from(if name == "B" { "wens" } else { "consent" }),
                Cell::from("naam"),
                Cell::Empty,
                Cell::from("customers"),
            ]);
        }
        let bytes = xlsx(&Sheet {
            name: "Blad1",
            columns: &XLSX_COLUMNS,
            rows,
        })
        .unwrap();
        let e = from_xlsx(&bytes).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].line, e[0].field.as_str()), (3, "legal_basis"));
    }
}

/// Inputs `cargo fuzz` (fuzz/, target `activities_csv`) found, replayed on the real importers.
#[cfg(test)]
mod fuzz_findings {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/fuzz/activities_csv/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A file of one `;` has two empty headings: they were refused under an empty field name.
    #[test]
    fn an_empty_heading_is_named_by_its_column() {
        let e = from_table(&fixture("empty_headings.csv")).unwrap_err();
        let empty: Vec<&RowProblem> = e.iter().filter(|p| p.field == "header").collect();
        assert_eq!(empty.len(), 2, "{e:?}");
        assert_eq!(empty[1].message, "column 2 has no name");
        assert!(e.iter().all(|p| !p.field.is_empty()), "{e:?}");
    }

    /// A damaged workbook made calamine overflow (a panic in debug builds, a wrapped column in
    /// release ones): it is an unreadable file.
    #[test]
    fn a_workbook_that_makes_calamine_overflow_is_unreadable() {
        let e = from_table(&fixture("calamine_overflow.xlsx")).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].field, "file");
        assert!(e[0].message.contains("cannot be read"), "{e:?}");
    }

    /// Two cells far apart (A1 and XFD1048576, both legal) made calamine ask for 17 billion
    /// cells of memory; the rows are now read cell by cell.
    #[test]
    fn cells_far_apart_take_no_more_room_than_they_fill() {
        let e = from_table(&fixture("far_apart_cells.xlsx")).unwrap_err();
        // The heading row has only `naam`: the other columns are missing, and row 1048576 is
        // as wide as the sheet.
        assert!(e.iter().any(|p| p.field == "purposes"), "{e:?}");
    }

    /// An empty key in a JSON item (`"": "x"`) was refused under an empty field name.
    #[test]
    fn an_empty_key_names_the_item() {
        let e = from_json(&fixture("empty_key_in_json.json")).unwrap_err();
        assert!(e.iter().all(|p| !p.field.is_empty()), "{e:?}");
        assert!(e.iter().any(|p| p.line == 1 && p.field == "item"), "{e:?}");
    }

    /// A cell ` '=HYPE…` (a quote before a formula character, after a blank) was kept as
    /// `'=HYPE…`, which the CSV export wrote unchanged and the import then read as `=HYPE…`.
    #[test]
    fn a_quote_before_a_formula_survives_export_and_import() {
        let list = from_csv(&fixture("quote_before_formula.csv")).unwrap();
        assert!(list[1].purposes.starts_with("'=HYPE"), "{list:?}");
        assert_eq!(from_csv(to_csv(&list).as_bytes()).unwrap(), list);
    }

    /// The JSON import took a NUL byte (the CSV and Excel imports the same way).
    #[test]
    fn control_characters_are_refused_in_every_import() {
        let e = from_json(&fixture("nul_in_json.json")).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].line, e[0].field.as_str()), (1, "purposes"));
        let mut a = from_json(&fixture("nul_in_json.json").replace_nul()).unwrap();
        a[0].retention = "7 jaar\u{1b}".into();
        let e = from_csv(to_csv(&a).as_bytes()).unwrap_err();
        assert_eq!((e[0].line, e[0].field.as_str()), (2, "retention"));
    }

    trait ReplaceNul {
        fn replace_nul(self) -> Vec<u8>;
    }
    impl ReplaceNul for Vec<u8> {
        fn replace_nul(self) -> Vec<u8> {
            String::from_utf8(self)
                .unwrap()
                .replace("\\u0000", "")
                .into_bytes()
        }
    }
}
