//! The notification pages: the section on the incident page, drafting and editing a notification
//! (to the AP, the letter and e-mail to the people, or a public notice), the FG's sign-off of the
//! exact rendered content (the POST carries the hash the FG read), recording the filing at the AP,
//! recipients from CSV with a preview per recipient, campaigns (progress, pause, throttle, failed
//! recipients, letters) and publishing / withdrawing a public notice. The rules are in
//! `notifications::{service, campaign, public}`; these handlers parse forms, call them and render.

mod campaigns;
mod drafts;
mod public_notices;
mod recipients;
pub(super) mod section;
mod shared;
mod signoff;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    const I: &str = "/staff/incidents/{id}";
    cfg.route(
        &format!("{I}/notifications/new"),
        web::get().to(drafts::new_form),
    )
    .route(
        &format!("{I}/notifications"),
        web::post().to(drafts::create),
    )
    .service(
        web::resource(format!("{I}/notifications/{{nid}}"))
            .route(web::get().to(drafts::show))
            .route(web::post().to(drafts::update)),
    )
    .service(
        web::resource(format!("{I}/notifications/{{nid}}/signoff"))
            .route(web::get().to(signoff::signoff))
            .route(web::post().to(signoff::decide)),
    )
    .route(
        &format!("{I}/notifications/{{nid}}/filing"),
        web::post().to(drafts::filing),
    )
    .route(
        &format!("{I}/notifications/{{nid}}/publish"),
        web::post().to(public_notices::publish),
    )
    .route(
        &format!("{I}/public-notices/{{pid}}/withdraw"),
        web::post().to(public_notices::withdraw),
    )
    .service(
        web::resource(format!("{I}/recipients"))
            .route(web::get().to(recipients::recipients))
            .route(web::post().to(recipients::import)),
    )
    .route(
        &format!("{I}/recipients/{{rid}}"),
        web::get().to(recipients::preview),
    )
    .route(&format!("{I}/campaigns"), web::post().to(campaigns::start))
    .service(
        web::resource(format!("{I}/campaigns/{{cid}}"))
            .route(web::get().to(campaigns::show_campaign))
            .route(web::post().to(campaigns::control)),
    )
    .route(
        &format!("{I}/campaigns/{{cid}}/letters/{{rid}}"),
        web::get().to(campaigns::letter),
    );
}
