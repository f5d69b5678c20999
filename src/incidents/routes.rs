//! Thin handlers for incidents.
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lifecycle::State;
use super::model::{IncidentCreate, IncidentPatch};
use super::service::{self, load_view, visible, IncidentView};
use crate::audit;
use crate::auth::Staff;
use crate::db::from_db;
use crate::error::{ApiError, ApiResult};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = IncidentCreate,
    responses((status = 201, body = IncidentView), (status = 401), (status = 422)))]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<IncidentCreate>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let max = state.settings.limits.description_chars;
    let v = state
        .db(move |c| Ok(service::create_view(c, &staff, &input, max)?))
        .await?;
    tracing::info!(incident = %v.id, reference = %v.reference, "incident opened");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/incidents/{}", v.id)))
        .json(v))
}

/// The incident list's page size: 100 unless asked, at most 1,000.
pub const LIST_PAGE: Bounds = Bounds::new(100, 1000);

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// One of your organisations (slug).
    pub organisation: Option<String>,
    pub state: Option<String>,
    /// Only incidents not closed (default true).
    pub open: Option<bool>,
    /// `me` (yours), `none` (nobody's yet) or a user's id.
    pub owner: Option<String>,
    /// Text in the reference or title (at most 200 characters; never logged).
    pub q: Option<String>,
    /// Only running clocks with at most this many hours left (0: overdue), 0 to 720.
    pub due_within_hours: Option<i64>,
    /// 1 to 1,000 (default 100).
    pub limit: Option<i64>,
    /// 0 or more.
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = Vec<IncidentView>, description = "a page; the total in `X-Total-Count`, the next and previous pages in `Link`"), (status = 401), (status = 404), (status = 422)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::parse(q.limit, q.offset, LIST_PAGE);
    let st = match &q.state {
        Some(s) => match State::parse(s) {
            Some(st) => Some(st),
            None => return Err(ApiError::field("state", "unknown state")),
        },
        None => None,
    };
    let page = page?;
    let r = service::ListRequest {
        organisation: q.organisation,
        state: st,
        open_only: q.open.unwrap_or(true),
        owner: q.owner.as_deref().map(service::OwnerChoice::parse),
        q: q.q,
        due_within_hours: q.due_within_hours,
        limit: page.limit,
        offset: page.offset,
    };
    let (list, total) = state.db(move |c| Ok(service::list(c, &staff, &r)?)).await?;
    Ok(paging::respond(&req, page, total, &list))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 404)))]
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .db(move |c| {
            visible(c, &staff, &id, false)?;
            Ok(load_view(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", request_body = IncidentPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 404), (status = 409), (status = 422)))]
pub async fn patch(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<IncidentPatch>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let p = body.into_inner()?;
    let max = state.settings.limits.description_chars;
    let v = state
        .db(move |c| {
            service::update(c, &staff, &id, &p, max)?;
            Ok(load_view(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The state to move to.
    pub to: String,
    /// Required for "not_a_breach" and for reopening.
    pub reason: Option<String>,
    /// Required when closing.
    #[serde(default)]
    pub lessons_learned: Option<String>,
    /// Closing while measures are open: an FG or admin gives the reason.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/transitions", tag = "incidents", request_body = TransitionInput,
    params(("id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 404), (status = 403, description = "override by someone not FG or admin"), (status = 409, description = "transition not allowed, or measures open"), (status = 422)))]
pub async fn transition(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<TransitionInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let to = State::parse(&input.to).ok_or_else(|| ApiError::field("to", "unknown state"))?;
    let v = state
        .db(move |c| {
            let close = super::closing::CloseInput {
                lessons_learned: input.lessons_learned,
                override_reason: input.override_reason,
            };
            service::transition_with(c, &staff, &id, to, input.reason, &close)?;
            Ok(load_view(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// Report references to link.
    pub reports: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports", tag = "incidents", request_body = LinkInput,
    params(("id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 404), (status = 422)))]
pub async fn link(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<LinkInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .db(move |c| {
            service::link(c, &staff, &id, &input.reports)?;
            Ok(load_view(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
    pub prev_hash: String,
}

/// The audit trail's page size: 500 unless asked, at most 1,000.
pub const AUDIT_PAGE: Bounds = Bounds::new(500, 1000);

#[utoipa::path(get, path = "/api/v1/incidents/{id}/audit", tag = "incidents", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Vec<AuditEntryView>, description = "oldest first, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 404), (status = 422)))]
pub async fn audit_trail(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let page = Page::of(&q, AUDIT_PAGE)?;
    let (rows, total) = state
        .db(move |c| {
            visible(c, &staff, &id, false)?;
            Ok((
                audit::store::for_entity_page(c, "incident", &id, page.limit, page.offset)?,
                audit::store::count_for_entity(c, "incident", &id)?,
            ))
        })
        .await?;
    let out: Vec<AuditEntryView> = rows
        .into_iter()
        .map(|r| AuditEntryView {
            seq: r.seq,
            at: from_db(r.at),
            actor: r.actor,
            action: r.action,
            before: r.before_json.and_then(|s| serde_json::from_str(&s).ok()),
            after: r.after_json.and_then(|s| serde_json::from_str(&s).ok()),
            hash: r.hash,
            prev_hash: r.prev_hash,
        })
        .collect();
    Ok(paging::respond(&req, page, total, &out))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    /// A staff member of the incident's organisation (user id), or null for nobody.
    pub owner: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/owner", tag = "incidents", request_body = OwnerInput,
    params(("id" = String, Path)),
    responses((status = 200, body = IncidentView), (status = 401), (status = 404), (status = 422, description = "not a staff member of the incident's organisation")))]
pub async fn set_owner(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<OwnerInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .db(move |c| {
            service::set_owner(c, &staff, &id, input.owner.as_deref())?;
            Ok(load_view(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/incidents")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/api/v1/incidents/{id}")
            .route(web::get().to(show))
            .route(web::patch().to(patch)),
    )
    .service(web::resource("/api/v1/incidents/{id}/transitions").route(web::post().to(transition)))
    .service(web::resource("/api/v1/incidents/{id}/reports").route(web::post().to(link)))
    .service(web::resource("/api/v1/incidents/{id}/audit").route(web::get().to(audit_trail)))
    .service(web::resource("/api/v1/incidents/{id}/owner").route(web::put().to(set_owner)));
}
