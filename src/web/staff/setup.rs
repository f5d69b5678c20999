//! First run in the browser: the printed link (`/setup?code=…`) opens a page where the first
//! administrator chooses e-mail, name and password (and is signed in at once); then a short
//! checklist (`/staff/start`) leads through the set-up.
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::{errors_ctx, push_err, Form, Shown};
use super::page::{expired, forbidden, here, page_err, render, signed_in};
use crate::auth::account::new_user_problems;
use crate::auth::login::{authenticate, session_cookie};
use crate::auth::secrets::hash_password;
use crate::auth::throttle::Policy;
use crate::auth::{account, store as auth_store, Role, Staff};
use crate::error::ApiError;
use crate::orgs::store as org_store;
use crate::state::AppState;
use crate::web::kit::{csrf_ok, web as pages, Lang, PageError};

fn form_page(
    req: &HttpRequest,
    lang: Lang,
    code: &str,
    typed: (&str, &str),
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (list, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "setup_title"),
        "open": true,
        "code": code,
        "email": typed.0,
        "display_name": typed.1,
        "errors": list,
        "err": map,
    });
    render(req, lang, None, "staff/setup", ctx, status)
}

fn spent_page(req: &HttpRequest, lang: Lang) -> Result<HttpResponse, PageError> {
    let w = pages();
    let ctx = json!({"title": w.t(lang, "setup_title"), "open": false});
    render(req, lang, None, "staff/setup", ctx, StatusCode::GONE)
}

/// `GET /setup?code=…`: the form while no user exists and the code is usable; else a page that
/// says the link is spent and leads to the login.
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let code = super::page::query(&req)
        .get("code")
        .cloned()
        .unwrap_or_default();
    crate::http::ratelimit::limit_api(&req, |l| &l.credentials).map_err(|e| page_err(lang, e))?;
    let c2 = code.clone();
    let open = state
        .service(move |c| account::setup_open(c, &c2))
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    if !open {
        return spent_page(&req, lang);
    }
    form_page(&req, lang, &code, ("", ""), vec![], StatusCode::OK)
}

/// `POST /setup`: the first administrator, signed in, on to the checklist.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let f = Form::parse(&body);
    let code = f.get("code");
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(
            &req,
            lang,
            &format!("/setup?code={}", crate::web::kit::urlencode(&code)),
        );
    }
    crate::http::ratelimit::limit_api(&req, |l| &l.credentials).map_err(|e| page_err(lang, e))?;
    let email = f.get("email").trim().to_string();
    let name = f.get("display_name").trim().to_string();
    let password = f.get("password");
    let mut errors = super::page::invalid(
        lang,
        crate::error::DomainError::Invalid(new_user_problems(&email, &name, Some(&password))),
        &[],
    )?;
    if password != f.get("password_again") {
        push_err(
            &mut errors,
            "password_again",
            w.t(lang, "setup_err_password_again"),
        );
    }
    if !errors.is_empty() {
        return form_page(
            &req,
            lang,
            &code,
            (&email, &name),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash =
        hash_password(&password).map_err(|e| page_err(lang, ApiError::Internal(e.to_string())))?;
    let sec = state.settings.security.clone();
    let policy = Policy {
        slow_down_after: sec.slow_down_after,
        lock_after: sec.lock_after,
        lock_minutes: sec.lock_minutes,
    };
    let e2 = email.clone();
    let outcome = state
        .db(move |c| {
            let staff = account::first_admin(c, &code, &e2, &name, hash)?;
            let signed = authenticate(c, &policy, sec.session_hours, &e2, &password, None)?;
            Ok((staff, signed))
        })
        .await;
    match outcome {
        Ok((staff, Ok((_, token)))) => {
            tracing::info!(user = %staff.id, "first administrator created (page)");
            let (_, fresh) = crate::web::kit::fresh_csrf(&req);
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, token))
                .cookie(fresh)
                .insert_header((header::LOCATION, "/staff/start"))
                .finish())
        }
        // Made, but the sign-in did not follow (it cannot fail for a new account): to the login.
        Ok((_, Err(_))) => Ok(crate::web::kit::redirect(
            "/staff/login?next=%2Fstaff%2Fstart",
        )),
        Err(ApiError::Denied(_)) => spent_page(&req, lang),
        Err(e) => Err(page_err(lang, e)),
    }
}

/// An organisation with its members (id, e-mail, name, role) and letter settings.
type OrgFacts = (
    org_store::OrgRow,
    Vec<(String, String, String, String)>,
    Option<crate::notifications::store::SettingsRow>,
);

/// One step of the set-up, for the checklist.
fn step(lang: Lang, key: &str, done: bool, url: &str, detail: String) -> Value {
    let w = pages();
    json!({
        "label": w.t(lang, &format!("checklist_step_{key}")),
        "help": w.t(lang, &format!("checklist_step_{key}_help")),
        "done": done,
        "status": w.t(lang, if done { "checklist_done" } else { "checklist_todo" }),
        "url": url,
        "detail": detail,
    })
}

/// What the set-up still needs: (steps, all done).
pub(super) async fn checklist(
    state: &AppState,
    lang: Lang,
) -> Result<(Vec<Value>, bool), PageError> {
    let public_url = state.settings.server.public_url.trim().to_string();
    let from = state.settings.mail.from.clone();
    let facts = state
        .db(move |c| {
            let orgs = org_store::all(c)?;
            let mut rows = vec![];
            for o in orgs {
                let members = auth_store::members_of(c, &o.id)?;
                let letters = crate::notifications::store::settings(c, &o.id)?;
                rows.push((o, members, letters));
            }
            Ok(rows)
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let first = facts.first().map(|(o, _, _)| o.slug.clone());
    let org_url = |slug: &Option<String>| match slug {
        Some(s) => format!("/staff/admin/organisations/{s}"),
        None => "/staff/admin".into(),
    };
    let missing = |pred: &dyn Fn(&OrgFacts) -> bool| {
        facts
            .iter()
            .find(|f| !pred(f))
            .map(|(o, _, _)| o.slug.clone())
    };
    let names = |pred: &dyn Fn(&OrgFacts) -> bool| {
        facts
            .iter()
            .filter(|f| !pred(f))
            .map(|(o, _, _)| o.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fg = |f: &OrgFacts| f.0.fg_name.is_some() && f.0.fg_email.is_some();
    let staffed = |f: &OrgFacts| {
        let has = |r: Role| f.1.iter().any(|m| m.3 == r.as_str());
        has(Role::Handler) && has(Role::Fg)
    };
    let letters = |f: &OrgFacts| {
        f.2.as_ref()
            .map(|s| s.contact_email.is_some() || s.contact_phone.is_some())
            .unwrap_or(false)
    };
    let any = !facts.is_empty();
    let steps = vec![
        step(lang, "organisation", any, "/staff/admin", String::new()),
        step(
            lang,
            "fg",
            any && missing(&fg).is_none(),
            &org_url(&missing(&fg).or(first.clone())),
            names(&fg),
        ),
        step(
            lang,
            "staff",
            any && missing(&staffed).is_none(),
            &org_url(&missing(&staffed).or(first.clone())),
            names(&staffed),
        ),
        step(
            lang,
            "address",
            !public_url.is_empty(),
            "/",
            if public_url.is_empty() {
                String::new()
            } else {
                format!("{public_url} · {from}")
            },
        ),
        step(
            lang,
            "letters",
            any && missing(&letters).is_none(),
            &org_url(&missing(&letters).or(first)),
            names(&letters),
        ),
    ];
    let all = steps.iter().all(|s| s["done"] == true);
    Ok((steps, all))
}

/// `GET /staff/start`: the set-up checklist, for administrators.
pub async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff: Staff = signed_in(&req, lang, &here(&req)).await?;
    if !staff.is_admin {
        return Err(forbidden(lang));
    }
    let (steps, all) = checklist(&state, lang).await?;
    let w = pages();
    let ctx = json!({
        "title": w.t(lang, "checklist_title"),
        "steps": steps,
        "all_done": all,
    });
    render(&req, lang, Some(&staff), "staff/start", ctx, StatusCode::OK)
}

#[cfg(test)]
mod tests {
    /// The messages added for issue 16 live in their own file; none may replace an existing one
    /// (a `start_title` once turned the citizens' start page into the set-up checklist).
    #[test]
    fn the_days_messages_replace_no_other() {
        let others = [
            include_str!("../../../locales/nl/common.json"),
            include_str!("../../../locales/nl/public.json"),
            include_str!("../../../locales/nl/staff.json"),
            include_str!("../../../locales/nl/mail.json"),
            include_str!("../../../locales/en/common.json"),
            include_str!("../../../locales/en/public.json"),
            include_str!("../../../locales/en/staff.json"),
            include_str!("../../../locales/en/mail.json"),
        ];
        for day in [
            include_str!("../../../locales/nl/day.json"),
            include_str!("../../../locales/en/day.json"),
        ] {
            let day: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(day).unwrap();
            for o in others {
                let o: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(o).unwrap();
                for k in day.keys() {
                    assert!(!o.contains_key(k), "{k} is defined twice");
                }
            }
        }
    }
}
