//! Static assets, embedded: no CDN, no web fonts from elsewhere (closed government networks).
use actix_web::{web, HttpResponse};

const CSS: &str = include_str!("../../static/meldpunt.css");
const JS: &str = include_str!("../../static/meldpunt.js");

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}

async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(JS)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/meldpunt.css", web::get().to(css))
        .route("/static/meldpunt.js", web::get().to(js));
}
