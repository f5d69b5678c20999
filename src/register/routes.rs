//! The registers over the JSON API: thin handlers over `service`.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::activities::{self, Activity, RowProblem};
use super::breaches::{self, Filter};
use super::service::{self, ActivityView, DeriveOutcome, ImportOutcome, RetentionPolicy};
use super::stats::{self, Statistics};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FormatQuery {
    /// json (default), csv or xlsx (Excel, Dutch headings).
    pub format: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Xlsx,
}

fn format_of(q: &Option<String>) -> ApiResult<Format> {
    match q.as_deref() {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("xlsx") => Ok(Format::Xlsx),
        Some(_) => Err(ApiError::field("format", "json, csv or xlsx")),
    }
}

/// An Excel download (`.xlsx`).
pub fn xlsx_download(
    name: &str,
    body: Result<Vec<u8>, rust_xlsxwriter::XlsxError>,
) -> ApiResult<HttpResponse> {
    let body = body.map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(crate::tabular::XLSX_MIME)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.xlsx\""),
        ))
        .body(body))
}

fn csv_download(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body)
}

fn json_download(name: &str, body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.json\""),
        ))
        .json(body)
}

pub fn import_refusal(problems: Vec<RowProblem>) -> ApiError {
    ApiError::Validation(
        problems
            .into_iter()
            .map(|p| FieldError::new(p.field, format!("line {}: {}", p.line, p.message)))
            .collect(),
    )
}

/// The processing register's page size: 100 unless asked, at most 1,000 (the export gives all).
pub const ACTIVITIES_PAGE: Bounds = Bounds::new(100, 1000);

#[utoipa::path(get, path = "/api/v1/organisations/{slug}/activities", tag = "register",
    params(("slug" = String, Path), PageQuery),
    responses((status = 200, body = [ActivityView], description = "by name, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422)))]
pub async fn list_activities(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, ACTIVITIES_PAGE)?;
    let slug = path.into_inner();
    let (v, total) = state
        .db(move |c| {
            let org = service::org_by_slug(c, &staff, &slug)?;
            Ok(service::activities_page(
                c,
                &staff,
                &org,
                page.limit,
                page.offset,
            )?)
        })
        .await?;
    Ok(paging::respond(&req, page, total, &v))
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/activities", tag = "register",
    request_body = Activity, params(("slug" = String, Path)),
    responses((status = 201, body = ActivityView), (status = 401), (status = 404), (status = 422)))]
pub async fn create_activity(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<Activity>,
) -> ApiResult<HttpResponse> {
    let slug = path.into_inner();
    let a = body.into_inner()?;
    let v = state
        .db(move |c| {
            let org = service::org_by_slug(c, &staff, &slug)?;
            Ok(service::create_activity(c, &staff, &org, a)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}/activities/export", tag = "register",
    params(("slug" = String, Path), FormatQuery),
    responses((status = 200, description = "JSON array of activities, CSV or Excel (xlsx)"), (status = 401), (status = 404)))]
pub async fn export_activities(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<FormatQuery>,
) -> ApiResult<HttpResponse> {
    let format = format_of(&q.format)?;
    let slug = path.into_inner();
    let s2 = slug.clone();
    let list: Vec<Activity> = state
        .db(move |c| {
            let org = service::org_by_slug(c, &staff, &s2)?;
            Ok(service::list_activities(c, &staff, &org)?
                .into_iter()
                .map(|v| v.activity)
                .collect())
        })
        .await?;
    let name = format!("verwerkingsregister-{slug}");
    Ok(match format {
        Format::Csv => csv_download(&name, activities::to_csv(&list)),
        Format::Xlsx => xlsx_download(&name, activities::to_xlsx(&list))?,
        Format::Json => json_download(&name, list),
    })
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/activities/import", tag = "register",
    request_body(content = String, description = "CSV (text/csv, the export's columns), Excel (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, the export's Dutch headings or the CSV columns) or JSON (application/json, an array of activities)"),
    params(("slug" = String, Path)),
    responses((status = 200, body = ImportOutcome), (status = 401), (status = 404), (status = 413), (status = 415),
        (status = 422, description = "bad rows, each with its line; nothing imported")))]
pub async fn import_activities(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if body.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "at most {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let parsed = match ct.as_str() {
        "text/csv" => activities::from_csv(&body),
        crate::tabular::XLSX_MIME => activities::from_xlsx(&body),
        "application/json" => activities::from_json(&body),
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send text/csv, {} or application/json",
                crate::tabular::XLSX_MIME
            )))
        }
    };
    let items = parsed.map_err(import_refusal)?;
    let slug = path.into_inner();
    let v = state
        .db(move |c| {
            let org = service::org_by_slug(c, &staff, &slug)?;
            Ok(service::import_activities(c, &staff, &org, items)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RegisterImportQuery {
    /// true: check and show every row as it would be stored, store nothing.
    pub dry_run: Option<bool>,
    /// The column mapping as JSON: `{"became_aware_at": "Datum bewustwording", …}` (target
    /// field → column of the file); fields left out are mapped from the headers where possible.
    pub mapping: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/register/import", tag = "register",
    request_body(content = String, description = "the breach register as CSV (text/csv; `,` or `;`) or Excel (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, the first sheet; the register's own Excel export re-imports as it is)"),
    params(("slug" = String, Path), RegisterImportQuery),
    responses((status = 200, body = super::import_service::ImportOutcome), (status = 401), (status = 403),
        (status = 404), (status = 409, description = "this file was imported before"), (status = 413), (status = 415),
        (status = 422, description = "bad rows, each with its line and field; nothing imported")))]
pub async fn import_register(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<RegisterImportQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // CSV or Excel, told apart by the file's first bytes (the media type only has to be one of
    // them: browsers and scripts label spreadsheets loosely).
    if !matches!(
        ct.as_str(),
        "text/csv" | crate::tabular::XLSX_MIME | "application/octet-stream"
    ) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send text/csv or {}",
            crate::tabular::XLSX_MIME
        )));
    }
    if body.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "at most {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let mapping: super::import::Mapping = match &q.mapping {
        None => Default::default(),
        Some(m) => serde_json::from_str(m).map_err(|e| {
            ApiError::field("mapping", &format!("a JSON object of field → column: {e}"))
        })?,
    };
    let dry_run = q.dry_run.unwrap_or(false);
    let slug = path.into_inner();
    let v = state
        .db(move |c| {
            let org = crate::orgs::store::by_slug(c, &slug)?.ok_or(ApiError::NotFound)?;
            Ok(super::import_service::import_register(
                c, &staff, &org.id, &body, &mapping, dry_run,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "register", params(("id" = String, Path)),
    responses((status = 200, body = ActivityView), (status = 401), (status = 404)))]
pub async fn get_activity(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .service(move |c| service::get_activity(c, &staff, &id))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActivityUpdate {
    pub version: i64,
    #[serde(flatten)]
    pub activity: Activity,
}

#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "register", request_body = ActivityUpdate,
    params(("id" = String, Path)),
    responses((status = 200, body = ActivityView), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn update_activity(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<ActivityUpdate>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let u = body.into_inner()?;
    let v = state
        .service(move |c| service::update_activity(c, &staff, &id, u.version, u.activity))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "register", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404), (status = 409, description = "incidents are linked to it")))]
pub async fn delete_activity(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .service(move |c| service::delete_activity(c, &staff, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkActivities {
    pub activity_ids: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/activities", tag = "register", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = [ActivityView], description = "by name, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422)))]
pub async fn incident_activities(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, ACTIVITIES_PAGE)?;
    let id = path.into_inner();
    let v = state
        .service(move |c| service::linked_activities(c, &staff, &id))
        .await?;
    Ok(paging::respond_slice(&req, page, v))
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/activities", tag = "register", request_body = LinkActivities,
    params(("id" = String, Path)),
    responses((status = 200, body = DeriveOutcome), (status = 401), (status = 404), (status = 422)))]
pub async fn link_activities(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<LinkActivities>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let l = body.into_inner()?;
    let v = state
        .service(move |c| service::link_activities(c, &staff, &id, &l.activity_ids))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/facts/derive", tag = "register", params(("id" = String, Path)),
    responses((status = 200, body = DeriveOutcome), (status = 401), (status = 404)))]
pub async fn derive_facts(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .service(move |c| service::derive_facts(c, &staff, &id))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    #[serde(flatten)]
    pub filter: Filter,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/register", tag = "register", params(Filter, FormatQuery),
    responses((status = 200, body = [breaches::Entry], description = "every entry (not paged; JSON with the count in `X-Total-Count`)"), (status = 401), (status = 404), (status = 422)))]
pub async fn breach_register(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<RegisterQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let format = format_of(&q.format)?;
    let f = q.filter;
    let entries = state
        .service(move |c| service::register(c, &staff, &f))
        .await?;
    Ok(match format {
        Format::Csv => csv_download("register-datalekken", breaches::to_csv(&entries)),
        Format::Xlsx => xlsx_download("register-datalekken", breaches::to_xlsx(&entries))?,
        Format::Json => paging::whole(entries.len(), &entries),
    })
}

#[utoipa::path(get, path = "/api/v1/register/statistics", tag = "register", params(Filter),
    responses((status = 200, body = Statistics), (status = 401), (status = 404), (status = 422)))]
pub async fn statistics(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Filter>,
) -> ApiResult<HttpResponse> {
    let f = q.into_inner();
    let entries = state
        .service(move |c| service::register(c, &staff, &f))
        .await?;
    Ok(HttpResponse::Ok().json(stats::compute(&entries)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}/retention", tag = "register", params(("slug" = String, Path)),
    responses((status = 200, body = RetentionPolicy), (status = 401), (status = 404)))]
pub async fn get_retention(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path.into_inner();
    let v = state
        .db(move |c| {
            let org = service::settings_org_by_slug(c, &staff, &slug)?;
            Ok(service::get_policy(c, &staff, &org)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(put, path = "/api/v1/organisations/{slug}/retention", tag = "register", request_body = RetentionPolicy,
    params(("slug" = String, Path)),
    responses((status = 200, body = RetentionPolicy), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn put_retention(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<RetentionPolicy>,
) -> ApiResult<HttpResponse> {
    let slug = path.into_inner();
    let p = body.into_inner()?;
    let v = state
        .db(move |c| {
            let org = service::settings_org_by_slug(c, &staff, &slug)?;
            Ok(service::set_policy(c, &staff, &org, p)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/organisations/{slug}/activities")
            .route(web::get().to(list_activities))
            .route(web::post().to(create_activity)),
    )
    .service(
        web::resource("/api/v1/organisations/{slug}/activities/export")
            .route(web::get().to(export_activities)),
    )
    .service(
        web::resource("/api/v1/organisations/{slug}/activities/import")
            .app_data(web::PayloadConfig::new(MAX_IMPORT_BYTES + 1))
            .route(web::post().to(import_activities)),
    )
    .service(
        web::resource("/api/v1/activities/{id}")
            .route(web::get().to(get_activity))
            .route(web::put().to(update_activity))
            .route(web::delete().to(delete_activity)),
    )
    .service(
        web::resource("/api/v1/incidents/{id}/activities")
            .route(web::get().to(incident_activities))
            .route(web::put().to(link_activities)),
    )
    .service(
        web::resource("/api/v1/incidents/{id}/facts/derive").route(web::post().to(derive_facts)),
    )
    .service(
        web::resource("/api/v1/organisations/{slug}/register/import")
            .app_data(web::PayloadConfig::new(MAX_IMPORT_BYTES + 1))
            .route(web::post().to(import_register)),
    )
    .service(web::resource("/api/v1/register").route(web::get().to(breach_register)))
    .service(web::resource("/api/v1/register/statistics").route(web::get().to(statistics)))
    .service(
        web::resource("/api/v1/organisations/{slug}/retention")
            .route(web::get().to(get_retention))
            .route(web::put().to(put_retention)),
    );
}
