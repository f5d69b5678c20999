//! The processors' API: links (administrators), notices and supplements (the processor's
//! accounts), the notice behind a report (the controller's staff). Thin: parse → service → JSON.
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::model::{LinkInput, NoticeInput, SupplementInput};
use super::service::{self, OrgRef};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

/// The notices' page size: 50 unless asked, at most 500.
pub const LIST_PAGE: Bounds = Bounds::new(50, 500);

#[utoipa::path(get, path = "/api/v1/processor-links", tag = "processors",
    responses((status = 200, body = Vec<service::LinkView>, description = "the links the caller may see: all for an installation administrator, else those of the controllers they work for and the processors they act for"), (status = 401)))]
pub async fn list_links(state: web::Data<AppState>, staff: Staff) -> ApiResult<HttpResponse> {
    let v = state.db(move |c| Ok(service::links(c, &staff)?)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/processor-links", tag = "processors", request_body = LinkInput,
    responses((status = 201, body = service::LinkView), (status = 401), (status = 403, description = "neither an installation administrator nor the controller's admin"), (status = 409, description = "linked already"), (status = 422)))]
pub async fn create_link(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<LinkInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let v = state
        .db(move |c| Ok(service::create_link(c, &staff, &input)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/processor-links/{}", v.id)))
        .json(v))
}

#[utoipa::path(delete, path = "/api/v1/processor-links/{id}", tag = "processors", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn remove_link(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |c| Ok(service::remove_link(c, &staff, &id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A controller a processor may send its notices to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkedController {
    pub processor: OrgRef,
    pub controller: OrgRef,
    pub contract_hours: i32,
}

#[utoipa::path(get, path = "/api/v1/processor/controllers", tag = "processors",
    responses((status = 200, body = Vec<LinkedController>), (status = 401), (status = 403, description = "not a processor's account")))]
pub async fn controllers(state: web::Data<AppState>, staff: Staff) -> ApiResult<HttpResponse> {
    let v = state
        .db(move |c| {
            let mut out = vec![];
            for p in service::my_processors(c, &staff)? {
                for (l, o) in service::controllers_of(c, &p)? {
                    out.push(LinkedController {
                        processor: OrgRef::from(&p),
                        controller: OrgRef::from(&o),
                        contract_hours: l.contract_hours,
                    });
                }
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(get, path = "/api/v1/processor/notices", tag = "processors", params(PageQuery),
    responses((status = 200, body = Vec<service::NoticeSummary>, description = "newest first, a page; the total in `X-Total-Count`"), (status = 401), (status = 403), (status = 422)))]
pub async fn list_notices(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, LIST_PAGE)?;
    let (items, total) = state
        .db(move |c| Ok(service::notices(c, &staff, page.limit, page.offset)?))
        .await?;
    Ok(paging::respond(&req, page, total, &items))
}

#[utoipa::path(post, path = "/api/v1/processor/notices", tag = "processors", request_body = NoticeInput,
    responses((status = 201, body = service::NoticeView), (status = 401), (status = 403, description = "not a processor's account"), (status = 422, description = "an invalid field, or a controller the processor is not linked to")))]
pub async fn submit(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<NoticeInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let max = state.settings.limits.description_chars;
    let links = crate::signals::Links::from_settings(&state.settings);
    let v = state
        .db(move |c| Ok(service::submit(c, &staff, &input, max, &links)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/processor/notices/{}", v.reference),
        ))
        .json(v))
}

#[utoipa::path(get, path = "/api/v1/processor/notices/{reference}", tag = "processors",
    params(("reference" = String, Path)),
    responses((status = 200, body = service::NoticeView), (status = 401), (status = 403), (status = 404)))]
pub async fn show_notice(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let v = state
        .db(move |c| Ok(service::notice(c, &staff, &reference)?))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/processor/notices/{reference}/supplements", tag = "processors",
    request_body = SupplementInput, params(("reference" = String, Path)),
    responses((status = 201, body = service::SupplementView), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn supplement(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<SupplementInput>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let input = body.into_inner()?;
    let links = crate::signals::Links::from_settings(&state.settings);
    let v = state
        .db(move |c| Ok(service::supplement(c, &staff, &reference, &input, &links)?))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(get, path = "/api/v1/reports/{reference}/processor-notice", tag = "processors",
    params(("reference" = String, Path)),
    responses((status = 200, body = service::ReportNoticeView), (status = 401), (status = 404, description = "no such report, not the caller's, or not from a processor")))]
pub async fn report_notice(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let v = state
        .db(move |c| Ok(service::for_report(c, &staff, &reference)?))
        .await?;
    match v {
        Some(v) => Ok(HttpResponse::Ok().json(v)),
        None => Err(ApiError::NotFound),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/processor-links")
            .route(web::get().to(list_links))
            .route(web::post().to(create_link)),
    )
    .route(
        "/api/v1/processor-links/{id}",
        web::delete().to(remove_link),
    )
    .route("/api/v1/processor/controllers", web::get().to(controllers))
    .service(
        web::resource("/api/v1/processor/notices")
            .route(web::get().to(list_notices))
            .route(web::post().to(submit)),
    )
    .route(
        "/api/v1/processor/notices/{reference}",
        web::get().to(show_notice),
    )
    .route(
        "/api/v1/processor/notices/{reference}/supplements",
        web::post().to(supplement),
    )
    .route(
        "/api/v1/reports/{reference}/processor-notice",
        web::get().to(report_notice),
    );
}
