//! Organisations and their members. Installation admins create organisations; an organisation's
//! admins manage its settings and members.
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::store;
use super::{Organisation, OrganisationInput};
use crate::auth::admin::Manager;
use crate::auth::{store as auth_store, Role, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

/// The organisations' and members' page size: 100 unless asked, at most 1,000.
pub const LIST_PAGE: Bounds = Bounds::new(100, 1000);

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(PageQuery),
    responses((status = 200, body = Vec<Organisation>, description = "a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 422)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, LIST_PAGE)?;
    let rows = state
        .db(move |c| {
            if staff.is_admin {
                Ok(store::all(c)?)
            } else {
                let ids: Vec<String> = staff
                    .memberships
                    .iter()
                    .map(|m| m.organisation_id.clone())
                    .collect();
                Ok(store::by_ids(c, &ids)?)
            }
        })
        .await?;
    Ok(paging::respond_slice(
        &req,
        page,
        rows.into_iter().map(Organisation::from).collect::<Vec<_>>(),
    ))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = OrganisationInput,
    responses((status = 201, body = Organisation), (status = 403), (status = 409), (status = 422)))]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<OrganisationInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let row = state
        .service(move |c| super::service::create(c, Manager::Staff(&staff), &input))
        .await?;
    state.forget_org_directory();
    Ok(HttpResponse::Created().json(Organisation::from(row)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}", tag = "organisations", params(("slug" = String, Path)),
    responses((status = 200, body = Organisation), (status = 404)))]
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path.into_inner();
    let row = state
        .service(move |c| super::service::visible(c, &staff, &slug))
        .await?;
    Ok(HttpResponse::Ok().json(Organisation::from(row)))
}

#[utoipa::path(patch, path = "/api/v1/organisations/{slug}", tag = "organisations", request_body = OrganisationInput,
    params(("slug" = String, Path)),
    responses((status = 200, body = Organisation), (status = 403), (status = 404), (status = 422)))]
pub async fn patch(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<OrganisationInput>,
) -> ApiResult<HttpResponse> {
    let slug = path.into_inner();
    let input = body.into_inner()?;
    let row = state
        .service(move |c| super::service::update(c, &staff, &slug, &input, false))
        .await?;
    state.forget_org_directory();
    Ok(HttpResponse::Ok().json(Organisation::from(row)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}/members", tag = "organisations",
    params(("slug" = String, Path), PageQuery), responses((status = 200, body = Vec<MemberView>, description = "a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 404), (status = 422)))]
pub async fn members(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, LIST_PAGE)?;
    let slug = path.into_inner();
    let out = state
        .db(move |c| {
            let org = super::service::visible(c, &staff, &slug)?;
            if !(staff.is_admin || staff.has_role(&org.id, &[Role::Admin, Role::Fg])) {
                return Err(ApiError::Forbidden(
                    "only the organisation's admins and FG see its members".into(),
                ));
            }
            Ok(auth_store::members_of(c, &org.id)?)
        })
        .await?;
    Ok(paging::respond_slice(
        &req,
        page,
        out.into_iter()
            .map(|(user_id, email, display_name, role)| MemberView {
                user_id,
                email,
                display_name,
                role,
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// An existing user's e-mail address.
    pub email: String,
    /// handler, fg or admin
    pub role: String,
}

async fn change_member(
    state: web::Data<AppState>,
    staff: Staff,
    slug: String,
    input: MemberInput,
    add: bool,
) -> ApiResult<HttpResponse> {
    let role = Role::parse(&input.role)
        .ok_or_else(|| ApiError::field("role", "one of: handler, fg, admin"))?;
    state
        .service(move |c| super::service::change_member(c, &staff, &slug, &input.email, role, add))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/members", tag = "organisations", request_body = MemberInput,
    params(("slug" = String, Path)), responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub async fn add_member(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<MemberInput>,
) -> ApiResult<HttpResponse> {
    change_member(state, staff, path.into_inner(), body.into_inner()?, true).await
}

#[utoipa::path(delete, path = "/api/v1/organisations/{slug}/members", tag = "organisations", request_body = MemberInput,
    params(("slug" = String, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn remove_member(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<MemberInput>,
) -> ApiResult<HttpResponse> {
    change_member(state, staff, path.into_inner(), body.into_inner()?, false).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/organisations")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/api/v1/organisations/{slug}")
            .route(web::get().to(show))
            .route(web::patch().to(patch)),
    )
    .service(
        web::resource("/api/v1/organisations/{slug}/members")
            .route(web::get().to(members))
            .route(web::post().to(add_member))
            .route(web::delete().to(remove_member)),
    );
}
