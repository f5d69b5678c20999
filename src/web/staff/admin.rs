//! Administration (`/staff/admin`), for installation admins and organisation admins:
//! organisations and their settings, users and roles, and one's own API tokens. The same store
//! functions and audit entries as the JSON API (`orgs::routes`, `auth::routes`).
use std::collections::HashMap;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::{errors_ctx, localise, push_err, Form, Shown};
use super::page::{
    forbidden, here, invalid, may_admin, notice, page_err, render, render_with_csrf, signed_in,
    AdminForm, StaffForm,
};
use super::when::local_db;
use crate::auth::account::new_user_problems;
use crate::auth::{store as auth_store, Role, Staff};
use crate::db::{now, DbConn};
use crate::error::{ApiError, DomainError, DomainResult};
use crate::orgs::store::{self as org_store, OrgRow};
use crate::orgs::OrganisationInput;
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

const ROLES: [Role; 4] = [Role::Handler, Role::Fg, Role::Admin, Role::Processor];

fn may_admin_org(staff: &Staff, org: &OrgRow) -> bool {
    staff.is_admin || staff.has_role(&org.id, &[Role::Admin])
}

/// The organisations this person administers.
fn admin_orgs(c: &mut DbConn, staff: &Staff) -> DomainResult<Vec<OrgRow>> {
    if staff.is_admin {
        return Ok(org_store::all(c)?);
    }
    let ids: Vec<String> = staff
        .memberships
        .iter()
        .filter(|m| m.effective && m.role == Role::Admin)
        .map(|m| m.organisation_id.clone())
        .collect();
    Ok(org_store::by_ids(c, &ids)?)
}

/// An organisation this person administers, or 404.
fn admin_org(c: &mut DbConn, staff: &Staff, slug: &str) -> DomainResult<OrgRow> {
    org_store::by_slug(c, slug)?
        .filter(|o| may_admin_org(staff, o))
        .ok_or(DomainError::NotFound)
}

fn role_options(lang: Lang, chosen: &str) -> Vec<Value> {
    let w = pages();
    ROLES
        .iter()
        .map(|r| json!({"value": r.as_str(), "label": w.t(lang, &format!("staff_role_{}", r.as_str())), "selected": chosen == r.as_str()}))
        .collect()
}

#[derive(Default)]
struct Extra {
    errors: Shown,
    typed: HashMap<String, String>,
    new_token: Option<(String, String)>,
    status: Option<StatusCode>,
    fresh_csrf: Option<(String, Cookie<'static>)>,
}

async fn admin_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    extra: Extra,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let (orgs, tokens) = state
        .db(move |c| Ok((admin_orgs(c, &s)?, auth_store::tokens_of(c, &s.id)?)))
        .await
        .map_err(|e| page_err(lang, e))?;
    let typed = |k: &str| extra.typed.get(k).cloned().unwrap_or_default();
    let org_rows: Vec<Value> = orgs
        .iter()
        .map(|o| {
            json!({
                "name": o.name, "slug": o.slug,
                "url": format!("/staff/admin/organisations/{}", o.slug),
                "two_factor": w.t(lang, if o.require_2fa { "staff_yes" } else { "staff_no" }),
                "processor_hours": o.processor_hours,
            })
        })
        .collect();
    let chosen_org = typed("user_org");
    let user_orgs: Vec<Value> = orgs
        .iter()
        .map(|o| json!({"value": o.slug, "label": o.name, "selected": chosen_org == o.slug}))
        .collect();
    let token_rows: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "created": local_db(lang, t.created_at),
                "last_used": t.last_used_at.map(|x| local_db(lang, x)).unwrap_or_else(|| w.t(lang, "staff_never")),
                "revoked": t.revoked_at.map(|x| local_db(lang, x)),
                "revoke_url": format!("/staff/admin/tokens/{}/revoke", t.id),
            })
        })
        .collect();
    let language = typed("language");
    let (list, map) = errors_ctx(&extra.errors);
    let ctx = json!({
        "title": w.t(lang, "staff_admin_title"),
        "notice": notice(req, lang, &["user_created", "token_revoked"]),
        "orgs": org_rows,
        "can_create_org": staff.is_admin,
        "can_create_admin": staff.is_admin,
        "typed": {
            "org_slug": typed("org_slug"), "org_name": typed("org_name"),
            "email": typed("email"), "display_name": typed("display_name"),
            "is_admin": typed("is_admin") == "yes", "token_name": typed("token_name"),
        },
        "languages": [
            {"value": "nl", "label": w.t(lang, "staff_language_nl"), "selected": language != "en"},
            {"value": "en", "label": w.t(lang, "staff_language_en"), "selected": language == "en"},
        ],
        "user_orgs": user_orgs,
        "roles": role_options(lang, &typed("user_role")),
        "tokens": token_rows,
        "new_token": extra.new_token.as_ref().map(|(name, token)| json!({"name": name, "token": token})),
        "errors": list,
        "err": map,
    });
    let status = extra.status.unwrap_or(StatusCode::OK);
    match extra.fresh_csrf {
        Some((token, cookie)) => render_with_csrf(
            req,
            lang,
            Some(staff),
            "staff/admin",
            ctx,
            status,
            token,
            Some(cookie),
        ),
        None => render(req, lang, Some(staff), "staff/admin", ctx, status),
    }
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    if !may_admin(&staff) {
        return Err(forbidden(lang));
    }
    admin_page(&state, &req, lang, &staff, Extra::default()).await
}

fn typed_of(f: &Form, keys: &[&str]) -> HashMap<String, String> {
    keys.iter()
        .map(|k| (k.to_string(), f.get(k).trim().to_string()))
        .collect()
}

/// `POST /staff/admin/organisations`: a new organisation (installation admins).
pub async fn org_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    if !staff.is_admin {
        return Err(forbidden(lang));
    }
    let input = OrganisationInput {
        slug: Some(f.get("org_slug").trim().to_string()),
        name: Some(f.get("org_name").trim().to_string()),
        ..Default::default()
    };
    let rename = [("slug", "org_slug"), ("name", "org_name")];
    let s = staff.clone();
    let result = state
        .service(move |c| crate::orgs::service::create(c, Manager::Staff(&s), &input))
        .await;
    match result {
        Ok(row) => {
            state.forget_org_directory();
            Ok(redirect(&format!(
                "/staff/admin/organisations/{}?ok=org_created",
                row.slug
            )))
        }
        Err(e) => {
            let extra = Extra {
                errors: invalid(lang, e, &rename)?,
                typed: typed_of(&f, &["org_slug", "org_name"]),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            admin_page(&state, &req, lang, &staff, extra).await
        }
    }
}

const ORG_TEXT: [&str; 7] = [
    "name",
    "kvk_number",
    "address",
    "fg_name",
    "fg_email",
    "fg_phone",
    "fg_registration_number",
];

async fn org_page_with(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    slug: &str,
    extra: Extra,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (s, sl) = (staff.clone(), slug.to_string());
    let (org, members, policy, contact) = state
        .db(move |c| {
            let org = admin_org(c, &s, &sl)?;
            let members = auth_store::members_of(c, &org.id)?;
            let policy = crate::register::service::get_policy(c, &s, &org.id)?;
            let contact = crate::notifications::service::get_settings(c, &s, &org.id)?;
            Ok((org, members, policy, contact))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let stored: HashMap<&str, String> = HashMap::from([
        ("name", org.name.clone()),
        ("kvk_number", org.kvk_number.clone().unwrap_or_default()),
        ("address", org.address.clone().unwrap_or_default()),
        ("fg_name", org.fg_name.clone().unwrap_or_default()),
        ("fg_email", org.fg_email.clone().unwrap_or_default()),
        ("fg_phone", org.fg_phone.clone().unwrap_or_default()),
        (
            "fg_registration_number",
            org.fg_registration_number.clone().unwrap_or_default(),
        ),
        (
            "processor_hours",
            org.processor_hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
        ),
    ]);
    let settings_typed = extra.typed.contains_key("name");
    let fields: Vec<Value> = ORG_TEXT
        .iter()
        .chain(["processor_hours"].iter())
        .map(|name| {
            let value = if settings_typed {
                extra.typed.get(*name).cloned().unwrap_or_default()
            } else {
                stored.get(name).cloned().unwrap_or_default()
            };
            let id = format!("f-{name}");
            let hint = super::form::opt_t(lang, &format!("staff_org_{name}_hint"));
            let error = extra.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
            json!({
                "name": name,
                "describedby": super::form::described_by(&id, hint.is_some(), error.is_some()),
                "id": id,
                "label": w.t(lang, &format!("staff_org_{name}")),
                "hint": hint,
                "type": match *name { "fg_email" => "email", "fg_phone" => "tel", "processor_hours" => "number", _ => "text" },
                "value": value,
                "error": error,
                "required": *name == "name",
            })
        })
        .collect();
    let require_2fa = if settings_typed {
        extra
            .typed
            .get("require_2fa")
            .map(|v| v == "yes")
            .unwrap_or(false)
    } else {
        org.require_2fa
    };
    let member_rows: Vec<Value> = members
        .iter()
        .map(|(_, email, name, role)| {
            json!({
                "email": email, "display_name": name, "role": role,
                "role_label": w.t(lang, &format!("staff_role_{role}")),
            })
        })
        .collect();
    // The retention form and the contact form: what was typed when they come back with errors.
    let kept =
        |key: &str, stored: String| -> String { extra.typed.get(key).cloned().unwrap_or(stored) };
    let field = |name: &str, kind: &str, value: String| -> Value {
        let id = format!("f-{name}");
        let hint = super::form::opt_t(lang, &format!("staff_org_{name}_hint"));
        let error = extra
            .errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone());
        json!({
            "name": name, "id": id, "type": kind, "value": value,
            "describedby": super::form::described_by(&id, hint.is_some(), error.is_some()),
            "label": w.t(lang, &format!("staff_org_{name}")),
            "hint": hint, "error": error,
        })
    };
    let retention_fields = vec![
        field(
            "register_years",
            "number",
            kept("register_years", policy.register_years.to_string()),
        ),
        field(
            "evidence_grace_days",
            "number",
            kept(
                "evidence_grace_days",
                policy.evidence_grace_days.to_string(),
            ),
        ),
    ];
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let contact_fields = vec![
        field(
            "contact_email",
            "email",
            kept("contact_email", o(&contact.contact_email)),
        ),
        field(
            "contact_phone",
            "tel",
            kept("contact_phone", o(&contact.contact_phone)),
        ),
        field("website", "url", kept("website", o(&contact.website))),
        field(
            "privacy_url",
            "url",
            kept("privacy_url", o(&contact.privacy_url)),
        ),
        field(
            "contact_url",
            "url",
            kept("contact_url", o(&contact.contact_url)),
        ),
        field(
            "accessibility_url",
            "url",
            kept("accessibility_url", o(&contact.accessibility_url)),
        ),
        field(
            "signatory_name",
            "text",
            kept("signatory_name", o(&contact.signatory_name)),
        ),
        field(
            "signatory_function",
            "text",
            kept("signatory_function", o(&contact.signatory_function)),
        ),
        field(
            "salutation_nl",
            "text",
            kept("salutation_nl", o(&contact.salutation_nl)),
        ),
        field(
            "salutation_en",
            "text",
            kept("salutation_en", o(&contact.salutation_en)),
        ),
    ];
    let (list, map) = errors_ctx(&extra.errors);
    let ctx = json!({
        "retention_fields": retention_fields,
        "contact_fields": contact_fields,
        "title": format!("{}: {}", w.t(lang, "staff_admin_org_title"), org.name),
        "org_name": org.name,
        "slug": org.slug,
        "action": format!("/staff/admin/organisations/{}", org.slug),
        "notice": notice(req, lang, &["org_created", "saved", "role_added", "role_removed", "retention_saved", "contact_saved"]),
        "fields": fields,
        "require_2fa": require_2fa,
        "members": member_rows,
        "member_email": extra.typed.get("member_email").cloned().unwrap_or_default(),
        "roles": role_options(lang, extra.typed.get("member_role").map(|s| s.as_str()).unwrap_or("handler")),
        "errors": list,
        "err": map,
    });
    render(
        req,
        lang,
        Some(staff),
        "staff/admin_org",
        ctx,
        extra.status.unwrap_or(StatusCode::OK),
    )
}

pub async fn org_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    if !may_admin(&staff) {
        return Err(forbidden(lang));
    }
    org_page_with(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        Extra::default(),
    )
    .await
}

/// `POST /staff/admin/organisations/{slug}`: settings, FG details, processor hours, two-factor.
pub async fn org_update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let slug = path.into_inner();
    let back = format!("/staff/admin/organisations/{slug}");
    // Authorisation before validation.
    let (s, sl) = (staff.clone(), slug.clone());
    state
        .service(move |c| admin_org(c, &s, &sl))
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    let mut errors: Shown = vec![];
    let hours = match f.opt("processor_hours").map(|h| h.parse::<i32>()) {
        None => None,
        Some(Ok(h)) => Some(h),
        Some(Err(_)) => {
            push_err(
                &mut errors,
                "processor_hours",
                w.t(lang, "staff_err_number"),
            );
            None
        }
    };
    let two_factor = f.get("require_2fa") == "yes";
    // Checked as the API checks; an empty optional field clears it.
    let check = OrganisationInput {
        slug: None,
        name: Some(f.get("name").trim().to_string()),
        kvk_number: f.opt("kvk_number"),
        address: f.opt("address"),
        fg_name: f.opt("fg_name"),
        fg_email: f.opt("fg_email"),
        fg_phone: f.opt("fg_phone"),
        fg_registration_number: f.opt("fg_registration_number"),
        processor_hours: hours,
        require_2fa: Some(two_factor),
    };
    if let Err(e) = check.validate(false) {
        for (field, msg) in invalid(lang, e, &[])? {
            push_err(&mut errors, &field, msg);
        }
    }
    let mut typed = typed_of(&f, &ORG_TEXT);
    typed.insert("processor_hours".into(), f.get("processor_hours"));
    typed.insert("require_2fa".into(), f.get("require_2fa"));
    let result = if errors.is_empty() {
        let apply = OrganisationInput {
            kvk_number: Some(f.get("kvk_number")),
            address: Some(f.get("address")),
            fg_name: Some(f.get("fg_name")),
            fg_email: Some(f.get("fg_email")),
            fg_phone: Some(f.get("fg_phone")),
            fg_registration_number: Some(f.get("fg_registration_number")),
            ..check
        };
        let (s, sl) = (staff.clone(), slug.clone());
        state
            .service(move |c| crate::orgs::service::update(c, &s, &sl, &apply, true))
            .await
            .map(|_| ())
    } else {
        Err(DomainError::Invalid(vec![]))
    };
    match result {
        Ok(()) => {
            state.forget_org_directory();
            Ok(redirect(&format!("{back}?ok=saved")))
        }
        Err(e) => {
            errors.extend(invalid(lang, e, &[])?);
            let extra = Extra {
                errors,
                typed,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            org_page_with(&state, &req, lang, &staff, &slug, extra).await
        }
    }
}

async fn role_change(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
    add: bool,
) -> Result<HttpResponse, PageError> {
    let back = format!("/staff/admin/organisations/{slug}");
    let email = f.get("member_email").trim().to_string();
    let role_s = f.get("member_role");
    let result = match Role::parse(&role_s) {
        None => Err(DomainError::field(
            "member_role",
            "one of: handler, fg, admin",
            "Maak een keuze uit de lijst",
        )),
        Some(role) => {
            let (s, sl, e) = (staff.clone(), slug.clone(), email.clone());
            state
                .service(move |c| {
                    // Only the organisations this person administers (others: not found).
                    admin_org(c, &s, &sl)?;
                    crate::orgs::service::change_member(c, &s, &sl, &e, role, add)
                })
                .await
        }
    };
    match result {
        Ok(()) => Ok(redirect(&format!(
            "{back}?ok={}",
            if add { "role_added" } else { "role_removed" }
        ))),
        Err(e) => {
            let extra = Extra {
                errors: invalid(lang, e, &[("email", "member_email")])?,
                typed: typed_of(&f, &["member_email", "member_role"]),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            org_page_with(&state, &req, lang, &staff, &slug, extra).await
        }
    }
}

pub async fn role_add(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    AdminForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    role_change(state, req, path.into_inner(), form, true).await
}

pub async fn role_remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    AdminForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    role_change(state, req, path.into_inner(), form, false).await
}

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

/// `POST /staff/admin/tokens`: a new API token, shown once on the page that answers. The answer
/// carries a new CSRF token, so sending the form again (a refresh) is refused, not a second token.
pub async fn token_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let name = f.get("token_name").trim().to_string();
    let (s, n) = (staff.clone(), name.clone());
    let made = state
        .service(move |c| crate::auth::account::create_token(c, &s.id, s.actor(), &n))
        .await;
    let token = match made {
        Ok((_, token)) => token,
        Err(e) => {
            let extra = Extra {
                errors: invalid(lang, e, &[("name", "token_name")])?,
                typed: typed_of(&f, &["token_name"]),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            return admin_page(&state, &req, lang, &staff, extra).await;
        }
    };
    let (fresh, cookie) = crate::web::kit::fresh_csrf(&req);
    let extra = Extra {
        new_token: Some((name, token)),
        fresh_csrf: Some((fresh, cookie)),
        ..Default::default()
    };
    admin_page(&state, &req, lang, &staff, extra).await
}

/// `POST /staff/admin/tokens/{id}/revoke`: one's own tokens only.
pub async fn token_revoke(
    state: web::Data<AppState>,
    path: web::Path<String>,
    AdminForm(StaffForm { lang, staff, .. }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    state
        .service(move |c| crate::auth::account::revoke_token(c, &staff, &id))
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    Ok(redirect("/staff/admin?ok=token_revoked"))
}

// --- users: the list, deactivate / reactivate, a reset link (issue 16, point 8) -------------

use crate::auth::admin::{self as accounts, Manager};

async fn users_page_with(
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

/// `POST /staff/admin/organisations/{slug}/retention`: how long the register and the evidence are
/// kept, through the same service (and audit entry) as `PUT /api/v1/organisations/{slug}/retention`.
pub async fn retention_update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let slug = path.into_inner();
    let back = format!("/staff/admin/organisations/{slug}");
    let mut errors: Shown = vec![];
    let mut number = |name: &str| -> i32 {
        match f.get(name).trim().parse::<i32>() {
            Ok(n) => n,
            Err(_) => {
                push_err(&mut errors, name, w.t(lang, "staff_err_number"));
                0
            }
        }
    };
    let policy = crate::register::service::RetentionPolicy {
        register_years: number("register_years"),
        evidence_grace_days: number("evidence_grace_days"),
    };
    let typed = typed_of(&f, &["register_years", "evidence_grace_days"]);
    let result = if errors.is_empty() {
        let (s, sl) = (staff.clone(), slug.clone());
        state
            .db(move |c| {
                let org = admin_org(c, &s, &sl)?;
                crate::register::service::set_policy(c, &s, &org.id, policy).map(|_| ())
            })
            .await
    } else {
        Err(ApiError::Validation(vec![]))
    };
    match result {
        Ok(()) => Ok(redirect(&format!("{back}?ok=retention_saved#retention"))),
        Err(ApiError::Validation(v)) => {
            for (field, _) in localise(lang, &v, &[]) {
                let key = format!("staff_org_{field}_range");
                push_err(&mut errors, &field, w.t(lang, &key));
            }
            let extra = Extra {
                errors,
                typed,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            org_page_with(&state, &req, lang, &staff, &slug, extra).await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

const CONTACT: [&str; 10] = [
    "contact_email",
    "contact_phone",
    "website",
    "privacy_url",
    "contact_url",
    "accessibility_url",
    "signatory_name",
    "signatory_function",
    "salutation_nl",
    "salutation_en",
];

/// `POST /staff/admin/organisations/{slug}/contact`: the contact details letters and e-mails
/// give, who signs the letters and their neutral salutation, and the links the public pages show; the same service and audit entry as
/// `PUT /api/v1/organisations/{slug}/notice-settings`. An empty field clears it.
pub async fn contact_update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner();
    let back = format!("/staff/admin/organisations/{slug}");
    let typed = typed_of(&f, &CONTACT);
    let input = crate::notifications::service::SettingsInput {
        contact_email: Some(f.get("contact_email")),
        contact_phone: Some(f.get("contact_phone")),
        website: Some(f.get("website")),
        allow_self_signoff: None,
        privacy_url: Some(f.get("privacy_url")),
        contact_url: Some(f.get("contact_url")),
        accessibility_url: Some(f.get("accessibility_url")),
        signatory_name: Some(f.get("signatory_name")),
        signatory_function: Some(f.get("signatory_function")),
        salutation_nl: Some(f.get("salutation_nl")),
        salutation_en: Some(f.get("salutation_en")),
    };
    let (s, sl) = (staff.clone(), slug.clone());
    let result = state
        .db(move |c| {
            let org = admin_org(c, &s, &sl)?;
            crate::notifications::service::put_settings(c, &s, &org.id, input).map(|_| ())
        })
        .await;
    match result {
        Ok(()) => {
            state.forget_org_directory();
            Ok(redirect(&format!("{back}?ok=contact_saved#contact")))
        }
        Err(ApiError::Validation(v)) => {
            let extra = Extra {
                errors: localise(lang, &v, &[]),
                typed,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            org_page_with(&state, &req, lang, &staff, &slug, extra).await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}
