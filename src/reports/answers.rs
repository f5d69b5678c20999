//! Answering the reporter (issue 16, point 4), the rules without a database: the standard answers
//! in Dutch and English, and how an answer is put together and checked.
use crate::error::FieldError;

/// A standard answer to someone who received what was not meant for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// Keep it for now; we will say what to do with it.
    Keep,
    /// Destroy it.
    Destroy,
    /// Send it back (to an address: `detail`).
    Return,
    /// We forwarded the report (to whom: `detail`).
    Forwarded,
}

impl Standard {
    pub const ALL: [Standard; 4] = [
        Standard::Keep,
        Standard::Destroy,
        Standard::Return,
        Standard::Forwarded,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Standard::Keep => "keep",
            Standard::Destroy => "destroy",
            Standard::Return => "return",
            Standard::Forwarded => "forwarded",
        }
    }

    pub fn parse(s: &str) -> Option<Standard> {
        Standard::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The answer needs a detail: the address to send it back to, or whom we forwarded it to.
    pub fn needs_detail(&self) -> bool {
        matches!(self, Standard::Return | Standard::Forwarded)
    }

    /// The text, in plain language (B1), with the detail put in.
    pub fn text(&self, lang: Lang, detail: &str) -> String {
        match (self, lang) {
            (Standard::Keep, Lang::Nl) => "Dank u wel voor uw melding. Wilt u bewaren wat u ontving, en het aan niemand anders laten zien of doorsturen? Wij laten u weten wat u er daarna mee moet doen.".into(),
            (Standard::Keep, Lang::En) => "Thank you for your report. Please keep what you received, and do not show it or pass it on to anyone else. We will let you know what to do with it next.".into(),
            (Standard::Destroy, Lang::Nl) => "Dank u wel voor uw melding. Wilt u vernietigen wat u ontving? Scheur papier in kleine stukjes of gebruik een papierversnipperaar. Verwijder e-mails en bestanden, ook uit de prullenbak. U hoeft niets terug te sturen.".into(),
            (Standard::Destroy, Lang::En) => "Thank you for your report. Please destroy what you received. Tear paper into small pieces or use a shredder. Delete e-mails and files, also from the bin. You do not need to send anything back.".into(),
            (Standard::Return, Lang::Nl) => format!("Dank u wel voor uw melding. Wilt u terugsturen wat u ontving? Stuur het naar:\n{detail}\nHoud geen kopie. Verwijder e-mails en bestanden, ook uit de prullenbak."),
            (Standard::Return, Lang::En) => format!("Thank you for your report. Please send what you received back to:\n{detail}\nDo not keep a copy. Delete e-mails and files, also from the bin."),
            (Standard::Forwarded, Lang::Nl) => format!("Dank u wel voor uw melding. Wij hebben uw melding doorgestuurd naar {detail}, omdat zij erover gaan. Zij handelen de melding verder af."),
            (Standard::Forwarded, Lang::En) => format!("Thank you for your report. We have forwarded your report to {detail}, because it is theirs to handle. They will deal with it from here."),
        }
    }
}

/// The language of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// At most this many characters of free text.
pub const MAX_TEXT: usize = 10_000;
/// At most this many characters of detail (an address, an organisation's name).
pub const MAX_DETAIL: usize = 500;

/// An answer as asked for: a standard answer and/or free text, in a language.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub standard: Option<String>,
    pub detail: Option<String>,
    pub text: Option<String>,
    pub language: Option<String>,
}

/// An answer checked and put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub standard: Option<Standard>,
    pub lang: Lang,
    /// What the reporter reads: the standard text, then the free text.
    pub body: String,
}

fn clean(o: &Option<String>) -> Option<String> {
    o.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Check and compose an answer. `default_lang` is the report's language; `fallback_detail` the
/// organisation's address, used when "send it back" names none. Every problem names its field.
pub fn compose(
    asked: &Asked,
    default_lang: &str,
    fallback_detail: Option<&str>,
) -> Result<Composed, Vec<FieldError>> {
    let mut errs = vec![];
    let standard = match clean(&asked.standard) {
        None => None,
        Some(s) => match Standard::parse(&s) {
            Some(a) => Some(a),
            None => {
                errs.push(FieldError::new(
                    "standard",
                    "one of: keep, destroy, return, forwarded",
                ));
                None
            }
        },
    };
    let lang = match clean(&asked.language) {
        None => Lang::parse(default_lang).unwrap_or(Lang::Nl),
        Some(l) => Lang::parse(&l).unwrap_or_else(|| {
            errs.push(FieldError::new("language", "nl or en"));
            Lang::Nl
        }),
    };
    let text = clean(&asked.text);
    if text
        .as_ref()
        .map(|t| t.chars().count() > MAX_TEXT)
        .unwrap_or(false)
    {
        errs.push(FieldError::new("text", "at most 10000 characters"));
    }
    let mut detail = clean(&asked.detail);
    if detail
        .as_ref()
        .map(|d| d.chars().count() > MAX_DETAIL)
        .unwrap_or(false)
    {
        errs.push(FieldError::new("detail", "at most 500 characters"));
    }
    if standard == Some(Standard::Return) && detail.is_none() {
        detail = fallback_detail
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty());
    }
    if let Some(s) = standard {
        if s.needs_detail() && detail.is_none() {
            errs.push(FieldError::new(
                "detail",
                match s {
                    Standard::Forwarded => "required: to whom the report was forwarded",
                    _ => "required: the address to send it back to",
                },
            ));
        }
    }
    if standard.is_none() && text.is_none() && errs.is_empty() {
        errs.push(FieldError::new(
            "text",
            "required: a standard answer or a text of your own",
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let mut parts = vec![];
    if let Some(s) = standard {
        parts.push(s.text(lang, detail.as_deref().unwrap_or("")));
    }
    if let Some(t) = text {
        parts.push(t);
    }
    Ok(Composed {
        standard,
        lang,
        body: parts.join("\n\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(standard: &str, detail: &str, text: &str, language: &str) -> Asked {
        let o = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        Asked {
            standard: o(standard),
            detail: o(detail),
            text: o(text),
            language: o(language),
        }
    }

    #[test]
    fn a_standard_answer_in_the_reports_language_by_default() {
        let c = compose(&asked("destroy", "", "", ""), "en", None).unwrap();
        assert_eq!(c.lang, Lang::En);
        assert!(c.body.starts_with("Thank you"), "{}", c.body);
        let c = compose(&asked("destroy", "", "", "nl"), "en", None).unwrap();
        assert!(c.body.contains("vernietigen"), "{}", c.body);
    }

    #[test]
    fn standard_and_free_text_together() {
        let c = compose(
            &asked("keep", "", "Wij bellen u deze week.", ""),
            "nl",
            None,
        )
        .unwrap();
        assert_eq!(c.standard, Some(Standard::Keep));
        assert!(
            c.body.ends_with("\n\nWij bellen u deze week."),
            "{}",
            c.body
        );
    }

    #[test]
    fn forwarding_names_to_whom_and_return_falls_back_to_the_address() {
        let e = compose(&asked("forwarded", "", "", ""), "nl", Some("Postbus 1")).unwrap_err();
        assert_eq!(e[0].field, "detail");
        let c = compose(
            &asked("forwarded", "de gemeente Utrecht", "", ""),
            "nl",
            None,
        )
        .unwrap();
        assert!(c.body.contains("doorgestuurd naar de gemeente Utrecht"));
        let c = compose(
            &asked("return", "", "", ""),
            "nl",
            Some("Postbus 1, 1000 AA Stad"),
        )
        .unwrap();
        assert!(c.body.contains("Postbus 1, 1000 AA Stad"));
        let e = compose(&asked("return", "", "", ""), "nl", None).unwrap_err();
        assert_eq!(e[0].field, "detail");
    }

    #[test]
    fn nothing_or_nonsense_is_refused_naming_the_field() {
        assert_eq!(
            compose(&asked("", "", "  ", ""), "nl", None).unwrap_err()[0].field,
            "text"
        );
        assert_eq!(
            compose(&asked("burn", "", "x", ""), "nl", None).unwrap_err()[0].field,
            "standard"
        );
        assert_eq!(
            compose(&asked("", "", "x", "de"), "nl", None).unwrap_err()[0].field,
            "language"
        );
        let long = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            compose(&asked("", "", &long, ""), "nl", None).unwrap_err()[0].field,
            "text"
        );
    }

    #[test]
    fn every_standard_answer_exists_in_both_languages() {
        for s in Standard::ALL {
            for l in [Lang::Nl, Lang::En] {
                let t = s.text(l, "X");
                assert!(t.len() > 40, "{s:?} {l:?}");
                if s.needs_detail() {
                    assert!(t.contains('X'), "{s:?} {l:?}");
                }
            }
            assert_eq!(Standard::parse(s.as_str()), Some(s));
        }
    }
}
