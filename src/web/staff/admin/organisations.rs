//! An organisation's page: its settings, members and roles, retention and contact details;
//! creating an organisation.
use super::overview::admin_page;
use super::shared::{admin_org, role_options, typed_of, Extra};
use crate::auth::admin::Manager;
use crate::auth::{store as auth_store, Role, Staff};
use crate::error::{ApiError, DomainError};
use crate::orgs::OrganisationInput;
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};
use crate::web::staff::form::{errors_ctx, localise, push_err, Shown};
use crate::web::staff::page::{
    forbidden, here, invalid, may_admin, notice, page_err, render, signed_in, AdminForm, StaffForm,
};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;

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

pub(super) const ORG_TEXT: [&str; 7] = [
    "name",
    "kvk_number",
    "address",
    "fg_name",
    "fg_email",
    "fg_phone",
    "fg_registration_number",
];

pub(super) async fn org_page_with(
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
            let hint = crate::web::staff::form::opt_t(lang, &format!("staff_org_{name}_hint"));
            let error = extra.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
            json!({
                "name": name,
                "describedby": crate::web::staff::form::described_by(&id, hint.is_some(), error.is_some()),
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
        let hint = crate::web::staff::form::opt_t(lang, &format!("staff_org_{name}_hint"));
        let error = extra
            .errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone());
        json!({
            "name": name, "id": id, "type": kind, "value": value,
            "describedby": crate::web::staff::form::described_by(&id, hint.is_some(), error.is_some()),
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

pub(super) async fn role_change(
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
                Ok(crate::register::service::set_policy(c, &s, &org.id, policy).map(|_| ())?)
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

pub(super) const CONTACT: [&str; 10] = [
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
            crate::notifications::service::put_settings(c, &s, &org.id, input)?;
            Ok(())
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
