//! What the processors' pages share: who is signed in, the form body, field errors in the
//! person's language, times in Amsterdam, rendering in the layout with the right menu.
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serde_json::{json, Value};

use crate::auth::{Role, Staff};
use crate::error::{ApiError, FieldError};
use crate::state::AppState;
pub use crate::web::kit::{csrf_ok, redirect, Lang, PageError};
use crate::web::kit::{csrf_token, html, web as pages};

/// The signed-in person, or a redirect to the login page that comes back to `next`.
pub async fn signed_in(req: &HttpRequest, lang: Lang, next: &str) -> Result<Staff, PageError> {
    match Staff::from_request(req, &mut actix_web::dev::Payload::None).await {
        Ok(s) => Ok(s),
        Err(ApiError::Unauthorized(_)) => Err(PageError::login(lang, next)),
        Err(e) => Err(page_err(lang, e)),
    }
}

/// A domain error as a page in the person's language (field errors are shown by the caller).
pub fn page_err(lang: Lang, e: ApiError) -> PageError {
    match e {
        ApiError::NotFound => PageError::not_found(lang),
        ApiError::Forbidden(_) | ApiError::Denied(_) => forbidden(lang),
        other => PageError::from_api(lang, other),
    }
}

pub fn forbidden(lang: Lang) -> PageError {
    PageError::new(StatusCode::FORBIDDEN, lang, "")
}

/// The path and query of this request (where to come back to after login).
pub fn here(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.path().to_string())
}

/// An urlencoded form body: repeatable keys (checkboxes) in order; control characters dropped.
#[derive(Default, Debug, Clone)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let s = String::from_utf8_lossy(body);
        Form(
            web::Query::<Vec<(String, String)>>::from_query(&s)
                .map(|q| q.into_inner())
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    (
                        crate::input::strip_bad_chars(&k),
                        crate::input::strip_bad_chars(&v.replace("\r\n", "\n")),
                    )
                })
                .collect(),
        )
    }
    pub fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).trim().to_string()).filter(|s| !s.is_empty())
    }
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// Field errors as shown: (field, message in the person's language), the first per field.
pub type Shown = Vec<(String, String)>;

pub fn push_err(out: &mut Shown, field: &str, message: String) {
    if !out.iter().any(|(f, _)| f == field) {
        out.push((field.to_string(), message));
    }
}

/// The domain's field errors in the person's language: the Dutch text the rule gives, or its
/// English as a sentence. `data_categories[2]` is shown at `data_categories`.
pub fn localise(lang: Lang, errs: &[FieldError]) -> Shown {
    let mut out = vec![];
    for e in errs {
        let field = e.field.split('[').next().unwrap_or(&e.field);
        let message = match (&e.message_nl, lang) {
            (Some(nl), Lang::Nl) => nl.clone(),
            (None, Lang::Nl) => pages().t(lang, "processor_err_invalid"),
            (_, Lang::En) => sentence(&e.message),
        };
        push_err(&mut out, field, message);
    }
    out
}

/// "required: describe what happened" → "Required: describe what happened."
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => {
            let mut out: String = f.to_uppercase().chain(c).collect();
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

/// Errors as the templates want them: a list for the summary (links to the fields) and a map.
pub fn errors_ctx(errors: &Shown) -> (Value, Value) {
    let list: Vec<Value> = errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m, "href": format!("#f-{f}")}))
        .collect();
    let map: serde_json::Map<String, Value> =
        errors.iter().map(|(f, m)| (f.clone(), json!(m))).collect();
    (json!(list), Value::Object(map))
}

/// An instant as people in the Netherlands read it, in the person's language.
pub fn local_time(lang: Lang, t: DateTime<Utc>) -> String {
    match lang {
        Lang::Nl => crate::locale::datetime_nl(t),
        Lang::En => crate::locale::datetime_en(t),
    }
}

pub fn local_db(lang: Lang, t: NaiveDateTime) -> String {
    local_time(lang, crate::db::from_db(t))
}

/// The value of a `datetime-local` field: Amsterdam wall-clock time to the minute.
pub fn input_value(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&Amsterdam)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// A `datetime-local` value read as Amsterdam time. Empty: `None`. In the autumn hour that
/// happens twice, the first; a time skipped in spring is refused (the message key is returned).
pub fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .filter(|n| crate::input::year_ok(chrono::Datelike::year(n)))
        .ok_or("processor_err_datetime")?;
    match Amsterdam.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(Some(t.with_timezone(&Utc))),
        chrono::LocalResult::Ambiguous(first, _) => Ok(Some(first.with_timezone(&Utc))),
        chrono::LocalResult::None => Err("processor_err_datetime_gap"),
    }
}

/// A number field: empty is `None`; anything but a whole number is refused (the message key).
pub fn parse_count(s: &str) -> Result<Option<i64>, &'static str> {
    let s: String = s
        .trim()
        .chars()
        .filter(|c| *c != '.' && *c != ' ')
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>()
        .map(Some)
        .map_err(|_| "processor_err_number")
}

/// A confirmation after a redirect (`?ok=sent`): only known keys, in the person's language.
pub fn notice(req: &HttpRequest, lang: Lang, allowed: &[&str]) -> Option<String> {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let ok = q.get("ok")?;
    allowed
        .iter()
        .find(|a| **a == ok.as_str())
        .map(|k| pages().t(lang, &format!("processor_ok_{k}")))
}

/// The menu a page shows.
pub enum Menu<'a> {
    /// A processor's account: its notices, a new notice, sign out.
    Processor(&'a Staff),
    /// Staff: the staff's menu.
    Staff(&'a Staff),
}

/// Render a page in the layout with the CSRF token (a new cookie when there was none) and the
/// menu; the errors in `ctx` (`errors`, `err`) as the templates expect them.
pub async fn render(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    menu: Menu<'_>,
    name: &str,
    mut ctx: Value,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (csrf, cookie) = csrf_token(req);
    let menu_ctx = match menu {
        Menu::Processor(s) => json!({"processor": {"display_name": s.display_name}, "staff": null}),
        Menu::Staff(s) => {
            let who = s.clone();
            // The menu goes without its counts rather than the page failing.
            let counts = state
                .db(move |c| Ok(crate::signals::service::counts(c, &who)?))
                .await
                .ok();
            json!({"staff": {
                "display_name": s.display_name, "email": s.email,
                "is_admin": s.is_admin || s.memberships.iter().any(|m| m.effective && m.role == Role::Admin),
                "is_fg": !crate::signals::service::fg_orgs(s).is_empty(),
                "new_reports": counts.map(|c| c.new_reports).filter(|n| *n > 0),
                "to_sign": counts.and_then(|c| c.to_sign).filter(|n| *n > 0),
            }})
        }
    };
    if let (Some(o), Some(m)) = (ctx.as_object_mut(), menu_ctx.as_object()) {
        for (k, v) in m {
            o.insert(k.clone(), v.clone());
        }
        o.insert("csrf".into(), json!(csrf));
        let (list, map) = match (o.get("errors"), o.get("err")) {
            (Some(l), Some(m)) => (l.clone(), m.clone()),
            _ => (json!([]), json!({})),
        };
        o.insert(
            "has_errors".into(),
            json!(list.as_array().is_some_and(|a| !a.is_empty())),
        );
        o.insert("errors".into(), list);
        o.insert("err".into(), map);
    }
    let body = pages().page(req, lang, name, ctx)?;
    Ok(html(status, body, cookie))
}

/// The CSRF token did not match: a 403 page that says so, with a link back. Nothing was changed.
pub fn expired(req: &HttpRequest, lang: Lang, back: &str) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (csrf, cookie) = csrf_token(req);
    let ctx = json!({
        "title": w.t(lang, "staff_expired_title"),
        "back": crate::web::safe_next(Some(back)),
        "csrf": csrf,
        "staff": null,
    });
    let body = w.page(req, lang, "staff/expired", ctx)?;
    Ok(html(StatusCode::FORBIDDEN, body, cookie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amsterdam_input() {
        let t = parse_local("2026-07-01T10:30").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T08:30:00+00:00");
        assert_eq!(input_value(Some(t)), "2026-07-01T10:30");
        assert_eq!(
            parse_local("2026-03-29T02:30"),
            Err("processor_err_datetime_gap")
        );
        assert_eq!(parse_local("gisteren"), Err("processor_err_datetime"));
        assert_eq!(parse_local(" "), Ok(None));
        assert_eq!(parse_count(" 1.200 "), Ok(Some(1200)));
        assert_eq!(parse_count("veel"), Err("processor_err_number"));
        assert_eq!(sentence("lies in the future"), "Lies in the future.");
    }
}
