//! The scaffolding every staff page shares: who is signed in, errors as pages, rendering in the
//! layout with the menu and the CSRF token, the "page expired" answer, the organisation switcher.
use std::collections::HashMap;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

use super::form::{field_message, localise, Form, Shown};
use crate::auth::{Role, Staff};
use crate::error::ApiError;
use crate::web::kit::{csrf_ok, csrf_token, html, safe_next, web as pages, Lang, PageError};

/// The organisation chosen in the switcher (its slug; absent: all of one's organisations).
pub const ORG_COOKIE: &str = "meldpunt_org";

// --- who is signed in -----------------------------------------------------------------------

/// The signed-in staff member, or a redirect to the login page that comes back to `next`. On a page
/// that is shown (GET), the menu's counts are fetched too (see [`NavCounts`]).
pub(super) async fn signed_in(
    req: &HttpRequest,
    lang: Lang,
    next: &str,
) -> Result<Staff, PageError> {
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
                .db(move |c| Ok(crate::signals::service::counts(c, &s)?))
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
pub(super) struct NavCounts(crate::signals::service::Counts);

/// The path and query of this request (where to come back to after login).
pub(super) fn here(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.path().to_string())
}

/// Installation administrators and the admins of an organisation see the administration page.
pub(super) fn may_admin(staff: &Staff) -> bool {
    staff.is_admin
        || staff
            .memberships
            .iter()
            .any(|m| m.effective && m.role == Role::Admin)
}

/// A domain error as a page in the person's language (field errors are shown by the caller).
pub(super) fn page_err(lang: Lang, e: ApiError) -> PageError {
    match e {
        ApiError::NotFound => PageError::not_found(lang),
        other => PageError::from_api(lang, other),
    }
}

/// A service's refusal as its form shows it again: refused input in the person's language, by
/// field (`rename`: the service's field name → the form's); anything else is an error page in
/// that language, its cause logged. In English the pages' own words where they have them (the
/// service's English is terse, for machines), else the service's.
pub(super) fn invalid(
    lang: Lang,
    e: crate::error::DomainError,
    rename: &[(&str, &str)],
) -> Result<Shown, PageError> {
    match e {
        crate::error::DomainError::Invalid(ps) => {
            let generic = pages().t(lang, "staff_err_invalid");
            let errs: Vec<crate::error::FieldError> = ps
                .into_iter()
                .map(|p| {
                    if lang == Lang::En && field_message(lang, &p.message) != generic {
                        crate::error::FieldError::new(p.field, p.message)
                    } else {
                        p.into()
                    }
                })
                .collect();
            Ok(localise(lang, &errs, rename))
        }
        other => Err(PageError::from_domain(lang, other)),
    }
}

pub(super) fn forbidden(lang: Lang) -> PageError {
    PageError::new(StatusCode::FORBIDDEN, lang, "")
}

pub(super) fn bad_request(lang: Lang) -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, lang, "")
}

/// The query string as a map (the last value of a key wins).
pub(super) fn query(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

/// The token did not match the cookie (the page is old, or another site sent the form): a 403
/// page that says so, with a link back to the page the form was on. Nothing was changed.
pub(super) fn expired(
    req: &HttpRequest,
    lang: Lang,
    back: &str,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let ctx = json!({
        "title": w.t(lang, "staff_expired_title"),
        "back": safe_next(Some(back)),
    });
    render(req, lang, None, "staff/expired", ctx, StatusCode::FORBIDDEN)
}

// --- rendering ------------------------------------------------------------------------------

/// Render a staff page in the layout: the menu for the signed-in person, the CSRF token (a new
/// cookie when there was none).
pub(super) fn render(
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
pub(super) fn render_with_csrf(
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
pub(super) fn notice(req: &HttpRequest, lang: Lang, allowed: &[&str]) -> Option<String> {
    let q = query(req);
    let ok = q.get("ok")?;
    allowed
        .iter()
        .find(|a| **a == ok.as_str())
        .map(|k| pages().t(lang, &format!("staff_ok_{k}")))
}

// --- the organisation switcher --------------------------------------------------------------

/// The staff member's organisations (those whose reports and incidents they may handle).
pub(super) async fn my_orgs(
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
pub(super) fn chosen_org(
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

pub(super) fn switcher_ctx(
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

pub(super) fn with_cookie(mut resp: HttpResponse, cookie: Option<Cookie<'static>>) -> HttpResponse {
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp
}

/// A refused change as its form shows it again: the messages by field and the status. Field
/// errors (422) in the person's language (`rename`: domain field name → the form's); "changed
/// meanwhile" (409) at the field `conflict_at`; anything else is an error page, its cause logged.
pub(super) fn refused(
    lang: Lang,
    e: ApiError,
    rename: &[(&str, &str)],
    conflict_at: &str,
) -> Result<(Shown, StatusCode), PageError> {
    match e {
        ApiError::Validation(v) => {
            Ok((localise(lang, &v, rename), StatusCode::UNPROCESSABLE_ENTITY))
        }
        ApiError::Conflict(_) => Ok((
            vec![(
                conflict_at.to_string(),
                pages().t(lang, "staff_err_changed_meanwhile"),
            )],
            StatusCode::CONFLICT,
        )),
        other => Err(page_err(lang, other)),
    }
}

// --- the staff's forms ----------------------------------------------------------------------

/// The page a form is on, from the address it posts to (the "page expired" answer links back to
/// it, and a login goes back to it): the longest entry whose pattern is the route's or a prefix
/// of it; else the address itself (a page that posts to its own address).
const FORM_PAGES: [(&str, &str); 7] = [
    ("/staff/incidents/{id}", "/staff/incidents/{id}"),
    ("/staff/reports/{reference}", "/staff/reports/{reference}"),
    ("/staff/account", "/staff/account"),
    (
        "/staff/admin/organisations/{slug}",
        "/staff/admin/organisations/{slug}",
    ),
    ("/staff/admin/users", "/staff/admin/users"),
    ("/staff/admin", "/staff/admin"),
    ("/staff/activities/import", "/staff/activities"),
];

/// The page a form posted to this request's route is on (see [`FORM_PAGES`]).
pub(super) fn form_page(req: &HttpRequest) -> String {
    let pattern = req.match_pattern().unwrap_or_default();
    let found = FORM_PAGES
        .iter()
        .filter(|(p, _)| pattern == *p || pattern.starts_with(&format!("{p}/")))
        .max_by_key(|(p, _)| p.len());
    match found {
        Some((_, page)) => {
            let mut out = page.to_string();
            for (name, value) in req.match_info().iter() {
                out = out.replace(&format!("{{{name}}}"), value);
            }
            out
        }
        None => req.path().to_string(),
    }
}

/// A staff member's form as posted (urlencoded): the person's language, the form, who is signed
/// in. Taking it checks, in this order, the CSRF token (else a 403 "page expired" page linking
/// back to the form's page) and the session (else to the login page, then back), both answered in
/// the person's language; the handler then only parses, calls and renders.
pub(super) struct StaffForm {
    pub lang: Lang,
    pub form: Form,
    pub staff: Staff,
}

impl FromRequest for StaffForm {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await?;
            let lang = Lang::of(&req);
            let form = Form::parse(&body);
            let back = form_page(&req);
            if !csrf_ok(&req, &form.get("csrf")) {
                let page = expired(&req, lang, &back)?;
                return Err(
                    InternalError::from_response("the form's token did not match", page).into(),
                );
            }
            let staff = signed_in(&req, lang, &back).await?;
            Ok(StaffForm { lang, form, staff })
        })
    }
}

/// A [`StaffForm`] of someone who administers an installation or an organisation (else 403).
pub(super) struct AdminForm(pub StaffForm);

impl FromRequest for AdminForm {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = StaffForm::from_request(req, payload);
        Box::pin(async move {
            let form = form.await?;
            if !may_admin(&form.staff) {
                return Err(forbidden(form.lang).into());
            }
            Ok(AdminForm(form))
        })
    }
}

/// The start of a POST on an incident, for the notification pages (which the other pages'
/// [`StaffForm`] replaces): the form, the CSRF check (a 403 page when it fails), who is signed in.
pub(super) async fn begin(
    req: &HttpRequest,
    lang: Lang,
    id: &str,
    body: &[u8],
) -> Result<Result<(Form, Staff), HttpResponse>, PageError> {
    let f = Form::parse(body);
    let back = format!("/staff/incidents/{id}");
    if !csrf_ok(req, &f.get("csrf")) {
        return Ok(Err(expired(req, lang, &back)?));
    }
    let staff = signed_in(req, lang, &back).await?;
    Ok(Ok((f, staff)))
}
