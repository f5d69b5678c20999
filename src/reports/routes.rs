//! Thin handlers for reports: parse → domain/store → render.
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::model::{self, ReportInput, ReporterView};
use super::store::{self, ReportRow};
use crate::auth::extract::bearer;
use crate::auth::secrets::{same_digest, sha256_hex};
use crate::auth::Staff;
use crate::db::{from_db, now};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::privacy;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportCreated {
    pub reference: String,
    /// Secret shown once: send it as a Bearer token to follow the report.
    pub follow_up_token: String,
    pub status: String,
    pub status_url: String,
}

/// Full staff view of a report.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: String,
    pub reference: String,
    pub channel: String,
    pub organisation_id: Option<String>,
    pub organisation_hint: Option<String>,
    pub description: String,
    pub received_via: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub received_on: Option<NaiveDate>,
    pub data_kinds: Vec<String>,
    pub action_taken: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub may_contact: bool,
    pub language: String,
    pub status: String,
    pub incident_id: Option<String>,
    #[serde(with = "crate::serde_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

impl From<ReportRow> for ReportView {
    fn from(r: ReportRow) -> Self {
        ReportView {
            id: r.id,
            reference: r.reference,
            channel: r.channel,
            organisation_id: r.organisation_id,
            organisation_hint: r.organisation_hint,
            description: r.description,
            received_via: r.received_via,
            received_on: r.received_on,
            data_kinds: serde_json::from_str(&r.data_kinds).unwrap_or_default(),
            action_taken: r.action_taken,
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            may_contact: r.may_contact,
            language: r.language,
            status: r.status.to_string(),
            incident_id: r.incident_id,
            created_at: r.created_at,
        }
    }
}

/// A report in a list: personal data masked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportListItem {
    pub id: String,
    pub reference: String,
    pub channel: String,
    pub organisation_id: Option<String>,
    pub excerpt: String,
    pub contact: Option<String>,
    pub status: String,
    pub incident_id: Option<String>,
    #[serde(with = "crate::serde_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

impl From<ReportRow> for ReportListItem {
    fn from(r: ReportRow) -> Self {
        ReportListItem {
            excerpt: privacy::excerpt(&r.description, 160),
            contact: r.contact_email.as_deref().map(privacy::mask_email),
            id: r.id,
            reference: r.reference,
            channel: r.channel,
            organisation_id: r.organisation_id,
            status: r.status.to_string(),
            incident_id: r.incident_id,
            created_at: r.created_at,
        }
    }
}

/// Optional staff identity on a public route: a present but invalid token is a 401.
async fn optional_staff(req: &HttpRequest) -> ApiResult<Option<Staff>> {
    if bearer(req).is_none() && req.cookie(crate::auth::extract::SESSION_COOKIE).is_none() {
        return Ok(None);
    }
    use actix_web::FromRequest;
    Staff::from_request(req, &mut actix_web::dev::Payload::None)
        .await
        .map(Some)
}

/// Take a report. Citizens need no account; staff tokens may set the channel.
#[utoipa::path(post, path = "/api/v1/reports", request_body = ReportInput, tag = "reports",
    responses((status = 201, body = ReportCreated), (status = 422, description = "invalid field")))]
pub async fn create(
    state: web::Data<AppState>,
    intake: web::Data<super::intake::Intake>,
    req: HttpRequest,
    body: ApiJson<ReportInput>,
) -> ApiResult<HttpResponse> {
    let staff = optional_staff(&req).await?;
    if staff.is_none() {
        // Anonymous intake: the same per-address budget as the form.
        crate::http::ratelimit::limit_api(&req, |l| &l.submissions)?;
    }
    let input = body.into_inner()?;
    let today = now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let mut new = input.validate(
        state.settings.limits.description_chars,
        today,
        staff.is_some(),
    )?;
    let slug = input.organisation.clone();
    let org_id = crate::orgs::service::resolve_for_report(&state, slug.as_deref()).await?;
    if let (Some(s), Some(org)) = (&staff, &org_id) {
        if !s.can_handle(org) {
            return Err(ApiError::field("organisation", "unknown organisation"));
        }
    }
    new.organisation_id = org_id;
    new.created_by = staff.as_ref().map(|s| s.id.clone());
    let created = intake.submit(new).await?;
    tracing::info!(reference = %created.reference, "report received");
    let url = format!("/api/v1/reports/{}", created.reference);
    Ok(HttpResponse::Created()
        .insert_header(("Location", url.clone()))
        .json(ReportCreated {
            reference: created.reference,
            follow_up_token: created.follow_up_token,
            status: "received".into(),
            status_url: url,
        }))
}

/// The reporter (with the follow-up token) sees the status; staff see the report.
#[utoipa::path(get, path = "/api/v1/reports/{reference}", tag = "reports",
    params(("reference" = String, Path)),
    responses((status = 200, body = ReporterView), (status = 401), (status = 404)))]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let token = bearer(&req);
    if token.is_none() && req.cookie(crate::auth::extract::SESSION_COOKIE).is_none() {
        return Err(ApiError::Unauthorized(
            "send the follow-up token as a Bearer token".into(),
        ));
    }
    if token.as_deref().is_some_and(|t| t.starts_with("mpf_")) {
        // A follow-up token is a secret tried from outside: limited per client address.
        crate::http::ratelimit::limit_api(&req, |l| &l.credentials)?;
    }
    let r = reference.clone();
    let row = state.db(move |c| Ok(store::by_reference(c, &r)?)).await?;
    if let (Some(row), Some(t)) = (&row, &token) {
        if same_digest(&sha256_hex(t), &row.follow_up_hash) {
            return Ok(HttpResponse::Ok().json(ReporterView {
                reference: row.reference.clone(),
                status: row.status.to_string(),
                status_text: model::status_text(row.status.as_str(), &row.language).into(),
                received_at: from_db(row.created_at),
                updated_at: from_db(row.updated_at),
            }));
        }
    }
    let staff = match optional_staff(&req).await {
        Ok(Some(s)) => s,
        // A token that is neither this report's nor a staff token: as if the report did not exist.
        _ => return Err(ApiError::NotFound),
    };
    match row {
        Some(row) if staff_may_see(&staff, &row) => {
            Ok(HttpResponse::Ok().json(ReportView::from(row)))
        }
        _ => Err(ApiError::NotFound),
    }
}

use super::service::staff_may_see;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Organisation slug.
    pub organisation: Option<String>,
    pub status: Option<String>,
    pub channel: Option<String>,
    /// Text to find in the description or reference.
    pub q: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// 0 or more.
    pub offset: Option<i64>,
}

/// The inbox's page size: 50 unless asked, at most 500.
pub const LIST_PAGE: Bounds = Bounds::new(50, 500);

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", params(ListQuery),
    responses((status = 200, body = Vec<ReportListItem>, description = "newest first, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 422)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let mut errs = vec![];
    if let Some(s) = &q.status {
        if !model::STATUSES.contains(&s.as_str()) {
            errs.push(FieldError::new(
                "status",
                format!("one of: {}", model::STATUSES.join(", ")),
            ));
        }
    }
    if let Some(c) = &q.channel {
        if !model::CHANNELS.contains(&c.as_str()) {
            errs.push(FieldError::new(
                "channel",
                format!("one of: {}", model::CHANNELS.join(", ")),
            ));
        }
    }
    let page = match Page::of(
        &PageQuery {
            limit: q.limit,
            offset: q.offset,
        },
        LIST_PAGE,
    ) {
        Ok(p) => Some(p),
        Err(ApiError::Validation(e)) => {
            errs.extend(e);
            None
        }
        Err(e) => return Err(e),
    };
    let page = match page {
        Some(p) if errs.is_empty() => p,
        _ => return Err(ApiError::Validation(errs)),
    };
    let mut org_ids = staff.org_ids();
    let mut include_unassigned = staff.is_admin;
    if let Some(slug) = &q.organisation {
        let dir = crate::orgs::service::directory(&state).await?;
        let id = dir
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, id)| id.clone());
        match id {
            Some(id) if org_ids.contains(&id) => org_ids = vec![id],
            _ => return Err(ApiError::NotFound),
        }
        include_unassigned = false;
    }
    let filter = store::ListFilter {
        org_ids,
        include_unassigned,
        status: q.status,
        channel: q.channel,
        q: q.q.filter(|s| !s.trim().is_empty()),
        limit: page.limit,
        offset: page.offset,
    };
    let (rows, total) = state
        .db(move |c| Ok((store::list(c, &filter)?, store::count(c, &filter)?)))
        .await?;
    let items: Vec<ReportListItem> = rows.into_iter().map(ReportListItem::from).collect();
    Ok(paging::respond(&req, page, total, &items))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPatch {
    /// Assign an unassigned report to an organisation (slug).
    pub organisation: Option<String>,
    /// in_review or closed
    pub status: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/reports/{reference}", tag = "reports", request_body = ReportPatch,
    params(("reference" = String, Path)),
    responses((status = 200, body = ReportView), (status = 404), (status = 422)))]
pub async fn patch(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<ReportPatch>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let p = body.into_inner()?;
    let target_org = match &p.organisation {
        Some(slug) => {
            let dir = crate::orgs::service::directory(&state).await?;
            match super::service::assignable_org(&dir, &staff, slug) {
                Some(id) => Some(id),
                None => return Err(ApiError::field("organisation", "unknown organisation")),
            }
        }
        None => None,
    };
    let links = crate::signals::Links::from_settings(&state.settings);
    let row = state
        .service(move |c| {
            super::service::update(
                c,
                &staff,
                &reference,
                target_org.as_deref(),
                p.status.as_deref(),
                Some(&links),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReportView::from(row)))
}

/// Acknowledgements sent and held back (no mail cannon: see `reports::ack_limits`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct AcknowledgementsView {
    pub last_24_hours: super::ack_limits::AckCounts,
    pub last_30_days: super::ack_limits::AckCounts,
    /// At most one acknowledgement per address within this many minutes (0: no limit).
    pub per_address_minutes: i64,
    /// At most this many per clock hour in all (0: no limit).
    pub per_hour: i64,
}

#[utoipa::path(get, path = "/api/v1/acknowledgements", tag = "reports",
    responses((status = 200, body = AcknowledgementsView), (status = 401)))]
pub async fn acknowledgements(
    state: web::Data<AppState>,
    _staff: Staff,
) -> ApiResult<HttpResponse> {
    // Counts only, no addresses or reports: every signed-in staff member may see them.
    let (day, month) = state
        .db(move |c| Ok(super::ack_limits::summary(c, now())?))
        .await?;
    let limits = state.settings.limits.ack_limits();
    Ok(HttpResponse::Ok().json(AcknowledgementsView {
        last_24_hours: day,
        last_30_days: month,
        per_address_minutes: limits.per_recipient_minutes,
        per_hour: limits.per_hour,
    }))
}

/// Answer the reporter: a standard answer and/or free text, by e-mail when the report has an
/// address, and always on the reporter's follow-up page.
#[utoipa::path(post, path = "/api/v1/reports/{reference}/replies", tag = "reports",
    request_body = super::reply::ReplyInput, params(("reference" = String, Path)),
    responses((status = 201, body = super::reply::Replied), (status = 401), (status = 404), (status = 422)))]
pub async fn reply(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: ApiJson<super::reply::ReplyInput>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let input = body.into_inner()?;
    let links = crate::signals::Links::from_settings(&state.settings);
    let v = state
        .service(move |c| super::reply::reply(c, &staff, &reference, input, &links))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/acknowledgements", web::get().to(acknowledgements));
    cfg.route("/api/v1/reports/{reference}/replies", web::post().to(reply));
    cfg.service(
        web::resource("/api/v1/reports")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/api/v1/reports/{reference}")
            .route(web::get().to(show))
            .route(web::patch().to(patch)),
    );
}
