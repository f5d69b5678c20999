//! A report in full (`/staff/reports/{reference}`) with the answer form, and its attachments
//! (`/staff/attachments/{id}`), for staff of the report's organisation.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde_json::{json, Value};

use super::files::{download, files_ctx};
use super::form::{errors_ctx, lines, Shown};
use super::page::{here, notice, page_err, render, signed_in};
use super::when::local_db;
use crate::auth::Staff;
use crate::db::schema::reports as reports_table;
use crate::db::Cached;
use crate::error::ApiError;
use crate::incidents::store as incident_store;
use crate::orgs::store as org_store;
use crate::reports::answers::Standard;
use crate::reports::attachments;
use crate::reports::service::staff_may_see as may_see;
use crate::reports::store::{self as report_store, ReportRow};
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};

/// The form as typed and its errors, when an answer was refused.
#[derive(Default)]
pub(super) struct Again {
    pub errors: Shown,
    pub typed: HashMap<String, String>,
    pub status: Option<StatusCode>,
}

/// The answer form's context: the standard answers, the languages (the report's chosen unless the
/// form said otherwise), what was typed, and whether an e-mail goes.
fn form_ctx(lang: Lang, row: &ReportRow, again: &Again) -> Value {
    let w = pages();
    let typed = |k: &str| again.typed.get(k).cloned().unwrap_or_default();
    let chosen = typed("standard");
    let mut standards = vec![json!({
        "value": "", "label": w.t(lang, "staff_reply_standard_none"), "selected": chosen.is_empty(),
    })];
    for s in Standard::ALL {
        standards.push(json!({
            "value": s.as_str(),
            "label": w.t(lang, &format!("staff_reply_standard_{}", s.as_str())),
            "selected": chosen == s.as_str(),
        }));
    }
    let language = Some(typed("language"))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| row.language.clone());
    let languages: Vec<Value> = ["nl", "en"]
        .iter()
        .map(|l| {
            json!({
                "value": l,
                "label": w.t(lang, &format!("staff_language_{l}")),
                "selected": language == *l,
            })
        })
        .collect();
    json!({
        "action": format!("/staff/reports/{}/reply", row.reference),
        "standards": standards,
        "languages": languages,
        "detail": typed("detail"),
        "text": typed("text"),
        "emailed": row.contact_email.is_some(),
    })
}

/// `GET /staff/reports/{reference}`: the report in full, for staff of its organisation.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    report_page(
        &state,
        &req,
        lang,
        &staff,
        path.into_inner(),
        Again::default(),
    )
    .await
}

/// The report page, with the answer form as typed and its errors when it comes back refused.
pub(super) async fn report_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    reference: String,
    again: Again,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let limits = crate::mailbox::service::limits(&state.settings);
    let (row, files, msgs, org, inc, replies) = state
        .db(move |c| {
            let row = report_store::by_reference(c, &reference)?
                .filter(|r| may_see(&s, r))
                .ok_or(ApiError::NotFound)?;
            let ids = vec![row.id.clone()];
            let files = attachments::for_reports(c, &ids)?;
            let msgs = attachments::messages(c, &ids)?;
            let replies = crate::mailbox::replies::load(c, None, &ids, &limits)?;
            let org = match &row.organisation_id {
                Some(id) => org_store::by_id(c, id)?,
                None => None,
            };
            let inc = match &row.incident_id {
                Some(id) => incident_store::by_id(c, id)?,
                None => None,
            };
            Ok((row, files, msgs, org, inc, replies))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let kinds: Vec<String> = serde_json::from_str::<Vec<String>>(&row.data_kinds)
        .unwrap_or_default()
        .iter()
        .map(|k| w.t(lang, &format!("staff_kind_{k}")))
        .collect();
    let opt_label =
        |prefix: &str, v: &Option<String>| v.as_ref().map(|v| w.t(lang, &format!("{prefix}{v}")));
    let messages: Vec<Value> = msgs
        .iter()
        .map(|m| {
            let author = match m.author.as_str() {
                "reporter" => w.t(lang, "staff_author_reporter"),
                "staff" => w.t(lang, "staff_author_answer"),
                other => other.to_string(),
            };
            json!({"author": author, "at": local_db(lang, m.created_at), "lines": lines(&m.body)})
        })
        .collect();
    let reply = form_ctx(lang, &row, &again);
    let (errors, err) = errors_ctx(&again.errors);
    let ctx = json!({
        "title": format!("{} {}", w.t(lang, "staff_report_title"), row.reference),
        "reply": reply,
        "notice": notice(req, lang, &["replied"]),
        "errors": errors,
        "err": err,
        "reference": row.reference,
        "received": local_db(lang, row.created_at),
        "channel": w.t(lang, &format!("staff_channel_{}", row.channel)),
        "status": w.t(lang, &format!("staff_report_status_{}", row.status)),
        "organisation": org.map(|o| o.name).unwrap_or_else(|| w.t(lang, "staff_unassigned")),
        "organisation_hint": row.organisation_hint,
        "description": lines(&row.description),
        "received_via": opt_label("staff_via_", &row.received_via),
        "received_on": row.received_on.map(|d| d.format("%d-%m-%Y").to_string()),
        "kinds": kinds,
        "action_taken": opt_label("staff_action_", &row.action_taken),
        "contact_name": row.contact_name,
        "contact_email": row.contact_email,
        "contact_phone": row.contact_phone,
        "may_contact": if row.may_contact { w.t(lang, "staff_yes") } else { w.t(lang, "staff_no") },
        "language": w.t(lang, &format!("staff_language_{}", row.language)),
        "incident": inc.map(|i| json!({"url": format!("/staff/incidents/{}", i.id), "reference": i.reference, "title": i.title})),
        "files": files_ctx(&files),
        "messages": messages,
        "mail_replies": super::mail::ctx(lang, &replies, false, &HashMap::new()),
    });
    render(
        req,
        lang,
        Some(staff),
        "staff/report",
        ctx,
        again.status.unwrap_or(StatusCode::OK),
    )
}

/// `GET /staff/attachments/{id}`: the file as stored, as a download (never shown inline), for
/// staff of the report's organisation.
pub async fn attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let id = path.into_inner();
    let (info, data) = state
        .db(move |c| {
            let (info, data) = attachments::get(c, &id, crate::mailbox::store::attachment_bytes)?
                .ok_or(ApiError::NotFound)?;
            let row: Option<ReportRow> = reports_table::table
                .find(&info.report_id)
                .first_on(c)
                .optional()?;
            match row {
                Some(r) if may_see(&staff, &r) => Ok((info, data)),
                _ => Err(ApiError::NotFound),
            }
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    Ok(download(&info.filename, &info.content_type, data))
}
