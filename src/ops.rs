//! Operations: liveness, readiness and the OpenAPI document generated from the handlers.
use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Ready when the database answers, takes writes and every migration has been applied.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let res = web::block(move || -> Result<(bool, Result<(), String>), String> {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        let current = crate::db::migrations_current(&mut c);
        Ok((current, crate::db::probe_write(&mut c)))
    })
    .await;
    let not_ready = |body: serde_json::Value| {
        HttpResponse::ServiceUnavailable()
            .insert_header((
                actix_web::http::header::RETRY_AFTER,
                crate::error::UNAVAILABLE_RETRY_AFTER.to_string(),
            ))
            .json(body)
    };
    match res {
        Ok(Ok((true, Ok(())))) => HttpResponse::Ok().json(
            serde_json::json!({"status": "ready", "database": "ok", "migrations": "current"}),
        ),
        Ok(Ok((false, Ok(())))) => not_ready(
            serde_json::json!({"status": "not ready", "database": "ok", "migrations": "pending"}),
        ),
        Ok(Ok((_, Err(cause)))) => {
            tracing::warn!(cause = %cause, "readiness: the database takes no writes");
            not_ready(serde_json::json!({"status": "not ready", "database": "read-only"}))
        }
        _ => not_ready(serde_json::json!({"status": "not ready", "database": "unreachable"})),
    }
}

/// `/metrics` on the separate metrics address: open to whoever reaches that address.
pub async fn metrics_open(state: web::Data<AppState>) -> HttpResponse {
    render_metrics(&state).await
}

/// `/metrics` on the main address: only with the configured bearer token; without one configured
/// the route does not exist.
pub async fn metrics_token(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> HttpResponse {
    let configured = state.settings.metrics.token.as_str();
    if configured.is_empty() {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound);
    }
    let auth = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !crate::monitoring::token_ok(configured, auth) {
        return HttpResponse::Unauthorized()
            .insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"))
            .finish();
    }
    render_metrics(&state).await
}

async fn render_metrics(state: &AppState) -> HttpResponse {
    let pool = state.pool.clone();
    let res = web::block(move || -> Result<String, String> {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        crate::monitoring::render(&mut c, crate::db::now()).map_err(|e| e.to_string())
    })
    .await;
    match res {
        Ok(Ok(body)) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(body),
        Ok(Err(cause)) => {
            tracing::warn!(cause = %cause, "metrics: the database did not answer");
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Meldpunt API",
        description = "Handling personal-data breaches under the AVG/GDPR"
    ),
    paths(
        crate::reports::routes::create,
        crate::reports::routes::show,
        crate::reports::routes::list,
        crate::reports::routes::patch,
        crate::reports::routes::acknowledgements,
        crate::reports::routes::reply,
        crate::signals::routes::show,
        crate::signals::routes::update,
        crate::signals::routes::worklist,
        crate::incidents::routes::create,
        crate::incidents::routes::list,
        crate::incidents::routes::show,
        crate::incidents::routes::patch,
        crate::incidents::routes::transition,
        crate::incidents::routes::link,
        crate::incidents::routes::audit_trail,
        crate::incidents::routes::set_owner,
        crate::assessment::routes::put_facts,
        crate::assessment::routes::show,
        crate::assessment::routes::decide,
        crate::shared::routes::split,
        crate::shared::routes::linked,
        crate::shared::routes::origin,
        crate::shared::routes::set_notified_at,
        crate::shared::routes::accept,
        crate::shared::routes::decline,
        crate::remediation::routes::list,
        crate::remediation::routes::create,
        crate::remediation::routes::update,
        crate::register::routes::list_activities,
        crate::register::routes::create_activity,
        crate::register::routes::export_activities,
        crate::register::routes::import_activities,
        crate::register::routes::import_register,
        crate::register::routes::get_activity,
        crate::register::routes::update_activity,
        crate::register::routes::delete_activity,
        crate::register::routes::incident_activities,
        crate::register::routes::link_activities,
        crate::register::routes::derive_facts,
        crate::register::routes::breach_register,
        crate::register::routes::statistics,
        crate::register::routes::get_retention,
        crate::register::routes::put_retention,
        crate::orgs::routes::list,
        crate::orgs::routes::create,
        crate::orgs::routes::show,
        crate::orgs::routes::patch,
        crate::orgs::routes::members,
        crate::orgs::routes::add_member,
        crate::orgs::routes::remove_member,
        crate::auth::routes::setup,
        crate::auth::routes::login,
        crate::auth::routes::logout,
        crate::auth::routes::me,
        crate::auth::routes::totp_begin,
        crate::auth::routes::totp_confirm,
        crate::auth::routes::totp_disable,
        crate::auth::routes::password_change,
        crate::auth::routes::token_create,
        crate::auth::routes::token_list,
        crate::auth::routes::token_revoke,
        crate::auth::routes::user_create,
        crate::auth::routes::user_list,
        crate::auth::routes::user_deactivate,
        crate::auth::routes::user_reactivate,
        crate::auth::routes::user_password_reset,
        crate::auth::routes::password_reset,
        crate::notifications::routes::list,
        crate::notifications::routes::create,
        crate::notifications::routes::show,
        crate::notifications::routes::content,
        crate::notifications::routes::update,
        crate::notifications::routes::approve,
        crate::notifications::routes::reject,
        crate::notifications::routes::filing,
        crate::notifications::routes::preview,
        crate::notifications::routes::import,
        crate::notifications::routes::recipients,
        crate::notifications::routes::start_campaign,
        crate::notifications::routes::campaign_progress,
        crate::notifications::routes::pause,
        crate::notifications::routes::resume,
        crate::notifications::routes::set_rate,
        crate::notifications::routes::messages,
        crate::notifications::routes::messages_xlsx,
        crate::notifications::routes::letters_index,
        crate::notifications::routes::letter,
        crate::notifications::routes::printed,
        crate::notifications::routes::list_notices,
        crate::notifications::routes::publish_notice,
        crate::notifications::routes::withdraw_notice,
        crate::notifications::routes::get_settings,
        crate::notifications::routes::put_settings,
        crate::notifications::pdf::api_ap_pdf,
        crate::notifications::pdf::merged_letters,
        crate::notifications::pdf::one_letter,
        crate::mailbox::routes::upload,
        crate::mailbox::routes::quarantine,
        crate::mailbox::routes::raw,
        crate::mailbox::routes::incident_mail,
        crate::mailbox::routes::mail_attachment,
        crate::processors::routes::list_links,
        crate::processors::routes::create_link,
        crate::processors::routes::remove_link,
        crate::processors::routes::controllers,
        crate::processors::routes::list_notices,
        crate::processors::routes::submit,
        crate::processors::routes::show_notice,
        crate::processors::routes::supplement,
        crate::processors::routes::report_notice,
        crate::deliveries::routes::list,
        crate::deliveries::routes::add,
        crate::deliveries::routes::told,
        crate::deliveries::routes::remove,
    ),
    components(schemas(crate::reports::model::ReporterView, crate::auth::Membership))
)]
pub struct ApiDoc;

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics_token))
        .route("/api/v1/openapi.json", web::get().to(openapi));
}
