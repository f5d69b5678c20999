//! Recipients from a CSV file: columns `name`, `email`, `postal_address`, `language` (any order,
//! header required) and any further columns, which the templates can use as
//! `recipient.extra.<column>`. Comma or semicolon separated (Excel in Dutch writes semicolons),
//! RFC 4180 quoting (the `csv` crate, through [`crate::tabular`]), UTF-8 (with or without BOM); or
//! an Excel file (`.xlsx`, the first sheet, the same columns).
//!
//! A postal address must fit the envelope window with the name above it
//! ([`super::address::check`]: at most 6 lines, each at most 80 mm wide as the letter prints it, in
//! characters the letter font has).
//!
//! All or nothing: a file with any bad row yields the list of bad rows with their line numbers and
//! nothing is imported. Duplicates (same e-mail address, or without one the same name and address)
//! are kept once and reported. Pure: no database code here.
use serde::Serialize;

pub const REQUIRED: [&str; 4] = ["name", "email", "postal_address", "language"];
const CONTROL_CHARS_EN: &str = crate::input::BAD_CHARS_MESSAGE;
const CONTROL_CHARS_NL: &str = "bevat tekens die we niet kunnen bewaren (zoals NUL); haal ze weg";
pub const MAX_ROWS: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    pub line: u64,
    pub field: String,
    pub message: String,
    /// The same in Dutch, for the pages (the API answers in English).
    #[serde(skip)]
    pub message_nl: String,
}

/// A problem with the file as a whole, in English (the API) and Dutch (the pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub en: String,
    pub nl: String,
}

fn file_problem(en: impl Into<String>, nl: impl Into<String>) -> ImportError {
    ImportError::File(FileProblem {
        en: en.into(),
        nl: nl.into(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The file as a whole is unusable (encoding, header).
    File(FileProblem),
    /// These rows are bad; nothing is imported.
    Rows(Vec<BadRow>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: String,
    /// Values of the extra columns, in `Parsed::extra_columns` order.
    pub extra: Vec<String>,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub line: u64,
    pub same_as_line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub extra_columns: Vec<String>,
    pub rows: Vec<Row>,
    pub duplicates: Vec<Duplicate>,
}

/// The text of an uploaded file: UTF-8 (a BOM is dropped); anything else is a clear error.
pub fn decode(bytes: &[u8]) -> Result<&str, ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(file_problem(
            "the file is UTF-16: save it as CSV UTF-8 (comma or semicolon separated)",
            "Het bestand is UTF-16: sla het op als CSV UTF-8 (gescheiden door komma of puntkomma).",
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let upto = &bytes[..e.valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        file_problem(
            format!("the file is not UTF-8 (first bad byte on line {line}, e.g. Windows-1252 or Latin-1): save it as CSV UTF-8"),
            format!("Het bestand is geen UTF-8 (het eerste onleesbare teken staat op regel {line}; bijvoorbeeld Windows-1252): sla het op als CSV UTF-8."),
        )
    })
}

fn twice(column: &str) -> ImportError {
    file_problem(
        format!("column {column} appears twice"),
        format!("De kolom {column} komt twee keer voor."),
    )
}

fn valid_column(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 64
        && c.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
}

fn collapse(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Parse and validate a whole file: CSV (UTF-8) or Excel (`.xlsx`, the first sheet).
pub fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let is_xlsx = crate::tabular::is_xlsx(bytes);
    let recs = if is_xlsx {
        crate::tabular::xlsx_records(bytes).map_err(|u| file_problem(u.en, u.nl))?
    } else {
        let text = decode(bytes)?;
        crate::tabular::csv_records(text, crate::tabular::sniff_delimiter(text)).map_err(|u| {
            ImportError::Rows(vec![BadRow {
                line: u.line,
                field: "file".into(),
                message: u.en,
                message_nl: u.nl,
            }])
        })?
    };
    let mut rest = recs.into_iter();
    let Some((_, header)) = rest.next() else {
        return Err(file_problem(
            "the file is empty: a header line is required",
            "Het bestand is leeg: de eerste regel moet de kolomnamen bevatten.",
        ));
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut idx = [0usize; 4];
    let mut absent = vec![];
    for (k, name) in REQUIRED.iter().enumerate() {
        match header.iter().position(|h| h == name) {
            Some(p) => idx[k] = p,
            None => absent.push(*name),
        }
    }
    if !absent.is_empty() {
        return Err(file_problem(
            format!(
                "missing column(s) in the header: {} (required: {})",
                absent.join(", "),
                REQUIRED.join(", ")
            ),
            format!(
                "Er ontbreken kolommen in de kopregel: {}. Verplicht zijn name, email, postal_address en language.",
                absent.join(", ")
            ),
        ));
    }
    let mut extra_idx = vec![];
    let mut extra_columns = vec![];
    for (p, h) in header.iter().enumerate() {
        if REQUIRED.contains(&h.as_str()) {
            if header.iter().filter(|x| *x == h).count() > 1 {
                return Err(twice(h));
            }
            continue;
        }
        if !valid_column(h) {
            return Err(file_problem(
                format!("column {h:?}: extra column names use lowercase letters, digits and _ (they become recipient.extra.<name> in the templates)"),
                format!("Kolom {h:?}: namen van extra kolommen bestaan alleen uit kleine letters, cijfers en _ (ze worden recipient.extra.<naam> in de sjablonen)."),
            ));
        }
        if extra_columns.contains(h) {
            return Err(twice(h));
        }
        extra_idx.push(p);
        extra_columns.push(h.clone());
    }
    if rest.len() > MAX_ROWS {
        return Err(file_problem(
            format!("at most {MAX_ROWS} rows per file"),
            format!("Hoogstens {MAX_ROWS} regels per bestand."),
        ));
    }
    let mut bad = vec![];
    let mut rows = Vec::with_capacity(rest.len());
    let mut seen: std::collections::HashMap<String, u64> =
        std::collections::HashMap::with_capacity(rest.len());
    let mut duplicates = vec![];
    for (line, mut fields) in rest {
        if is_xlsx {
            // Excel does not store trailing empty cells.
            crate::tabular::pad(&mut fields, header.len());
        }
        if fields.len() != header.len() {
            bad.push(BadRow {
                line,
                field: "row".into(),
                message: format!("{} fields, the header has {}", fields.len(), header.len()),
                message_nl: format!(
                    "{} velden, terwijl de kopregel er {} heeft",
                    fields.len(),
                    header.len()
                ),
            });
            continue;
        }
        let get = |k: usize| fields[idx[k]].trim();
        let mut row_bad = false;
        let mut flag = |field: &str, message: &str, message_nl: &str| {
            bad.push(BadRow {
                line,
                field: field.into(),
                message: message.into(),
                message_nl: message_nl.into(),
            });
            row_bad = true;
        };
        let name = get(0);
        if name.is_empty() {
            flag("name", "a name is required", "een naam is verplicht");
        } else if name.chars().count() > 200 {
            flag("name", "at most 200 characters", "hoogstens 200 tekens");
        }
        let email = Some(get(1)).filter(|e| !e.is_empty());
        if let Some(e) = email {
            if crate::input::EmailAddress::parse(e).is_err()
                || e.parse::<lettre::Address>().is_err()
            {
                flag("email", "not an e-mail address", "geen e-mailadres");
            }
        }
        // `\n` typed in a cell is a line break: the address is compared, checked and kept as
        // it will print (before, the duplicate check saw the `\n` and the same person with a
        // real line break came in twice; found by cargo fuzz).
        let address = Some(get(2).replace("\\n", "\n"))
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty());
        let address = address.as_deref();
        if address.map(|a| a.chars().count() > 500).unwrap_or(false) {
            flag(
                "postal_address",
                "at most 500 characters",
                "hoogstens 500 tekens",
            );
        }
        if let Some(a) = address {
            if let Err(p) = super::address::check(&super::address::window_lines(name, a)) {
                flag("postal_address", &p.en(), &p.nl());
            }
        }
        if email.is_none() && address.is_none() {
            flag(
                "email",
                "the recipient has neither an e-mail address nor a postal address",
                "een ontvanger heeft een e-mailadres of een postadres nodig",
            );
        }
        let language = match get(3).to_lowercase().as_str() {
            "" | "nl" | "nederlands" | "dutch" => "nl",
            "en" | "engels" | "english" => "en",
            _ => {
                flag("language", "use nl or en", "gebruik nl of en");
                "nl"
            }
        };
        // The input boundary: PostgreSQL refuses NUL in text, SQLite stores it; a file is
        // refused alike on both (found by cargo fuzz).
        for (k, column) in REQUIRED.iter().enumerate() {
            if crate::input::has_bad_chars(get(k)) {
                flag(column, CONTROL_CHARS_EN, CONTROL_CHARS_NL);
            }
        }
        for (p, column) in extra_idx.iter().zip(&extra_columns) {
            if crate::input::has_bad_chars(&fields[*p]) {
                flag(column, CONTROL_CHARS_EN, CONTROL_CHARS_NL);
            }
        }
        if row_bad {
            continue;
        }
        let key = match email {
            Some(e) => format!("e:{}", e.to_lowercase()),
            None => format!("a:{}|{}", collapse(name), collapse(address.unwrap_or(""))),
        };
        if let Some(first) = seen.get(&key) {
            duplicates.push(Duplicate {
                line,
                same_as_line: *first,
            });
            continue;
        }
        seen.insert(key.clone(), line);
        rows.push(Row {
            line,
            name: name.to_string(),
            email: email.map(str::to_string),
            postal_address: address.map(str::to_string),
            language: language.into(),
            extra: extra_idx
                .iter()
                .map(|p| fields[*p].trim().to_string())
                .collect(),
            key,
        });
    }
    if !bad.is_empty() {
        return Err(ImportError::Rows(bad));
    }
    Ok(Parsed {
        extra_columns,
        rows,
        duplicates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quotes_semicolons_bom_and_extra_columns() {
        let csv = "\u{feff}name;email;postal_address;language;client_number\r\n\
                   \"Bakker; A.\";a@example.nl;\"Dorpsstraat 2\n1000 AA Oost\";nl;123\r\n\
                   B. de Vries;;Kerkweg 1 9999 ZZ West;EN;456\r\n\
                   \r\n\
                   \"C \"\"Cees\"\" Jansen\";C@Example.nl;;;789\r\n";
        let p = parse(csv.as_bytes()).unwrap();
        assert_eq!(p.extra_columns, vec!["client_number"]);
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[0].name, "Bakker; A.");
        assert_eq!(
            p.rows[0].postal_address.as_deref(),
            Some("Dorpsstraat 2\n1000 AA Oost")
        );
        assert_eq!(p.rows[1].line, 4, "the quoted newline counts as a line");
        assert_eq!(p.rows[1].language, "en");
        assert_eq!(p.rows[1].email, None);
        assert_eq!(p.rows[2].name, "C \"Cees\" Jansen");
        assert_eq!(p.rows[2].line, 6);
        assert_eq!(p.rows[2].extra, vec!["789"]);
    }

    #[test]
    fn bad_rows_are_all_reported_with_line_numbers_and_nothing_is_kept() {
        let csv = "name,email,postal_address,language\n\
                   A,a@example.nl,,nl\n\
                   ,b@example.nl,,nl\n\
                   C,not-an-address,,nl\n\
                   D,,,nl\n\
                   E,e@example.nl,,fr\n\
                   F,f@example.nl\n";
        match parse(csv.as_bytes()) {
            Err(ImportError::Rows(bad)) => {
                let got: Vec<(u64, &str)> =
                    bad.iter().map(|b| (b.line, b.field.as_str())).collect();
                assert_eq!(
                    got,
                    vec![
                        (3, "name"),
                        (4, "email"),
                        (5, "email"),
                        (6, "language"),
                        (7, "row")
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicates_are_kept_once_and_reported() {
        let csv = "name,email,postal_address,language\n\
                   A,a@example.nl,,nl\n\
                   A again,A@EXAMPLE.NL,,nl\n\
                   B,,Straat 1  Dorp,nl\n\
                   b,,straat 1 dorp,nl\n";
        let p = parse(csv.as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(
            p.duplicates,
            vec![
                Duplicate {
                    line: 3,
                    same_as_line: 2
                },
                Duplicate {
                    line: 5,
                    same_as_line: 4
                }
            ]
        );
    }

    #[test]
    fn wrong_encoding_and_missing_columns_are_clear_errors() {
        let latin1 = b"name,email,postal_address,language\nJos\xe9,j@example.nl,,nl\n";
        match parse(latin1) {
            Err(ImportError::File(m)) => {
                assert!(
                    m.en.contains("not UTF-8") && m.en.contains("line 2"),
                    "{m:?}"
                );
                assert!(
                    m.nl.contains("geen UTF-8") && m.nl.contains("regel 2"),
                    "{m:?}"
                )
            }
            other => panic!("{other:?}"),
        }
        match parse(b"\xff\xfen\x00a\x00") {
            Err(ImportError::File(m)) => assert!(m.en.contains("UTF-16"), "{m:?}"),
            other => panic!("{other:?}"),
        }
        match parse(b"name,email\nA,a@example.nl\n") {
            Err(ImportError::File(m)) => {
                assert!(m.en.contains("postal_address, language"), "{m:?}");
                assert!(
                    m.nl.contains("kopregel: postal_address, language."),
                    "{m:?}"
                )
            }
            other => panic!("{other:?}"),
        }
        match parse(b"name,email,postal_address,language,Client Nr\n") {
            Err(ImportError::File(m)) => {
                assert!(m.en.contains("client nr"), "{m:?}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(b""), Err(ImportError::File(_))));
    }

    #[test]
    fn an_address_past_the_envelope_window_is_refused_with_its_line() {
        let wide = "Laan van de Heilige Geest en Sint Servatius 120 A";
        let csv = format!(
            "name,email,postal_address,language\n\
             A,,\"Dorpsstraat 1\n1000 AA Oost\",nl\n\
             B,,\"{wide}\n1000 AA Oost\",nl\n\
             C,,\"1\n2\n3\n4\n5\n6\",nl\n\
             D,d@example.nl,,nl\n"
        );
        match parse(csv.as_bytes()) {
            Err(ImportError::Rows(bad)) => {
                let got: Vec<(u64, &str)> =
                    bad.iter().map(|b| (b.line, b.field.as_str())).collect();
                assert_eq!(got, vec![(4, "postal_address"), (6, "postal_address")]);
                assert!(
                    bad[0].message_nl.contains("regel 2 van het adresblok"),
                    "{bad:?}"
                );
                assert!(bad[1].message.contains("7 lines"), "{bad:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_excel_file_is_read_like_the_csv() {
        use crate::tabular::{xlsx, Cell, Sheet};
        let cols = [
            ("name", 10.0),
            ("email", 10.0),
            ("postal_address", 10.0),
            ("language", 10.0),
            ("client_number", 10.0),
        ];
        let row = |v: [&str; 4], n: f64| {
            let mut r: Vec<Cell> = v.iter().map(|s| Cell::from(*s)).collect();
            r.push(Cell::Number(n));
            r
        };
        let bytes = xlsx(&Sheet {
            name: "Ontvangers",
            columns: &cols,
            rows: vec![
                row(["Fatma Yılmaz-Doğan", "f@example.nl", "", "nl"], 123.0),
                row(["Bakker", "", "Dorpsstraat 2\n1000 AA Oost", ""], 456.0),
            ],
        })
        .unwrap();
        let p = parse(&bytes).unwrap();
        assert_eq!(p.extra_columns, vec!["client_number"]);
        assert_eq!(p.rows[0].name, "Fatma Yılmaz-Doğan");
        assert_eq!(p.rows[0].extra, vec!["123"]);
        assert_eq!(p.rows[1].line, 3);
        assert_eq!(
            p.rows[1].postal_address.as_deref(),
            Some("Dorpsstraat 2\n1000 AA Oost")
        );
        let bad = xlsx(&Sheet {
            name: "Ontvangers",
            columns: &cols[..4],
            rows: vec![vec![Cell::from("A"), Cell::from("geen adres")]],
        })
        .unwrap();
        match parse(&bad) {
            Err(ImportError::Rows(b)) => assert_eq!((b[0].line, b[0].field.as_str()), (2, "email")),
            other => panic!("{other:?}"),
        }
    }
}

/// Inputs `cargo fuzz` (fuzz/, target `recipients_csv`) found, replayed on the real parser.
#[cfg(test)]
mod fuzz_findings {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/fuzz/recipients_csv/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Control characters (here the start of a ZIP header in an address) were accepted: a 422
    /// on SQLite's neighbour PostgreSQL turned into a failed insert. Now the row is refused.
    #[test]
    fn control_characters_are_refused_by_line_and_field() {
        match parse(&fixture("control_chars_in_address.csv")) {
            Err(ImportError::Rows(bad)) => {
                assert_eq!(bad.len(), 1, "{bad:?}");
                assert_eq!((bad[0].line, bad[0].field.as_str()), (2, "postal_address"));
                assert!(bad[0].message.contains("control characters"), "{bad:?}");
                assert!(bad[0].message_nl.contains("NUL"), "{bad:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// `\n` typed in an address and a real line break are one address: the same person came
    /// in twice, and an address ending in `\n` kept an empty last line.
    #[test]
    fn a_typed_line_break_is_a_line_break_for_duplicates_too() {
        let p = parse(&fixture("address_with_backslash_n.csv")).unwrap();
        assert_eq!(p.rows.len(), 2, "{:?}", p.rows);
        assert_eq!(
            p.rows[0].postal_address.as_deref(),
            Some("Kerkweg 1\n9999 ZZ West")
        );
        assert_eq!(
            p.duplicates,
            vec![Duplicate {
                line: 3,
                same_as_line: 2
            }]
        );
        assert_eq!(p.rows[1].postal_address.as_deref(), Some("Dorpsstraat 2"));
    }
}
