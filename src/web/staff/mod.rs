//! The staff's pages: login, inbox, reports, incidents and administration. Server-rendered and
//! working without JavaScript. Every change is a POST that checks, in this order: the CSRF token,
//! who is signed in and what they may do, then the input; a success redirects (POST-redirect-GET).
//! The rules themselves live in the domain (`incidents::service`, the stores): these handlers parse,
//! call them and render.
mod account;
mod admin;
mod assess;
mod assess_forms;
mod files;
mod form;
mod inbox;
mod incident_list;
mod incidents;
mod login;
mod mail;
mod new_incident;
mod next_step;
mod notifications;
mod page;
mod register_import;
mod registers;
mod reply;
mod report;
mod reset;
mod setup;
mod shared;
mod signoffs;
mod when;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::web::kit::{redirect, Lang, PageError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(home))
        .route("/staff/", web::get().to(home))
        .service(
            web::resource("/staff/login")
                .route(web::get().to(login::form))
                .route(web::post().to(login::submit)),
        )
        .route("/staff/logout", web::post().to(login::logout))
        .service(
            web::resource("/staff/inbox")
                .route(web::get().to(inbox::page))
                .route(web::post().to(inbox::act)),
        )
        .route("/staff/reports/{reference}", web::get().to(report::show))
        .route("/staff/attachments/{id}", web::get().to(report::attachment))
        .route(
            "/staff/mail/{id}/attachments/{n}",
            web::get().to(mail::attachment),
        )
        .service(
            web::resource("/setup")
                .route(web::get().to(setup::form))
                .route(web::post().to(setup::submit)),
        )
        .route("/staff/start", web::get().to(setup::start))
        .route("/staff/incidents", web::get().to(incident_list::list))
        .service(
            web::resource("/staff/incidents/new")
                .route(web::get().to(new_incident::form))
                .route(web::post().to(new_incident::submit)),
        )
        .route("/staff/incidents/{id}", web::get().to(incidents::show))
        .route(
            "/staff/incidents/{id}/facts",
            web::post().to(incidents::update),
        )
        .route(
            "/staff/incidents/{id}/state",
            web::post().to(incidents::transition),
        )
        .route(
            "/staff/incidents/{id}/notes",
            web::post().to(incidents::note),
        )
        .route(
            "/staff/incidents/{id}/owner",
            web::post().to(incidents::owner),
        )
        .route(
            "/staff/incidents/{id}/assessment",
            web::post().to(assess_forms::facts),
        )
        .route(
            "/staff/incidents/{id}/decision",
            web::post().to(assess_forms::decide),
        )
        .route(
            "/staff/incidents/{id}/activities",
            web::post().to(assess_forms::activities),
        )
        .route(
            "/staff/incidents/{id}/measures",
            web::post().to(assess_forms::add_measure),
        )
        .route(
            "/staff/incidents/{id}/measures/{mid}",
            web::post().to(assess_forms::change_measure),
        )
        .route(
            "/staff/incidents/{id}/shared",
            web::get().to(shared::linked),
        )
        .route(
            "/staff/incidents/{id}/shared/split",
            web::post().to(shared::split),
        )
        .route(
            "/staff/incidents/{id}/shared-origin",
            web::get().to(shared::origin),
        )
        .route(
            "/staff/incidents/{id}/shared-origin/notified-at",
            web::post().to(shared::notified_at),
        )
        .route(
            "/staff/incidents/{id}/shared-origin/accept",
            web::post().to(shared::accept),
        )
        .route(
            "/staff/incidents/{id}/shared-origin/decline",
            web::post().to(shared::decline),
        )
        .route("/staff/account", web::get().to(account::show))
        .route("/staff/account/signals", web::post().to(account::signals))
        .route("/staff/account/password", web::post().to(account::password))
        .route("/staff/te-tekenen", web::get().to(signoffs::page))
        .route(
            "/staff/reports/{reference}/reply",
            web::post().to(reply::submit),
        )
        .route("/staff/account/totp", web::post().to(account::totp))
        .route("/staff/register", web::get().to(registers::register))
        .service(
            web::resource("/staff/register/import")
                .route(web::get().to(register_import::form))
                .route(web::post().to(register_import::post)),
        )
        .route("/staff/statistics", web::get().to(registers::statistics))
        .service(
            web::resource("/staff/activities")
                .route(web::get().to(registers::activities))
                .route(web::post().to(registers::create)),
        )
        .route(
            "/staff/activities/import",
            web::post().to(registers::import),
        )
        .service(
            web::resource("/staff/activities/{id}")
                .route(web::get().to(registers::show))
                .route(web::post().to(registers::update)),
        )
        .route("/staff/admin", web::get().to(admin::page))
        .route(
            "/staff/admin/organisations",
            web::post().to(admin::org_create),
        )
        .service(
            web::resource("/staff/admin/organisations/{slug}")
                .route(web::get().to(admin::org_page))
                .route(web::post().to(admin::org_update)),
        )
        .route(
            "/staff/admin/organisations/{slug}/roles",
            web::post().to(admin::role_add),
        )
        .route(
            "/staff/admin/organisations/{slug}/roles/remove",
            web::post().to(admin::role_remove),
        )
        .service(
            web::resource("/staff/admin/users")
                .route(web::get().to(admin::users_page))
                .route(web::post().to(admin::user_create)),
        )
        .route(
            "/staff/admin/users/{id}/{action}",
            web::post().to(admin::user_act),
        )
        .route(
            "/staff/admin/organisations/{slug}/retention",
            web::post().to(admin::retention_update),
        )
        .route(
            "/staff/admin/organisations/{slug}/contact",
            web::post().to(admin::contact_update),
        )
        .service(
            web::resource("/staff/password-reset/{token}")
                .route(web::get().to(reset::form))
                .route(web::post().to(reset::submit)),
        )
        .route("/staff/admin/tokens", web::post().to(admin::token_create))
        .route(
            "/staff/admin/tokens/{id}/revoke",
            web::post().to(admin::token_revoke),
        )
        .configure(notifications::configure);
}

/// The landing page: an installation administrator goes to the set-up checklist while it is not
/// complete; a processor's account to its notices; everyone else (and then they too) to the incidents.
async fn home(
    state: web::Data<crate::state::AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = page::signed_in(&req, lang, "/staff").await?;
    if staff.processor_only() {
        return Ok(redirect("/verwerker"));
    }
    if staff.is_admin && !setup::checklist(&state, lang).await?.1 {
        return Ok(redirect("/staff/start"));
    }
    Ok(redirect("/staff/incidents"))
}
