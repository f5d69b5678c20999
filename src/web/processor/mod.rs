//! The processors' pages (issue 19, point 3): a processor's account sends a breach notice to the
//! controllers it serves and follows it (`/verwerker`, Dutch first like the citizen's pages); the
//! administrators link processors to controllers (`/staff/admin/processors`); the controller's
//! staff read the notice with the report and see late notices flagged in the inbox; and, for an
//! incident, the organisations to inform under a delivery agreement's breach clause
//! (`/staff/incidents/{id}/deliveries`).
//!
//! Self-contained on purpose (its own small [`kit`]), so that it does not depend on the staff
//! pages' private helpers while those move.
pub mod deliveries;
pub mod kit;
pub mod links;
pub mod notices;
pub mod report;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/verwerker", web::get().to(notices::list))
        .service(
            web::resource("/verwerker/melden")
                .route(web::get().to(notices::form))
                .route(web::post().to(notices::submit)),
        )
        .route(
            "/verwerker/meldingen/{reference}",
            web::get().to(notices::show),
        )
        .route(
            "/verwerker/meldingen/{reference}/aanvullen",
            web::post().to(notices::supplement),
        )
        .service(
            web::resource("/staff/admin/processors")
                .route(web::get().to(links::page))
                .route(web::post().to(links::create)),
        )
        .route(
            "/staff/admin/processors/{id}/remove",
            web::post().to(links::remove),
        )
        .service(
            web::resource("/staff/incidents/{id}/deliveries")
                .route(web::get().to(deliveries::page))
                .route(web::post().to(deliveries::add)),
        )
        .route(
            "/staff/incidents/{id}/deliveries/{delivery}/told",
            web::post().to(deliveries::told),
        )
        .route(
            "/staff/incidents/{id}/deliveries/{delivery}/remove",
            web::post().to(deliveries::remove),
        );
}
