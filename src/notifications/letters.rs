//! What the letter and the e-mail to affected people say (Art. 34, `regulation.md` §1): what
//! happened, which data, likely consequences, measures taken, what people can do themselves, and
//! the contact and FG details — filled from the incident's facts, the draft and the organisation's
//! settings. Pure: the template does the wording.
use std::collections::BTreeMap;

use serde::Serialize;

use super::ap::{DraftInput, OrgPart};
use crate::assessment::facts::Facts;
use crate::error::FieldProblem;

#[derive(Debug, Clone, Serialize)]
pub struct OrgCtx {
    pub name: String,
    pub address: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub website: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FgCtx {
    pub name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentCtx {
    pub reference: String,
}

/// Who signs the letter: a person and their function, or (when the organisation set none) the
/// organisation alone.
#[derive(Debug, Clone, Serialize)]
pub struct SignatoryCtx {
    pub name: String,
    pub function: String,
}

/// One recipient as the templates see them. `extra` holds the CSV's further columns.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientCtx {
    pub name: String,
    pub email: String,
    pub postal_address: String,
    /// The recipient's own salutation (the optional column `aanhef` or `salutation`), else the
    /// organisation's neutral one in the letter's language: one plain value for the template.
    pub salutation: String,
    pub extra: BTreeMap<String, String>,
}

/// The recipients file's columns that hold a recipient's own salutation ("Beste Fatma,").
pub const SALUTATION_COLUMNS: [&str; 2] = ["aanhef", "salutation"];

/// The recipient's own salutation from the extra columns, if any.
pub fn salutation_of(extra: &BTreeMap<String, String>) -> String {
    extra
        .iter()
        .find(|(k, v)| {
            SALUTATION_COLUMNS.contains(&k.trim().to_lowercase().as_str()) && !v.trim().is_empty()
        })
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// The recipient-independent part, built once per campaign.
#[derive(Debug, Clone, Serialize)]
pub struct Common {
    pub organisation: OrgCtx,
    pub fg: FgCtx,
    pub incident: IncidentCtx,
    pub what_happened: String,
    pub data: Vec<String>,
    pub consequences: String,
    pub measures: String,
    pub advice: String,
    /// The letter's date: the day the campaign started ([`Common::dated`]); in the FG's sample a
    /// placeholder, as the recipient is.
    pub letter_date: String,
    /// The return address above the window: one line.
    pub return_address: String,
    pub signatory: SignatoryCtx,
    /// The organisation's neutral salutation, used when the recipient has none of their own.
    pub salutation: String,
    /// The letter's print CSS: the window and margins of `crate::pdf::layout`, so the HTML letter
    /// and the PDF share one layout.
    pub layout_css: String,
}

impl Common {
    /// The same with the letter's date set (the day the campaign started), in this language.
    pub fn dated(mut self, lang: &str, day: chrono::NaiveDate) -> Common {
        use chrono::Datelike;
        // A letter's date without the weekday: "11 december 2026".
        let month = if lang == "en" {
            crate::locale::month_en(day.month())
        } else {
            crate::locale::month_nl(day.month())
        };
        self.letter_date = format!("{} {month} {}", day.day(), day.year());
        self
    }
}

/// The draft's texts for the letters and e-mails in `lang`: (what happened, consequences
/// (None: derived from the facts), measures, advice).
fn texts<'a>(
    lang: &str,
    input: &'a DraftInput,
) -> (
    Option<&'a String>,
    Option<&'a String>,
    Option<&'a String>,
    Option<&'a String>,
) {
    // Until every English text is there, the Dutch ones (a public notice keeps its English
    // frame; letters and e-mails then go out in Dutch altogether, see `language_for`).
    if lang == "en" && english_complete(input) {
        (
            input.what_happened_en.as_ref(),
            input.consequences_en.as_ref(),
            input.measures_en.as_ref(),
            input.advice_en.as_ref(),
        )
    } else {
        (
            input.what_happened.as_ref(),
            input.consequences.as_ref(),
            input.measures.as_ref(),
            input.advice.as_ref(),
        )
    }
}

/// Whether every text the letter needs exists in English: what happened, measures, advice, and
/// the consequences when the Dutch ones were written by hand.
pub fn english_complete(input: &DraftInput) -> bool {
    input.what_happened_en.is_some()
        && input.measures_en.is_some()
        && input.advice_en.is_some()
        && (input.consequences.is_none() || input.consequences_en.is_some())
}

/// The languages the letters and e-mails of this draft go out in: Dutch always, English when
/// every English text is there. The FG signs the texts of exactly these languages.
pub fn languages(input: &DraftInput) -> &'static [&'static str] {
    if english_complete(input) {
        &["nl", "en"]
    } else {
        &["nl"]
    }
}

/// The one language a recipient gets: their own when the draft has it complete, else Dutch
/// (never a letter half in one language and half in another).
pub fn language_for<'a>(recipient_language: &'a str, input: &DraftInput) -> &'a str {
    if recipient_language == "en" && english_complete(input) {
        "en"
    } else {
        "nl"
    }
}

/// The whole context for one recipient in one language.
#[derive(Serialize)]
pub struct LetterCtx<'a> {
    #[serde(flatten)]
    pub common: &'a Common,
    pub recipient: &'a RecipientCtx,
}

/// What the draft still lacks for a letter (field, message): sign-off is refused until given.
pub fn missing(input: &DraftInput, org: &OrgPart) -> Vec<FieldProblem> {
    let mut out = vec![];
    if input.what_happened.is_none() {
        out.push(FieldProblem::new(
            "what_happened",
            "say in plain words what happened",
            "Beschrijf in gewone woorden wat er is gebeurd",
        ));
    }
    if input.measures.is_none() {
        out.push(FieldProblem::new(
            "measures",
            "say which measures were taken",
            "Beschrijf welke maatregelen zijn genomen",
        ));
    }
    if input.advice.is_none() {
        out.push(FieldProblem::new(
            "advice",
            "say what people can do themselves",
            "Beschrijf wat mensen zelf kunnen doen",
        ));
    }
    if org.fg_name.is_none() {
        out.push(FieldProblem::new(
            "fg_name",
            "the organisation has no FG set: letters must name the FG",
            "De organisatie heeft nog geen FG ingesteld: een brief moet de FG noemen",
        ));
    }
    if org.contact_email.is_none() && org.contact_phone.is_none() && org.fg_email.is_none() {
        out.push(FieldProblem::new(
            "contact_email",
            "the organisation has no contact e-mail or phone for questions",
            "De organisatie heeft geen e-mailadres of telefoonnummer voor vragen",
        ));
    }
    out
}

/// The common part in `lang` ("nl" or "en").
pub fn common(
    lang: &str,
    org: &OrgPart,
    reference: &str,
    facts: Option<&Facts>,
    input: &DraftInput,
) -> Common {
    let en = lang == "en";
    let data = facts
        .map(|f| {
            let mut v: Vec<String> = f
                .general_data
                .items()
                .iter()
                .map(|g| if en { g.label_en() } else { g.label_nl() }.to_string())
                .collect();
            v.extend(
                f.special_categories
                    .items()
                    .iter()
                    .map(|c| if en { c.label_en() } else { c.label_nl() }.to_string()),
            );
            v
        })
        .unwrap_or_default();
    let (what_happened, consequences, measures, advice) = texts(lang, input);
    let consequences = consequences.cloned().unwrap_or_else(|| {
        let items: Vec<String> = facts
            .map(|f| {
                f.consequences_people
                    .items()
                    .iter()
                    .map(|c| if en { c.label_en() } else { c.label_nl() }.to_string())
                    .collect()
            })
            .unwrap_or_default();
        if items.is_empty() {
            if en {
                "We do not yet know of any consequences.".into()
            } else {
                "Er zijn ons nog geen gevolgen bekend.".into()
            }
        } else {
            items.join("; ")
        }
    });
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let return_address = match &org.address {
        Some(a) => format!("{}, {}", org.name, a.replace('\n', ", ")),
        None => org.name.clone(),
    };
    let signatory = match &org.signatory_name {
        Some(n) => SignatoryCtx {
            name: n.clone(),
            function: s(&org.signatory_function),
        },
        None => SignatoryCtx {
            name: String::new(),
            function: String::new(),
        },
    };
    let salutation = if en {
        org.salutation_en
            .clone()
            .unwrap_or_else(|| DEFAULT_SALUTATION_EN.into())
    } else {
        org.salutation_nl
            .clone()
            .unwrap_or_else(|| DEFAULT_SALUTATION_NL.into())
    };
    Common {
        organisation: OrgCtx {
            name: org.name.clone(),
            address: s(&org.address),
            contact_email: s(&org.contact_email).to_string(),
            contact_phone: s(&org.contact_phone),
            website: s(&org.website),
        },
        fg: FgCtx {
            name: s(&org.fg_name),
            email: s(&org.fg_email),
            phone: s(&org.fg_phone),
        },
        incident: IncidentCtx {
            reference: reference.to_string(),
        },
        what_happened: what_happened.cloned().unwrap_or_default(),
        data,
        consequences,
        measures: measures.cloned().unwrap_or_default(),
        advice: advice.cloned().unwrap_or_default(),
        letter_date: if en {
            "[date of sending]".into()
        } else {
            "[datum van verzending]".into()
        },
        return_address,
        signatory,
        salutation,
        layout_css: crate::pdf::layout::letter_css(),
    }
}

/// The neutral salutations when the organisation chose none.
pub const DEFAULT_SALUTATION_NL: &str = "Geachte heer/mevrouw,";
pub const DEFAULT_SALUTATION_EN: &str = "Dear Sir or Madam,";

/// A fictional recipient for the FG's sample, with every extra column the list has.
pub fn sample_recipient(
    lang: &str,
    extra_columns: &[String],
    default_salutation: &str,
) -> RecipientCtx {
    RecipientCtx {
        name: if lang == "en" {
            "J. Sample"
        } else {
            "J. Voorbeeld"
        }
        .into(),
        email: "j.voorbeeld@example.nl".into(),
        postal_address: "Voorbeeldstraat 1\n1234 AB Voorbeeldstad".into(),
        salutation: if extra_columns
            .iter()
            .any(|c| SALUTATION_COLUMNS.contains(&c.trim().to_lowercase().as_str()))
        {
            if lang == "en" {
                "[salutation]"
            } else {
                "[aanhef]"
            }
            .into()
        } else {
            default_salutation.to_string()
        },
        extra: extra_columns
            .iter()
            .map(|c| (c.clone(), format!("[{c}]")))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::facts::{Fact, GeneralData};
    use crate::notifications::render::NoticeTemplates;

    #[test]
    fn letters_and_emails_render_in_both_languages_with_every_part() {
        let org = OrgPart {
            name: "Gemeente Oost".into(),
            fg_name: Some("F. Gerritsen".into()),
            fg_email: Some("fg@oost.example.nl".into()),
            contact_phone: Some("14 010".into()),
            ..Default::default()
        };
        let facts = Facts {
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::Bsn]),
            ..Default::default()
        };
        let input = DraftInput {
            what_happened: Some("Een brief ging naar het verkeerde adres.".into()),
            measures: Some("De brief is teruggehaald.".into()),
            advice: Some("Let op verdachte post.".into()),
            ..Default::default()
        };
        assert!(missing(&input, &org).is_empty());
        let t = NoticeTemplates::embedded();
        for lang in ["nl", "en"] {
            let c = common(lang, &org, "INC-2026-0001", Some(&facts), &input);
            let r = RecipientCtx {
                name: "A. <Bakker>".into(),
                email: "a@example.nl".into(),
                postal_address: "Dorpsstraat 2\n1000 AA Oost".into(),
                salutation: String::new(),
                extra: BTreeMap::new(),
            };
            let ctx = LetterCtx {
                common: &c,
                recipient: &r,
            };
            let body = t.render(&format!("email_body.{lang}"), &ctx).unwrap();
            assert!(body.contains("A. <Bakker>"), "text mail is not escaped");
            assert!(body.contains("F. Gerritsen") && body.contains("14 010"));
            assert!(body.contains("INC-2026-0001"));
            let letter = t.render(&format!("letter.{lang}"), &ctx).unwrap();
            assert!(
                letter.contains("A. &lt;Bakker&gt;"),
                "letters are HTML-escaped"
            );
            assert!(letter.contains("size: A4"));
            if lang == "nl" {
                assert!(body.contains("burgerservicenummer (BSN)"));
                assert!(letter.contains("Wat kunt u zelf doen?"));
            } else {
                assert!(body.contains("citizen service number (BSN)"));
                assert!(letter.contains("What can you do yourself?"));
            }
        }
        let none = DraftInput::default();
        let problems = missing(&none, &OrgPart::default());
        // Each in Dutch and English, so a Dutch page never shows the English text.
        for p in &problems {
            assert!(
                !p.message_nl.is_empty() && p.message_nl != p.message,
                "{p:?}"
            );
        }
        let fields: Vec<&str> = problems.iter().map(|m| m.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "what_happened",
                "measures",
                "advice",
                "fg_name",
                "contact_email"
            ]
        );
    }
}

/// The Content-Security-Policy for a letter served as HTML on its own (to print it): the
/// service's usual policy, with the letter's own `<style>` blocks allowed by their SHA-256 — the
/// print layout lives in the (organisation-adaptable) template, and nothing else inline is allowed.
pub fn letter_csp(html: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut hashes = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let after = &rest[start + "<style>".len()..];
        let Some(end) = after.find("</style>") else {
            break;
        };
        let digest = Sha256::digest(&after.as_bytes()[..end]);
        hashes.push_str(&format!(
            " 'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
        rest = &after[end..];
    }
    format!(
        "default-src 'none'; style-src 'self'{hashes}; img-src 'self' data:; form-action 'none'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod csp_tests {
    use super::letter_csp;

    #[test]
    fn a_letters_own_style_blocks_are_allowed_by_hash_and_nothing_else() {
        let html =
            "<html><head><style>body { color: #000; }</style></head><body><p>x</p></body></html>";
        let csp = letter_csp(html);
        // echo -n 'body { color: #000; }' | openssl dgst -sha256 -binary | base64
        assert!(
            csp.contains("style-src 'self' 'sha256-1aWl5icYhS97YQ/01LLr1NnNtW80YDeDybiz/JrsbkI='"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline") && csp.contains("default-src 'none'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        let two = letter_csp("<style>a{}</style><style>b{}</style>");
        assert_eq!(two.matches("'sha256-").count(), 2);
        assert_eq!(
            letter_csp("<p>geen stijl</p>"),
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'none'; \
             base-uri 'none'; frame-ancestors 'none'"
        );
        // An unterminated block allows nothing.
        assert!(!letter_csp("<style>a{}").contains("sha256"));
    }
}

/// A letter's pages, laid out as in the PDF.
pub fn letter_layout(html: &str) -> crate::pdf::Laid {
    crate::pdf::layout(&crate::pdf::html::to_blocks(html))
}

/// How many pages a letter takes.
pub fn letter_pages(html: &str) -> usize {
    letter_layout(html).len()
}
