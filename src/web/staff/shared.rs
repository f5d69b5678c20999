//! One breach, several controllers (issue 19, point 2) on the staff's pages.
//!
//! - `/staff/incidents/{id}/shared`: the shared team's page of a shared incident — every
//!   controller's part with its state and clock, and the form that splits the incident to the
//!   controllers it affects (POST `…/shared/split`);
//! - `/staff/incidents/{id}/shared-origin`: a controller's page of its part — when the shared
//!   organisation told it (POST `…/shared-origin/notified-at` corrects it) and a change of the
//!   shared facts offered to it (POST `…/shared-origin/accept` takes it over: "overnemen").
//!
//! Every check is the service's (`shared::service`): what the API refuses, the pages refuse.
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::{errors_ctx, opt_t, Shown};
use super::page::{here, notice, page_err, refused, render, signed_in, StaffForm};
use super::when::{clock_text, input_value, local_time, parse_local};
use crate::auth::Staff;
use crate::db::now;
use crate::error::ApiError;
use crate::shared::service::{self, AcceptInput, DeclineInput, NoticeInput, SplitInput};
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

fn state_label(lang: Lang, s: &str) -> String {
    opt_t(lang, &format!("staff_state_{s}")).unwrap_or_else(|| s.to_string())
}

/// What the incident page shows of a shared incident: a link to the shared team's page (an
/// incident of an organisation linked to controllers as processor), or to the controller's page
/// of its part. `Null`: neither.
pub(super) async fn incident_hook(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<Value, PageError> {
    let (s, i) = (staff.clone(), id.to_string());
    let (part, controllers) = state
        .db(move |c| {
            let row = crate::incidents::access::visible(c, &s, &i, false)?;
            let part = crate::shared::store::is_controller_part(c, &i)?;
            let controllers = crate::shared::store::controllers_of(c, &row.organisation_id)?;
            Ok((part, controllers.len()))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let w = pages();
    Ok(if part {
        json!({"url": format!("/staff/incidents/{id}/shared-origin"), "text": w.t(lang, "shared_hook_origin")})
    } else if controllers > 0 {
        json!({"url": format!("/staff/incidents/{id}/shared"), "text": w.t(lang, "shared_hook_linked")})
    } else {
        Value::Null
    })
}

/// A refusal with a code as a message at the top of the page (in the person's language).
fn coded(lang: Lang, e: ApiError, field: &str) -> Result<(Shown, StatusCode), PageError> {
    match e {
        ApiError::Refused(r) => {
            let mut text = opt_t(lang, &format!("shared_err_{}", r.code))
                .unwrap_or_else(|| pages().t(lang, "staff_err_invalid"));
            for (k, v) in &r.args {
                text = text.replace(&format!("{{{k}}}"), v);
            }
            Ok((vec![(field.to_string(), text)], StatusCode::CONFLICT))
        }
        ApiError::Validation(v) => {
            let mut shown: Shown = vec![];
            for e in &v {
                let name = if e.field.starts_with("controllers") {
                    "controllers"
                } else {
                    e.field.as_str()
                };
                let msg = match (&e.message_nl, lang) {
                    (Some(nl), Lang::Nl) => nl.clone(),
                    _ => e.message.clone(),
                };
                super::form::push_err(&mut shown, name, msg);
            }
            Ok((shown, StatusCode::UNPROCESSABLE_ENTITY))
        }
        other => refused(lang, other, &[], field),
    }
}

/// A page shown again after a refusal: the errors, what was typed, the status.
struct Again<T> {
    errors: Shown,
    typed: T,
    status: StatusCode,
}

impl<T: Default> Again<T> {
    fn fresh() -> Again<T> {
        Again {
            errors: vec![],
            typed: T::default(),
            status: StatusCode::OK,
        }
    }
}

// --- the shared team's page -----------------------------------------------------------------

async fn linked_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    again: Again<Value>,
) -> Result<HttpResponse, PageError> {
    let Again {
        errors,
        typed,
        status,
    } = again;
    let w = pages();
    let (s, i) = (staff.clone(), id.to_string());
    let v = state
        .db(move |c| Ok(service::linked(c, &s, &i)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let t = now();
    let rows: Vec<Value> = v
        .linked
        .iter()
        .map(|l| {
            json!({
                "controller": l.controller_name,
                "reference": l.reference,
                "state": state_label(lang, l.state.as_str()),
                "notified": local_time(lang, l.notified_at),
                "deadline": local_time(lang, l.ap_deadline),
                "clock": clock_text(lang, l.ap_deadline, t, l.clock_running),
                "ap_notified": l.ap_notified_at.map(|n| local_time(lang, n)),
                "change_offered": l.change_offered,
            })
        })
        .collect();
    let chosen: Vec<String> = typed["controllers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let candidates: Vec<Value> = v
        .candidates
        .iter()
        .filter(|c| !c.split)
        .map(|c| {
            json!({
                "id": format!("f-controllers-{}", c.controller),
                "value": c.controller,
                "label": w.t(lang, "shared_candidate")
                    .replace("{name}", &c.controller_name)
                    .replace("{hours}", &c.contract_hours.to_string()),
                "checked": chosen.contains(&c.controller),
            })
        })
        .collect();
    let (list, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "shared_linked_title").replace("{reference}", &v.reference),
        "id": v.incident_id,
        "back": format!("/staff/incidents/{id}"),
        "reference": v.reference,
        "organisation": v.organisation,
        "notice": notice(req, lang, &["split"]),
        "rows": rows,
        "empty": v.linked.is_empty(),
        "candidates": candidates,
        "may_split": v.may_split && !v.candidates.iter().all(|c| c.split),
        "action": format!("/staff/incidents/{id}/shared/split"),
        "notified_at": typed["notified_at"].as_str().unwrap_or_default(),
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/shared_linked", ctx, status)
}

/// `GET /staff/incidents/{id}/shared`.
pub async fn linked(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    linked_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        Again::fresh(),
    )
    .await
}

/// `POST /staff/incidents/{id}/shared/split`: the controllers ticked, and when they were told.
pub async fn split(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    f: StaffForm,
) -> Result<HttpResponse, PageError> {
    let StaffForm { lang, form, staff } = f;
    let id = path.into_inner();
    let controllers = form.all("controllers");
    let typed = json!({"controllers": controllers, "notified_at": form.get("notified_at")});
    let notified_at = match parse_local(&form.get("notified_at")) {
        Ok(t) => t,
        Err(key) => {
            let errs = vec![("notified_at".to_string(), pages().t(lang, key))];
            return linked_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                Again {
                    errors: errs,
                    typed,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
    };
    let input = SplitInput {
        controllers,
        notified_at,
    };
    let max = state.settings.limits.description_chars;
    let (s, i) = (staff.clone(), id.clone());
    let links = crate::signals::Links::from_settings(&state.settings);
    match state
        .db(move |c| Ok(service::split(c, &s, &i, &input, &links, max)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/staff/incidents/{id}/shared?ok=split"))),
        Err(e) => {
            let (errs, status) = coded(lang, e, "controllers")?;
            linked_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                Again {
                    errors: errs,
                    typed,
                    status,
                },
            )
            .await
        }
    }
}

// --- the controller's page ------------------------------------------------------------------

/// What was typed on a controller's page, shown again after a refusal.
#[derive(Default)]
struct OriginTyped {
    notified_at: Option<String>,
    reason: Option<String>,
}

async fn origin_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    again: Again<OriginTyped>,
) -> Result<HttpResponse, PageError> {
    let Again {
        errors,
        typed,
        status,
    } = again;
    let w = pages();
    let (s, i) = (staff.clone(), id.to_string());
    let v = state
        .db(move |c| Ok(service::origin(c, &s, &i)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let shown = |v: &Value| -> String {
        match v.get("provenance").and_then(Value::as_str) {
            Some("missing") | None => w.t(lang, "shared_value_missing"),
            _ => {
                let value = &v["value"];
                match value {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => w.t(lang, if *b { "staff_yes" } else { "staff_no" }),
                    Value::Number(n) => n.to_string(),
                    Value::Array(a) => a
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map(String::from)
                                .unwrap_or_else(|| x.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                }
            }
        }
    };
    let detail = |v: &Value| -> String {
        match v {
            Value::Null => w.t(lang, "shared_value_missing"),
            Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => local_time(lang, t.with_timezone(&chrono::Utc)),
                Err(_) => s.clone(),
            },
            other => other.to_string(),
        }
    };
    let offer = v.offer.as_ref().map(|o| {
        let mut changes: Vec<Value> = o
            .details
            .iter()
            .map(|c| {
                json!({
                    "field": w.t(lang, &format!("staff_fact_{}", c.field)),
                    "yours": detail(&c.yours),
                    "offered": detail(&c.offered),
                })
            })
            .collect();
        changes.extend(o.changes.iter().map(|c| {
            json!({
                "field": match lang {
                    Lang::Nl => crate::assessment::labels::fact_label_nl(&c.field).to_string(),
                    Lang::En => crate::assessment::labels::fact_label_en(&c.field).to_string(),
                },
                "yours": shown(&c.yours),
                "offered": shown(&c.offered),
            })
        }));
        json!({"version": o.version, "incident_version": o.incident_version, "changes": changes})
    });
    let (list, map) = errors_ctx(&errors);
    let on_time = v.notice_on_time.map(|ok| {
        w.t(
            lang,
            if ok {
                "shared_notice_on_time"
            } else {
                "shared_notice_late"
            },
        )
    });
    let ctx = json!({
        "title": w.t(lang, "shared_origin_title"),
        "back": format!("/staff/incidents/{id}"),
        "intro": w.t(lang, "shared_origin_intro")
            .replace("{organisation}", &v.shared_organisation)
            .replace("{reference}", &v.shared_reference),
        "notice": notice(req, lang, &["notified", "accepted", "declined"]),
        "notified": local_time(lang, v.notified_at),
        "deadline": local_time(lang, v.ap_deadline),
        "on_time": on_time,
        "notified_value": typed.notified_at.unwrap_or_else(|| input_value(Some(v.notified_at))),
        "notice_action": format!("/staff/incidents/{id}/shared-origin/notified-at"),
        "accept_action": format!("/staff/incidents/{id}/shared-origin/accept"),
        "decline_action": format!("/staff/incidents/{id}/shared-origin/decline"),
        "reason_value": typed.reason,
        "offer": offer,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/shared_origin", ctx, status)
}

/// `GET /staff/incidents/{id}/shared-origin`.
pub async fn origin(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    origin_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        Again::fresh(),
    )
    .await
}

/// After a POST on a controller's page: to the page with its notice, or the page again with the
/// refusal at `field` and what was typed.
#[allow(clippy::too_many_arguments)]
async fn after_origin_post<T>(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    result: Result<T, ApiError>,
    ok: &str,
    field: &str,
    typed: OriginTyped,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/shared-origin?ok={ok}"
        ))),
        Err(e) => {
            let (errors, status) = coded(lang, e, field)?;
            origin_page(
                state,
                req,
                lang,
                staff,
                id,
                Again {
                    errors,
                    typed,
                    status,
                },
            )
            .await
        }
    }
}

/// The offer as the person saw it: the shared facts' version and, when shown, the shared
/// incident's version (hidden fields; anything else is a bad request).
fn offer_seen(form: &super::form::Form, lang: Lang) -> Result<(i64, Option<i64>), PageError> {
    let bad = || super::page::bad_request(lang);
    let version = form
        .get("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| bad())?;
    let incident_version = form
        .opt("incident_version")
        .map(|v| v.parse::<i64>().map_err(|_| bad()))
        .transpose()?;
    Ok((version, incident_version))
}

/// `POST /staff/incidents/{id}/shared-origin/notified-at`.
pub async fn notified_at(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    f: StaffForm,
) -> Result<HttpResponse, PageError> {
    let StaffForm { lang, form, staff } = f;
    let id = path.into_inner();
    let typed = form.get("notified_at");
    let again = || OriginTyped {
        notified_at: Some(typed.clone()),
        reason: None,
    };
    let at = match parse_local(&typed).and_then(|t| t.ok_or("staff_err_required")) {
        Ok(t) => t,
        Err(key) => {
            let errs = vec![("notified_at".to_string(), pages().t(lang, key))];
            return origin_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                Again {
                    errors: errs,
                    typed: again(),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
    };
    let max = state.settings.limits.description_chars;
    let (s, i) = (staff.clone(), id.clone());
    let input = NoticeInput { notified_at: at };
    let result = state
        .db(move |c| Ok(service::set_notified_at(c, &s, &i, &input, max)?))
        .await;
    after_origin_post(
        &state,
        &req,
        lang,
        &staff,
        &id,
        result,
        "notified",
        "notified_at",
        again(),
    )
    .await
}

/// `POST /staff/incidents/{id}/shared-origin/accept` ("overnemen").
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    f: StaffForm,
) -> Result<HttpResponse, PageError> {
    let StaffForm { lang, form, staff } = f;
    let id = path.into_inner();
    let (version, incident_version) = offer_seen(&form, lang)?;
    let input = AcceptInput {
        version,
        incident_version,
    };
    let max = state.settings.limits.description_chars;
    let (s, i) = (staff.clone(), id.clone());
    let result = state
        .db(move |c| Ok(service::accept(c, &s, &i, &input, max)?))
        .await;
    after_origin_post(
        &state,
        &req,
        lang,
        &staff,
        &id,
        result,
        "accepted",
        "offer",
        OriginTyped::default(),
    )
    .await
}

/// `POST /staff/incidents/{id}/shared-origin/decline` ("niet overnemen", with the reason).
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    f: StaffForm,
) -> Result<HttpResponse, PageError> {
    let StaffForm { lang, form, staff } = f;
    let id = path.into_inner();
    let (version, incident_version) = offer_seen(&form, lang)?;
    let reason = form.get("reason");
    let input = DeclineInput {
        version,
        incident_version,
        reason: Some(reason.clone()),
    };
    let (s, i) = (staff.clone(), id.clone());
    let result = state
        .db(move |c| Ok(service::decline(c, &s, &i, &input)?))
        .await;
    let typed = OriginTyped {
        notified_at: None,
        reason: Some(reason),
    };
    after_origin_post(
        &state, &req, lang, &staff, &id, result, "declined", "offer", typed,
    )
    .await
}
