//! Thin handlers: one's choice of how to hear of new reports, the menu's counts, the FG's worklist.
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::service::{self, Counts};
use crate::auth::Staff;
use crate::db::{from_db, now};
use crate::error::ApiResult;
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignalsView {
    /// How one hears of new reports: each (an e-mail per report) or daily (a digest).
    pub new_reports: String,
    pub counts: Counts,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalsInput {
    /// each or daily.
    pub new_reports: String,
}

#[utoipa::path(get, path = "/api/v1/me/signals", tag = "auth",
    responses((status = 200, body = SignalsView), (status = 401)))]
pub async fn show(state: web::Data<AppState>, staff: Staff) -> ApiResult<HttpResponse> {
    let v = state
        .db(move |c| {
            Ok(SignalsView {
                new_reports: service::my_choice(c, &staff)?.as_str().into(),
                counts: service::counts(c, &staff)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(put, path = "/api/v1/me/signals", tag = "auth", request_body = SignalsInput,
    responses((status = 200, body = SignalsView), (status = 401), (status = 422)))]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<SignalsInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let v = state
        .db(move |c| {
            let choice = service::choose(c, &staff, &input.new_reports)?;
            Ok(SignalsView {
                new_reports: choice.as_str().into(),
                counts: service::counts(c, &staff)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A draft waiting for the FG's sign-off.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AwaitingView {
    pub draft_id: String,
    pub incident_id: String,
    pub incident_reference: String,
    pub incident_title: String,
    /// initial_complete, initial_provisional, supplement, withdrawal, letter_email, public_notice.
    pub kind: String,
    /// pending (made or offered again) or void (changed after sign-off).
    pub status: String,
    pub waiting_since: DateTime<Utc>,
    pub waiting_minutes: i64,
    /// One's own draft (another FG approves it, unless the organisation allows self sign-off).
    pub own: bool,
    pub signoff_url: String,
}

/// The worklist's page size: 100 unless asked, at most 1,000.
pub const WORKLIST_PAGE: Bounds = Bounds::new(100, 1000);

#[utoipa::path(get, path = "/api/v1/signoffs", tag = "notifications", params(PageQuery),
    responses((status = 200, body = Vec<AwaitingView>, description = "longest waiting first, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 403), (status = 422)))]
pub async fn worklist(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, WORKLIST_PAGE)?;
    let me = staff.id.clone();
    let rows = state.service(move |c| service::worklist(c, &staff)).await?;
    let t = now();
    let v: Vec<AwaitingView> = rows
        .into_iter()
        .map(|a| {
            let since = from_db(a.since());
            AwaitingView {
                signoff_url: format!(
                    "/staff/incidents/{}/notifications/{}/signoff",
                    a.incident_id, a.draft_id
                ),
                own: a.created_by == me,
                draft_id: a.draft_id,
                incident_id: a.incident_id,
                incident_reference: a.incident_reference,
                incident_title: a.incident_title,
                kind: a.kind,
                status: a.status,
                waiting_since: since,
                waiting_minutes: (t - since).num_minutes().max(0),
            }
        })
        .collect();
    Ok(paging::respond_slice(&req, page, v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/me/signals")
            .route(web::get().to(show))
            .route(web::put().to(update)),
    )
    .route("/api/v1/signoffs", web::get().to(worklist));
}
