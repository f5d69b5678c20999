//! The staff's pages: login, inbox, incidents, administration.
use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
