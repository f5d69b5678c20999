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
    let dir = state.org_directory().await?;
    Ok(dir
        .iter()
        .find(|(s, _)| s == slug)
        .map(|(_, id)| id.clone()))
}

/// Take one raw message (`Content-Type: message/rfc822`).
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

/// Quarantined messages of the caller's organisations, with the reason; senders masked.
pub async fn quarantine(
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
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0).max(0);
    let rows = state
        .db(move |c| Ok(store::quarantine(c, &org_ids, unassigned, limit, offset)?))
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
    Ok(HttpResponse::Ok().json(items))
}

/// The raw message, for staff of its organisation.
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/mail").route(web::post().to(upload)))
        .service(web::resource("/api/v1/mail/quarantine").route(web::get().to(quarantine)))
        .service(web::resource("/api/v1/mail/{id}/raw").route(web::get().to(raw)));
}
