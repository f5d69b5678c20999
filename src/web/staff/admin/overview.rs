//! The administration page (`/staff/admin`): organisations, new users and one's own API tokens.
use super::shared::{admin_orgs, role_options, Extra};
use crate::auth::{store as auth_store, Staff};
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};
use crate::web::staff::form::errors_ctx;
use crate::web::staff::page::{
    forbidden, here, may_admin, notice, page_err, render, render_with_csrf, signed_in,
};
use crate::web::staff::when::local_db;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

pub(super) async fn admin_page(
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
