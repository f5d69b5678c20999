//! `GET/POST /staff/password-reset/{token}`: the page a password reset link opens. No sign-in;
//! the link works once, until it expires (`auth::admin`).
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::form::{errors_ctx, Form, Shown};
use super::page::{expired, render};
use crate::auth::admin;
use crate::db::now;
use crate::error::DomainError;
use crate::http::ratelimit::{check, client_ip};
use crate::state::AppState;
use crate::web::kit::{csrf_ok, redirect, web as pages, Lang, PageError};

fn page(
    req: &HttpRequest,
    lang: Lang,
    valid: bool,
    errors: &Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (list, map) = errors_ctx(errors);
    let ctx = json!({
        "title": w.t(lang, "staff_reset_title"),
        "valid": valid,
        "action": req.path(),
        "errors": list,
        "err": map,
    });
    let mut resp = render(req, lang, None, "staff/password_reset", ctx, status)?;
    // The token is in the address: keep it out of caches and referrers (no-store and no-referrer
    // are set for every page already).
    resp.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-robots-tag"),
        actix_web::http::header::HeaderValue::from_static("noindex"),
    );
    Ok(resp)
}

pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let token = path.into_inner();
    let valid = state
        .service(move |c| admin::reset_owner(c, &token, now()).map(|u| u.is_some()))
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    page(&req, lang, valid, &vec![], status)
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, req.path());
    }
    // Guessing tokens is bounded like logins are.
    if let Err(wait) = check(&state.limits.credentials, client_ip(&req)) {
        let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
        e.retry_after = Some(wait);
        return Err(e);
    }
    let token = path.into_inner();
    let (new, again) = (f.get("new_password"), f.get("new_password_again"));
    if new != again {
        let errors = vec![(
            "new_password_again".to_string(),
            w.t(lang, "staff_reset_err_mismatch"),
        )];
        return page(&req, lang, true, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let done = state
        .service(move |c| admin::complete_reset(c, &token, &new, now()))
        .await;
    match done {
        Ok(Ok(_)) => Ok(redirect("/staff/login?ok=password_reset")),
        Ok(Err(_)) => page(&req, lang, false, &vec![], StatusCode::GONE),
        Err(DomainError::Invalid(_)) => {
            let errors = vec![(
                "new_password".to_string(),
                w.t(lang, "staff_reset_err_short"),
            )];
            page(&req, lang, true, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(PageError::from_domain(lang, e)),
    }
}
