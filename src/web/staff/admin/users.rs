//! Users: creating an account, the list, deactivating / reactivating one and a reset link.
use super::overview::admin_page;
use super::shared::{admin_org, typed_of, Extra};
use crate::auth::account::new_user_problems;
use crate::auth::admin::{self as accounts, Manager};
use crate::auth::{Role, Staff};
use crate::db::now;
use crate::error::DomainError;
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};
use crate::web::staff::form::{errors_ctx, push_err, Shown};
use crate::web::staff::page::{
    forbidden, here, invalid, may_admin, notice, render, signed_in, AdminForm, StaffForm,
};
use crate::web::staff::when::local_db;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// `POST /staff/admin/users`: a new account, optionally with a first role.
pub async fn user_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let is_admin = f.get("is_admin") == "yes";
    if is_admin && !staff.is_admin {
        return Err(forbidden(lang));
    }
    let email = f.get("email").trim().to_string();
    let display_name = f.get("display_name").trim().to_string();
    let password = f.get("password");
    let language = f.get("language");
    let org_slug = f.get("user_org").trim().to_string();
    let role_s = f.get("user_role");
    let mut errors = vec![];
    if language != "nl" && language != "en" {
        push_err(&mut errors, "language", w.t(lang, "staff_err_choice"));
    }
    let role = Role::parse(&role_s);
    if !org_slug.is_empty() && role.is_none() {
        push_err(&mut errors, "user_role", w.t(lang, "staff_err_choice"));
    }
    if org_slug.is_empty() && !role_s.is_empty() && !is_admin && !staff.is_admin {
        push_err(&mut errors, "user_org", w.t(lang, "staff_err_organisation"));
    }
    let typed = typed_of(
        &f,
        &[
            "email",
            "display_name",
            "language",
            "user_org",
            "user_role",
            "is_admin",
        ],
    );
    let result = if errors.is_empty() {
        let s = staff.clone();
        state
            .service(move |c| {
                let org = if org_slug.is_empty() {
                    None
                } else {
                    Some(admin_org(c, &s, &org_slug).map_err(|_| {
                        DomainError::field(
                            "user_org",
                            "unknown organisation",
                            "Kies een organisatie",
                        )
                    })?)
                };
                let account = accounts::NewAccount {
                    email,
                    display_name,
                    password: Some(password),
                    is_admin,
                    language: Some(language),
                    role: org.zip(role).map(|(o, r)| (o.id, r)),
                };
                accounts::create_user(c, Manager::Staff(&s), account).map(|_| ())
            })
            .await
    } else {
        // The form's own problems with the account's, shown together.
        Err(DomainError::Invalid(new_user_problems(
            &email,
            &display_name,
            Some(&password),
        )))
    };
    match result {
        Ok(()) => Ok(redirect("/staff/admin?ok=user_created")),
        Err(e) => {
            let mut shown = invalid(lang, e, &[])?;
            for (field, message) in errors {
                push_err(&mut shown, &field, message);
            }
            let extra = Extra {
                errors: shown,
                typed,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            admin_page(&state, &req, lang, &staff, extra).await
        }
    }
}

// --- users: the list, deactivate / reactivate, a reset link (issue 16, point 8) -------------

pub(super) async fn users_page_with(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    problem: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let users = state
        .service(move |c| accounts::list(c, Manager::Staff(&s)))
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            let roles: Vec<String> = u
                .roles
                .iter()
                .map(|r| {
                    format!(
                        "{} ({})",
                        w.t(lang, &format!("staff_role_{}", r.role.as_str())),
                        r.organisation
                    )
                })
                .collect();
            let mut roles_text = roles.join(", ");
            if u.is_admin {
                let inst = w.t(lang, "staff_users_installation_admin");
                roles_text = if roles_text.is_empty() {
                    inst
                } else {
                    format!("{inst}, {roles_text}")
                };
            }
            json!({
                "id": u.id,
                "display_name": u.display_name,
                "email": u.email,
                "roles": if roles_text.is_empty() { w.t(lang, "staff_none") } else { roles_text },
                "active": u.active,
                "status": if u.active {
                    w.t(lang, "staff_users_active")
                } else {
                    format!(
                        "{} {}",
                        w.t(lang, "staff_users_deactivated_since"),
                        u.deactivated_at.map(|t| local_db(lang, t)).unwrap_or_default()
                    )
                },
                "two_factor": w.t(lang, if u.two_factor { "staff_yes" } else { "staff_no" }),
                "is_me": u.id == staff.id,
                "base": format!("/staff/admin/users/{}", u.id),
            })
        })
        .collect();
    let errors: Shown = problem
        .map(|m| vec![("users".to_string(), m)])
        .unwrap_or_default();
    let (list, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "staff_users_title"),
        "notice": notice(req, lang, &["user_deactivated", "user_reactivated", "reset_sent"]),
        "users": rows,
        "reset_hours": accounts::RESET_HOURS,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/admin_users", ctx, status)
}

/// `GET /staff/admin/users`: everyone this person manages.
pub async fn users_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    if !may_admin(&staff) {
        return Err(forbidden(lang));
    }
    users_page_with(&state, &req, lang, &staff, None, StatusCode::OK).await
}

/// `POST /staff/admin/users/{id}/{deactivate|reactivate|password-reset}`.
pub async fn user_act(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    AdminForm(StaffForm { lang, staff, .. }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let (id, what) = path.into_inner();
    let settings = state.settings.clone();
    let s = staff.clone();
    let w2 = what.clone();
    let result = state
        .service(move |c| {
            let m = Manager::Staff(&s);
            let t = now();
            match w2.as_str() {
                "deactivate" => accounts::deactivate(c, m, &id, t).map(|_| "user_deactivated"),
                "reactivate" => accounts::reactivate(c, m, &id, t).map(|_| "user_reactivated"),
                "password-reset" => {
                    let domain = settings.mail_domain();
                    accounts::send_reset(
                        c,
                        m,
                        &id,
                        &accounts::ResetMail {
                            templates: crate::mail_templates::templates(),
                            public_url: &settings.server.public_url,
                            mail_domain: &domain,
                        },
                        t,
                    )
                    .map(|_| "reset_sent")
                }
                _ => Err(DomainError::NotFound),
            }
        })
        .await;
    match result {
        Ok(ok) => Ok(redirect(&format!("/staff/admin/users?ok={ok}"))),
        Err(DomainError::Refused(r)) => {
            let msg = pages().t(lang, &format!("staff_nf_err_{}", r.code));
            users_page_with(&state, &req, lang, &staff, Some(msg), StatusCode::CONFLICT).await
        }
        Err(e) => Err(PageError::from_domain(lang, e)),
    }
}
