//! Tables in and out, for every feature that imports or exports rows: CSV through the `csv` crate,
//! Excel written with `rust_xlsxwriter` and read with `calamine`. Pure: no web or database code.
//!
//! Both readers give the same thing, rows of text with the line (CSV) or row number (Excel) people
//! see in their spreadsheet, so a feature validates one shape whatever the file was.
use std::borrow::Cow;
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};

/// A row of a file as text, with the line it starts on (1 = the first line of the file).
pub type Record = (u64, Vec<String>);

/// Why a file could not be read as a table, in English (the API) and Dutch (the pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub line: u64,
    pub en: String,
    pub nl: String,
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Is this an Office Open XML file (a ZIP archive), rather than text?
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// `;` when the header line has more semicolons than commas (Excel in Dutch saves "CSV" with
/// semicolons), else `,`.
pub fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    }
}

/// Every record of a CSV text (RFC 4180 through the `csv` crate), header included, with the line
/// each starts on. Lines holding only blanks are skipped. A quoted field still open at the end of
/// the file is refused with the line it starts on (the crate itself would take the rest of the
/// file into it).
pub fn csv_records(text: &str, delimiter: u8) -> Result<Vec<Record>, Unreadable> {
    // A last line no well-formed file can swallow: it comes back as a record of its own unless a
    // quote is still open.
    const SENTINEL: &[u8] = b"\n\x00meldpunt-end\x00\n";
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes().chain(SENTINEL));
    let mut out: Vec<Record> = vec![];
    let mut rec = csv::StringRecord::new();
    // The crate counts records, not the line breaks inside quoted fields: the line people see is
    // counted from the byte where the record starts.
    let bytes = text.as_bytes();
    let (mut seen_byte, mut seen_line) = (0usize, 1u64);
    let mut line_at = |byte: u64| -> u64 {
        // The position the crate gives is where it began reading: the end of the previous line.
        let mut byte = (byte as usize).min(bytes.len());
        while byte < bytes.len() && matches!(bytes[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte > seen_byte {
            // A line ends in `\n`, `\r\n` or a lone `\r` (old Mac files), as the crate reads them:
            // counting `\n` alone put every line of a `\r` file on one (found by cargo fuzz).
            let lone_cr = memchr::memchr_iter(b'\r', &bytes[seen_byte..byte])
                .filter(|i| bytes.get(seen_byte + i + 1) != Some(&b'\n'))
                .count();
            seen_line +=
                (memchr::memchr_iter(b'\n', &bytes[seen_byte..byte]).count() + lone_cr) as u64;
            seen_byte = byte;
        }
        seen_line
    };
    let mut last_line = 1;
    let mut closed = false;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec
                    .position()
                    .map(|p| line_at(p.byte()))
                    .unwrap_or(last_line);
                last_line = line;
                // Only the sentinel we appended ends the file: the same line inside the text
                // itself (it holds NUL, which a field may not) is a record like any other, so
                // nothing after it is dropped unseen.
                if rec.len() == 1
                    && rec[0].as_bytes() == &SENTINEL[1..SENTINEL.len() - 1]
                    && rdr.position().byte() as usize > bytes.len() + 1
                {
                    closed = true;
                    break;
                }
                if rec.iter().all(|f| f.trim().is_empty()) && rec.len() <= 1 {
                    continue;
                }
                out.push((line, rec.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte())).unwrap_or(last_line);
                return Err(Unreadable {
                    line,
                    en: format!("line {line} cannot be read: {e}"),
                    nl: format!("regel {line} is onleesbaar"),
                });
            }
        }
    }
    if !closed {
        return Err(Unreadable {
            line: last_line,
            en: "a quoted field is not closed".into(),
            nl: "een veld tussen aanhalingstekens wordt niet afgesloten".into(),
        });
    }
    Ok(out)
}

const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text that, without its leading quotes, a spreadsheet would run as a formula.
fn formula_like(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// Spreadsheets run text starting with these as formulas; a leading `'` keeps it text. Text that
/// already starts with quotes before such a character gets one more, so that [`unformula`] gives
/// it back whole (`'=x` came back as `=x`; found by cargo fuzz).
pub fn formula_safe(s: &str) -> Cow<'_, str> {
    if formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The text a [`formula_safe`] cell stood for.
pub fn unformula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => s,
    }
}

/// A CSV writer into memory, `,`-separated, CRLF line ends (RFC 4180).
pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![])
}

/// One record, every field made [`formula_safe`].
pub fn write_safe<I, S>(w: &mut csv::Writer<Vec<u8>>, fields: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let fields: Vec<String> = fields
        .into_iter()
        .map(|f| formula_safe(f.as_ref()).into_owned())
        .collect();
    w.write_record(&fields).expect("writing to memory");
}

pub fn csv_text(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

// ------------------------------------------------------------------------------------------------
// Excel

/// A cell of a sheet to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A calendar date (a due date).
    Date(NaiveDate),
    /// An instant, written as a date and time on the Amsterdam clock (Excel has no time zones).
    Instant(DateTime<Utc>),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }
}

impl From<Option<DateTime<Utc>>> for Cell {
    fn from(t: Option<DateTime<Utc>>) -> Cell {
        t.map(Cell::Instant).unwrap_or(Cell::Empty)
    }
}

/// One sheet: a heading per column (with its width in characters) and the rows.
pub struct Sheet<'a> {
    /// The tab's name (at most 31 characters, no `[]:*?/\`).
    pub name: &'a str,
    pub columns: &'a [(&'a str, f64)],
    pub rows: Vec<Vec<Cell>>,
}

/// Excel's cell limit for text.
const MAX_CELL_CHARS: usize = 32_767;

/// An `.xlsx` workbook with one sheet: bold headings, the heading row frozen, filters on every
/// column, dates as real dates (`dd-mm-jjjj`, instants `dd-mm-jjjj uu:mm` on the Amsterdam clock).
pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet.name)?;
    let head = Format::new().set_bold();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let instant = Format::new().set_num_format("dd-mm-yyyy hh:mm");
    let wrap = Format::new().set_text_wrap();
    for (c, (title, width)) in sheet.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *title, &head)?;
        ws.set_column_width(c, *width)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    let s: Cow<str> = if s.chars().count() > MAX_CELL_CHARS {
                        Cow::Owned(s.chars().take(MAX_CELL_CHARS).collect())
                    } else {
                        Cow::Borrowed(s)
                    };
                    if s.contains('\n') {
                        ws.write_string_with_format(r, c, s.as_ref(), &wrap)?;
                    } else {
                        ws.write_string(r, c, s.as_ref())?;
                    }
                }
                Cell::Number(x) => {
                    ws.write_number(r, c, *x)?;
                }
                Cell::Date(d) => {
                    ws.write_date_with_format(r, c, d, &date)?;
                }
                Cell::Instant(t) => {
                    let local = t.with_timezone(&chrono_tz::Europe::Amsterdam).naive_local();
                    ws.write_datetime_with_format(r, c, local, &instant)?;
                }
            }
        }
    }
    let last_col = sheet.columns.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, sheet.rows.len() as u32, last_col)?;
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

/// A sheet's last column and row as Excel has them (XFD, 1,048,576): a cell beyond is no
/// spreadsheet's.
const XLSX_MAX_COL: u32 = 16_383;
const XLSX_MAX_ROW: u32 = 1_048_575;
/// At most this many fields (cells, empty ones between included) in all rows: about what the
/// largest accepted CSV upload holds.
const XLSX_MAX_FIELDS: usize = 5_000_000;

/// The rows of the first sheet of an `.xlsx` file as text, with their row numbers as Excel shows
/// them. Numbers that are whole print without decimals (a client number 123 stays "123"), dates as
/// `jjjj-mm-dd`, dates with a time as `jjjj-mm-dd uu:mm` (`uu:mm:ss` when the seconds are not
/// zero); empty rows are skipped.
///
/// The cells are read one by one, not as calamine's `Range`: a range is as wide and as tall as the
/// cells farthest apart, so two cells (A1 and XFD1048576) asked for 17 billion cells of memory.
/// A cell outside a sheet's bounds or a sheet past [`XLSX_MAX_FIELDS`] is refused, and a panic
/// inside calamine (found by cargo fuzz: an overflow on a column name longer than any sheet's)
/// is an unreadable file, not a crash.
pub fn xlsx_records(bytes: &[u8]) -> Result<Vec<Record>, Unreadable> {
    let unreadable = |e: String| Unreadable {
        line: 1,
        en: format!("the Excel file cannot be read ({e}); save it as .xlsx or as CSV UTF-8"),
        nl: "Het Excel-bestand is onleesbaar: sla het op als .xlsx of als CSV UTF-8.".into(),
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| xlsx_cells(bytes))) {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(e)) => Err(unreadable(e)),
        Err(_) => Err(unreadable("the file is damaged".into())),
    }
}

fn xlsx_cells(bytes: &[u8]) -> Result<Vec<Record>, String> {
    use calamine::{DataRef, DataType, Reader};
    use chrono::Timelike;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let Some(name) = wb.sheet_names().first().cloned() else {
        return Ok(vec![]);
    };
    let mut cells = match wb.worksheet_cells_reader(&name) {
        Ok(c) => c,
        // Not a worksheet (a chart sheet): no rows, as calamine's range gave.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(vec![]),
        Err(e) => return Err(e.to_string()),
    };
    // Row → (its width: one past its last cell, its cells).
    let mut rows: std::collections::BTreeMap<u32, (u32, Vec<(u32, String)>)> = Default::default();
    let mut fields = 0usize;
    while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
        let (r, c) = cell.get_position();
        if r > XLSX_MAX_ROW || c > XLSX_MAX_COL {
            return Err("a cell lies outside the sheet".into());
        }
        let d = cell.get_value();
        let text = match d {
            DataRef::Empty => continue,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Int(n) => n.to_string(),
            DataRef::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            DataRef::Float(x) => x.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(_) => match d.as_datetime() {
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
                Some(t) if t.second() == 0 => t.format("%Y-%m-%d %H:%M").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => String::new(),
            },
            DataRef::Error(e) => format!("#{e:?}"),
        };
        if text.is_empty() {
            continue;
        }
        let (width, row) = rows.entry(r).or_default();
        // The fields this row will hold: the empty ones before its last cell too.
        fields += (c + 1).saturating_sub(*width) as usize;
        if fields > XLSX_MAX_FIELDS {
            return Err(format!("more than {XLSX_MAX_FIELDS} cells"));
        }
        *width = (*width).max(c + 1);
        row.push((c, text));
    }
    // Fields by column from A (empty ones before the first used column), rows numbered as in Excel.
    let mut out = vec![];
    for (r, (width, cells)) in rows {
        let mut fields = vec![String::new(); width as usize];
        for (c, text) in cells {
            fields[c as usize] = text;
        }
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.push((r as u64 + 1, fields));
    }
    Ok(out)
}

/// Pad a record read from Excel to the header's width: trailing empty cells are not stored.
pub fn pad(fields: &mut Vec<String>, width: usize) {
    if fields.len() < width {
        fields.resize(width, String::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn csv_records_keep_lines_quotes_and_refuse_an_open_quote() {
        let t = "a;b\r\n\"x;\"\"y\"\"\";\"1\n2\"\r\n   \r\n\r\nc;d\r\n";
        let r = csv_records(t, sniff_delimiter(t)).unwrap();
        assert_eq!(
            r,
            vec![
                (1, vec!["a".to_string(), "b".into()]),
                (2, vec!["x;\"y\"".to_string(), "1\n2".into()]),
                (6, vec!["c".to_string(), "d".into()]),
            ]
        );
        let e = csv_records("a,b\n1,\"open\n2,3\n", b',').unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.nl.contains("niet afgesloten"));
    }

    /// Two legal cells far apart (A1, XFD1048576) are two rows, not a range of 17 billion
    /// cells (the old reader ran out of memory: found while fixing a cargo fuzz finding).
    #[test]
    fn cells_far_apart_are_read_cell_by_cell() {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/fuzz/activities_csv/far_apart_cells.xlsx",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let r = xlsx_records(&bytes).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], (1, vec!["naam".to_string()]));
        assert_eq!(r[1].0, 1_048_576);
        assert_eq!(r[1].1.len(), 16_384);
        assert_eq!(r[1].1[16_383], "x");
    }

    /// Lines that end in a lone `\r` are numbered like any others (they all were line 1).
    #[test]
    fn lines_ending_in_a_carriage_return_are_counted() {
        let raw = std::fs::read(format!(
            "{}/tests/fixtures/fuzz/recipients_csv/carriage_return_lines.csv",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let t = std::str::from_utf8(&raw).unwrap();
        let lines: Vec<u64> = csv_records(t, b';').unwrap().iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 4, 5]);
        let t = "a,b\r1,2\r\r\"x\ry\",3\r\n4,5";
        let lines: Vec<u64> = csv_records(t, b',').unwrap().iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 4, 6]);
    }

    /// The end marker `csv_records` appends, written in the file itself, does not end the file:
    /// the rows after it are still read (before, they were dropped without a word).
    #[test]
    fn the_end_marker_inside_a_file_ends_nothing() {
        let t = "a,b\n1,2\n\u{0}meldpunt-end\u{0}\n3,4\n";
        let r = csv_records(t, b',').unwrap();
        assert_eq!(r.len(), 4, "{r:?}");
        assert_eq!(r[3], (4, vec!["3".to_string(), "4".into()]));
        assert_eq!(r[2], (3, vec!["\u{0}meldpunt-end\u{0}".to_string()]));
        // At the very end, without a line break after it, too.
        let t = "a,b\n\u{0}meldpunt-end\u{0}";
        assert_eq!(csv_records(t, b',').unwrap().len(), 2);
    }

    #[test]
    fn formulas_are_defused_and_restored() {
        for s in [
            "=1+1", "+31 6", "-", "@SUM(A1)", "gewoon", "'quote", "'=x", "''@y", "'", "''",
        ] {
            assert_eq!(unformula(&formula_safe(s)), s);
        }
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    }

    #[test]
    fn a_sheet_reads_back_with_dates_as_dates() {
        use calamine::{Data, DataType, Reader};
        let t = Utc.with_ymd_and_hms(2026, 7, 1, 8, 30, 0).unwrap();
        let sheet = Sheet {
            name: "Proef",
            columns: &[("Naam", 20.0), ("Op", 18.0), ("Tot", 12.0), ("Aantal", 8.0)],
            rows: vec![vec![
                Cell::from("=gevaarlijk"),
                Cell::Instant(t),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 7, 4).unwrap()),
                Cell::Number(3.0),
            ]],
        };
        let bytes = xlsx(&sheet).unwrap();
        assert!(is_xlsx(&bytes));
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Proef".to_string()]);
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get((0, 1)), Some(&Data::String("Op".into())));
        // Text stays text: no formula.
        assert_eq!(range.get((1, 0)), Some(&Data::String("=gevaarlijk".into())));
        // 08:30 UTC on 1 July is 10:30 on the Amsterdam clock (summer time).
        let at = range.get((1, 1)).unwrap();
        assert!(at.is_datetime(), "{at:?}");
        assert_eq!(
            at.as_datetime().unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 1)
                .unwrap()
                .and_hms_opt(10, 30, 0)
                .unwrap()
        );
        assert!(range.get((1, 2)).unwrap().is_datetime());
        // Filters on every column over every row, the heading row frozen.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(xml.contains(r#"<autoFilter ref="A1:D2"/>"#), "{xml}");
        assert!(xml.contains(r#"state="frozen""#), "{xml}");
        let recs = xlsx_records(&bytes).unwrap();
        assert_eq!(recs[1].0, 2);
        assert_eq!(recs[1].1[2], "2026-07-04");
        assert_eq!(recs[1].1[3], "3");
    }

    #[test]
    fn a_broken_xlsx_is_a_clear_error() {
        let e = xlsx_records(b"PK\x03\x04 not really").unwrap_err();
        assert!(e.nl.contains("onleesbaar"));
    }
}
