//! The assessment of an incident over the JSON API: thin handlers over `service`.
use actix_web::{web, HttpResponse};

use super::facts::Facts;
use super::service::{
    load_assessment, record_decision, record_facts, AssessmentResult, AssessmentView,
    DecisionInput, DecisionView,
};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::http::ApiJson;
use crate::state::AppState;

#[utoipa::path(put, path = "/api/v1/incidents/{id}/facts", tag = "assessment",
    request_body(content = Object, description = "The incident's facts (assessment::Facts), each with its provenance"),
    params(("id" = String, Path)),
    responses((status = 200, body = AssessmentResult), (status = 401), (status = 404), (status = 422)))]
pub async fn put_facts(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<Facts>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let facts = body.into_inner()?;
    let v = state
        .service(move |c| record_facts(c, &staff, &id, facts))
        .await?;
    tracing::info!(facts_version = v.facts_version, outcome = %v.proposal.outcome.as_str(), "facts recorded");
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/assessment", tag = "assessment",
    params(("id" = String, Path)),
    responses((status = 200, body = AssessmentView), (status = 401), (status = 404)))]
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state
        .service(move |c| load_assessment(c, &staff, &id))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/decision", tag = "assessment",
    request_body = DecisionInput, params(("id" = String, Path)),
    responses((status = 201, body = DecisionView), (status = 401), (status = 404),
        (status = 409, description = "no facts recorded yet"), (status = 422)))]
pub async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<DecisionInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .service(move |c| record_decision(c, &staff, &id, input))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/incidents/{id}/facts").route(web::put().to(put_facts)))
        .service(web::resource("/api/v1/incidents/{id}/assessment").route(web::get().to(show)))
        .service(web::resource("/api/v1/incidents/{id}/decision").route(web::post().to(decide)));
}
