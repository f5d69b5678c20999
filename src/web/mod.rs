//! Server-rendered pages (handlebars, `templates/web/`), Dutch first and English, working without
//! JavaScript. Shared here: rendering with the layout, the person's language, CSRF tokens, error pages.
pub mod assets;
pub mod kit;
pub mod multipart;
pub mod notices;
pub mod public;
pub mod staff;

use std::collections::HashMap;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use kit::{safe_next, secure_cookies, Lang, PageError, LANG_COOKIE};

/// A 400 for an address whose path or query string holds a control character (percent-encoded
/// or not); `None` when the address is clean. The `next` parameter is exempt: [`safe_next`]
/// turns anything doubtful into the start page.
pub fn control_chars_refusal(req: &HttpRequest) -> Option<HttpResponse> {
    use crate::input::address_part_bad;
    let bad_query = req.query_string().split('&').any(|pair| {
        let key = pair.split('=').next().unwrap_or("");
        key != "next" && address_part_bad(pair)
    });
    if !address_part_bad(req.path()) && !bad_query {
        return None;
    }
    if req.path().starts_with("/api/") {
        return Some(
            crate::error::ApiError::BadRequest(
                "the address contains control characters (such as NUL)".into(),
            )
            .error_response(),
        );
    }
    Some(PageError::new(StatusCode::BAD_REQUEST, Lang::of(req), "").error_response())
}

/// Machine endpoints outside `/api` that keep their own (JSON or plain) answers.
const MACHINE_PATHS: [&str; 2] = ["/healthz", "/readyz"];

/// Every error answer outside `/api` is a page in the person's language (issue 16, point 9): a
/// mistyped address, a method the address does not take, a body too large, too many requests or a
/// fault in the server gave raw English JSON or nothing. Pages that render their own error page
/// (`text/html`) are left alone; `/api` keeps problem+json. `Allow` and `Retry-After` are kept.
pub fn html_error_page<B>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::middleware::ErrorHandlerResponse;
    let path = res.request().path();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.starts_with("text/html"))
        .unwrap_or(false);
    let status = res.status();
    let shown = matches!(
        status.as_u16(),
        400 | 404 | 405 | 413 | 415 | 429 | 500 | 503
    );
    // A client with a bearer token is a program (the pages use a session cookie): it keeps the
    // problem+json it can read.
    let program = res.request().headers().contains_key(header::AUTHORIZATION);
    if path == "/api"
        || path.starts_with("/api/")
        || MACHINE_PATHS.contains(&path)
        || program
        || is_html
        || !shown
    {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let lang = Lang::of(res.request());
    let mut page = PageError::new(status, lang, "").error_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            page.headers_mut().insert(name.clone(), v.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, page).map_into_right_body(),
    ))
}

/// `GET /lang/{code}?next=/path`: remember the language and go back.
pub async fn switch_lang(req: HttpRequest, path: actix_web::web::Path<String>) -> HttpResponse {
    let lang = Lang::parse(&path.into_inner()).unwrap_or(Lang::Nl);
    let q = actix_web::web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let next = safe_next(q.get("next").map(|s| s.as_str()));
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .secure(secure_cookies(&req))
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, next))
        .finish()
}

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route("/lang/{code}", actix_web::web::get().to(switch_lang));
    assets::configure(cfg);
    public::configure(cfg);
    staff::configure(cfg);
    notices::configure(cfg);
}

/// Read the organisations served and their public links (called before a page renders).
pub async fn refresh_served(state: &crate::state::AppState) -> crate::error::ApiResult<()> {
    let v = state
        .db(|c| {
            let orgs = crate::orgs::store::all(c)?;
            let settings = crate::notifications::store::all_settings(c)?;
            Ok(orgs
                .into_iter()
                .map(|o| {
                    let s = settings.iter().find(|s| s.organisation_id == o.id);
                    crate::state::ServedOrg {
                        name: o.name,
                        privacy_url: s.and_then(|s| s.privacy_url.clone()),
                        contact_url: s.and_then(|s| s.contact_url.clone()),
                        accessibility_url: s.and_then(|s| s.accessibility_url.clone()),
                    }
                })
                .collect::<Vec<_>>())
        })
        .await?;
    state.put_served(v);
    Ok(())
}
