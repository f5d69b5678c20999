//! The public side: the start page, the report form, the confirmation and the follow-up page.
use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
