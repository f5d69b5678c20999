//! `/staff/incidents/{id}/deliveries`: the organisations to inform under a delivery agreement's
//! breach clause (issue 19, point 3), with when each must be told and when and how it was. For
//! whoever may handle the incident; each change through `deliveries::service` (audited there).
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::kit::{
    csrf_ok, errors_ctx, expired, here, input_value, local_time, localise, notice, page_err,
    parse_local, push_err, redirect, render, signed_in, Form, Lang, Menu, PageError, Shown,
};
use crate::auth::Staff;
use crate::db::now;
use crate::deliveries::model::{DeliveryInput, DeliveryState, ToldInput};
use crate::deliveries::service;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::kit::web as pages;

/// What was typed, shown again with the errors: the new entry's fields, or the telling of one.
#[derive(Default)]
struct Typed {
    recipient: String,
    activity: String,
    agreement: String,
    clause_hours: String,
    due_at: String,
    /// The entry whose "told" form came back, with what was typed in it.
    told: Option<(String, String, String)>,
}

fn state_text(lang: Lang, s: DeliveryState) -> (String, bool) {
    let key = match s {
        DeliveryState::Open => "deliveries_state_open",
        DeliveryState::Overdue => "deliveries_state_overdue",
        DeliveryState::ToldInTime => "deliveries_state_told",
        DeliveryState::ToldLate => "deliveries_state_told_late",
    };
    (
        pages().t(lang, key),
        matches!(s, DeliveryState::Overdue | DeliveryState::ToldLate),
    )
}

#[allow(clippy::too_many_arguments)]
async fn deliveries_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: String,
    typed: Typed,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let (inc, list, linked, all) = state
        .db(move |c| {
            let inc = crate::incidents::access::visible(c, &s, &id, false)?;
            let list = service::list(c, &s, &id)?;
            let linked = crate::register::service::linked_activities(c, &s, &id)?;
            let all = crate::processors::store::all_activities_of(c, &inc.organisation_id)?;
            Ok((inc, list, linked, all))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let facts = inc.facts();
    let rows: Vec<Value> = list
        .iter()
        .map(|d| {
            let (text, alarm) = state_text(lang, d.state);
            let told_typed = typed.told.as_ref().filter(|(tid, _, _)| *tid == d.id);
            json!({
                "id": d.id,
                "recipient": d.recipient,
                "activity": d.activity.as_ref().map(|a| a.name.clone()),
                "agreement": d.agreement,
                "due": local_time(lang, d.due_at),
                "clause": d.clause_hours.map(|h| w.t(lang, "deliveries_clause_text").replace("{n}", &h.to_string())),
                "state": text,
                "alarm": alarm,
                "told": d.told_at.map(|t| local_time(lang, t)),
                "told_how": d.told_how,
                "told_action": format!("/staff/incidents/{}/deliveries/{}/told", inc.id, d.id),
                "remove_action": format!("/staff/incidents/{}/deliveries/{}/remove", inc.id, d.id),
                "told_at_value": told_typed.map(|t| t.1.clone()).unwrap_or_else(|| input_value(Some(now()))),
                "how_value": told_typed.map(|t| t.2.clone()).unwrap_or_default(),
                "err_told_at": errors.iter().find(|(f, _)| *f == format!("told_at-{}", d.id)).map(|e| e.1.clone()),
                "err_how": errors.iter().find(|(f, _)| *f == format!("how-{}", d.id)).map(|e| e.1.clone()),
            })
        })
        .collect();
    // The recipients the processing register names for the incident's activities, as a reminder.
    let suggestions: Vec<Value> = linked
        .iter()
        .filter(|a| !a.activity.recipients.trim().is_empty())
        .map(|a| json!({"activity": a.activity.name, "recipients": a.activity.recipients}))
        .collect();
    let activities: Vec<Value> = all
        .iter()
        .map(|(aid, name)| json!({"value": aid, "label": name, "selected": typed.activity == *aid}))
        .collect();
    let (list_errs, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": format!("{} {}", w.t(lang, "deliveries_title"), inc.reference),
        "incident": {"url": format!("/staff/incidents/{}", inc.id), "reference": inc.reference, "title": facts.title},
        "aware": local_time(lang, facts.clock_start()),
        "notice": notice(req, lang, &["listed", "told", "removed"]),
        "rows": rows,
        "empty": list.is_empty(),
        "suggestions": suggestions,
        "activities": activities,
        "action": format!("/staff/incidents/{}/deliveries", inc.id),
        "typed": {
            "recipient": typed.recipient,
            "agreement": typed.agreement,
            "clause_hours": typed.clause_hours,
            "due_at": typed.due_at,
        },
        "errors": list_errs,
        "err": map,
    });
    render(
        state,
        req,
        lang,
        Menu::Staff(staff),
        "processor/deliveries",
        ctx,
        status,
    )
    .await
}

/// `GET /staff/incidents/{id}/deliveries`.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    deliveries_page(
        &state,
        &req,
        lang,
        &staff,
        path.into_inner(),
        Typed::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/deliveries`: list an organisation to inform.
pub async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let id = path.into_inner();
    let back = format!(
        "/staff/incidents/{}/deliveries",
        crate::web::kit::urlencode(&id)
    );
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    let typed = Typed {
        recipient: f.get("recipient"),
        activity: f.get("activity"),
        agreement: f.get("agreement"),
        clause_hours: f.get("clause_hours"),
        due_at: f.get("due_at"),
        told: None,
    };
    let mut errors: Shown = vec![];
    let clause_hours = match typed.clause_hours.trim() {
        "" => None,
        h => match h.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                push_err(
                    &mut errors,
                    "clause_hours",
                    w.t(lang, "processor_err_hours"),
                );
                Some(0)
            }
        },
    };
    let due_at = match parse_local(&typed.due_at) {
        Ok(t) => t,
        Err(key) => {
            push_err(&mut errors, "due_at", w.t(lang, key));
            None
        }
    };
    let input = DeliveryInput {
        recipient: typed.recipient.clone(),
        activity: Some(typed.activity.clone()),
        agreement: typed.agreement.clone(),
        clause_hours,
        due_at,
    };
    let (s, i, inc) = (staff.clone(), input, id.clone());
    let outcome = if errors.is_empty() {
        state.db(move |c| Ok(service::add(c, &s, &inc, &i)?)).await
    } else {
        Err(ApiError::Validation(
            i.validate(now()).err().unwrap_or_default(),
        ))
    };
    match outcome {
        Ok(_) => Ok(redirect(&format!("{back}?ok=listed"))),
        Err(ApiError::Validation(v)) => {
            for (field, m) in localise(lang, &v) {
                push_err(&mut errors, &field, m);
            }
            deliveries_page(
                &state,
                &req,
                lang,
                &staff,
                id,
                typed,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

/// `POST /staff/incidents/{id}/deliveries/{delivery}/told`.
pub async fn told(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, delivery) = path.into_inner();
    let back = format!(
        "/staff/incidents/{}/deliveries",
        crate::web::kit::urlencode(&id)
    );
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    let (at_typed, how) = (f.get("told_at"), f.get("how"));
    let mut errors: Shown = vec![];
    let told_at = match parse_local(&at_typed) {
        Ok(t) => t,
        Err(key) => {
            push_err(
                &mut errors,
                &format!("told_at-{delivery}"),
                pages().t(lang, key),
            );
            None
        }
    };
    let input = ToldInput {
        told_at,
        how: how.clone(),
    };
    let (s, inc, d) = (staff.clone(), id.clone(), delivery.clone());
    let outcome = if errors.is_empty() {
        state
            .db(move |c| Ok(service::told(c, &s, &inc, &d, &input)?))
            .await
    } else {
        Err(ApiError::Validation(
            input.validate(now()).err().unwrap_or_default(),
        ))
    };
    match outcome {
        Ok(_) => Ok(redirect(&format!("{back}?ok=told"))),
        Err(ApiError::Validation(v)) => {
            // The told form's fields are named per entry (several forms on the page).
            for (field, m) in localise(lang, &v) {
                push_err(&mut errors, &format!("{field}-{delivery}"), m);
            }
            let typed = Typed {
                told: Some((delivery, at_typed, how)),
                ..Default::default()
            };
            deliveries_page(
                &state,
                &req,
                lang,
                &staff,
                id,
                typed,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

/// `POST /staff/incidents/{id}/deliveries/{delivery}/remove`: an entry listed by mistake.
pub async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, delivery) = path.into_inner();
    let back = format!(
        "/staff/incidents/{}/deliveries",
        crate::web::kit::urlencode(&id)
    );
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    state
        .db(move |c| Ok(service::remove(c, &staff, &id, &delivery)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    Ok(redirect(&format!("{back}?ok=removed")))
}
