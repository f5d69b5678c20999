//! A new incident from the pages (`/staff/incidents/new`): found by staff (awareness defaults to
//! now; how we became aware is required), or made of citizens' reports (the earliest report's
//! arrival is proposed as awareness, with the rule in one sentence, and must be confirmed).
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::form::{errors_ctx, localise, push_err, Form, Shown};
use super::page::{here, my_orgs, page_err, render, signed_in, StaffForm};
use super::when::{input_value, local_time, parse_local};
use crate::db::{from_db, now};
use crate::error::ApiError;
use crate::incidents::model::{proposed_awareness, IncidentCreate};
use crate::incidents::service;
use crate::orgs::store::OrgRow;
use crate::reports::service::staff_may_see as may_see;
use crate::reports::store as report_store;
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

/// What the form holds (as typed, or as proposed).
#[derive(Default)]
struct Typed {
    organisation: String,
    title: String,
    description: String,
    became_aware_at: String,
    awareness_how: String,
    awareness_established_by: String,
    confirmed: bool,
}

/// The chosen reports the person may see, with the earliest arrival.
struct Chosen {
    refs: Vec<String>,
    org_id: Option<String>,
    earliest: Option<DateTime<Utc>>,
}

async fn chosen_reports(
    state: &AppState,
    staff: &crate::auth::Staff,
    refs: Vec<String>,
    lang: Lang,
) -> Result<Chosen, PageError> {
    if refs.is_empty() {
        return Ok(Chosen {
            refs,
            org_id: None,
            earliest: None,
        });
    }
    let s = staff.clone();
    let rows = state
        .db(move |c| Ok(report_store::by_references(c, &refs)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let mut rows: Vec<_> = rows
        .into_iter()
        .filter(|r| may_see(&s, r) && r.incident_id.is_none())
        .collect();
    rows.sort_by(|a, b| (a.created_at, &a.reference).cmp(&(b.created_at, &b.reference)));
    let arrivals: Vec<DateTime<Utc>> = rows.iter().map(|r| from_db(r.created_at)).collect();
    Ok(Chosen {
        org_id: rows.iter().find_map(|r| r.organisation_id.clone()),
        earliest: proposed_awareness(&arrivals),
        refs: rows.into_iter().map(|r| r.reference).collect(),
    })
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    req: &HttpRequest,
    lang: Lang,
    staff: &crate::auth::Staff,
    orgs: &[OrgRow],
    chosen: &Chosen,
    typed: &Typed,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (list, map) = errors_ctx(&errors);
    let org_options: Vec<Value> = orgs
        .iter()
        .map(
            |o| json!({"value": o.slug, "label": o.name, "selected": o.slug == typed.organisation}),
        )
        .collect();
    let proposal = chosen.earliest.map(|t| {
        w.t(lang, "staff_new_proposal")
            .replace("{at}", &local_time(lang, t))
    });
    let ctx = json!({
        "title": w.t(lang, if chosen.refs.is_empty() { "staff_new_title" } else { "staff_new_title_reports" }),
        "several_orgs": orgs.len() > 1,
        "orgs": org_options,
        "typed": {
            "organisation": typed.organisation,
            "title": typed.title,
            "description": typed.description,
            "became_aware_at": typed.became_aware_at,
            "awareness_how": typed.awareness_how,
            "awareness_established_by": typed.awareness_established_by,
            "confirmed": typed.confirmed,
        },
        "reports": chosen.refs,
        "from_reports": !chosen.refs.is_empty(),
        "proposal": proposal,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/new_incident", ctx, status)
}

/// `GET /staff/incidents/new[?reports=M-…&reports=…]`.
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let q = Form::parse(req.query_string().as_bytes());
    let orgs = my_orgs(&state, &staff, lang).await?;
    let chosen = chosen_reports(&state, &staff, q.all("reports"), lang).await?;
    let org = chosen
        .org_id
        .as_ref()
        .and_then(|id| orgs.iter().find(|o| &o.id == id))
        .or_else(|| {
            orgs.iter()
                .find(|o| Some(&o.slug) == q.opt("organisation").as_ref())
        })
        .or(if orgs.len() == 1 { orgs.first() } else { None });
    let typed = Typed {
        organisation: org.map(|o| o.slug.clone()).unwrap_or_default(),
        title: q.get("title"),
        became_aware_at: input_value(Some(chosen.earliest.unwrap_or_else(now))),
        awareness_how: if chosen.refs.is_empty() {
            String::new()
        } else {
            pages()
                .t(lang, "staff_new_how_reports")
                .replace("{refs}", &chosen.refs.join(", "))
        },
        ..Default::default()
    };
    form_page(
        &req,
        lang,
        &staff,
        &orgs,
        &chosen,
        &typed,
        vec![],
        StatusCode::OK,
    )
}

/// `POST /staff/incidents/new`: the incident, or the form again with what is missing.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let orgs = my_orgs(&state, &staff, lang).await?;
    let wanted = f.all("reports");
    let chosen = chosen_reports(&state, &staff, wanted.clone(), lang).await?;
    let typed = Typed {
        organisation: f.get("organisation").trim().to_string(),
        title: f.get("title"),
        description: f.get("description"),
        became_aware_at: f.get("became_aware_at"),
        awareness_how: f.get("awareness_how"),
        awareness_established_by: f.get("awareness_established_by"),
        confirmed: f.has("confirm_awareness"),
    };
    let mut errors: Shown = vec![];
    if chosen.refs.len() != wanted.len() {
        // A report was linked meanwhile, or is not the person's: say so rather than drop it.
        push_err(
            &mut errors,
            "reports",
            w.t(lang, "staff_err_already_linked"),
        );
    }
    if typed.organisation.is_empty() {
        push_err(
            &mut errors,
            "organisation",
            w.t(lang, "staff_err_organisation"),
        );
    }
    if typed.title.trim().is_empty() {
        push_err(&mut errors, "title", w.t(lang, "staff_err_required"));
    }
    let aware = match parse_local(&typed.became_aware_at) {
        Ok(Some(t)) => Some(t),
        Ok(None) => {
            push_err(
                &mut errors,
                "became_aware_at",
                w.t(lang, "staff_err_required"),
            );
            None
        }
        Err(key) => {
            push_err(&mut errors, "became_aware_at", w.t(lang, key));
            None
        }
    };
    if typed.awareness_how.trim().is_empty() {
        push_err(
            &mut errors,
            "awareness_how",
            w.t(lang, "staff_err_awareness_how"),
        );
    }
    if !chosen.refs.is_empty() && !typed.confirmed {
        push_err(
            &mut errors,
            "confirm_awareness",
            w.t(lang, "staff_err_confirm_awareness"),
        );
    }
    if errors.is_empty() {
        let input = IncidentCreate {
            organisation: typed.organisation.clone(),
            title: typed.title.clone(),
            description: typed.description.clone(),
            became_aware_at: aware,
            breach_started_at: None,
            breach_ended_at: None,
            discovered_at: None,
            awareness_established_by: Some(typed.awareness_established_by.clone()),
            awareness_how: Some(typed.awareness_how.clone()),
            processor_name: None,
            processor_aware_at: None,
            processor_notice_at: None,
            processor_contract_hours: None,
            late_awareness_reason: None,
            reports: chosen.refs.clone(),
        };
        let max = state.settings.limits.description_chars;
        let s = staff.clone();
        match state
            .db(move |c| Ok(service::create(c, &s, &input, max)?))
            .await
        {
            Ok(id) => {
                tracing::info!(incident = %id, reports = chosen.refs.len(), "incident opened from the pages");
                return Ok(redirect(&format!("/staff/incidents/{id}?ok=created")));
            }
            Err(ApiError::Validation(v)) => errors.extend(localise(lang, &v, &[])),
            Err(e) => return Err(page_err(lang, e)),
        }
    }
    form_page(
        &req,
        lang,
        &staff,
        &orgs,
        &chosen,
        &typed,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}
