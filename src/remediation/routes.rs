//! Measures over the JSON API: thin handlers over `service`.
use actix_web::{web, HttpRequest, HttpResponse};

use super::service::{self, MeasureInput, MeasurePatch, MeasureView};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

/// The measures' page size: 100 unless asked, at most 1,000.
pub const LIST_PAGE: Bounds = Bounds::new(100, 1000);

#[utoipa::path(get, path = "/api/v1/incidents/{id}/measures", tag = "remediation",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = [MeasureView], description = "a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, LIST_PAGE)?;
    let id = path.into_inner();
    let v = state
        .service(move |c| service::list(c, &staff, &id))
        .await?;
    Ok(paging::respond_slice(&req, page, v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/measures", tag = "remediation",
    request_body = MeasureInput, params(("id" = String, Path)),
    responses((status = 201, body = MeasureView), (status = 401), (status = 404), (status = 422)))]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<MeasureInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .service(move |c| service::create(c, &staff, &id, input))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(patch, path = "/api/v1/measures/{id}", tag = "remediation",
    request_body = MeasurePatch, params(("id" = String, Path)),
    responses((status = 200, body = MeasureView), (status = 401), (status = 404),
        (status = 409, description = "changed meanwhile"), (status = 422)))]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<MeasurePatch>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let patch = body.into_inner()?;
    let v = state
        .service(move |c| service::update(c, &staff, &id, patch))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/incidents/{id}/measures")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/api/v1/measures/{id}").route(web::patch().to(update)));
}
