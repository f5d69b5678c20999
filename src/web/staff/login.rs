//! `GET/POST /staff/login` and `POST /staff/logout`.
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::form::{errors_ctx, push_err, Form, Shown};
use super::page::{expired, query};
use crate::auth::extract::SESSION_COOKIE;
pub use crate::auth::login::{authenticate, session_cookie, LoginFailure};
use crate::auth::throttle::Policy;
use crate::http::ratelimit::{account_key, check, client_ip};
use crate::state::AppState;
use crate::web::kit::{csrf_ok, safe_next, web as pages, Lang, PageError};

fn login_page(
    req: &HttpRequest,
    lang: Lang,
    email: &str,
    next: &str,
    errors: &Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (list, map) = errors_ctx(errors);
    let ctx = json!({
        "title": w.t(lang, "staff_login_title"),
        "notice": super::page::notice(req, lang, &["password_reset"]),
        "email": email,
        "next": next,
        "errors": list,
        "err": map,
    });
    let mut resp = super::page::render(req, lang, None, "staff/login", ctx, status)?;
    if status == StatusCode::UNAUTHORIZED {
        // A 401 names how to authenticate: with this form (no browser dialog for this scheme).
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Form realm=\"Meldpunt\""),
        );
    }
    Ok(resp)
}

/// Where to go after login: a local path, else the staff's start page.
fn next_of(v: Option<&String>) -> String {
    match v.filter(|s| !s.is_empty()) {
        Some(n) => {
            let s = safe_next(Some(n));
            if s == "/" {
                "/staff".into()
            } else {
                s
            }
        }
        None => "/staff".into(),
    }
}

pub async fn form(req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let next = next_of(query(&req).get("next"));
    // Already signed in: straight on.
    if req.cookie(SESSION_COOKIE).is_some()
        && super::page::signed_in(&req, lang, &next).await.is_ok()
    {
        return Ok(crate::web::kit::redirect(&next));
    }
    login_page(&req, lang, "", &next, &vec![], StatusCode::OK)
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let f = Form::parse(&body);
    let next = next_of(Some(&f.get("next")));
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(
            &req,
            lang,
            &format!("/staff/login?next={}", crate::web::kit::urlencode(&next)),
        );
    }
    if let Err(wait) = check(&state.limits.logins, client_ip(&req)) {
        let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
        e.retry_after = Some(wait);
        return Err(e);
    }
    let email = f.get("email").trim().to_string();
    if let Err(wait) = check(&state.limits.account_logins, account_key(&email)) {
        let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
        e.retry_after = Some(wait);
        return Err(e);
    }
    let password = f.get("password");
    let code = f.opt("totp_code");
    let mut errors: Shown = vec![];
    if email.is_empty() {
        push_err(&mut errors, "email", w.t(lang, "staff_err_login_email"));
    }
    if password.is_empty() {
        push_err(
            &mut errors,
            "password",
            w.t(lang, "staff_err_login_password"),
        );
    }
    if !errors.is_empty() {
        return login_page(
            &req,
            lang,
            &email,
            &next,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let sec = state.settings.security.clone();
    let policy = Policy {
        slow_down_after: sec.slow_down_after,
        lock_after: sec.lock_after,
        lock_minutes: sec.lock_minutes,
    };
    let e2 = email.clone();
    let outcome = state
        .service(move |c| {
            authenticate(
                c,
                &policy,
                sec.session_hours,
                &e2,
                &password,
                code.as_deref(),
            )
        })
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    match outcome {
        Ok((staff, token)) => {
            tracing::info!(user = %staff.id, "signed in (page)");
            // A new CSRF token with the new session: a token known before login is worth nothing.
            let (_, fresh) = crate::web::kit::fresh_csrf(&req);
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, token))
                .cookie(fresh)
                .insert_header((header::LOCATION, next))
                .finish())
        }
        Err(LoginFailure::Wrong) => login_page(
            &req,
            lang,
            &email,
            &next,
            &vec![("password".into(), w.t(lang, "staff_err_login_wrong"))],
            StatusCode::UNAUTHORIZED,
        ),
        Err(LoginFailure::CodeNeeded) => login_page(
            &req,
            lang,
            &email,
            &next,
            &vec![("totp_code".into(), w.t(lang, "staff_err_login_code"))],
            StatusCode::UNAUTHORIZED,
        ),
        Err(LoginFailure::Throttled {
            retry_after,
            locked,
        }) => {
            let msg = if locked {
                let minutes = ((retry_after + 59) / 60).max(1);
                w.t(lang, "staff_login_locked")
                    .replace("{n}", &minutes.to_string())
            } else {
                w.t(lang, "staff_login_wait")
                    .replace("{n}", &retry_after.to_string())
            };
            let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, msg);
            e.retry_after = Some(retry_after.max(1) as u64);
            Err(e)
        }
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, "/staff");
    }
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let token = c.value().to_string();
        state
            .service(move |conn| crate::auth::login::sign_out(conn, &token))
            .await
            .map_err(|e| PageError::from_domain(lang, e))?;
    }
    let mut gone = session_cookie(&state, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/staff/login"))
        .finish())
}
