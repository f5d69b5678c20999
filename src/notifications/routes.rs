//! Notifications over the JSON API: thin handlers over `service` and `campaign`.
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::ap::DraftInput;
use super::campaign::{self, NewCampaign};
use super::campaign::{ImportReport, MessageStatus, Progress};
use super::public::{self, PublicNoticeView, PublishInput, WithdrawInput};
use super::service::{
    self, Decision, DraftView, FilingInput, NewDraft, NotificationsView, Preview, SettingsInput,
    SettingsView,
};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::paging::{self, Bounds, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

/// What the operations need from the configuration (in the service, where the pages take it too).
pub use super::service::ctx;

#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications", tag = "notifications", params(("id" = String, Path, description = "the incident")), responses((status = 200, body = NotificationsView), (status = 401), (status = 404)))]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::list(c, &ctx, &staff, &id))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notifications", tag = "notifications", request_body = NewDraft, params(("id" = String, Path, description = "the incident")), responses((status = 201, body = DraftView), (status = 401), (status = 404), (status = 422)))]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<NewDraft>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::create_draft(c, &ctx, &staff, &id, input))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications/{nid}", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, body = DraftView), (status = 401), (status = 404)))]
pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::load_draft(c, &ctx, &staff, &id, &nid))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The exact content as plain text (what the FG reads and the hash covers).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications/{nid}/content", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, description = "the exact content (text/plain); its SHA-256 in X-Content-SHA256", content_type = "text/plain"), (status = 401), (status = 404)))]
pub async fn content(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::load_draft(c, &ctx, &staff, &id, &nid))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/plain; charset=utf-8"))
        .insert_header(("X-Content-SHA256", v.content_sha256.clone()))
        .body(v.content))
}

#[utoipa::path(patch, path = "/api/v1/incidents/{id}/notifications/{nid}", tag = "notifications", request_body = DraftInput, params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, body = DraftView), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<DraftInput>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let input = body.into_inner()?;
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::update_draft(c, &ctx, &staff, &id, &nid, input))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notifications/{nid}/approve", tag = "notifications", request_body = Decision, params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, body = DraftView), (status = 401), (status = 403, description = "not the organisation's FG, or the FG drafted it"), (status = 404), (status = 409, description = "the content changed since it was read"), (status = 422)))]
pub async fn approve(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<Decision>,
) -> ApiResult<HttpResponse> {
    decide(state, staff, path, body, true).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notifications/{nid}/reject", tag = "notifications", request_body = Decision, params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, body = DraftView), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn reject(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<Decision>,
) -> ApiResult<HttpResponse> {
    decide(state, staff, path, body, false).await
}

async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<Decision>,
    approve: bool,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let input = body.into_inner()?;
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::decide(c, &ctx, &staff, &id, &nid, approve, input))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notifications/{nid}/filing", tag = "notifications", request_body = FilingInput, params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, body = DraftView), (status = 401), (status = 404), (status = 409, description = "no valid sign-off"), (status = 422)))]
pub async fn filing(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<FilingInput>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let input = body.into_inner()?;
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::record_filing(c, &ctx, &staff, &id, &nid, input))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    recipient: String,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications/{nid}/preview", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft"), ("recipient" = String, Query)), responses((status = 200, body = Preview), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn preview(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    q: web::Query<PreviewQuery>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let rid = q.into_inner().recipient;
    let ctx = ctx(&state);
    let v = state
        .service(move |c| service::preview(c, &ctx, &staff, &id, &nid, &rid))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Upload the recipients as the request body: CSV (text/csv) or Excel (.xlsx, told apart by its
/// first bytes).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/recipients", tag = "notifications", request_body(content = String, content_type = "text/csv", description = "name,email,postal_address,language and extra columns"), params(("id" = String, Path, description = "the incident")), responses((status = 201, body = ImportReport), (status = 401), (status = 404), (status = 413), (status = 422, description = "every bad row with its line number; nothing imported")))]
pub async fn import(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let max = state.settings.notifications.max_csv_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading the upload: {e}")))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::PayloadTooLarge(format!(
                "the CSV is larger than {max} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let v = state
        .service(move |c| campaign::import(c, &staff, &id, &body, |_, _| {}))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// An incident's recipients: 100 a page by default, at most 1,000.
pub const RECIPIENTS_PAGE: Bounds = Bounds::new(100, 1000);
/// A campaign's messages: 100 a page by default, at most 1,000.
pub const MESSAGES_PAGE: Bounds = Bounds::new(100, 1000);

#[utoipa::path(get, path = "/api/v1/incidents/{id}/recipients", tag = "notifications", params(("id" = String, Path, description = "the incident"), PageQuery), responses((status = 200, description = "{total, recipients: [RecipientView]}: a page (100 by default, at most 1,000); the total also in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422, description = "limit or offset out of range")))]
pub async fn recipients(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let page = paging::Page::of(&q, RECIPIENTS_PAGE)?;
    let (total, items) = state
        .service(move |c| campaign::list_recipients(c, &staff, &id, page.offset, page.limit))
        .await?;
    let mut b = HttpResponse::Ok();
    paging::headers(&mut b, &req, page, total);
    Ok(b.json(serde_json::json!({"total": total, "recipients": items})))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/campaigns", tag = "notifications", request_body = NewCampaign, params(("id" = String, Path, description = "the incident")), responses((status = 201, body = Progress), (status = 401), (status = 404), (status = 409, description = "no valid sign-off, or recipients already reached"), (status = 422)))]
pub async fn start_campaign(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<NewCampaign>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let ctx = ctx(&state);
    let domain = state.settings.mail_domain();
    let v = state
        .db(move |c| {
            let s = campaign::start(c, &ctx, &staff, &id, input, &domain, |_, _| {})?;
            Ok(campaign::progress(c, &staff, &id, &s.campaign_id)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, body = Progress), (status = 401), (status = 404)))]
pub async fn campaign_progress(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let v = state
        .service(move |c| campaign::progress(c, &staff, &id, &cid))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/campaigns/{cid}/pause", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, body = Progress), (status = 401), (status = 404)))]
pub async fn pause(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    control(state, staff, path, true).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/campaigns/{cid}/resume", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, body = Progress), (status = 401), (status = 404)))]
pub async fn resume(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    control(state, staff, path, false).await
}

async fn control(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    paused: bool,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let v = state
        .service(move |c| campaign::control(c, &staff, &id, &cid, paused, None))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    per_minute: Option<i32>,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/campaigns/{cid}/rate", tag = "notifications", request_body(content = Object, description = "{\"per_minute\": 600} or null for no limit"), params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, body = Progress), (status = 401), (status = 404), (status = 422)))]
pub async fn set_rate(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<Rate>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let rate = body.into_inner()?.per_minute;
    let v = state
        .db(move |c| {
            let p = campaign::progress(c, &staff, &id, &cid)?;
            Ok(campaign::control(
                c,
                &staff,
                &id,
                &cid,
                p.paused,
                Some(rate),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}/messages", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign"), PageQuery), responses((status = 200, body = [MessageStatus], description = "a page (100 by default, at most 1,000); the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 404), (status = 422, description = "limit or offset out of range")))]
pub async fn messages(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let page = paging::Page::of(&q, MESSAGES_PAGE)?;
    let (total, v) = state
        .db(move |c| {
            let total = campaign::message_total(c, &staff, &id, &cid)?;
            let v = campaign::messages(c, &staff, &id, &cid, page.offset, page.limit)?;
            Ok::<_, ApiError>((total, v))
        })
        .await?;
    Ok(paging::respond(&req, page, total, &v))
}

/// Every recipient's status in the campaign as an Excel workbook (Dutch headings, dates as dates).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}/messages.xlsx", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, description = "the status per recipient", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 401), (status = 404)))]
pub async fn messages_xlsx(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let (body, reference) = state
        .db(move |c| {
            let body = campaign::messages_xlsx(c, &staff, &id, &cid)?;
            let reference = crate::incidents::store::by_id(c, &id)?
                .map(|i| i.reference)
                .unwrap_or_default();
            Ok((body, reference))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::tabular::XLSX_MIME)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"verzendstatus-{reference}.xlsx\""),
        ))
        .body(body))
}

/// The CSV index of the letters for the post room.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}/letters.csv", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, description = "CSV index of the letters", content_type = "text/csv"), (status = 401), (status = 404), (status = 409)))]
pub async fn letters_index(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let ctx = ctx(&state);
    let (_, index) = state
        .service(move |c| campaign::letters_output(c, &ctx, &staff, &id, &cid))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/csv; charset=utf-8"))
        .body(index))
}

/// One letter, print-ready HTML (A4 print stylesheet).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}/letters/{rid}", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign"), ("rid" = String, Path)), responses((status = 200, description = "one letter, print-ready HTML", content_type = "text/html"), (status = 401), (status = 404), (status = 409)))]
pub async fn letter(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid, rid) = path.into_inner();
    let ctx = ctx(&state);
    let f = state
        .service(move |c| campaign::one_letter(c, &ctx, &staff, &id, &cid, &rid))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .insert_header((
            "Content-Security-Policy",
            crate::notifications::letters::letter_csp(&f.html),
        ))
        .body(f.html))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/campaigns/{cid}/printed", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, description = "{printed: n}"), (status = 401), (status = 404)))]
pub async fn printed(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let n = state
        .service(move |c| campaign::mark_printed(c, &staff, &id, &cid))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"printed": n})))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/public-notices", tag = "notifications", params(("id" = String, Path, description = "the incident")), responses((status = 200, body = [PublicNoticeView], description = "the incident's public notices (Art. 34(3)(c)), withdrawn ones included, oldest first"), (status = 401), (status = 404)))]
pub async fn list_notices(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let v = state.service(move |c| public::list(c, &staff, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Publish a signed-off public notice draft: only when the incident's current decision is the
/// public communication of Art. 34(3)(c), with a valid FG sign-off of exactly its content, and no
/// other notice of the incident in force.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/public-notices", tag = "notifications", request_body = PublishInput, params(("id" = String, Path, description = "the incident")), responses((status = 201, body = PublicNoticeView), (status = 401), (status = 404, description = "no such incident or draft (or another organisation's)"), (status = 409, description = "the current decision is not the public communication of Art. 34(3)(c), no valid sign-off, or a notice already in force"), (status = 422, description = "draft_id missing or not a public notice draft")))]
pub async fn publish_notice(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<PublishInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner()?;
    let ctx = ctx(&state);
    let v = state
        .service(move |c| public::publish(c, &ctx, &staff, &id, &input.draft_id))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// Withdraw a published notice with the reason; the public page then says it was withdrawn (410)
/// and the record stays.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/public-notices/{nid}/withdraw", tag = "notifications", request_body = WithdrawInput, params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the public notice")), responses((status = 200, body = PublicNoticeView), (status = 401), (status = 404), (status = 409, description = "already withdrawn"), (status = 422, description = "reason missing or too long")))]
pub async fn withdraw_notice(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: ApiJson<WithdrawInput>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .service(move |c| public::withdraw(c, &staff, &id, &nid, input.reason))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/notice-settings", tag = "notifications", params(("org" = String, Path, description = "organisation id")), responses((status = 200, body = SettingsView), (status = 401), (status = 404)))]
pub async fn get_settings(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let org = path.into_inner();
    let v = state
        .service(move |c| service::get_settings(c, &staff, &org))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/notice-settings", tag = "notifications", request_body = SettingsInput, params(("org" = String, Path, description = "organisation id")), responses((status = 200, body = SettingsView), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<SettingsInput>,
) -> ApiResult<HttpResponse> {
    let org = path.into_inner();
    let input = body.into_inner()?;
    let v = state
        .service(move |c| service::put_settings(c, &staff, &org, input))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The AP answer set as a printable page (A4 print stylesheet), for the dossier. Signed-in staff
/// only; without a session the browser goes to the login page.
async fn print_page(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let staff = match super::pdf::staff_or_login(&req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (id, nid) = path.into_inner();
    let ctx = ctx(&state);
    let dir = ctx.template_dir.clone();
    let html = state
        .db(move |c| {
            let v = service::load_draft(c, &ctx, &staff, &id, &nid)?;
            let Some(draft) = v.answers.as_ref() else {
                return Err(ApiError::NotFound);
            };
            let inc = crate::incidents::access::visible(c, &staff, &id, false)?;
            let slug = crate::orgs::store::by_id(c, &inc.organisation_id)?
                .map(|o| o.slug)
                .unwrap_or_default();
            let t = super::render::NoticeTemplates::for_org(dir.as_deref(), &slug)
                .map_err(service::template_error)?;
            let approval = super::pdf::approval_nl(&v.approval);
            t.render(
                "ap_print",
                &serde_json::json!({
                    "draft": draft,
                    "sha256": v.content_sha256,
                    "approval": approval,
                    "filing": v.filing.as_ref().map(|f| f.label_nl.clone()),
                }),
            )
            .map_err(|e| service::template_error(e).into())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .body(html))
}

async fn print_css() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Content-Type", "text/css; charset=utf-8"))
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(super::render::PRINT_CSS)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    const N: &str = "/api/v1/incidents/{id}/notifications";
    const C: &str = "/api/v1/incidents/{id}/campaigns";
    super::pdf::configure(cfg);
    cfg.service(
        web::resource(N)
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource(format!("{N}/{{nid}}"))
            .route(web::get().to(show))
            .route(web::patch().to(update)),
    )
    .service(web::resource(format!("{N}/{{nid}}/content")).route(web::get().to(content)))
    .service(web::resource(format!("{N}/{{nid}}/approve")).route(web::post().to(approve)))
    .service(web::resource(format!("{N}/{{nid}}/reject")).route(web::post().to(reject)))
    .service(web::resource(format!("{N}/{{nid}}/filing")).route(web::post().to(filing)))
    .service(web::resource(format!("{N}/{{nid}}/preview")).route(web::get().to(preview)))
    .service(
        web::resource("/api/v1/incidents/{id}/recipients")
            .route(web::post().to(import))
            .route(web::get().to(recipients)),
    )
    .service(
        web::resource("/api/v1/incidents/{id}/public-notices")
            .route(web::get().to(list_notices))
            .route(web::post().to(publish_notice)),
    )
    .service(
        web::resource("/api/v1/incidents/{id}/public-notices/{nid}/withdraw")
            .route(web::post().to(withdraw_notice)),
    )
    .service(web::resource(C).route(web::post().to(start_campaign)))
    .service(web::resource(format!("{C}/{{cid}}")).route(web::get().to(campaign_progress)))
    .service(web::resource(format!("{C}/{{cid}}/pause")).route(web::post().to(pause)))
    .service(web::resource(format!("{C}/{{cid}}/resume")).route(web::post().to(resume)))
    .service(web::resource(format!("{C}/{{cid}}/rate")).route(web::put().to(set_rate)))
    .service(web::resource(format!("{C}/{{cid}}/messages")).route(web::get().to(messages)))
    .service(
        web::resource(format!("{C}/{{cid}}/messages.xlsx")).route(web::get().to(messages_xlsx)),
    )
    .service(web::resource(format!("{C}/{{cid}}/letters.csv")).route(web::get().to(letters_index)))
    .service(web::resource(format!("{C}/{{cid}}/letters/{{rid}}")).route(web::get().to(letter)))
    .service(web::resource(format!("{C}/{{cid}}/printed")).route(web::post().to(printed)))
    .route(
        "/staff/incidents/{id}/notifications/{nid}/print",
        web::get().to(print_page),
    )
    .route("/staff/notice-print.css", web::get().to(print_css))
    .service(
        web::resource("/api/v1/organisations/{org}/notice-settings")
            .route(web::get().to(get_settings))
            .route(web::put().to(put_settings)),
    );
}
