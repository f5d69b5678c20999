//! The rendered parts of a letter, e-mail or public-notice draft, as a typed list: which template
//! ([`PartName`]), in which language, and the text. The FG signs off their text form
//! ([`to_text`]): each part under a line `===== name.lang =====`, exactly as before the parts were
//! typed, so the hashes of sign-offs already stored still match. [`parse`] reads that form back
//! (for content kept or sent as text). Pure.
use serde::Serialize;

/// Which part of the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartName {
    /// A note to the FG: English readers get the Dutch texts (the English ones are incomplete).
    EnglishMissing,
    EmailSubject,
    EmailBody,
    /// The letter (HTML).
    Letter,
    /// The public notice's page (HTML).
    PublicNotice,
}

pub const ALL_NAMES: [PartName; 5] = [
    PartName::EnglishMissing,
    PartName::EmailSubject,
    PartName::EmailBody,
    PartName::Letter,
    PartName::PublicNotice,
];

impl PartName {
    pub fn as_str(&self) -> &'static str {
        match self {
            PartName::EnglishMissing => "english_missing",
            PartName::EmailSubject => "email_subject",
            PartName::EmailBody => "email_body",
            PartName::Letter => "letter",
            PartName::PublicNotice => "public_notice",
        }
    }

    pub fn parse(s: &str) -> Option<PartName> {
        ALL_NAMES.into_iter().find(|n| n.as_str() == s)
    }

    /// The template that renders it (`templates()` of the draft kind), if any.
    pub fn template(&self) -> Option<&'static str> {
        match self {
            PartName::EnglishMissing => None,
            n => Some(n.as_str()),
        }
    }

    /// An HTML document rather than plain text.
    pub fn is_html(&self) -> bool {
        matches!(self, PartName::Letter | PartName::PublicNotice)
    }
}

/// One rendered part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub name: PartName,
    /// nl or en.
    pub lang: String,
    pub text: String,
}

impl Part {
    pub fn new(name: PartName, lang: &str, text: impl Into<String>) -> Part {
        Part {
            name,
            lang: lang.to_string(),
            text: text.into(),
        }
    }
}

/// The part of this name in this language.
pub fn find<'a>(parts: &'a [Part], name: PartName, lang: &str) -> Option<&'a Part> {
    parts.iter().find(|p| p.name == name && p.lang == lang)
}

fn marker(name: &str, lang: &str) -> String {
    format!("===== {name}.{lang} =====\n")
}

/// The text the FG signs off (and whose SHA-256 is stored): each part under its marker line,
/// followed by a line break.
pub fn to_text(parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(&marker(p.name.as_str(), &p.lang));
        out.push_str(&p.text);
        out.push('\n');
    }
    out
}

/// Read the text form back: the inverse of [`to_text`] (a text before the first marker is not a
/// part). `None` when a marker names no known part.
pub fn parse(text: &str) -> Option<Vec<Part>> {
    let mut out: Vec<Part> = vec![];
    for line in text.split_inclusive('\n') {
        let l = line.strip_suffix('\n').unwrap_or(line);
        if let Some(head) = l
            .strip_prefix("===== ")
            .and_then(|h| h.strip_suffix(" ====="))
        {
            let (name, lang) = head.rsplit_once('.')?;
            out.push(Part::new(PartName::parse(name)?, lang, ""));
        } else if let Some(last) = out.last_mut() {
            last.text.push_str(line);
        }
    }
    // `to_text` ends every part with one line break of its own.
    for p in &mut out {
        if p.text.ends_with('\n') {
            p.text.pop();
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_text_form_is_the_one_signed_off_before() {
        // What service.rs wrote before the parts were typed, byte for byte.
        let parts = vec![
            Part::new(PartName::EnglishMissing, "nl", "Engels ontbreekt."),
            Part::new(PartName::EnglishMissing, "en", "English missing."),
            Part::new(PartName::EmailSubject, "nl", "Onderwerp"),
            Part::new(
                PartName::Letter,
                "nl",
                "<html><body><p>x</p></body></html>\n",
            ),
        ];
        assert_eq!(
            to_text(&parts),
            "===== english_missing.nl =====\nEngels ontbreekt.\n\
             ===== english_missing.en =====\nEnglish missing.\n\
             ===== email_subject.nl =====\nOnderwerp\n\
             ===== letter.nl =====\n<html><body><p>x</p></body></html>\n\n"
        );
        assert_eq!(parse(&to_text(&parts)), Some(parts));
    }

    #[test]
    fn content_splits_into_its_parts() {
        let c = "===== public_notice.nl =====\n<h1>NL</h1>\n\n===== public_notice.en =====\n<h1>EN</h1>\n";
        let p = parse(c).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            find(&p, PartName::PublicNotice, "nl")
                .unwrap()
                .text
                .trim_end(),
            "<h1>NL</h1>"
        );
        assert_eq!(
            find(&p, PartName::PublicNotice, "en")
                .unwrap()
                .text
                .trim_end(),
            "<h1>EN</h1>"
        );
        assert_eq!(parse("nothing"), Some(vec![]));
        assert_eq!(parse("===== bogus.nl =====\nx\n"), None);
    }

    fn any_part() -> impl Strategy<Value = Part> {
        (
            proptest::sample::select(ALL_NAMES.to_vec()),
            proptest::sample::select(vec!["nl", "en"]),
            // Any text without a line of its own that looks like a marker.
            "([a-zA-Z<>/ =.é]{0,20}\n?){0,4}",
        )
            .prop_filter("no marker line", |(_, _, t)| {
                !t.split('\n').any(|l| l.starts_with("===== "))
            })
            .prop_map(|(n, l, t)| Part::new(n, l, t))
    }

    proptest! {
        #[test]
        fn the_text_form_reads_back(parts in proptest::collection::vec(any_part(), 0..6)) {
            prop_assert_eq!(parse(&to_text(&parts)), Some(parts));
        }
    }
}
