//! The pages' kit: the person's language, the templates and messages, CSRF tokens, responses and
//! the error page. Every page module uses it; it uses none of them.
use std::collections::HashMap;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use handlebars::Handlebars;
use serde_json::{json, Value};

use crate::auth::secrets::random_secret;

pub const LANG_COOKIE: &str = "meldpunt_lang";
pub const CSRF_COOKIE: &str = "meldpunt_csrf";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(&self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    /// The language chosen on the page (cookie), else the browser's first preference, else Dutch.
    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(l) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return l;
        }
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match accept
            .split(',')
            .next()
            .map(|s| s.trim().to_ascii_lowercase())
        {
            Some(s) if s.starts_with("en") => Lang::En,
            _ => Lang::Nl,
        }
    }
}

/// Page templates and messages, embedded so the binary works on a closed network without files.
pub struct Web {
    hb: Handlebars<'static>,
    messages: HashMap<Lang, Value>,
}

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/web/", $name, ".hbs")))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embed!(
    "layout",
    "error",
    "public/start",
    "public/form",
    "public/confirm",
    "public/follow",
    "staff/login",
    "staff/inbox",
    "staff/incidents",
    "staff/incident",
    "staff/assess",
    "staff/assess_facts",
    "staff/registers",
    "staff/register_import",
    "staff/statistics",
    "staff/activities",
    "staff/activity",
    "staff/activity_form",
    "staff/account",
    "staff/period_filter",
    "staff/admin",
    "staff/admin_org",
    "staff/admin_users",
    "staff/password_reset",
    "staff/report",
    "staff/expired",
    "staff/errors",
    "staff/what_if",
    "staff/switcher",
    "staff/notifications_section",
    "staff/notification_new",
    "staff/notification",
    "staff/signoff",
    "staff/recipients",
    "staff/recipient_preview",
    "staff/campaign",
    "public/notice",
    "public/notices",
    "staff/mail_replies",
    "staff/new_incident",
    "staff/setup",
    "staff/start",
    "staff/signoffs",
    "staff/shared_linked",
    "staff/shared_origin",
    "processor/list",
    "processor/form",
    "processor/notice",
    "processor/links",
    "processor/report_notice",
    "processor/deliveries",
);

const MESSAGES: &[(Lang, &str)] = &[
    (Lang::Nl, include_str!("../../locales/nl/common.json")),
    (Lang::Nl, include_str!("../../locales/nl/public.json")),
    (Lang::Nl, include_str!("../../locales/nl/staff.json")),
    (Lang::En, include_str!("../../locales/en/common.json")),
    (Lang::En, include_str!("../../locales/en/public.json")),
    (Lang::En, include_str!("../../locales/en/staff.json")),
    (Lang::Nl, include_str!("../../locales/nl/mail.json")),
    (Lang::En, include_str!("../../locales/en/mail.json")),
    (Lang::Nl, include_str!("../../locales/nl/day.json")),
    (Lang::En, include_str!("../../locales/en/day.json")),
    (Lang::Nl, include_str!("../../locales/nl/lists.json")),
    (Lang::En, include_str!("../../locales/en/lists.json")),
    (Lang::Nl, include_str!("../../locales/nl/signals.json")),
    (Lang::En, include_str!("../../locales/en/signals.json")),
    (Lang::Nl, include_str!("../../locales/nl/shared.json")),
    (Lang::En, include_str!("../../locales/en/shared.json")),
    (Lang::Nl, include_str!("../../locales/nl/processors.json")),
    (Lang::En, include_str!("../../locales/en/processors.json")),
];

impl Web {
    pub fn new() -> Web {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(false);
        for (name, src) in TEMPLATES {
            hb.register_template_string(name, src)
                .unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        hb.register_helper("eq", Box::new(eq));
        let mut messages: HashMap<Lang, Value> = HashMap::new();
        for (lang, src) in MESSAGES {
            let v: Value = serde_json::from_str(src).unwrap_or_else(|e| panic!("messages: {e}"));
            let entry = messages.entry(*lang).or_insert_with(|| json!({}));
            if let (Some(into), Some(from)) = (entry.as_object_mut(), v.as_object()) {
                for (k, v) in from {
                    into.insert(k.clone(), v.clone());
                }
            }
        }
        Web { hb, messages }
    }

    /// One message in a language (the key itself when missing, so a gap is visible, not blank).
    pub fn t(&self, lang: Lang, key: &str) -> String {
        self.messages
            .get(&lang)
            .and_then(|m| m.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or(key)
            .to_string()
    }

    pub fn messages(&self, lang: Lang) -> &Value {
        &self.messages[&lang]
    }

    /// Render `name` inside the layout. `ctx` is merged with `t` (messages), `lang`, `path`.
    pub fn page(
        &self,
        req: &HttpRequest,
        lang: Lang,
        name: &str,
        mut ctx: Value,
    ) -> Result<String, PageError> {
        if let Some(o) = ctx.as_object_mut() {
            o.insert("t".into(), self.messages(lang).clone());
            o.insert("lang".into(), json!(lang.code()));
            o.insert("other_lang".into(), json!(lang.other().code()));
            o.insert(
                "other_lang_name".into(),
                json!(self.t(lang.other(), "language_name")),
            );
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            o.insert("here".into(), json!(path));
            o.insert("here_encoded".into(), json!(urlencode(path)));
            if !o.contains_key("staff") {
                // Public pages say whom the citizen reports to, with the organisations' links.
                if let Some(state) = req.app_data::<actix_web::web::Data<crate::state::AppState>>()
                {
                    o.insert("served".into(), json!(*state.served_cached()));
                }
            }
        }
        let body = self
            .hb
            .render(name, &ctx)
            .map_err(|e| PageError::internal(lang, format!("rendering {name}: {e}")))?;
        if let Some(o) = ctx.as_object_mut() {
            o.insert("body".into(), json!(body));
        }
        self.hb
            .render("layout", &ctx)
            .map_err(|e| PageError::internal(lang, format!("rendering layout: {e}")))
    }

    pub fn error_page(&self, lang: Lang, status: StatusCode, message: &str) -> String {
        let ctx = json!({
            "t": self.messages(lang), "lang": lang.code(), "other_lang": lang.other().code(),
            "other_lang_name": self.t(lang.other(), "language_name"), "here": "/", "here_encoded": "%2F",
            "status": status.as_u16(), "message": message,
            "title": self.t(lang, &format!("error_{}", status.as_u16())),
        });
        let body = self
            .hb
            .render("error", &ctx)
            .unwrap_or_else(|_| message.to_string());
        let mut ctx = ctx;
        ctx["body"] = json!(body);
        self.hb.render("layout", &ctx).unwrap_or(body)
    }
}

impl Default for Web {
    fn default() -> Self {
        Self::new()
    }
}

handlebars::handlebars_helper!(eq: |a: Json, b: Json| a == b);

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local path to return to after a language switch or login: never another site, never a
/// header that cannot be sent. Accepted only as a path on this site: it starts with one `/`, and
/// holds no backslash, no whitespace and no control character (browsers drop tabs and line
/// breaks, so `/\t/evil.example` would become `//evil.example`), hence no scheme and no host.
/// Characters beyond ASCII are percent-encoded. Anything else gives the start page `/`.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_string();
    };
    let bytes = n.as_bytes();
    let shape_ok = bytes.first() == Some(&b'/')
        && bytes.get(1) != Some(&b'/')
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if !shape_ok {
        return "/".to_string();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Are cookies to be `Secure` (the settings: `public_url` is https, or said so), or is this
/// request over TLS?
pub fn secure_cookies(req: &HttpRequest) -> bool {
    req.app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| s.settings.cookie_secure())
        .unwrap_or(false)
        || req.connection_info().scheme() == "https"
}

/// The page's CSRF token: the cookie's (double-submit), or a new one to be set.
pub fn csrf_token(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() >= 32 => (c.value().to_string(), None),
        _ => {
            let (token, cookie) = fresh_csrf(req);
            (token, Some(cookie))
        }
    }
}

/// A new CSRF token and its cookie: on first visit, after a login, and after a form whose second
/// sending must be refused. `Lax`, so arriving from a link elsewhere does not replace the token
/// that forms open in other tabs carry.
pub fn fresh_csrf(req: &HttpRequest) -> (String, Cookie<'static>) {
    let token = random_secret("");
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure_cookies(req))
        .max_age(time::Duration::hours(12))
        .finish();
    (token, cookie)
}

/// Whether the form's token matches the cookie.
pub fn csrf_ok(req: &HttpRequest, form_token: &str) -> bool {
    match req.cookie(CSRF_COOKIE) {
        Some(c) => {
            !form_token.is_empty() && crate::auth::secrets::same_digest(c.value(), form_token)
        }
        None => false,
    }
}

/// An HTML page response with the CSRF cookie set when new.
pub fn html(status: StatusCode, body: String, cookie: Option<Cookie<'static>>) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    r.content_type("text/html; charset=utf-8");
    if let Some(c) = cookie {
        r.cookie(c);
    }
    r.body(body)
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// An error shown as a page in the person's language.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub lang: Lang,
    pub message: String,
    pub retry_after: Option<u64>,
    pub location: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, lang: Lang, message: impl Into<String>) -> PageError {
        PageError {
            status,
            lang,
            message: message.into(),
            retry_after: None,
            location: None,
        }
    }
    pub fn internal(lang: Lang, cause: String) -> PageError {
        tracing::error!(cause = %cause, "page error");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, lang, "")
    }
    pub fn not_found(lang: Lang) -> PageError {
        PageError::new(StatusCode::NOT_FOUND, lang, "")
    }
    /// Not signed in: to the login page, then back.
    pub fn login(lang: Lang, next: &str) -> PageError {
        PageError {
            status: StatusCode::SEE_OTHER,
            lang,
            message: String::new(),
            retry_after: None,
            location: Some(format!("/staff/login?next={}", urlencode(next))),
        }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

static WEB: std::sync::OnceLock<Web> = std::sync::OnceLock::new();

pub fn web() -> &'static Web {
    WEB.get_or_init(Web::new)
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        if let Some(loc) = &self.location {
            return redirect(loc);
        }
        let w = web();
        let msg = if self.message.is_empty() {
            w.t(self.lang, &format!("error_{}_text", self.status.as_u16()))
        } else {
            self.message.clone()
        };
        let mut r = HttpResponse::build(self.status);
        r.content_type("text/html; charset=utf-8");
        if let Some(s) = self.retry_after {
            r.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        r.body(w.error_page(self.lang, self.status, &msg))
    }
}

impl From<crate::error::ApiError> for PageError {
    fn from(e: crate::error::ApiError) -> Self {
        PageError::from_api(Lang::Nl, e)
    }
}

impl PageError {
    /// An API error as a page: a server fault logged as such, a database that cannot take writes
    /// as 503 with Retry-After, a limit as 429 with Retry-After.
    pub fn from_api(lang: Lang, e: crate::error::ApiError) -> PageError {
        use crate::error::ApiError;
        match e {
            ApiError::Internal(cause) => PageError::internal(lang, cause),
            ApiError::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "page: service unavailable");
                let mut p = PageError::new(StatusCode::SERVICE_UNAVAILABLE, lang, "");
                p.retry_after = Some(crate::error::UNAVAILABLE_RETRY_AFTER);
                p
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                let mut p = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
                p.retry_after = Some(retry_after.max(1) as u64);
                p
            }
            other => PageError::new(other.status_code(), lang, ""),
        }
    }
}

impl PageError {
    /// A service's answer as a page in the person's language: a fault logged with its cause (no
    /// personal data in it) and shown as 500; a database that cannot take writes as 503 with
    /// Retry-After; a coded refusal in words by its code (`staff_nf_err_<code>`, else the
    /// status's text), logged by its code; refused input with its messages in this language
    /// (forms show those at their fields before it comes to this).
    pub fn from_domain(lang: Lang, e: crate::error::DomainError) -> PageError {
        use crate::error::DomainError as D;
        match e {
            D::NotFound => PageError::not_found(lang),
            D::Internal(cause) => PageError::internal(lang, cause),
            D::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "page: service unavailable");
                let mut p = PageError::new(StatusCode::SERVICE_UNAVAILABLE, lang, "");
                p.retry_after = Some(crate::error::UNAVAILABLE_RETRY_AFTER);
                p
            }
            D::Refused(r) => refusal_page(lang, StatusCode::CONFLICT, &r),
            D::Denied(r) => refusal_page(lang, StatusCode::FORBIDDEN, &r),
            D::Conflict(detail) => {
                tracing::info!(detail = %detail, "page: conflict");
                PageError::new(StatusCode::CONFLICT, lang, "")
            }
            D::Invalid(ps) => {
                let text: Vec<String> = ps
                    .iter()
                    .map(|p| match lang {
                        Lang::Nl if !p.message_nl.is_empty() => p.message_nl.clone(),
                        Lang::Nl => web().t(lang, "staff_err_invalid"),
                        Lang::En => p.message.clone(),
                    })
                    .collect();
                PageError::new(StatusCode::UNPROCESSABLE_ENTITY, lang, text.join("; "))
            }
        }
    }
}

/// A coded refusal as a page: its words by the code where the locale has them.
fn refusal_page(lang: Lang, status: StatusCode, r: &crate::error::Refusal) -> PageError {
    tracing::info!(code = r.code, status = status.as_u16(), "page: refused");
    let w = web();
    let key = format!("staff_nf_err_{}", r.code);
    let text = w
        .messages(lang)
        .get(&key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(|s| {
            r.args
                .iter()
                .fold(s.to_string(), |t, (k, v)| t.replace(&format!("{{{k}}}"), v))
        })
        .unwrap_or_default();
    PageError::new(status, lang, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages() {
        let w = Web::new();
        let nl = w.messages(Lang::Nl).as_object().unwrap();
        let en = w.messages(Lang::En).as_object().unwrap();
        let missing_en: Vec<&String> = nl.keys().filter(|k| !en.contains_key(*k)).collect();
        let missing_nl: Vec<&String> = en.keys().filter(|k| !nl.contains_key(*k)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(missing_nl.is_empty(), "missing in Dutch: {missing_nl:?}");
    }

    #[test]
    fn a_domain_error_is_a_page_in_the_persons_language() {
        use crate::error::DomainError;
        let invalid = || DomainError::field("slug", "already in use", "Dit is al in gebruik");
        let nl = PageError::from_domain(Lang::Nl, invalid());
        assert_eq!(nl.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(nl.message, "Dit is al in gebruik");
        assert_eq!(
            PageError::from_domain(Lang::En, invalid()).message,
            "already in use"
        );
        // A coded refusal in words by its code, in each language.
        let own = || DomainError::refused("own_account", "you cannot deactivate your own account");
        let nl = PageError::from_domain(Lang::Nl, own());
        assert_eq!(nl.status, StatusCode::CONFLICT);
        assert_eq!(nl.message, "U kunt uw eigen account niet uitschakelen.");
        let en = PageError::from_domain(Lang::En, own());
        assert_eq!(en.message, "You cannot deactivate your own account.");
        assert_eq!(en.lang, Lang::En);
        // A fault: 500 in the person's language, its cause never on the page.
        let fault = PageError::from_domain(Lang::En, DomainError::Internal("database: x".into()));
        assert_eq!(fault.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(fault.message.is_empty() && fault.lang == Lang::En);
        let gone = PageError::from_domain(Lang::Nl, DomainError::Unavailable("database".into()));
        assert_eq!(gone.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(gone.retry_after.is_some());
        assert_eq!(
            PageError::from_domain(Lang::Nl, DomainError::NotFound).status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/staff")), "/staff");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\0",
            "/\\evil.example",
            "\\\\evil.example",
            "/ /evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/staff/inbox?q=a&b=c")),
            "/staff/inbox?q=a&b=c"
        );
        assert_eq!(safe_next(Some("/bekendmaking/ü")), "/bekendmaking/%C3%BC");
    }
}
