//! Finds personal data in what comes in (report texts, forwarded mail): BSNs, IBANs, Dutch phone
//! numbers, e-mail addresses and dates of birth. Proposes data categories for the incident and
//! masks the values for lists and logs.
//!
//! The rules, so that a person can predict them:
//! - **BSN** (`regulation.md` §7): 9 digits, written together (`123456782`) or in groups of 2–4
//!   digits joined by one kind of separator, a space or a dot (`1234.56.782`, `123 456 782`);
//!   an 8-digit number is read with a leading zero, but only right after a BSN word ("bsn",
//!   "burgerservicenummer", "sofinummer"), since 8-digit numbers are common. Valid when the
//!   eleven-test holds: weights 9…2 and −1, sum divisible by 11 and not 0. Not a BSN: a number
//!   glued to letters, `-`, `/` or `+` (codes such as `ORD-…`), and a number right after an order,
//!   invoice, customer, policy or case-number label.
//! - **IBAN**: a country code, two check digits and the country's length of letters and digits,
//!   together or in the printed groups of four; valid when mod 97 = 1. Countries: SEPA.
//! - **Phone**: Dutch numbers: `0` + 9 digits (mobile `06…` and landlines `010…`, `0594…`), or
//!   `+31`/`0031` + 9 digits (an optional `(0)` is allowed); separators: spaces and at most one
//!   hyphen (so `06-12-2023 10:00` is not a phone number).
//! - **E-mail**: `local@domain.tld` with a TLD of two or more letters.
//! - **Date of birth**: `d-m-yyyy` (also `/` or `.`) or `d maand yyyy` with Dutch month names or
//!   their abbreviations, a real calendar date, and **only when a birth word comes before it
//!   within 40 bytes in the same sentence**: "geboren", "geboortedatum", "geboortedag", "geb."
//!   (`geb` as a whole word), "date of birth", "born", "dob". A date elsewhere is not personal
//!   data on its own.
//!
//! Where two matches overlap the more specific one wins: e-mail, IBAN, phone, BSN, date.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::facts::{Fact, GeneralData};

vocabulary! {
    /// What a match is.
    pub enum DetectedKind {
        Bsn => ("bsn", "BSN", "citizen service number (BSN)"),
        Iban => ("iban", "IBAN", "IBAN"),
        Phone => ("phone", "telefoonnummer", "phone number"),
        Email => ("email", "e-mailadres", "e-mail address"),
        DateOfBirth => ("date_of_birth", "geboortedatum", "date of birth"),
    }
}

impl DetectedKind {
    /// The data category the AP form uses for it.
    pub fn category(&self) -> GeneralData {
        match self {
            DetectedKind::Bsn => GeneralData::Bsn,
            DetectedKind::Iban => GeneralData::Iban,
            DetectedKind::Phone => GeneralData::Phone,
            DetectedKind::Email => GeneralData::Email,
            DetectedKind::DateOfBirth => GeneralData::DateOfBirth,
        }
    }

    /// Lower wins when matches overlap.
    fn priority(&self) -> u8 {
        match self {
            DetectedKind::Email => 0,
            DetectedKind::Iban => 1,
            DetectedKind::Phone => 2,
            DetectedKind::Bsn => 3,
            DetectedKind::DateOfBirth => 4,
        }
    }
}

/// One match: its kind and its byte span `start..end` in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    pub kind: DetectedKind,
    pub start: usize,
    pub end: usize,
}

/// The source named on facts proposed from the detector.
pub const SOURCE_NL: &str = "herkenning in de tekst van de melding";

/// All matches in `text`, by position, none overlapping.
pub fn find(text: &str) -> Vec<Match> {
    let b = text.as_bytes();
    let mut all = vec![];
    // Every kind but the e-mail address starts at or just before an ASCII digit, and an address
    // has an '@': one look at the whole text spares the scans that cannot find anything.
    if memchr::memchr(b'@', b).is_some() {
        all.extend(find_emails(b));
    }
    if has_digit(b) {
        all.extend(find_ibans(b));
        all.extend(find_phones(b));
        all.extend(find_bsns(b));
        all.extend(find_dates_of_birth(b));
    }
    if all.is_empty() {
        return all;
    }
    all.sort_by_key(|m| (m.kind.priority(), m.start));
    let mut kept: Vec<Match> = vec![];
    for m in all {
        if !kept.iter().any(|k| m.start < k.end && k.start < m.end) {
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| m.start);
    kept
}

/// Whether `b` holds an ASCII digit (in blocks without an early exit, so it vectorises).
fn has_digit(b: &[u8]) -> bool {
    b.chunks(64)
        .any(|c| c.iter().fold(false, |acc, x| acc | x.is_ascii_digit()))
}

/// The data categories the matches point to, once each, in the form's order.
pub fn propose_categories(matches: &[Match]) -> Vec<GeneralData> {
    GeneralData::ALL
        .iter()
        .copied()
        .filter(|c| matches.iter().any(|m| m.kind.category() == *c))
        .collect()
}

/// The proposal as a fact, marked derived until a person confirms it.
pub fn proposed_general_data(matches: &[Match]) -> Fact<Vec<GeneralData>> {
    let cats = propose_categories(matches);
    if cats.is_empty() {
        Fact::Missing
    } else {
        Fact::derived(cats, SOURCE_NL)
    }
}

/// What a masked value becomes. The IBAN keeps its country code, nothing else survives.
pub fn mask_for(kind: DetectedKind, value: &str) -> String {
    match kind {
        DetectedKind::Bsn => "*********".to_string(),
        DetectedKind::Iban => {
            let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            let cc: String = compact.chars().take(2).collect::<String>().to_uppercase();
            format!("{cc}{}", "*".repeat(compact.len().saturating_sub(2)))
        }
        DetectedKind::Phone => "**********".to_string(),
        DetectedKind::Email => "***@***".to_string(),
        DetectedKind::DateOfBirth => "**-**-****".to_string(),
    }
}

/// `text` with every match replaced by its mask.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in find(text) {
        out.push_str(&text[at..m.start]);
        out.push_str(&mask_for(m.kind, &text[m.start..m.end]));
        at = m.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The eleven-test on 9 digits: weights 9,8,…,2 and −1; the sum is divisible by 11 and not 0.
pub fn eleven_test(digits: &[u8]) -> bool {
    if digits.len() != 9 || digits.iter().any(|d| *d > 9) {
        return false;
    }
    let mut sum: i32 = 0;
    for (i, d) in digits.iter().enumerate() {
        let w = if i == 8 { -1 } else { 9 - i as i32 };
        sum += w * i32::from(*d);
    }
    sum != 0 && sum % 11 == 0
}

/// Whether a string is a valid BSN: 9 digits (or 8, read with a leading zero), separators
/// (spaces, dots) ignored.
pub fn is_valid_bsn(s: &str) -> bool {
    let mut digits: Vec<u8> = vec![];
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c as u8 - b'0'),
            ' ' | '.' => {}
            _ => return false,
        }
    }
    if digits.len() == 8 {
        digits.insert(0, 0);
    }
    eleven_test(&digits)
}

/// IBAN lengths per country (SEPA).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

fn iban_length(cc: &str) -> Option<usize> {
    IBAN_LENGTHS.iter().find(|(c, _)| *c == cc).map(|(_, l)| *l)
}

/// The IBAN remainder: the first four characters moved to the end, letters as 10…35, mod 97.
fn iban_mod97(compact: &str) -> Option<u32> {
    if compact.len() < 5 {
        return None;
    }
    let (head, tail) = compact.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        match c {
            '0'..='9' => rem = (rem * 10 + (c as u32 - '0' as u32)) % 97,
            'A'..='Z' => rem = (rem * 100 + (c as u32 - 'A' as u32 + 10)) % 97,
            _ => return None,
        }
    }
    Some(rem)
}

/// Whether a string is a valid IBAN of a known country (spaces ignored, any case).
pub fn is_valid_iban(s: &str) -> bool {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if compact.len() < 4 || !compact.is_ascii() {
        return false;
    }
    let b = compact.as_bytes();
    if !(b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit())
    {
        return false;
    }
    iban_length(&compact[..2]) == Some(compact.len()) && iban_mod97(&compact) == Some(1)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn before(b: &[u8], i: usize) -> Option<u8> {
    if i == 0 {
        None
    } else {
        Some(b[i - 1])
    }
}

fn find_emails(b: &[u8]) -> Vec<Match> {
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    let mut out = vec![];
    // An address never starts inside the previous one ("a@b.nl+c@d.nl" is two).
    let mut floor = 0;
    for at in 0..b.len() {
        if b[at] != b'@' {
            continue;
        }
        let mut s = at;
        while s > floor && local(b[s - 1]) {
            s -= 1;
        }
        while s < at && b[s] == b'.' {
            s += 1;
        }
        let mut e = at + 1;
        while e < b.len() && domain(b[e]) {
            e += 1;
        }
        while e > at + 1 && (b[e - 1] == b'.' || b[e - 1] == b'-') {
            e -= 1;
        }
        if s == at || e <= at + 1 {
            continue;
        }
        let dom = &b[at + 1..e];
        let labels: Vec<&[u8]> = dom.split(|c| *c == b'.').collect();
        let tld = labels[labels.len() - 1];
        if labels.len() < 2
            || labels.iter().any(|l| l.is_empty())
            || tld.len() < 2
            || !tld.iter().all(|c| c.is_ascii_alphabetic())
        {
            continue;
        }
        out.push(Match {
            kind: DetectedKind::Email,
            start: s,
            end: e,
        });
        floor = e;
    }
    out
}

fn find_ibans(b: &[u8]) -> Vec<Match> {
    let mut out = vec![];
    let mut i = 0;
    while i + 4 <= b.len() {
        let starts = b[i].is_ascii_alphabetic()
            && b[i + 1].is_ascii_alphabetic()
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && before(b, i).map(|c| !is_word(c)).unwrap_or(true);
        if !starts {
            i += 1;
            continue;
        }
        let cc = [b[i].to_ascii_uppercase(), b[i + 1].to_ascii_uppercase()];
        let Some(len) = iban_length(std::str::from_utf8(&cc).unwrap_or("")) else {
            i += 1;
            continue;
        };
        let mut compact = String::with_capacity(len);
        let mut j = i;
        while compact.len() < len && j < b.len() {
            let c = b[j];
            if c.is_ascii_alphanumeric() {
                compact.push(c.to_ascii_uppercase() as char);
                j += 1;
            } else if c == b' '
                && compact.len().is_multiple_of(4)
                && j + 1 < b.len()
                && b[j + 1].is_ascii_alphanumeric()
            {
                j += 1;
            } else {
                break;
            }
        }
        let ends = j >= b.len() || !is_word(b[j]);
        if compact.len() == len && ends && iban_mod97(&compact) == Some(1) {
            out.push(Match {
                kind: DetectedKind::Iban,
                start: i,
                end: j,
            });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Reads digits from `j` allowing single separators (space, hyphen), up to `want` digits.
/// Returns the end and the digits' group lengths and the number of hyphens.
fn read_phone_digits(b: &[u8], mut j: usize, want: usize) -> (usize, usize, Vec<usize>, usize) {
    let mut n = 0;
    let mut groups = vec![0usize];
    let mut hyphens = 0;
    while n < want && j < b.len() {
        let c = b[j];
        if c.is_ascii_digit() {
            n += 1;
            if let Some(g) = groups.last_mut() {
                *g += 1;
            }
            j += 1;
        } else if (c == b' ' || c == b'-')
            && groups.last().copied().unwrap_or(0) > 0
            && j + 1 < b.len()
            && b[j + 1].is_ascii_digit()
        {
            if c == b'-' {
                hyphens += 1;
            }
            groups.push(0);
            j += 1;
        } else {
            break;
        }
    }
    (j, n, groups, hyphens)
}

fn find_phones(b: &[u8]) -> Vec<Match> {
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let left_ok = before(b, i)
            .map(|c| !(is_word(c) || c == b'+' || c == b'-' || c == b'/' || c == b'.'))
            .unwrap_or(true);
        if !left_ok {
            i += 1;
            continue;
        }
        let found = if b[i..].starts_with(b"+31") || b[i..].starts_with(b"0031") {
            let mut j = i + if b[i] == b'+' { 3 } else { 4 };
            if j < b.len() && (b[j] == b' ' || b[j] == b'-') {
                j += 1;
            }
            if b[j..].starts_with(b"(0)") {
                j += 3;
                if j < b.len() && (b[j] == b' ' || b[j] == b'-') {
                    j += 1;
                }
            }
            if j < b.len() && (b'1'..=b'9').contains(&b[j]) {
                let (end, n, groups, hyphens) = read_phone_digits(b, j, 9);
                let groups_ok = groups.iter().skip(1).all(|g| *g >= 2);
                (n == 9 && hyphens <= 1 && groups_ok).then_some(end)
            } else {
                None
            }
        } else if b[i] == b'0' && i + 1 < b.len() && (b'1'..=b'9').contains(&b[i + 1]) {
            let (end, n, groups, hyphens) = read_phone_digits(b, i, 10);
            let groups_ok = groups.iter().all(|g| *g >= 2);
            (n == 10 && hyphens <= 1 && groups_ok).then_some(end)
        } else {
            None
        };
        match found {
            Some(end) if end >= b.len() || !is_word(b[end]) => {
                out.push(Match {
                    kind: DetectedKind::Phone,
                    start: i,
                    end,
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Lower-cased bytes of the `n` bytes before `at`.
fn window_before(b: &[u8], at: usize, n: usize) -> Vec<u8> {
    b[at.saturating_sub(n)..at].to_ascii_lowercase()
}

fn find_word(hay: &[u8], word: &[u8]) -> Option<usize> {
    if word.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - word.len())
        .rev()
        .find(|&i| &hay[i..i + word.len()] == word)
}

/// The closest label before a number: `Some(true)` a BSN word, `Some(false)` a label of
/// another kind of number (order, invoice…), `None` neither.
fn number_label(b: &[u8], at: usize) -> Option<bool> {
    const BSN_WORDS: &[&[u8]] = &[
        b"bsn",
        b"burgerservicenummer",
        b"sofinummer",
        b"sofi-nummer",
    ];
    const OTHER_WORDS: &[&[u8]] = &[
        b"order",
        b"bestel",
        b"factuur",
        b"klantnummer",
        b"klantnr",
        b"referentie",
        b"kenmerk",
        b"dossiernummer",
        b"zaaknummer",
        b"polisnummer",
        b"artikel",
        b"invoice",
        b"ticket",
    ];
    let w = window_before(b, at, 30);
    let last = |words: &[&[u8]]| words.iter().filter_map(|x| find_word(&w, x)).max();
    match (last(BSN_WORDS), last(OTHER_WORDS)) {
        (Some(x), Some(y)) => Some(x > y),
        (Some(_), None) => Some(true),
        (None, Some(_)) => Some(false),
        (None, None) => None,
    }
}

fn find_bsns(b: &[u8]) -> Vec<Match> {
    // Maximal runs of digits.
    let mut runs: Vec<(usize, usize)> = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((s, i));
        } else {
            i += 1;
        }
    }
    let glued = |c: u8| is_word(c) || b"-/+_".contains(&c);
    let left_free = |s: usize| before(b, s).map(|c| !glued(c)).unwrap_or(true);
    let right_free = |e: usize| e >= b.len() || !glued(b[e]);

    let mut out = vec![];
    let mut k = 0;
    while k < runs.len() {
        // A chain: runs joined by one separator byte, the same throughout.
        let mut chain = vec![runs[k]];
        let mut sep: Option<u8> = None;
        while let Some(&next) = runs.get(k + chain.len()) {
            let (_, last_end) = chain[chain.len() - 1];
            if next.0 != last_end + 1 {
                break;
            }
            let c = b[last_end];
            if !(c == b' ' || c == b'.') || sep.map(|s| s != c).unwrap_or(false) {
                break;
            }
            sep = Some(c);
            chain.push(next);
        }
        let consumed = chain.len();
        let (cs, _) = chain[0];
        let (_, ce) = chain[chain.len() - 1];
        let total: usize = chain.iter().map(|(s, e)| e - s).sum();
        let grouped =
            chain.len() > 1 && total == 9 && chain.iter().all(|(s, e)| (2..=4).contains(&(e - s)));
        let candidates: Vec<(usize, usize)> = if grouped { vec![(cs, ce)] } else { chain };
        for (s, e) in candidates {
            let digits: Vec<u8> = b[s..e]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .map(|c| c - b'0')
                .collect();
            if !(left_free(s) && right_free(e)) {
                continue;
            }
            let label = number_label(b, s);
            if label == Some(false) {
                continue;
            }
            let ok = match digits.len() {
                9 => eleven_test(&digits),
                8 if label == Some(true) => {
                    let mut d = vec![0];
                    d.extend(&digits);
                    eleven_test(&d)
                }
                _ => false,
            };
            if ok {
                out.push(Match {
                    kind: DetectedKind::Bsn,
                    start: s,
                    end: e,
                });
            }
        }
        k += consumed;
    }
    out
}

const MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("april", 4),
    ("mei", 5),
    ("juni", 6),
    ("juli", 7),
    ("augustus", 8),
    ("september", 9),
    ("oktober", 10),
    ("november", 11),
    ("december", 12),
    ("sept", 9),
    ("jan", 1),
    ("feb", 2),
    ("mrt", 3),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("okt", 10),
    ("nov", 11),
    ("dec", 12),
];

fn read_number(b: &[u8], at: usize, min: usize, max: usize) -> Option<(u32, usize)> {
    let mut j = at;
    while j < b.len() && b[j].is_ascii_digit() && j - at < max {
        j += 1;
    }
    if j - at < min || (j < b.len() && b[j].is_ascii_digit()) {
        return None;
    }
    let v = std::str::from_utf8(&b[at..j]).ok()?.parse().ok()?;
    Some((v, j))
}

fn real_date(y: u32, m: u32, d: u32) -> bool {
    (1900..=2100).contains(&y) && NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
}

/// A date at `i`: returns its end.
fn date_at(b: &[u8], i: usize) -> Option<usize> {
    let (day, j) = read_number(b, i, 1, 2)?;
    let sep = *b.get(j)?;
    if sep == b'-' || sep == b'/' || sep == b'.' {
        let (month, k) = read_number(b, j + 1, 1, 2)?;
        if b.get(k) != Some(&sep) {
            return None;
        }
        let (year, e) = read_number(b, k + 1, 4, 4)?;
        return real_date(year, month, day).then_some(e);
    }
    if sep != b' ' {
        return None;
    }
    let k = j + 1;
    let rest = b[k..].to_ascii_lowercase();
    let (name, month) = MONTHS.iter().find(|(n, _)| {
        rest.starts_with(n.as_bytes())
            && rest
                .get(n.len())
                .map(|c| !c.is_ascii_alphabetic())
                .unwrap_or(true)
    })?;
    let mut e = k + name.len();
    if b.get(e) == Some(&b'.') {
        e += 1;
    }
    if b.get(e) != Some(&b' ') {
        return None;
    }
    let (year, end) = read_number(b, e + 1, 4, 4)?;
    real_date(year, *month, day).then_some(end)
}

/// Whether a birth word stands within 40 bytes before `at`, in the same sentence.
fn birth_word_before(b: &[u8], at: usize) -> bool {
    const WORDS: &[&[u8]] = &[
        b"geboren",
        b"geboortedatum",
        b"geboortedag",
        b"geb",
        b"date of birth",
        b"born",
        b"dob",
    ];
    let w = window_before(b, at, 40);
    WORDS.iter().any(|word| {
        (0..w.len()).any(|p| {
            if !w[p..].starts_with(word) {
                return false;
            }
            let pre_ok = p == 0 || !w[p - 1].is_ascii_alphabetic();
            let after = p + word.len();
            // "geb" and "dob" only as whole words ("gebruiker" is not a birth word); the
            // longer words may run on ("geboortedatum:", "geborene").
            let whole = word.len() > 3
                || w.get(after)
                    .map(|c| !c.is_ascii_alphabetic())
                    .unwrap_or(true);
            // Nothing that ends a sentence between the word and the date; the dot of
            // "geb." belongs to the word.
            let mut gap = &w[after..];
            if word.len() == 3 && gap.first() == Some(&b'.') {
                gap = &gap[1..];
            }
            let same_sentence = !gap.iter().any(|c| b".!?;".contains(c));
            pre_ok && whole && same_sentence
        })
    })
}

fn find_dates_of_birth(b: &[u8]) -> Vec<Match> {
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            && before(b, i)
                .map(|c| !(c.is_ascii_alphanumeric() || b"-/.".contains(&c)))
                .unwrap_or(true);
        if starts {
            if let Some(end) = date_at(b, i) {
                let free = end >= b.len() || !b[end].is_ascii_alphanumeric();
                if free && birth_word_before(b, i) {
                    out.push(Match {
                        kind: DetectedKind::DateOfBirth,
                        start: i,
                        end,
                    });
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_look_spares_only_scans_that_cannot_match() {
        assert!(find("geen cijfers en geen apenstaartje in deze brief").is_empty());
        // One digit or one @ anywhere brings the scans back.
        let m = find("bsn 111222333 van de buurman");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, DetectedKind::Bsn);
        let m = find("mail jan@example.nl graag");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, DetectedKind::Email);
        assert!(has_digit(
            &[b'x'; 200].iter().chain(b"7").copied().collect::<Vec<_>>()
        ));
        assert!(!has_digit(&[b'x'; 200]));
    }

    /// Completes 8 digits with the ninth so the eleven-test holds; `None` when no digit can.
    fn complete_bsn(s8: &str) -> Option<String> {
        let d: Vec<i32> = s8.bytes().map(|c| i32::from(c - b'0')).collect();
        let sum8: i32 = (0..8).map(|i| d[i] * (9 - i as i32)).sum();
        let check = sum8 % 11;
        (check < 10 && sum8 != 0).then(|| format!("{s8}{check}"))
    }

    /// Test BSNs made in code: 8 digits from a seed, the ninth chosen so the eleven-test holds.
    fn make_bsns(count: usize) -> Vec<String> {
        let mut out = vec![];
        let mut seed: u64 = 10_000_003;
        while out.len() < count {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1) % 100_000_000;
            let s8 = format!("{seed:08}");
            if s8.starts_with('0') {
                continue;
            }
            out.extend(complete_bsn(&s8));
        }
        out
    }

    /// The same number with its last digit changed so the eleven-test fails.
    fn break_bsn(bsn: &str) -> String {
        let mut d: Vec<u8> = bsn.bytes().collect();
        d[8] = if d[8] == b'9' { b'0' } else { d[8] + 1 };
        String::from_utf8(d).unwrap()
    }

    /// A test IBAN made in code: the check digits computed for the given BBAN.
    fn make_iban(cc: &str, bban: &str) -> String {
        let rem = iban_mod97(&format!("{cc}00{bban}")).unwrap();
        format!("{cc}{:02}{bban}", 98 - rem)
    }

    fn grouped(compact: &str) -> String {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn kinds(text: &str) -> Vec<(DetectedKind, String)> {
        find(text)
            .into_iter()
            .map(|m| (m.kind, text[m.start..m.end].to_string()))
            .collect()
    }

    #[test]
    fn eleven_test_accepts_generated_bsns_and_refuses_broken_ones() {
        for bsn in make_bsns(50) {
            assert!(is_valid_bsn(&bsn), "{bsn}");
            assert!(!is_valid_bsn(&break_bsn(&bsn)), "{bsn}");
        }
        // All zeros: the sum is 0, so not a BSN.
        assert!(!is_valid_bsn("000000000"));
        assert!(!is_valid_bsn("12345678x"));
    }

    #[test]
    fn bsn_found_plain_grouped_and_with_leading_zero_after_a_bsn_word() {
        let b = &make_bsns(3);
        let dotted = format!("{}.{}.{}", &b[1][..4], &b[1][4..6], &b[1][6..]);
        let spaced = format!("{} {} {}", &b[2][..3], &b[2][3..6], &b[2][6..]);
        let text = format!("Brief aan {} ging mis. Ook {dotted} en {spaced}.", b[0]);
        assert_eq!(
            kinds(&text),
            vec![
                (DetectedKind::Bsn, b[0].clone()),
                (DetectedKind::Bsn, dotted),
                (DetectedKind::Bsn, spaced)
            ]
        );
        // An 8-digit number: a BSN with its leading zero dropped, but only after a BSN word.
        let zero = (0..100)
            .find_map(|k| complete_bsn(&format!("0{:07}", 4_321_000 + k * 7)))
            .expect("a generated number with a leading zero");
        assert!(is_valid_bsn(&zero));
        let eight = &zero[1..];
        assert_eq!(
            kinds(&format!("BSN: {eight}")),
            vec![(DetectedKind::Bsn, eight.to_string())]
        );
        assert!(kinds(&format!("aantal {eight} stuks")).is_empty());
    }

    #[test]
    fn bsn_false_positives() {
        let b = make_bsns(2);
        // A 9-digit number failing the eleven-test is not a BSN.
        assert!(kinds(&format!("nummer {}", break_bsn(&b[0]))).is_empty());
        // An order number passing the test by chance: the label says what it is.
        assert!(kinds(&format!("Ordernummer: {}", b[0])).is_empty());
        assert!(kinds(&format!("factuur {} betaald", b[1])).is_empty());
        // Glued to letters or a hyphen: a code, not a BSN.
        assert!(kinds(&format!("ORD-{}", b[0])).is_empty());
        assert!(kinds(&format!("X{}Y", b[0])).is_empty());
        // Part of a longer number.
        assert!(kinds(&format!("{}7", b[0])).is_empty());
        // A BSN word closer than the order label wins.
        assert_eq!(kinds(&format!("order 12, bsn {}", b[1])).len(), 1);
    }

    #[test]
    fn iban_found_in_nl_and_other_countries_with_or_without_spaces() {
        let nl = make_iban("NL", "ABCD0123456789");
        let de = make_iban("DE", "123456780012345678");
        let be = make_iban("BE", "123456789012");
        assert!(is_valid_iban(&nl) && is_valid_iban(&de) && is_valid_iban(&be));
        assert!(is_valid_iban(&grouped(&nl).to_lowercase()));
        let text = format!("Rekening {nl}, Duits {} en {be}.", grouped(&de));
        assert_eq!(
            kinds(&text),
            vec![
                (DetectedKind::Iban, nl.clone()),
                (DetectedKind::Iban, grouped(&de)),
                (DetectedKind::Iban, be.clone())
            ]
        );
        // One wrong character: mod 97 fails; and the digits inside are not a phone number.
        let mut bad = nl.clone().into_bytes();
        bad[17] = if bad[17] == b'9' { b'0' } else { bad[17] + 1 };
        let bad = String::from_utf8(bad).unwrap();
        assert!(!is_valid_iban(&bad));
        assert!(kinds(&format!("rekening {bad}")).is_empty());
        // Unknown country code or wrong length.
        assert!(!is_valid_iban("XX00123"));
        assert!(!is_valid_iban(&format!("{nl}0")));
    }

    #[test]
    fn dutch_phone_numbers_in_their_usual_shapes() {
        let n = 12_345_678u32 + 1_111;
        let mobile = format!("06{n:08}");
        let shapes = [
            mobile.clone(),
            format!("06-{n:08}"),
            format!("06 {} {}", &mobile[2..6], &mobile[6..]),
            format!("+31 6 {n:08}"),
            format!("+31(0)6{n:08}"),
            format!("0031 6{n:08}"),
            format!("020-{:07}", n % 10_000_000),
            format!("0594 {:06}", n % 1_000_000),
        ];
        for s in &shapes {
            let text = format!("bel {s} na 17 uur");
            assert_eq!(kinds(&text), vec![(DetectedKind::Phone, s.clone())], "{s}");
        }
        // Not phone numbers: a date with a time, too few digits, 00 prefixes of other countries.
        assert!(kinds("afspraak 06-12-2023 10:00").is_empty());
        assert!(kinds("code 061234").is_empty());
        assert!(kinds(&format!("0044 {n:010}")).is_empty());
        assert!(kinds(&format!("{mobile}1")).is_empty());
    }

    #[test]
    fn email_addresses() {
        let text = "Stuur naar j.de.vries+dl@voorbeeld.gemeente.nl. Niet: a@b, @x.nl, foo@bar.c";
        assert_eq!(
            kinds(text),
            vec![(
                DetectedKind::Email,
                "j.de.vries+dl@voorbeeld.gemeente.nl".to_string()
            )]
        );
    }

    #[test]
    fn dates_of_birth_only_near_birth_words() {
        assert_eq!(
            kinds("Geboortedatum: 03-11-1984, woonachtig te X"),
            vec![(DetectedKind::DateOfBirth, "03-11-1984".into())]
        );
        assert_eq!(
            kinds("geboren op 7 mei 1990"),
            vec![(DetectedKind::DateOfBirth, "7 mei 1990".into())]
        );
        assert_eq!(
            kinds("J. Jansen (geb. 1 okt. 2011)"),
            vec![(DetectedKind::DateOfBirth, "1 okt. 2011".into())]
        );
        assert_eq!(kinds("geb 12/02/1975").len(), 1);
        // A date without a birth word is just a date.
        assert!(kinds("De brief van 12-03-2024 is verstuurd").is_empty());
        assert!(kinds("op 3 maart 2024 ontdekt").is_empty());
        // "gebruiker" starts with "geb" but is not the abbreviation.
        assert!(kinds("gebruiker sinds 12-03-2020").is_empty());
        // The birth word belongs to another sentence.
        assert!(kinds("Geboren in Utrecht. Afspraak 12-03-2024").is_empty());
        // Not a calendar date.
        assert!(kinds("geboortedatum 31-02-1980").is_empty());
    }

    #[test]
    fn categories_are_proposed_and_marked_derived() {
        let b = make_bsns(1);
        let iban = make_iban("NL", "ABCD0123456789");
        let text = format!(
            "BSN {} IBAN {iban} mail a@voorbeeld.nl en nog a@voorbeeld.nl geboren 1-2-2000",
            b[0]
        );
        let m = find(&text);
        assert_eq!(
            propose_categories(&m),
            vec![
                GeneralData::DateOfBirth,
                GeneralData::Bsn,
                GeneralData::Email,
                GeneralData::Iban
            ]
        );
        let fact = proposed_general_data(&m);
        assert!(fact.is_derived());
        assert!(proposed_general_data(&[]).is_missing());
    }

    #[test]
    fn mask_replaces_every_match_and_keeps_the_rest() {
        let b = make_bsns(1);
        let iban = make_iban("NL", "ABCD0123456789");
        let mobile = format!("06{:08}", 20_000_001);
        let text = format!(
            "Naam: X. BSN {} rekening {} tel {mobile}, mail x@voorbeeld.nl, geboren 02-03-1999.",
            b[0],
            grouped(&iban)
        );
        let masked = mask(&text);
        assert_eq!(
            masked,
            "Naam: X. BSN ********* rekening NL**************** tel **********, \
             mail ***@***, geboren **-**-****."
        );
        assert!(!masked.contains(&b[0]));
        // Text without personal data is unchanged, non-ASCII included.
        let plain = "Geen gegevens — alleen tekst, ordernummer 12.";
        assert_eq!(mask(plain), plain);
    }

    #[test]
    fn arbitrary_text_never_panics_and_spans_are_sound() {
        // A deterministic stream of digits, separators, letters, birth words and multi-byte
        // characters: no panic, every span on character boundaries, no overlaps.
        let pieces = [
            "0", "6", "1", "9", " ", ".", "-", "/", "+31", "0031", "(0)", "@", "a", "NL", "é", "€",
            "geb.", "geboren ", "mei ", "bsn ", "order ", "\n", "nl.", "x@y.nl",
        ];
        let mut seed: u64 = 42;
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..60 {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let matches = find(&text);
            for w in matches.windows(2) {
                assert!(w[0].end <= w[1].start, "{text:?}");
            }
            for m in &matches {
                assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            }
            // Masking never grows a value back: nothing the first pass matched survives it.
            let masked = mask(&text);
            for m in &matches {
                let value = &text[m.start..m.end];
                if value.len() > 8 && text.matches(value).count() == 1 {
                    assert!(!masked.contains(value), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn matches_never_overlap_and_carry_byte_spans() {
        let b = make_bsns(1);
        // A BSN used as the local part of an address: the e-mail wins.
        let text = format!("€ {}@voorbeeld.nl", b[0]);
        let m = find(&text);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, DetectedKind::Email);
        assert_eq!(m[0].start, "€ ".len());
        assert_eq!(m[0].end, text.len());
    }
}
