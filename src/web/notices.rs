//! Public notices on the public side (Art. 34(3)(c) AVG): `/bekendmakingen` (index of the notices
//! in force) and `/bekendmaking/{slug}`; `/notices` and `/notices/{slug}` are the same pages, in
//! English unless the person chose Dutch. No login, no personal data of reporters: the page shows
//! only the text the FG signed off, as published. A withdrawn notice answers 410 and says so.
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::kit::{html, web as pages, Lang, PageError, LANG_COOKIE};
use crate::notifications::public;
use crate::state::AppState;

/// The language: the person's choice (cookie), else the one the address is in.
fn lang_of(req: &HttpRequest) -> Lang {
    if let Some(l) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return l;
    }
    if req.path().starts_with("/notices") {
        Lang::En
    } else {
        Lang::Nl
    }
}

fn local(lang: Lang, t: chrono::DateTime<chrono::Utc>) -> String {
    let l = t.with_timezone(&chrono_tz::Europe::Amsterdam);
    let _ = lang;
    l.format("%d-%m-%Y %H:%M").to_string()
}

fn index_url(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "/bekendmakingen",
        Lang::En => "/notices",
    }
}

async fn index(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let rows = state
        .db(|c| Ok(public::current(c, 500)?))
        .await
        .map_err(PageError::from)?;
    let w = pages();
    let base = if lang == Lang::Nl {
        "/bekendmaking"
    } else {
        "/notices"
    };
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "url": format!("{base}/{}", r.slug),
                "title": if lang == Lang::Nl { &r.title_nl } else { &r.title_en },
                "published_at": local(lang, crate::db::from_db(r.published_at)),
            })
        })
        .collect();
    let ctx = json!({"title": w.t(lang, "pub_notices_title"), "items": items});
    Ok(html(
        StatusCode::OK,
        w.page(&req, lang, "public/notices", ctx)?,
        None,
    ))
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let slug = path.into_inner();
    let row = state
        .db(move |c| Ok(public::by_slug(c, &slug)?))
        .await
        .map_err(PageError::from)?
        .ok_or_else(|| PageError::not_found(lang))?;
    let w = pages();
    let title = if lang == Lang::Nl {
        &row.title_nl
    } else {
        &row.title_en
    };
    let withdrawn = row.withdrawn_at.is_some();
    let ctx = json!({
        "title": title,
        "index_url": index_url(lang),
        "withdrawn": withdrawn,
        "withdrawn_at": row.withdrawn_at.map(|t| local(lang, crate::db::from_db(t))),
        "reason": row.withdrawn_reason,
        "content_lang": lang.code(),
        "html": if lang == Lang::Nl { &row.html_nl } else { &row.html_en },
        "published_at": local(lang, crate::db::from_db(row.published_at)),
    });
    let status = if withdrawn {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        w.page(&req, lang, "public/notice", ctx)?,
        None,
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/bekendmakingen", web::get().to(index))
        .route("/notices", web::get().to(index))
        .route("/bekendmaking/{slug}", web::get().to(show))
        .route("/notices/{slug}", web::get().to(show));
}
