//! The one input boundary: every text from outside (JSON bodies, forms, paths and query strings)
//! is checked here for NUL and other control characters, and dates for sane bounds, so both
//! database backends see the same text and answer alike (PostgreSQL refuses NUL in text; SQLite
//! stores it). Line breaks and tabs are text; every other control character is not.
use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::error::FieldError;

/// Dates from outside lie within these years (inclusive).
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2200;

/// A character no text from outside may hold: C0 and C1 control characters and DEL, except
/// line feed, carriage return and tab.
pub fn is_bad_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

pub fn has_bad_chars(s: &str) -> bool {
    s.chars().any(is_bad_char)
}

/// The text without the characters it may not hold.
pub fn strip_bad_chars(s: &str) -> String {
    s.chars().filter(|c| !is_bad_char(*c)).collect()
}

pub fn year_ok(year: i32) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&year)
}

pub fn date_ok(d: NaiveDate) -> bool {
    year_ok(d.year())
}

pub const BAD_CHARS_MESSAGE: &str = "contains control characters (such as NUL); remove them";
pub const DATE_RANGE_MESSAGE: &str = "the date must lie between the years 1900 and 2200";

/// Could this JSON text hold a control character or a date out of bounds? A cheap scan; only
/// when it says yes is the body walked value by value.
fn suspicious(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        match bytes[i] {
            0x7f => return true,
            // C1 controls in UTF-8: C2 80 … C2 9F.
            0xc2 if i + 1 < n && (0x80..=0x9f).contains(&bytes[i + 1]) => return true,
            b'\\' if i + 1 < n && bytes[i + 1] == b'u' => {
                // \u0000 … \u001f, \u007f, \u0080 … \u009f (and an escaped backslash before a
                // `u` is a false alarm the walk then clears).
                if i + 5 < n && bytes[i + 2] == b'0' && bytes[i + 3] == b'0' {
                    let h = bytes[i + 4].to_ascii_lowercase();
                    let l = bytes[i + 5].to_ascii_lowercase();
                    if h == b'0' || h == b'1' || h == b'8' || h == b'9' || (h == b'7' && l == b'f')
                    {
                        return true;
                    }
                }
                i += 1;
            }
            // `\b` and `\f` are control characters too (backspace, form feed), written short
            // (found by cargo fuzz: they reached the report text).
            b'\\' if i + 1 < n && matches!(bytes[i + 1], b'b' | b'f') => return true,
            b'\\' => i += 1,
            b'"' if i + 1 < n => {
                // A string that starts like a date: `"dddd-`, or a signed year.
                let rest = &bytes[i + 1..];
                if matches!(rest.first(), Some(b'+') | Some(b'-'))
                    && rest.get(1).is_some_and(|b| b.is_ascii_digit())
                {
                    return true;
                }
                if rest.len() >= 5 && rest[..4].iter().all(u8::is_ascii_digit) && rest[4] == b'-' {
                    let year: i32 = std::str::from_utf8(&rest[..4])
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    if !year_ok(year) {
                        return true;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// A text that is a date (or a date and time) with a year out of bounds.
fn date_out_of_bounds(s: &str) -> bool {
    if let Ok(d) = s.parse::<NaiveDate>() {
        return !date_ok(d);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return !year_ok(t.year());
    }
    if let Ok(t) = s.parse::<chrono::NaiveDateTime>() {
        return !year_ok(t.year());
    }
    false
}

/// Check a JSON body's text before it is read into its type: the first string (or key) holding a
/// control character, or a date out of bounds, named by its path (`contact.name`, `data_kinds[2]`).
pub fn check_json_text(text: &str) -> Result<(), FieldError> {
    if !suspicious(text.as_bytes()) {
        return Ok(());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => check_value(&v, &mut String::new()),
        // Not JSON at all: the parser names that.
        Err(_) => Ok(()),
    }
}

fn field_name(path: &str) -> String {
    if path.is_empty() {
        "body".into()
    } else {
        path.to_string()
    }
}

fn check_value(v: &Value, path: &mut String) -> Result<(), FieldError> {
    match v {
        Value::String(s) => {
            if has_bad_chars(s) {
                return Err(FieldError::new(field_name(path), BAD_CHARS_MESSAGE));
            }
            if date_out_of_bounds(s) {
                return Err(FieldError::new(field_name(path), DATE_RANGE_MESSAGE));
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_value(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                if has_bad_chars(k) {
                    return Err(FieldError::new(field_name(path), BAD_CHARS_MESSAGE));
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                check_value(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Percent-decoded bytes of a path or query part.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Does a raw (percent-encoded) part of an address decode to a control character? In an
/// address even line breaks and tabs are.
pub fn address_part_bad(raw: &str) -> bool {
    let bytes = percent_decode(raw);
    String::from_utf8_lossy(&bytes)
        .chars()
        .any(char::is_control)
}

/// A serde message without the values it quotes (`invalid type: string "…"` gives the reason,
/// not what was sent: it may be personal data, and it is logged and echoed).
pub fn unquote(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            // Skip to the closing quote (backslash escapes included).
            while let Some(d) = chars.next() {
                if d == '\\' {
                    chars.next();
                } else if d == '"' {
                    break;
                }
            }
            // "string \"x\", expected" → "string, expected"
            if out.ends_with(' ') {
                out.pop();
            }
            continue;
        }
        if c == '`' {
            let quoted_value = ["variant ", "integer ", "point ", "character ", "string "]
                .iter()
                .any(|p| out.ends_with(p));
            if quoted_value {
                for d in chars.by_ref() {
                    if d == '`' {
                        break;
                    }
                }
                if out.ends_with(' ') {
                    out.pop();
                }
                continue;
            }
        }
        out.push(c);
    }
    out
}

pub use crate::error::clip;

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces or control
/// chars. It can only exist valid; it holds the address trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Not an e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address")]
pub struct NotAnEmailAddress;

impl EmailAddress {
    pub fn parse(e: &str) -> Result<EmailAddress, NotAnEmailAddress> {
        let e = e.trim();
        if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(NotAnEmailAddress);
        }
        let ok = match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && domain
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
            }
            None => false,
        };
        if ok {
            Ok(EmailAddress(e.to_string()))
        } else {
            Err(NotAnEmailAddress)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_named_by_path() {
        let e = check_json_text(r#"{"contact":{"name":"Jan\u0000"}}"#).unwrap_err();
        assert_eq!(e.field, "contact.name");
        let e = check_json_text(r#"{"data_kinds":["a","b\u0007"]}"#).unwrap_err();
        assert_eq!(e.field, "data_kinds[1]");
        let e = check_json_text("{\"d\":\"x\u{85}\"}").unwrap_err();
        assert_eq!(e.field, "d");
        assert!(check_json_text(r#"{"d":"line\nbreak\ttab \\u0000 literal"}"#).is_ok());
    }

    /// Found by cargo fuzz (target `report_json`): the short escapes `\b` and `\f` passed the
    /// boundary into the report text.
    #[test]
    fn short_escapes_of_control_characters_are_refused() {
        let raw = std::fs::read_to_string(format!(
            "{}/tests/fixtures/fuzz/report_json/backspace_escape.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(check_json_text(&raw).unwrap_err().field, "description");
        assert_eq!(
            check_json_text(r#"{"a":{"b":["x\fy"]}}"#)
                .unwrap_err()
                .field,
            "a.b[0]"
        );
        // An escaped backslash before a `b` is a backslash and a b.
        assert!(check_json_text(r#"{"d":"C:\\bestanden \\f"}"#).is_ok());
    }

    #[test]
    fn dates_out_of_bounds_are_refused() {
        let e = check_json_text(r#"{"received_on":"0001-01-01"}"#).unwrap_err();
        assert_eq!(e.field, "received_on");
        assert!(check_json_text(r#"{"at":"9999-01-01T00:00:00Z"}"#).is_err());
        assert!(check_json_text(r#"{"at":"2026-01-01T00:00:00Z","d":"1900-01-01"}"#).is_ok());
        // Text that merely starts with a number is not a date.
        assert!(check_json_text(r#"{"d":"0001-er is iets misgegaan"}"#).is_ok());
    }

    #[test]
    fn stripping_keeps_the_text() {
        assert_eq!(strip_bad_chars("a\u{0}b\nc\u{1b}d"), "ab\ncd");
    }

    #[test]
    fn addresses_are_decoded_before_checking() {
        assert!(address_part_bad("/bekendmaking/a%00b"));
        assert!(address_part_bad("q=a%0Db"));
        assert!(!address_part_bad("q=a%20b%2F"));
        assert!(!address_part_bad("%"));
        assert!(!address_part_bad("%4"));
    }

    #[test]
    fn serde_messages_lose_their_values() {
        assert_eq!(
            unquote(r#"invalid type: string "jan@example.nl", expected u32"#),
            "invalid type: string, expected u32"
        );
        assert_eq!(
            unquote("unknown variant `geheim`, expected one of `a`, `b`"),
            "unknown variant, expected one of `a`, `b`"
        );
        assert_eq!(
            unquote("invalid type: integer `612345678`, expected a string"),
            "invalid type: integer, expected a string"
        );
    }

    #[test]
    fn emails() {
        assert!(EmailAddress::parse("a.b@example.nl").is_ok());
        assert_eq!(EmailAddress::parse(" a@b.nl ").unwrap().as_str(), "a@b.nl");
        assert!(EmailAddress::parse("a@b").is_err());
        assert!(EmailAddress::parse("a b@example.nl").is_err());
        assert!(EmailAddress::parse("@example.nl").is_err());
    }
}
