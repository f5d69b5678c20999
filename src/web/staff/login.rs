//! `GET/POST /staff/login` and `POST /staff/logout`.
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{errors_ctx, expired, push_err, query, Form, Shown};
use crate::audit::{self, Actor, Entry};
use crate::auth::extract::SESSION_COOKIE;
use crate::auth::secrets::{dummy_verify, random_secret, verify_password};
use crate::auth::throttle::{self, Gate, Policy};
use crate::auth::{store, totp, Staff};
use crate::db::{from_db, now, write_tx, DbConn};
use crate::error::ApiResult;
use crate::privacy::mask_email;
use crate::state::AppState;
use crate::web::ratelimit::{check, client_ip};
use crate::web::{csrf_ok, safe_next, web as pages, Lang, PageError, CSRF_COOKIE};

/// Why a login did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown address, no password set, wrong password or wrong second-factor code.
    Wrong,
    /// The password was right; two-factor login is on and no code was given.
    CodeNeeded,
    /// Too many failures: wait this many seconds (`locked`: the account is locked for a while).
    Throttled { retry_after: i64, locked: bool },
}

/// Check a login and open a session: the same rules as `POST /api/v1/auth/login` (the per-account
/// throttle and lock, two-factor code or a recovery code, a failure recorded and a lock audited),
/// built on the same store functions. Returns the staff member and the session cookie's value.
///
/// `code` is the authenticator app's six digits, or else a recovery code.
pub fn authenticate(
    c: &mut DbConn,
    policy: &Policy,
    session_hours: i64,
    email: &str,
    password: &str,
    code: Option<&str>,
) -> ApiResult<Result<(Staff, String), LoginFailure>> {
    let t = now();
    let user = match store::user_by_email(c, email)? {
        Some(u) if u.password_hash.is_some() => u,
        _ => {
            dummy_verify(password);
            return Ok(Err(LoginFailure::Wrong));
        }
    };
    let locked = store::locked_until(&user);
    let expired_lock = locked.map(|l| l <= t).unwrap_or(false);
    let failed = if expired_lock { 0 } else { user.failed_logins };
    match throttle::gate(policy, failed, user.last_failed_at.map(from_db), locked, t) {
        Gate::Open => {}
        Gate::Wait(s) => {
            return Ok(Err(LoginFailure::Throttled {
                retry_after: s.max(1),
                locked: false,
            }))
        }
        Gate::Locked(until) => {
            return Ok(Err(LoginFailure::Throttled {
                retry_after: (until - t).num_seconds().max(1),
                locked: true,
            }))
        }
    }
    let mut ok = verify_password(password, user.password_hash.as_deref().unwrap_or(""));
    if ok && user.totp_enabled {
        let code: Option<String> = code
            .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect())
            .filter(|c: &String| !c.is_empty());
        ok = match (code, &user.totp_secret) {
            (None, _) => return Ok(Err(LoginFailure::CodeNeeded)),
            (Some(code), Some(secret)) if code.chars().all(|c| c.is_ascii_digit()) => {
                totp::check(secret, &code, t.timestamp() as u64)
            }
            (Some(code), _) => store::use_recovery_code(c, &user.id, &code.to_lowercase())?,
        };
    }
    if !ok {
        let (n, lock) = throttle::after_failure(policy, failed, t);
        store::record_failure(c, &user.id, n, t, lock)?;
        tracing::warn!(user = %mask_email(&user.email), failures = n, locked = lock.is_some(), "failed login (page)");
        if lock.is_some() {
            write_tx(c, |c| {
                audit::store::append(
                    c,
                    &[Entry {
                        actor: Actor::System("auth"),
                        action: "user.locked".into(),
                        entity_type: "user",
                        entity_id: user.id.clone(),
                        organisation_id: None,
                        before: None,
                        after: Some(json!({"failures": n})),
                    }],
                    t,
                )
            })?;
        }
        return Ok(Err(LoginFailure::Wrong));
    }
    store::reset_failures(c, &user.id)?;
    let token = store::create_session(c, &user.id, session_hours)?;
    Ok(Ok((store::staff(c, &user)?, token)))
}

/// The session cookie as the JSON login sets it.
fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.cookie_secure())
        .max_age(time::Duration::hours(state.settings.security.session_hours))
        .finish()
}

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
        "email": email,
        "next": next,
        "errors": list,
        "err": map,
    });
    let mut resp = super::render(req, lang, None, "staff/login", ctx, status)?;
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
    if req.cookie(SESSION_COOKIE).is_some() && super::signed_in(&req, lang, &next).await.is_ok() {
        return Ok(super::super::redirect(&next));
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
            &format!("/staff/login?next={}", crate::web::urlencode(&next)),
        );
    }
    if let Err(wait) = check(&state.limits.logins, client_ip(&req)) {
        let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
        e.retry_after = Some(wait);
        return Err(e);
    }
    let email = f.get("email").trim().to_string();
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
        .db(move |c| {
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
        .map_err(|e| super::page_err(lang, e))?;
    match outcome {
        Ok((staff, token)) => {
            tracing::info!(user = %staff.id, "signed in (page)");
            // A new CSRF token with the new session: a token known before login is worth nothing.
            let fresh = Cookie::build(CSRF_COOKIE, random_secret(""))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(req.connection_info().scheme() == "https")
                .max_age(time::Duration::hours(12))
                .finish();
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
            .db(move |conn| Ok(store::delete_session(conn, &token)?))
            .await
            .map_err(|e| super::page_err(lang, e))?;
    }
    let mut gone = session_cookie(&state, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/staff/login"))
        .finish())
}
