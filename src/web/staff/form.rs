//! The staff's forms: the urlencoded body as typed, and field errors in the person's language.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{json, Value};

use crate::error::FieldError;
use crate::web::kit::{web as pages, Lang};

// --- forms ----------------------------------------------------------------------------------

/// An urlencoded form body: repeatable keys (checkboxes) in order.
#[derive(Default, Debug, Clone)]
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    pub(super) fn parse(body: &[u8]) -> Form {
        let s = String::from_utf8_lossy(body);
        Form(
            web::Query::<Vec<(String, String)>>::from_query(&s)
                .map(|q| q.into_inner())
                .unwrap_or_default()
                .into_iter()
                // The input boundary for the staff's forms: control characters are dropped (the
                // text is kept without them), so both databases store the same text.
                .map(|(k, v)| {
                    (
                        crate::input::strip_bad_chars(&k),
                        crate::input::strip_bad_chars(&v.replace("\r\n", "\n")),
                    )
                })
                .collect(),
        )
    }
    pub(super) fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub(super) fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).trim().to_string()).filter(|s| !s.is_empty())
    }
    pub(super) fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
    pub(super) fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(key, _)| key == k)
    }
    /// The keys sent, in order (repeated keys repeat).
    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

/// Field errors as shown: (field, message in the person's language), one per field.
pub(super) type Shown = Vec<(String, String)>;

/// The domain's field errors in the person's language. `rename` maps a domain field name to the
/// form's field name where they differ.
pub(super) fn localise(lang: Lang, errs: &[FieldError], rename: &[(&str, &str)]) -> Shown {
    let mut out: Shown = vec![];
    for e in errs {
        let base = e.field.split('[').next().unwrap_or(&e.field);
        let field = rename
            .iter()
            .find(|(from, _)| *from == base)
            .map(|(_, to)| *to)
            .unwrap_or(base)
            .to_string();
        let message = match (&e.message_nl, lang) {
            (Some(nl), Lang::Nl) => nl.clone(),
            // In English the pages' own words where they have them (the service's English is
            // terse, for machines), else the service's.
            (Some(_), Lang::En) => {
                let own = field_message(lang, &e.message);
                if own != pages().t(lang, "staff_err_invalid") {
                    own
                } else {
                    e.message.clone()
                }
            }
            (None, _) => field_message(lang, &e.message),
        };
        push_err(&mut out, &field, message);
    }
    out
}

pub(super) fn push_err(out: &mut Shown, field: &str, message: String) {
    if !out.iter().any(|(f, _)| f == field) {
        out.push((field.to_string(), message));
    }
}

/// The message key for a domain message (the domain speaks English to machines; people read
/// the locale files).
pub(super) fn field_message(lang: Lang, message: &str) -> String {
    let key = match message {
        "required: a standard answer or a text of your own" => "staff_err_reply_empty",
        "required: to whom the report was forwarded" => "staff_err_reply_forwarded",
        "required: the address to send it back to" => "staff_err_reply_return",
        m if m.starts_with("required") => "staff_err_required",
        m if m.starts_with("at most") || m.starts_with("1 to 100 characters") => {
            "staff_err_too_long"
        }
        "lies in the future" => "staff_err_future",
        "lies before breach_started_at" => "staff_err_end_before_start",
        "lies before discovered_at" => "staff_err_aware_before_discovered",
        "lies before processor_aware_at" => "staff_err_notice_before_aware",
        m if m.contains("between 1 and 720") => "staff_err_hours_range",
        "unknown organisation" => "staff_err_organisation",
        "unknown report" => "staff_err_unknown_report",
        "already linked to another incident" => "staff_err_already_linked",
        m if m.starts_with("give 1 to 1000") => "staff_err_select_reports",
        "1 to 10000 characters" => "staff_err_note_length",
        "not an e-mail address" => "staff_err_email",
        "at least 12 characters" => "staff_err_password_short",
        "already in use" => "staff_err_in_use",
        m if m.starts_with("use 1-63") => "staff_err_slug",
        "must be 1-200 characters" => "staff_err_name",
        m if m.starts_with("a KvK number") => "staff_err_kvk",
        "no such user" => "staff_err_no_such_user",
        m if m.starts_with("a reason is required") => "staff_err_reason_required",
        "nl or en"
        | "one of: handler, fg, admin"
        | "one of: each, daily"
        | "one of: keep, destroy, return, forwarded" => "staff_err_choice",
        m if m.starts_with("staff_err_") => m,
        _ => "staff_err_invalid",
    };
    pages().t(lang, key)
}

/// Free text as lines, so the templates keep line breaks without inline styles.
pub(super) fn lines(s: &str) -> Vec<String> {
    s.lines().map(String::from).collect()
}

/// `aria-describedby` for a field with an optional hint and error.
pub(super) fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    let mut v = vec![];
    if hint {
        v.push(format!("{id}-hint"));
    }
    if error {
        v.push(format!("{id}-error"));
    }
    if v.is_empty() {
        None
    } else {
        Some(v.join(" "))
    }
}

/// A message that may be missing (optional hints, labels for values that may be new).
pub(super) fn opt_t(lang: Lang, key: &str) -> Option<String> {
    pages()
        .messages(lang)
        .get(key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Errors as the templates want them: a list for the summary at the top (links to the fields)
/// and a map for the message at each field.
pub(super) fn errors_ctx(errors: &Shown) -> (Value, Value) {
    let list: Vec<Value> = errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m, "href": format!("#f-{f}")}))
        .collect();
    let map: serde_json::Map<String, Value> =
        errors.iter().map(|(f, m)| (f.clone(), json!(m))).collect();
    (json!(list), Value::Object(map))
}

/// What the incident page shows besides the stored data: errors, what was typed, a message.
#[derive(Default)]
pub(super) struct Extra {
    pub(super) errors: Shown,
    /// Facts as typed (shown instead of the stored ones after a validation error).
    pub(super) facts: Option<HashMap<String, String>>,
    pub(super) reason: String,
    pub(super) note: String,
    pub(super) status: Option<StatusCode>,
    /// What was typed in the assessment, measure and closing forms, by field.
    pub(super) typed: HashMap<String, String>,
    /// The assessment facts as typed (JSON in the `Facts` shape), after an error.
    pub(super) assess_facts: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_message_has_words() {
        for m in [
            "required",
            "lies in the future",
            "at most 200 characters",
            "already linked to another incident",
            "a reason is required to move to not_a_breach",
        ] {
            let nl = field_message(Lang::Nl, m);
            assert!(!nl.starts_with("staff_"), "{m}: {nl}");
        }
    }
}
