//! The API of shared incidents: thin handlers over `service`.
use actix_web::{web, HttpResponse};

use super::service::{
    self, AcceptInput, DeclineInput, NoticeInput, OriginView, SharedView, SplitInput,
};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::http::ApiJson;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/incidents/{id}/split", tag = "shared incidents",
    request_body = SplitInput, params(("id" = String, Path)),
    responses((status = 201, body = SharedView, description = "the shared incident's linked incidents, the new ones among them"),
        (status = 401), (status = 404),
        (status = 409, description = "already split to a controller named (`shared_already_split`), the incident closed or a controller's part itself"),
        (status = 422, description = "a controller unknown, not linked or named twice (`controllers[i]`), or `notified_at` out of range")))]
pub async fn split(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<SplitInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let max = state.settings.limits.description_chars;
    let links = crate::signals::Links::from_settings(&state.settings);
    let v = state
        .db(move |c| {
            service::split(c, &staff, &id, &input, &links, max)?;
            Ok(service::linked(c, &staff, &id)?)
        })
        .await?;
    tracing::info!(incident = %v.incident_id, parts = v.linked.len(), "shared incident split");
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/linked", tag = "shared incidents",
    params(("id" = String, Path)),
    responses((status = 200, body = SharedView), (status = 401), (status = 404),
        (status = 409, description = "a controller's part, not a shared incident")))]
pub async fn linked(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .db(move |c| Ok(service::linked(c, &staff, &id)?))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/shared-origin", tag = "shared incidents",
    params(("id" = String, Path)),
    responses((status = 200, body = OriginView), (status = 401),
        (status = 404, description = "not your incident, or made of no shared incident")))]
pub async fn origin(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .db(move |c| Ok(service::origin(c, &staff, &id)?))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/shared-origin/notified-at", tag = "shared incidents",
    request_body = NoticeInput, params(("id" = String, Path)),
    responses((status = 200, body = OriginView), (status = 401), (status = 404),
        (status = 422, description = "`notified_at` before the shared organisation knew, or in the future")))]
pub async fn set_notified_at(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<NoticeInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let max = state.settings.limits.description_chars;
    let v = state
        .db(move |c| {
            service::set_notified_at(c, &staff, &id, &input, max)?;
            Ok(service::origin(c, &staff, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/shared-origin/accept", tag = "shared incidents",
    request_body = AcceptInput, params(("id" = String, Path)),
    responses((status = 200, body = OriginView), (status = 401), (status = 404),
        (status = 409, description = "no change waits (`shared_no_offer`), or the shared facts changed meanwhile (`shared_offer_stale`)"),
        (status = 422, description = "the facts taken over contradict the incident's own")))]
pub async fn accept(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<AcceptInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let max = state.settings.limits.description_chars;
    let v = state
        .db(move |c| {
            service::accept(c, &staff, &id, &input, max)?;
            Ok(service::origin(c, &staff, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Decline the change of the shared incident offered to this controller's incident: its own facts
/// stay, the reason goes into the audit trail of both incidents.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/shared-origin/decline", tag = "shared incidents",
    request_body = DeclineInput, params(("id" = String, Path)),
    responses((status = 200, body = OriginView), (status = 401), (status = 404),
        (status = 409, description = "no change waits (`shared_no_offer`), or the shared facts changed meanwhile (`shared_offer_stale`)"),
        (status = 422, description = "no reason, or a reason over 2,000 characters (`reason`)")))]
pub async fn decline(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<DeclineInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .db(move |c| {
            service::decline(c, &staff, &id, &input)?;
            Ok(service::origin(c, &staff, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/incidents/{id}/split").route(web::post().to(split)))
        .service(web::resource("/api/v1/incidents/{id}/linked").route(web::get().to(linked)))
        .service(web::resource("/api/v1/incidents/{id}/shared-origin").route(web::get().to(origin)))
        .service(
            web::resource("/api/v1/incidents/{id}/shared-origin/notified-at")
                .route(web::put().to(set_notified_at)),
        )
        .service(
            web::resource("/api/v1/incidents/{id}/shared-origin/accept")
                .route(web::post().to(accept)),
        )
        .service(
            web::resource("/api/v1/incidents/{id}/shared-origin/decline")
                .route(web::post().to(decline)),
        );
}
