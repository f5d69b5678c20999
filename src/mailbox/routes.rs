//! Thin handlers: raw upload of one message, the quarantine for staff.
use actix_web::{http::header, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::service::{self, Context, Outcome};
use super::store;
use crate::auth::extract::bearer;
use crate::auth::secrets::{same_digest, sha256_hex};
use crate::auth::{Role, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::privacy;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct UploadQuery {
    /// Organisation slug; default `mailbox.organisation`.
    pub organisation: Option<String>,
}

/// Who uploads: the configured mail gateway, or a staff member.
enum Uploader {
    Gateway,
    Staff(Staff),
}

async fn uploader(state: &AppState, req: &HttpRequest) -> ApiResult<Uploader> {
    let gw = &state.settings.mailbox.gateway_token;
    if let Some(t) = bearer(req) {
        if !gw.is_empty() && same_digest(&sha256_hex(&t), &sha256_hex(gw)) {
            return Ok(Uploader::Gateway);
        }
    }
    Staff::from_request(req, &mut actix_web::dev::Payload::None)
        .await
        .map(Uploader::Staff)
}

async fn org_id(state: &AppState, slug: &str) -> ApiResult<Option<String>> {
    let dir = crate::orgs::service::directory(state).await?;
    Ok(dir
        .iter()
        .find(|(s, _)| s == slug)
        .map(|(_, id)| id.clone()))
}

/// Take one raw message (`Content-Type: message/rfc822`).
#[utoipa::path(post, path = "/api/v1/mail", tag = "mailbox",
    params(("organisation" = Option<String>, Query, description = "organisation slug; default mailbox.organisation")),
    request_body(content = Vec<u8>, content_type = "message/rfc822", description = "the raw e-mail"),
    responses((status = 201, description = "a new report"), (status = 200, description = "joined, auto-reply, bounce, own, duplicate or quarantined"),
        (status = 401), (status = 403), (status = 413), (status = 415), (status = 422)))]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<UploadQuery>,
    mut body: web::Payload,
) -> ApiResult<HttpResponse> {
    let who = uploader(&state, &req).await?;
    let configured = state.settings.mailbox.organisation.trim().to_string();
    let slug = q
        .organisation
        .clone()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let org = match (&who, slug) {
        (Uploader::Gateway, Some(s)) if s != configured => {
            return Err(ApiError::field(
                "organisation",
                "the mail gateway delivers only to the configured organisation",
            ))
        }
        (Uploader::Gateway, _) if configured.is_empty() => None,
        (Uploader::Gateway, _) => Some(
            org_id(&state, &configured)
                .await?
                .ok_or_else(|| ApiError::Unavailable("mailbox.organisation is unknown".into()))?,
        ),
        (Uploader::Staff(staff), slug) => {
            let Some(slug) = slug.or((!configured.is_empty()).then_some(configured)) else {
                return Err(ApiError::field("organisation", "name the organisation"));
            };
            let id = org_id(&state, &slug).await?;
            match id {
                Some(id) if staff.has_role(&id, &[Role::Handler, Role::Admin]) => Some(id),
                Some(id) if staff.can_handle(&id) => {
                    return Err(ApiError::Forbidden("handlers only".into()))
                }
                _ => return Err(ApiError::field("organisation", "unknown organisation")),
            }
        }
    };
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ct.starts_with("message/rfc822") {
        return Err(ApiError::UnsupportedMediaType(
            "send the message as Content-Type: message/rfc822".into(),
        ));
    }
    // Up to twice the message limit is taken (and quarantined when over the limit); beyond that
    // the upload is refused before it fills memory.
    let max = state
        .settings
        .mailbox
        .max_message_bytes
        .saturating_mul(2)
        .max(1024);
    let mut raw = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("body: {e}")))?;
        if raw.len() + chunk.len() > max {
            return Err(ApiError::PayloadTooLarge(format!(
                "a message may be at most {max} bytes"
            )));
        }
        raw.extend_from_slice(&chunk);
    }
    let source = match &who {
        Uploader::Gateway => "upload:gateway".to_string(),
        Uploader::Staff(s) => format!("upload:user:{}", s.id),
    };
    let ctx = Context::from_settings(&state.settings, org, &source);
    let raw = raw.freeze();
    let res = state
        .db(move |c| {
            service::ingest_or_quarantine(c, &raw, &ctx)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await?;
    let mut v = serde_json::to_value(&res.outcome).unwrap_or_default();
    v["mail_id"] = serde_json::json!(res.mail_id);
    v["summary"] = serde_json::json!(res.outcome.to_string());
    Ok(match res.outcome {
        Outcome::Report { .. } => HttpResponse::Created().json(v),
        _ => HttpResponse::Ok().json(v),
    })
}

#[derive(Deserialize)]
pub struct QuarantineQuery {
    pub organisation: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The quarantine list's page size: 50 unless asked, at most 500.
pub const QUARANTINE_PAGE: Bounds = Bounds::new(50, 500);

/// Quarantined messages of the caller's organisations, with the reason; senders masked.
#[utoipa::path(get, path = "/api/v1/mail/quarantine", tag = "mailbox",
    params(("organisation" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1 to 500 (default 50)"), ("offset" = Option<i64>, Query, description = "0 or more")),
    responses((status = 200, description = "quarantined messages, newest first, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422)))]
pub async fn quarantine(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<QuarantineQuery>,
) -> ApiResult<HttpResponse> {
    let mut org_ids = staff.org_ids();
    let mut unassigned = staff.is_admin;
    if let Some(slug) = &q.organisation {
        match org_id(&state, slug).await? {
            Some(id) if org_ids.contains(&id) => org_ids = vec![id],
            _ => return Err(ApiError::NotFound),
        }
        unassigned = false;
    }
    let page = Page::parse(q.limit, q.offset, QUARANTINE_PAGE)?;
    let (rows, total) = state
        .db(move |c| {
            Ok((
                store::quarantine(c, &org_ids, unassigned, page.limit, page.offset)?,
                store::quarantine_count(c, &org_ids, unassigned)?,
            ))
        })
        .await?;
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "organisation_id": r.organisation_id,
                "source": r.source,
                "message_id": r.message_id,
                "sha256": r.content_sha256,
                "reason": r.reason,
                "from": r.from_addr.as_deref().map(privacy::mask_email),
                "subject": r.subject.as_deref().map(privacy::mask_text),
                "size_bytes": r.size_bytes,
                "received_at": crate::db::from_db(r.received_at),
                "raw_url": format!("/api/v1/mail/{}/raw", r.id),
            })
        })
        .collect();
    Ok(paging::respond(&req, page, total, &items))
}

/// The raw message, for staff of its organisation.
#[utoipa::path(get, path = "/api/v1/mail/{id}/raw", tag = "mailbox", params(("id" = String, Path)),
    responses((status = 200, content_type = "message/rfc822"), (status = 401), (status = 404)))]
pub async fn raw(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let found = state.db(move |c| Ok(store::by_id(c, &id)?)).await?;
    match found {
        Some((info, raw))
            if info
                .organisation_id
                .as_deref()
                .map(|o| staff.can_handle(o))
                .unwrap_or(staff.is_admin) =>
        {
            Ok(HttpResponse::Ok()
                .content_type("message/rfc822")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.eml\"", info.id),
                ))
                .body(raw))
        }
        _ => Err(ApiError::NotFound),
    }
}

/// E-mails that joined an incident or one of its reports by threading, newest first, with their
/// text and attachments (download URLs; infected ones withheld, with the signature's name).
/// The incident's e-mails' page size: 50 unless asked, at most 200.
pub const MAIL_PAGE: Bounds = Bounds::new(50, 200);

#[utoipa::path(get, path = "/api/v1/incidents/{id}/mail", tag = "mailbox", params(("id" = String, Path), PageQuery),
    responses((status = 200, description = "e-mails joined to the incident or its reports, newest first, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422)))]
pub async fn incident_mail(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let page = Page::of(&q, MAIL_PAGE)?;
    let limits = service::limits(&state.settings);
    let (list, total) = state
        .db(move |c| {
            crate::incidents::access::visible(c, &staff, &id, false)?;
            let ids: Vec<String> = crate::reports::store::for_incident(c, &id)?
                .into_iter()
                .map(|r| r.id)
                .collect();
            Ok((
                super::replies::page(c, Some(&id), &ids, &limits, page.limit, page.offset)?,
                super::replies::count(c, Some(&id), &ids)?,
            ))
        })
        .await?;
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            for (i, a) in r.attachments.iter().enumerate() {
                v["attachments"][i]["url"] = serde_json::json!(a
                    .available
                    .then(|| format!("/api/v1/mail/{}/attachments/{}", r.mail_id, a.index)));
            }
            v
        })
        .collect();
    Ok(paging::respond(&req, page, total, &items))
}

/// Attachment `n` of a stored e-mail, for staff who may see its report or incident; an infected or
/// unchecked file is never served.
#[utoipa::path(get, path = "/api/v1/mail/{id}/attachments/{n}", tag = "mailbox",
    params(("id" = String, Path), ("n" = usize, Path, description = "the attachment's index in the message")),
    responses((status = 200, description = "the file as a download"), (status = 401), (status = 404)))]
pub async fn mail_attachment(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, usize)>,
) -> ApiResult<HttpResponse> {
    let (id, index) = path.into_inner();
    let limits = service::limits(&state.settings);
    let (name, ct, data) = state
        .db(move |c| {
            let d =
                super::replies::attachment(c, &id, index, &limits)?.ok_or(ApiError::NotFound)?;
            let may = match (&d.report_id, &d.incident_id) {
                (Some(rid), _) => store::report_by_id(c, rid)?
                    .map(|r| match &r.organisation_id {
                        Some(o) => staff.can_handle(o),
                        None => staff.is_admin,
                    })
                    .unwrap_or(false),
                (None, Some(iid)) => store::incident_org(c, iid)?
                    .map(|o| staff.can_handle(&o))
                    .unwrap_or(false),
                _ => false,
            };
            if !may {
                return Err(ApiError::NotFound);
            }
            d.file.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(ct)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                name.replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
                    "_"
                )
            ),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(data))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/mail").route(web::post().to(upload)))
        .service(web::resource("/api/v1/mail/quarantine").route(web::get().to(quarantine)))
        .service(web::resource("/api/v1/mail/{id}/raw").route(web::get().to(raw)))
        .service(
            web::resource("/api/v1/mail/{id}/attachments/{n}")
                .route(web::get().to(mail_attachment)),
        )
        .service(web::resource("/api/v1/incidents/{id}/mail").route(web::get().to(incident_mail)));
}
