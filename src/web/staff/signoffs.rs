//! `/staff/te-tekenen`: the FG's worklist — every draft of the organisations where one is an FG that
//! waits for sign-off, with its incident, its kind and how long it has waited, longest first. The
//! sign-off itself stays on the draft's sign-off page (and its POST checks the FG role again).
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::form::opt_t;
use super::page::{here, page_err, render, signed_in};
use super::when::local_db;
use crate::db::{from_db, now};
use crate::notifications::lifecycle::DraftStatus;
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};

/// `GET /staff/te-tekenen`. Someone who is nowhere an FG gets 403.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let s = staff.clone();
    let rows = state
        .db(move |c| Ok(crate::signals::service::worklist(c, &s)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let t = now();
    let code = lang.code();
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|a| {
            json!({
                "reference": a.incident_reference,
                "title": a.incident_title,
                "incident_url": format!("/staff/incidents/{}", a.incident_id),
                "url": format!("/staff/incidents/{}/notifications/{}/signoff", a.incident_id, a.draft_id),
                "kind": opt_t(lang, &format!("staff_nf_kind_{}", a.kind)).unwrap_or_else(|| a.kind.clone()),
                "void": DraftStatus::parse(&a.status) == Some(DraftStatus::Void),
                "since": local_db(lang, a.since()),
                "waited": crate::signals::rules::waited(from_db(a.since()), t, code),
                "own": a.created_by == staff.id,
            })
        })
        .collect();
    let ctx = json!({
        "title": w.t(lang, "staff_sign_title"),
        "items": items,
        "count": items.len(),
    });
    render(
        &req,
        lang,
        Some(&staff),
        "staff/signoffs",
        ctx,
        StatusCode::OK,
    )
}
