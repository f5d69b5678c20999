//! `/staff/account`: one's own password and two-factor login. The rules are in `auth::account`.
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::form::{errors_ctx, Shown};
use super::page::{here, notice, page_err, refused, render, signed_in, StaffForm};
use crate::auth::{account, login::session_cookie, store as auth_store, Staff};
use crate::error::{ApiError, DomainError};
use crate::signals::rules::NewReports;
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

/// The QR code of an otpauth URL as an SVG (scanned by the authenticator app), or none.
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Inline in HTML: without the XML declaration.
    svg.find("<svg").map(|i| svg[i..].to_string())
}

/// The secret in groups of four, as people type it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

struct Shown2 {
    errors: Shown,
    setup: Option<(String, String)>,
    recovery: Option<Vec<String>>,
    status: StatusCode,
}

impl Shown2 {
    fn ok(setup: Option<(String, String)>, recovery: Option<Vec<String>>) -> Shown2 {
        Shown2 {
            errors: vec![],
            setup,
            recovery,
            status: StatusCode::OK,
        }
    }
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    extra: Shown2,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let (pending, choice) = state
        .db(move |c| {
            Ok((
                account::pending_totp(c, &s)?,
                crate::signals::service::my_choice(c, &s)?,
            ))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let setup = match (&extra.setup, &pending) {
        (Some(x), _) => Some(x.clone()),
        (None, Some(secret)) => crate::auth::totp::otpauth_url(secret, &staff.email)
            .ok()
            .map(|u| (secret.clone(), u)),
        _ => None,
    };
    let (list, map) = errors_ctx(&extra.errors);
    let ctx = json!({
        "title": w.t(lang, "staff_account_title"),
        "email": staff.email,
        "name": staff.display_name,
        "totp_on": staff.totp_enabled,
        "setup": setup.as_ref().map(|(secret, url)| json!({
            "secret": grouped(secret),
            "url": url,
            "qr": qr_svg(url),
        })),
        "recovery": extra.recovery,
        // How one hears of new reports: an e-mail per report or a daily digest.
        "signals": [
            {"value": "each", "label": w.t(lang, "staff_signals_each"), "hint": w.t(lang, "staff_signals_each_hint"),
             "checked": choice == NewReports::Each},
            {"value": "daily", "label": w.t(lang, "staff_signals_daily"), "hint": w.t(lang, "staff_signals_daily_hint"),
             "checked": choice == NewReports::Daily},
        ],
        "notice": notice(req, lang, &["password", "totp_off", "signals"]),
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/account", ctx, extra.status)
}

/// `GET /staff/account`.
pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    page(&state, &req, lang, &staff, Shown2::ok(None, None)).await
}

/// `POST /staff/account/signals`: how one hears of new reports (`new_reports` = each or daily).
pub async fn signals(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let (s, value) = (staff.clone(), f.get("new_reports"));
    match state
        .db(move |c| Ok(crate::signals::service::choose(c, &s, &value)?))
        .await
    {
        Ok(_) => Ok(redirect("/staff/account?ok=signals#h-signals")),
        Err(e) => failed(&state, &req, lang, &staff, e).await,
    }
}

/// `POST /staff/account/password`: every session ends; this browser gets a new one.
pub async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    if f.get("new_password") != f.get("repeat_password") {
        let errs = vec![(
            "repeat_password".to_string(),
            pages().t(lang, "staff_err_repeat"),
        )];
        return page(
            &state,
            &req,
            lang,
            &staff,
            Shown2 {
                errors: errs,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Shown2::ok(None, None)
            },
        )
        .await;
    }
    let (s, cur, new) = (
        staff.clone(),
        f.get("current_password"),
        f.get("new_password"),
    );
    let hours = state.settings.security.session_hours;
    let r = state
        .db(move |c| {
            account::change_password(c, &s, &cur, &new)?;
            Ok(auth_store::create_session(c, &s.id, hours)?)
        })
        .await;
    match r {
        Ok(token) => {
            let mut resp = redirect("/staff/account?ok=password");
            let _ = resp.add_cookie(&session_cookie(&state, token));
            Ok(resp)
        }
        Err(e) => failed(&state, &req, lang, &staff, e).await,
    }
}

/// `POST /staff/account/totp`: `step` = begin, confirm (with `code`) or disable (with `code`).
pub async fn totp(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let code: String = f
        .get("code")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let s = staff.clone();
    // What to show after the step (the same page each time), or where to go.
    let outcome: Result<Shown2, DomainError> = match f.get("step").as_str() {
        "begin" => state
            .service(move |c| account::begin_totp(c, &s))
            .await
            .map(|setup| Shown2::ok(Some(setup), None)),
        // The recovery codes are shown once, on this response only.
        "confirm" => state
            .service(move |c| account::confirm_totp(c, &s, &code))
            .await
            .map(|codes| Shown2::ok(None, Some(codes))),
        "disable" => {
            return match state
                .service(move |c| account::disable_totp(c, &s, &code))
                .await
            {
                Ok(()) => Ok(redirect("/staff/account?ok=totp_off")),
                Err(e) => failed(&state, &req, lang, &staff, e).await,
            };
        }
        _ => return Err(super::page::bad_request(lang)),
    };
    match outcome {
        Ok(shown2) => {
            let mut me = staff.clone();
            me.totp_enabled = shown2.recovery.is_some() || staff.totp_enabled;
            page(&state, &req, lang, &me, shown2).await
        }
        Err(e) => failed(&state, &req, lang, &staff, e).await,
    }
}

/// The account page again with the error of a refused step.
async fn failed(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    e: impl Into<ApiError>,
) -> Result<HttpResponse, PageError> {
    let (errors, status) = refused(lang, e.into(), &[], "code")?;
    page(
        state,
        req,
        lang,
        staff,
        Shown2 {
            errors,
            status,
            ..Shown2::ok(None, None)
        },
    )
    .await
}
