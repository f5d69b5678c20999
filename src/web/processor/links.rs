//! `/staff/admin/processors`: which processors serve which controllers, under which hours, for
//! which processing activities. Installation administrators link any processor to any
//! controller; an organisation's admins link processors to their own organisation. Both remove
//! what they may make. Every change goes through `processors::service` (audited there).
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::kit::{
    csrf_ok, errors_ctx, expired, forbidden, here, local_time, localise, notice, page_err,
    push_err, redirect, render, signed_in, Form, Lang, Menu, PageError, Shown,
};
use crate::auth::{Role, Staff};
use crate::error::ApiError;
use crate::processors::model::LinkInput;
use crate::processors::service;
use crate::processors::store as processor_store;
use crate::state::AppState;
use crate::web::kit::web as pages;

/// Installation administrators and the admins of an organisation.
fn may_admin(staff: &Staff) -> bool {
    staff.is_admin
        || staff
            .memberships
            .iter()
            .any(|m| m.effective && m.role == Role::Admin)
}

#[derive(Default)]
struct Typed {
    processor: String,
    controller: String,
    contract_hours: String,
    activities: Vec<String>,
}

async fn links_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    typed: Typed,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let (links, controllers, all, activities) = state
        .db(move |c| {
            let links = service::links(c, &s)?;
            let controllers = service::manageable_controllers(c, &s)?;
            let all = crate::orgs::store::all(c)?;
            let mut activities = vec![];
            for o in &controllers {
                for (id, name) in processor_store::all_activities_of(c, &o.id)? {
                    activities.push((o.name.clone(), id, name));
                }
            }
            Ok((links, controllers, all, activities))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let rows: Vec<Value> = links
        .iter()
        .map(|l| {
            json!({
                "processor": l.processor.name,
                "controller": l.controller.name,
                "hours": w.t(lang, "processor_contract_hours_text").replace("{n}", &l.contract_hours.to_string()),
                "activities": l.activities.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
                "since": local_time(lang, l.created_at),
                "remove": l.may_remove.then(|| format!("/staff/admin/processors/{}/remove", l.id)),
            })
        })
        .collect();
    let (list, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "processor_links_title"),
        "notice": notice(req, lang, &["linked", "unlinked"]),
        "rows": rows,
        "empty": links.is_empty(),
        "may_link": !controllers.is_empty(),
        "processors": all.iter().map(|o| json!({"value": o.slug, "label": o.name, "selected": typed.processor == o.slug})).collect::<Vec<_>>(),
        "controllers": controllers.iter().map(|o| json!({
            "value": o.slug, "label": o.name, "selected": typed.controller == o.slug,
        })).collect::<Vec<_>>(),
        "activities": activities.iter().map(|(org, id, name)| json!({
            "id": format!("f-activities-{id}"), "value": id, "label": format!("{org}: {name}"),
            "checked": typed.activities.contains(id),
        })).collect::<Vec<_>>(),
        "typed": {"contract_hours": typed.contract_hours},
        "errors": list,
        "err": map,
    });
    render(
        state,
        req,
        lang,
        Menu::Staff(staff),
        "processor/links",
        ctx,
        status,
    )
    .await
}

/// `GET /staff/admin/processors`.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    if !may_admin(&staff) {
        return Err(forbidden(lang));
    }
    links_page(
        &state,
        &req,
        lang,
        &staff,
        Typed::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/admin/processors`: link a processor to a controller.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, "/staff/admin/processors");
    }
    let staff = signed_in(&req, lang, "/staff/admin/processors").await?;
    if !may_admin(&staff) {
        return Err(forbidden(lang));
    }
    let typed = Typed {
        processor: f.get("processor"),
        controller: f.get("controller"),
        contract_hours: f.get("contract_hours"),
        activities: f.all("activities"),
    };
    let mut errors: Shown = vec![];
    let hours = match typed.contract_hours.trim() {
        "" => None,
        h => match h.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                push_err(
                    &mut errors,
                    "contract_hours",
                    w.t(lang, "processor_err_hours"),
                );
                None
            }
        },
    };
    let input = LinkInput {
        processor: typed.processor.clone(),
        controller: typed.controller.clone(),
        contract_hours: hours,
        activities: typed.activities.clone(),
    };
    let outcome = if errors.is_empty() {
        let s = staff.clone();
        state
            .db(move |c| Ok(service::create_link(c, &s, &input)?))
            .await
    } else {
        Err(ApiError::Validation(input.check()))
    };
    match outcome {
        Ok(_) => Ok(redirect("/staff/admin/processors?ok=linked")),
        Err(ApiError::Validation(v)) => {
            for (field, m) in localise(lang, &v) {
                push_err(&mut errors, &field, m);
            }
            links_page(
                &state,
                &req,
                lang,
                &staff,
                typed,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ApiError::Refused(r)) if r.code == "already_linked" => {
            push_err(
                &mut errors,
                "processor",
                w.t(lang, "processor_err_already_linked"),
            );
            links_page(
                &state,
                &req,
                lang,
                &staff,
                typed,
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

/// `POST /staff/admin/processors/{id}/remove`.
pub async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, "/staff/admin/processors");
    }
    let staff = signed_in(&req, lang, "/staff/admin/processors").await?;
    let id = path.into_inner();
    state
        .db(move |c| Ok(service::remove_link(c, &staff, &id)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    Ok(redirect("/staff/admin/processors?ok=unlinked"))
}
