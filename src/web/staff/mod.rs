//! The staff's pages: login, inbox, reports, incidents and administration. Server-rendered and
//! working without JavaScript. Every change is a POST that checks, in this order: the CSRF token,
//! who is signed in and what they may do, then the input; a success redirects (POST-redirect-GET).
//! The rules themselves live in the domain (`incidents::service`, the stores): these handlers parse,
//! call them and render.
mod account;
mod admin;
mod assess;
mod inbox;
mod incident_list;
mod incidents;
mod login;
mod mail;
mod new_incident;
mod next_step;
mod notifications;
mod register_import;
mod registers;
mod reply;
mod reset;
mod setup;
mod signoffs;

use std::collections::HashMap;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serde_json::{json, Value};

use super::{csrf_token, html, web as pages, Lang, PageError};
use crate::auth::{Role, Staff};
use crate::error::{ApiError, FieldError};

pub use login::{authenticate, LoginFailure};

/// The organisation chosen in the switcher (its slug; absent: all of one's organisations).
pub const ORG_COOKIE: &str = "meldpunt_org";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(home))
        .route("/staff/", web::get().to(home))
        .service(
            web::resource("/staff/login")
                .route(web::get().to(login::form))
                .route(web::post().to(login::submit)),
        )
        .route("/staff/logout", web::post().to(login::logout))
        .service(
            web::resource("/staff/inbox")
                .route(web::get().to(inbox::page))
                .route(web::post().to(inbox::act)),
        )
        .route("/staff/reports/{reference}", web::get().to(inbox::report))
        .route("/staff/attachments/{id}", web::get().to(inbox::attachment))
        .route(
            "/staff/mail/{id}/attachments/{n}",
            web::get().to(mail::attachment),
        )
        .service(
            web::resource("/setup")
                .route(web::get().to(setup::form))
                .route(web::post().to(setup::submit)),
        )
        .route("/staff/start", web::get().to(setup::start))
        .route("/staff/incidents", web::get().to(incident_list::list))
        .service(
            web::resource("/staff/incidents/new")
                .route(web::get().to(new_incident::form))
                .route(web::post().to(new_incident::submit)),
        )
        .route("/staff/incidents/{id}", web::get().to(incidents::show))
        .route(
            "/staff/incidents/{id}/facts",
            web::post().to(incidents::update),
        )
        .route(
            "/staff/incidents/{id}/state",
            web::post().to(incidents::transition),
        )
        .route(
            "/staff/incidents/{id}/notes",
            web::post().to(incidents::note),
        )
        .route(
            "/staff/incidents/{id}/owner",
            web::post().to(incidents::owner),
        )
        .route(
            "/staff/incidents/{id}/assessment",
            web::post().to(assess::facts),
        )
        .route(
            "/staff/incidents/{id}/decision",
            web::post().to(assess::decide),
        )
        .route(
            "/staff/incidents/{id}/activities",
            web::post().to(assess::activities),
        )
        .route(
            "/staff/incidents/{id}/measures",
            web::post().to(assess::add_measure),
        )
        .route(
            "/staff/incidents/{id}/measures/{mid}",
            web::post().to(assess::change_measure),
        )
        .route("/staff/account", web::get().to(account::show))
        .route("/staff/account/signals", web::post().to(account::signals))
        .route("/staff/account/password", web::post().to(account::password))
        .route("/staff/te-tekenen", web::get().to(signoffs::page))
        .route(
            "/staff/reports/{reference}/reply",
            web::post().to(reply::submit),
        )
        .route("/staff/account/totp", web::post().to(account::totp))
        .route("/staff/register", web::get().to(registers::register))
        .service(
            web::resource("/staff/register/import")
                .route(web::get().to(register_import::form))
                .route(web::post().to(register_import::post)),
        )
        .route("/staff/statistics", web::get().to(registers::statistics))
        .service(
            web::resource("/staff/activities")
                .route(web::get().to(registers::activities))
                .route(web::post().to(registers::create)),
        )
        .route(
            "/staff/activities/import",
            web::post().to(registers::import),
        )
        .service(
            web::resource("/staff/activities/{id}")
                .route(web::get().to(registers::show))
                .route(web::post().to(registers::update)),
        )
        .route("/staff/admin", web::get().to(admin::page))
        .route(
            "/staff/admin/organisations",
            web::post().to(admin::org_create),
        )
        .service(
            web::resource("/staff/admin/organisations/{slug}")
                .route(web::get().to(admin::org_page))
                .route(web::post().to(admin::org_update)),
        )
        .route(
            "/staff/admin/organisations/{slug}/roles",
            web::post().to(admin::role_add),
        )
        .route(
            "/staff/admin/organisations/{slug}/roles/remove",
            web::post().to(admin::role_remove),
        )
        .service(
            web::resource("/staff/admin/users")
                .route(web::get().to(admin::users_page))
                .route(web::post().to(admin::user_create)),
        )
        .route(
            "/staff/admin/users/{id}/{action}",
            web::post().to(admin::user_act),
        )
        .route(
            "/staff/admin/organisations/{slug}/retention",
            web::post().to(admin::retention_update),
        )
        .route(
            "/staff/admin/organisations/{slug}/contact",
            web::post().to(admin::contact_update),
        )
        .service(
            web::resource("/staff/password-reset/{token}")
                .route(web::get().to(reset::form))
                .route(web::post().to(reset::submit)),
        )
        .route("/staff/admin/tokens", web::post().to(admin::token_create))
        .route(
            "/staff/admin/tokens/{id}/revoke",
            web::post().to(admin::token_revoke),
        )
        .configure(notifications::configure);
}

/// The landing page: an installation administrator goes to the set-up checklist while it is not
/// complete; a processor's account to its notices; everyone else (and then they too) to the incidents.
async fn home(
    state: web::Data<crate::state::AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, "/staff").await?;
    if staff.processor_only() {
        return Ok(super::redirect("/verwerker"));
    }
    if staff.is_admin && !setup::checklist(&state, lang).await?.1 {
        return Ok(super::redirect("/staff/start"));
    }
    Ok(super::redirect("/staff/incidents"))
}

// --- who is signed in -----------------------------------------------------------------------

/// The signed-in staff member, or a redirect to the login page that comes back to `next`. On a page
/// that is shown (GET), the menu's counts are fetched too (see [`NavCounts`]).
async fn signed_in(req: &HttpRequest, lang: Lang, next: &str) -> Result<Staff, PageError> {
    let staff = match Staff::from_request(req, &mut actix_web::dev::Payload::None).await {
        Ok(s) => s,
        Err(ApiError::Unauthorized(_)) => return Err(PageError::login(lang, next)),
        Err(e) => return Err(page_err(lang, e)),
    };
    if req.method() == actix_web::http::Method::GET {
        if let Some(state) = req.app_data::<web::Data<crate::state::AppState>>() {
            let s = staff.clone();
            // The menu goes without its counts rather than the page failing.
            match state
                .db(move |c| crate::signals::service::counts(c, &s))
                .await
            {
                Ok(c) => {
                    req.extensions_mut().insert(NavCounts(c));
                }
                Err(e) => tracing::warn!(error = %e, "menu counts not shown"),
            }
        }
    }
    Ok(staff)
}

/// The counts in the staff's menu (new reports, drafts to sign off), kept with the request by
/// [`signed_in`] and shown by [`render`].
#[derive(Clone, Copy)]
struct NavCounts(crate::signals::service::Counts);

/// The path and query of this request (where to come back to after login).
fn here(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.path().to_string())
}

/// Installation administrators and the admins of an organisation see the administration page.
fn may_admin(staff: &Staff) -> bool {
    staff.is_admin
        || staff
            .memberships
            .iter()
            .any(|m| m.effective && m.role == Role::Admin)
}

/// A domain error as a page in the person's language (field errors are shown by the caller).
fn page_err(lang: Lang, e: ApiError) -> PageError {
    match e {
        ApiError::NotFound => PageError::not_found(lang),
        other => PageError::from_api(lang, other),
    }
}

fn forbidden(lang: Lang) -> PageError {
    PageError::new(StatusCode::FORBIDDEN, lang, "")
}

fn bad_request(lang: Lang) -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, lang, "")
}

// --- forms ----------------------------------------------------------------------------------

/// An urlencoded form body: repeatable keys (checkboxes) in order.
#[derive(Default, Debug, Clone)]
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Form {
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
    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).trim().to_string()).filter(|s| !s.is_empty())
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
    fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(key, _)| key == k)
    }
}

/// The query string as a map (the last value of a key wins).
fn query(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

/// The token did not match the cookie (the page is old, or another site sent the form): a 403
/// page that says so, with a link back to the page the form was on. Nothing was changed.
fn expired(req: &HttpRequest, lang: Lang, back: &str) -> Result<HttpResponse, PageError> {
    let w = pages();
    let ctx = json!({
        "title": w.t(lang, "staff_expired_title"),
        "back": super::safe_next(Some(back)),
    });
    render(req, lang, None, "staff/expired", ctx, StatusCode::FORBIDDEN)
}

/// Field errors as shown: (field, message in the person's language), one per field.
type Shown = Vec<(String, String)>;

/// The domain's field errors in the person's language. `rename` maps a domain field name to the
/// form's field name where they differ.
fn localise(lang: Lang, errs: &[FieldError], rename: &[(&str, &str)]) -> Shown {
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
            (Some(_), Lang::En) => e.message.clone(),
            (None, _) => field_message(lang, &e.message),
        };
        push_err(&mut out, &field, message);
    }
    out
}

fn push_err(out: &mut Shown, field: &str, message: String) {
    if !out.iter().any(|(f, _)| f == field) {
        out.push((field.to_string(), message));
    }
}

/// The message key for a domain message (the domain speaks English to machines; people read
/// the locale files).
fn field_message(lang: Lang, message: &str) -> String {
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
fn lines(s: &str) -> Vec<String> {
    s.lines().map(String::from).collect()
}

/// `aria-describedby` for a field with an optional hint and error.
fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
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
fn opt_t(lang: Lang, key: &str) -> Option<String> {
    pages()
        .messages(lang)
        .get(key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Errors as the templates want them: a list for the summary at the top (links to the fields)
/// and a map for the message at each field.
fn errors_ctx(errors: &Shown) -> (Value, Value) {
    let list: Vec<Value> = errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m, "href": format!("#f-{f}")}))
        .collect();
    let map: serde_json::Map<String, Value> =
        errors.iter().map(|(f, m)| (f.clone(), json!(m))).collect();
    (json!(list), Value::Object(map))
}

// --- rendering ------------------------------------------------------------------------------

/// Render a staff page in the layout: the menu for the signed-in person, the CSRF token (a new
/// cookie when there was none).
fn render(
    req: &HttpRequest,
    lang: Lang,
    staff: Option<&Staff>,
    name: &str,
    ctx: Value,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (csrf, cookie) = csrf_token(req);
    render_with_csrf(req, lang, staff, name, ctx, status, csrf, cookie)
}

#[allow(clippy::too_many_arguments)]
fn render_with_csrf(
    req: &HttpRequest,
    lang: Lang,
    staff: Option<&Staff>,
    name: &str,
    mut ctx: Value,
    status: StatusCode,
    csrf: String,
    cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse, PageError> {
    if let Some(o) = ctx.as_object_mut() {
        o.insert("csrf".into(), json!(csrf));
        if let Some(s) = staff {
            let counts = req.extensions().get::<NavCounts>().map(|n| n.0);
            o.insert(
                "staff".into(),
                json!({"display_name": s.display_name, "email": s.email, "is_admin": may_admin(s),
                    "is_fg": !crate::signals::service::fg_orgs(s).is_empty(),
                    "new_reports": counts.map(|c| c.new_reports).filter(|n| *n > 0),
                    "to_sign": counts.and_then(|c| c.to_sign).filter(|n| *n > 0)}),
            );
            // An organisation requires two-factor login and it is not on: its data stays hidden.
            o.insert("two_factor_missing".into(), json!(s.two_factor_missing()));
        }
        let (list, map) = match (o.get("errors"), o.get("err")) {
            (Some(l), Some(m)) => (l.clone(), m.clone()),
            _ => (json!([]), json!({})),
        };
        o.insert(
            "has_errors".into(),
            json!(list.as_array().map(|a| !a.is_empty()).unwrap_or(false)),
        );
        o.insert("errors".into(), list);
        o.insert("err".into(), map);
    }
    let body = pages().page(req, lang, name, ctx)?;
    Ok(html(status, body, cookie))
}

/// A confirmation after a redirect (`?ok=saved`): only known keys, shown from the locale file.
fn notice(req: &HttpRequest, lang: Lang, allowed: &[&str]) -> Option<String> {
    let q = query(req);
    let ok = q.get("ok")?;
    allowed
        .iter()
        .find(|a| **a == ok.as_str())
        .map(|k| pages().t(lang, &format!("staff_ok_{k}")))
}

// --- the organisation switcher --------------------------------------------------------------

/// The staff member's organisations (those whose reports and incidents they may handle).
async fn my_orgs(
    state: &crate::state::AppState,
    staff: &Staff,
    lang: Lang,
) -> Result<Vec<crate::orgs::store::OrgRow>, PageError> {
    let ids = staff.org_ids();
    state
        .db(move |c| Ok(crate::orgs::store::by_ids(c, &ids)?))
        .await
        .map_err(|e| page_err(lang, e))
}

/// The organisation chosen: `?org=slug` (remembered in a cookie; `?org=` chooses all), else the
/// cookie. Only organisations the person may handle count; anything else means "all".
fn chosen_org(
    req: &HttpRequest,
    orgs: &[crate::orgs::store::OrgRow],
) -> (Option<crate::orgs::store::OrgRow>, Option<Cookie<'static>>) {
    let q = query(req);
    let (slug, cookie) = match q.get("org") {
        Some(v) => {
            let mut c = Cookie::build(ORG_COOKIE, v.clone())
                .path("/staff")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(req.connection_info().scheme() == "https")
                .max_age(time::Duration::days(365))
                .finish();
            if v.is_empty() {
                c.make_removal();
            }
            (v.clone(), Some(c))
        }
        None => (
            req.cookie(ORG_COOKIE)
                .map(|c| c.value().to_string())
                .unwrap_or_default(),
            None,
        ),
    };
    (orgs.iter().find(|o| o.slug == slug).cloned(), cookie)
}

fn switcher_ctx(
    lang: Lang,
    orgs: &[crate::orgs::store::OrgRow],
    chosen: Option<&crate::orgs::store::OrgRow>,
) -> Value {
    let w = pages();
    let mut options = vec![
        json!({"value": "", "label": w.t(lang, "staff_org_all"), "selected": chosen.is_none()}),
    ];
    for o in orgs {
        options.push(json!({
            "value": o.slug, "label": o.name,
            "selected": chosen.map(|c| c.id == o.id).unwrap_or(false),
        }));
    }
    json!({"show": orgs.len() > 1, "options": options})
}

fn with_cookie(mut resp: HttpResponse, cookie: Option<Cookie<'static>>) -> HttpResponse {
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp
}

// --- time -----------------------------------------------------------------------------------

/// An instant as people in the Netherlands read it: `di 27-10-2026 09:00 (CET)`.
fn local_time(lang: Lang, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    let day = pages().t(
        lang,
        &format!("staff_wd_{}", l.weekday().num_days_from_monday()),
    );
    format!("{day} {}", l.format("%d-%m-%Y %H:%M (%Z)"))
}

fn local_db(lang: Lang, t: NaiveDateTime) -> String {
    local_time(lang, crate::db::from_db(t))
}

/// The value of a `datetime-local` field: Amsterdam wall-clock time to the minute.
fn input_value(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&Amsterdam)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// A `datetime-local` value read as Amsterdam time, as UTC. Empty: `None`. In the autumn hour
/// that happens twice, the first; a time skipped in spring is refused.
fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or("staff_err_datetime")?;
    match Amsterdam.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(Some(t.with_timezone(&Utc))),
        chrono::LocalResult::Ambiguous(first, _) => Ok(Some(first.with_timezone(&Utc))),
        chrono::LocalResult::None => Err("staff_err_datetime_gap"),
    }
}

/// Time left on the 72-hour clock as text ("nog 31 uur" / "3 uur te laat") and a tag class for
/// colour (the text says it all without the colour).
fn clock_text(lang: Lang, deadline: DateTime<Utc>, now: DateTime<Utc>, running: bool) -> Value {
    let w = pages();
    if !running {
        return json!({"text": w.t(lang, "staff_clock_stopped"), "class": "", "overdue": false});
    }
    // The one rule of the clock module, so the page says what the e-mail says.
    let r = crate::incidents::clock::remaining(deadline, now);
    let text = match lang {
        Lang::Nl => r.label_nl(),
        Lang::En => r.label_en(),
    };
    if r.overdue {
        json!({"text": text, "class": "overdue", "overdue": true})
    } else {
        let class = if r.hours < 24 { "urgent" } else { "ok" };
        json!({"text": text, "class": class, "overdue": false})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_input_is_amsterdam_time() {
        // Summer: UTC+2.
        let t = parse_local("2026-07-01T10:30").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T08:30:00+00:00");
        assert_eq!(input_value(Some(t)), "2026-07-01T10:30");
        // Winter: UTC+1.
        let t = parse_local("2026-01-15T09:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-15T08:00:00+00:00");
        // The autumn hour that happens twice: the first (still summer time).
        let t = parse_local("2026-10-25T02:30").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        // The spring hour that does not exist.
        assert_eq!(
            parse_local("2026-03-29T02:30"),
            Err("staff_err_datetime_gap")
        );
        assert_eq!(parse_local("gisteren"), Err("staff_err_datetime"));
        assert_eq!(parse_local("  "), Ok(None));
    }

    #[test]
    fn hours_are_text_not_only_colour() {
        let d = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let left = clock_text(
            Lang::Nl,
            d,
            d - chrono::Duration::minutes(31 * 60 + 20),
            true,
        );
        assert_eq!(left["text"], "nog 31 uur");
        let late = clock_text(Lang::Nl, d, d + chrono::Duration::minutes(190), true);
        assert_eq!(late["text"], "3 uur en 10 minuten te laat");
        assert_eq!(late["class"], "overdue");
        let en = clock_text(Lang::En, d, d + chrono::Duration::minutes(190), true);
        assert_eq!(en["text"], "3 hours and 10 minutes overdue");
    }

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
