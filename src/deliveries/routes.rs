//! The deliveries' API, under the incident: parse → service → JSON.
use actix_web::{web, HttpResponse};

use super::model::{DeliveryInput, ToldInput};
use super::service;
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::http::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/incidents/{id}/deliveries", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = Vec<service::DeliveryView>, description = "by due moment"), (status = 401), (status = 404)))]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .db(move |c| Ok(service::list(c, &staff, &id)?))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/deliveries", tag = "incidents", params(("id" = String, Path)),
    request_body = DeliveryInput,
    responses((status = 201, body = service::DeliveryView), (status = 401), (status = 404), (status = 422)))]
pub async fn add(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<DeliveryInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .db(move |c| Ok(service::add(c, &staff, &id, &input)?))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/deliveries/{delivery}/told", tag = "incidents",
    params(("id" = String, Path), ("delivery" = String, Path)), request_body = ToldInput,
    responses((status = 200, body = service::DeliveryView), (status = 401), (status = 404), (status = 409, description = "told already"), (status = 422)))]
pub async fn told(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<ToldInput>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .db(move |c| Ok(service::told(c, &staff, &id, &delivery, &input)?))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(delete, path = "/api/v1/incidents/{id}/deliveries/{delivery}", tag = "incidents",
    params(("id" = String, Path), ("delivery" = String, Path)),
    responses((status = 204), (status = 401), (status = 404), (status = 409, description = "told already")))]
pub async fn remove(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    state
        .db(move |c| Ok(service::remove(c, &staff, &id, &delivery)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/incidents/{id}/deliveries")
            .route(web::get().to(list))
            .route(web::post().to(add)),
    )
    .route(
        "/api/v1/incidents/{id}/deliveries/{delivery}/told",
        web::post().to(told),
    )
    .route(
        "/api/v1/incidents/{id}/deliveries/{delivery}",
        web::delete().to(remove),
    );
}
