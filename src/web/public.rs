//! The public side: the start page, the report form, the confirmation and the follow-up page.
//! No account; Dutch first. Nothing is stored until the whole form is valid, and what the person
//! typed comes back with every error.
use std::collections::HashMap;

use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde_json::{json, Value};

use super::kit::{csrf_ok, csrf_token, html, web as pages, Lang, PageError};
use super::multipart::{guarded_multipart, next_or_incomplete};
use crate::auth::secrets::{same_digest, sha256_hex};
use crate::error::{ApiError, FieldError};
use crate::http::ratelimit::{check, client_ip};
use crate::reports::attachments::{self, Refused, MAX_BYTES};
use crate::reports::model::{self, Acknowledge, NewAttachment, ReportInput};
use crate::reports::store as report_store;
use crate::state::AppState;

/// At most this many bytes of one text field are kept (public for the fuzz target).
pub const MAX_TEXT_FIELD: usize = 100 * 1024;
/// At most this many fields in one form.
pub const MAX_FIELDS: usize = 60;

/// What a multipart form held: text fields (repeatable) and at most one file.
#[derive(Default)]
pub struct Posted {
    pub fields: HashMap<String, Vec<String>>,
    pub file: Option<(String, Vec<u8>)>,
    pub file_problem: Option<&'static str>,
    pub too_long: bool,
    /// Fields from which control characters were removed (the input boundary): the form is shown
    /// again with the text kept without them.
    pub stripped: Vec<String>,
}

impl Posted {
    /// Keep a text field, without control characters (noting the field if any were removed).
    fn push_text(&mut self, name: String, text: String) {
        let clean = crate::input::strip_bad_chars(&text);
        if clean != text && !self.stripped.contains(&name) {
            self.stripped.push(name.clone());
        }
        self.fields.entry(name).or_default().push(clean);
    }
}

impl Posted {
    pub fn get(&self, k: &str) -> String {
        self.fields
            .get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).trim().to_string()).filter(|s| !s.is_empty())
    }
    pub fn all(&self, k: &str) -> Vec<String> {
        self.fields.get(k).cloned().unwrap_or_default()
    }

    /// The uploaded file, checked by content; `Err` holds the message key of the problem.
    pub fn checked_file(&self) -> Result<Option<NewAttachment>, &'static str> {
        if let Some(problem) = self.file_problem {
            return Err(problem);
        }
        let Some((name, data)) = &self.file else {
            return Ok(None);
        };
        match attachments::sniff(data) {
            Ok(ct) => Ok(Some(NewAttachment::new(
                name.clone(),
                ct.into(),
                data.clone(),
            ))),
            Err(Refused::TooLarge) => Err("err_file_size"),
            Err(Refused::Empty) => Err("err_file_empty"),
            Err(Refused::WrongType) => Err("err_file_type"),
        }
    }
}

/// The per-address limit on public submissions: a clear page with Retry-After when exceeded.
fn limit_submissions(state: &AppState, req: &HttpRequest, lang: Lang) -> Result<(), PageError> {
    check(&state.limits.submissions, client_ip(req)).map_err(|wait| {
        let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
        e.retry_after = Some(wait);
        e
    })
}

/// Read a multipart form (its Content-Type in `headers`) within limits. A file over the limit is
/// drained, not kept, so the rest of the form still arrives and can be shown again.
pub async fn read_multipart<S>(headers: &HeaderMap, payload: S) -> Result<Posted, String>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + 'static,
{
    let (mut mp, ended) = guarded_multipart(headers, payload);
    let mut p = Posted::default();
    let mut count = 0;
    while let Some(field) = next_or_incomplete(&mut mp, &ended).await? {
        let mut field = field.map_err(|e| format!("multipart: {e}"))?;
        count += 1;
        if count > MAX_FIELDS {
            return Err("too many fields".into());
        }
        let name = field.name().unwrap_or("").to_string();
        if name == "attachment" {
            let filename = field
                .content_disposition()
                .and_then(|cd| cd.get_filename().map(|s| s.to_string()))
                .unwrap_or_default();
            let mut data = Vec::new();
            let mut over = false;
            while let Some(chunk) = next_or_incomplete(&mut field, &ended).await? {
                let chunk = chunk.map_err(|e| format!("multipart: {e}"))?;
                if !over && data.len() + chunk.len() > MAX_BYTES {
                    over = true;
                    data = Vec::new();
                }
                if !over {
                    data.extend_from_slice(&chunk);
                }
            }
            if over {
                p.file_problem = Some("err_file_size");
            } else if !data.is_empty() || !filename.is_empty() {
                if data.is_empty() {
                    p.file_problem = Some("err_file_empty");
                } else {
                    p.file = Some((filename, data));
                }
            }
        } else {
            let mut buf = Vec::new();
            while let Some(chunk) = next_or_incomplete(&mut field, &ended).await? {
                let chunk = chunk.map_err(|e| format!("multipart: {e}"))?;
                if buf.len() + chunk.len() > MAX_TEXT_FIELD {
                    p.too_long = true;
                } else {
                    buf.extend_from_slice(&chunk);
                }
            }
            let text = String::from_utf8_lossy(&buf).replace("\r\n", "\n");
            p.push_text(name, text);
        }
    }
    Ok(p)
}

/// Accept a multipart form or an urlencoded one (a hand-crafted request): both meet the same checks.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Posted, String> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        read_multipart(req.headers(), payload).await
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        let mut body = web::BytesMut::new();
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| format!("body: {e}"))?;
            if body.len() + chunk.len() > 4 * MAX_TEXT_FIELD {
                return Err("body too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
        let mut p = Posted::default();
        for (k, v) in pairs {
            p.push_text(k, v.replace("\r\n", "\n"));
        }
        Ok(p)
    } else {
        Err("unsupported content type".into())
    }
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    actix_web::web::Query::<Vec<(String, String)>>::from_query(&String::from_utf8_lossy(body))
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: String,
    hint: String,
    checked: bool,
    id: String,
}

fn choices(lang: Lang, prefix: &str, values: &[&'static str], chosen: &[String]) -> Vec<Choice> {
    let w = pages();
    values
        .iter()
        .map(|v| Choice {
            value: v,
            label: w.t(lang, &format!("{prefix}_{v}")),
            hint: w.t(lang, &format!("{prefix}_{v}_hint")),
            checked: chosen.iter().any(|c| c == v),
            id: format!("f-{prefix}-{v}"),
        })
        .collect()
}

/// Kinds of data a citizen picks from, in plain words (the regulator's vocabulary underneath).
const FORM_KINDS: [&str; 8] = [
    "name",
    "address",
    "bsn",
    "date_of_birth",
    "health",
    "financial",
    "id_copy",
    "other",
];

/// The form, empty or with what was typed and the errors.
async fn form_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    values: &Posted,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (csrf, cookie) = csrf_token(req);
    let orgs = state
        .db(|c| Ok(crate::orgs::store::all(c)?))
        .await
        .map_err(|e| PageError::internal(lang, format!("{e}")))?;
    let chosen_org = values.get("organisation");
    let organisations: Vec<Value> = orgs
        .iter()
        .map(|o| json!({"slug": o.slug, "name": o.name, "selected": o.slug == chosen_org}))
        .collect();
    let err_map: serde_json::Map<String, Value> =
        errors.iter().map(|(f, m)| (f.clone(), json!(m))).collect();
    let w = pages();
    let ctx = json!({
        "title": w.t(lang, "form_title"),
        "csrf": csrf,
        "values": {
            "description": values.get("description"),
            "organisation_hint": values.get("organisation_hint"),
            "received_on": values.get("received_on"),
            "contact_name": values.get("contact_name"),
            "contact_email": values.get("contact_email"),
            "contact_phone": values.get("contact_phone"),
            "may_contact": values.get("may_contact") == "yes",
        },
        "organisations": organisations,
        "org_unknown_selected": chosen_org.is_empty(),
        "received_via": choices(lang, "via", &["letter", "email", "other"], &values.all("received_via")),
        "kinds": choices(lang, "kind", &FORM_KINDS, &values.all("data_kinds")),
        "actions": choices(lang, "action", &["kept", "destroyed", "returned", "forwarded"], &values.all("action_taken")),
        "errors": errors.iter().map(|(f, m)| json!({"field": f, "message": m, "href": format!("#f-{f}")})).collect::<Vec<_>>(),
        "has_errors": !errors.is_empty(),
        "err": err_map,
        "max_mb": MAX_BYTES / (1024 * 1024),
    });
    let body = w.page(req, lang, "public/form", ctx)?;
    Ok(html(status, body, cookie))
}

const CONTROL_CHARS: &str = "control characters";
const DATE_RANGE: &str = "date range";
/// The form's text fields that are shown again with a message when control characters were
/// removed from them (others, such as the honeypot, are only cleaned).
const SHOWN_TEXT_FIELDS: &[&str] = &[
    "description",
    "organisation_hint",
    "received_on",
    "contact_name",
    "contact_email",
    "contact_phone",
];

/// Turn the domain's field errors into messages in the person's language, keyed by form field.
fn localise(lang: Lang, errs: &[FieldError]) -> Vec<(String, String)> {
    let w = pages();
    let mut out: Vec<(String, String)> = vec![];
    for e in errs {
        let field = e.field.split('[').next().unwrap_or(&e.field).to_string();
        let key = match field.as_str() {
            _ if e.message == CONTROL_CHARS => "err_control_chars",
            "received_on" if e.message == DATE_RANGE => "err_received_on_range",
            "description" if e.message.starts_with("at most") => "err_description_long",
            "description" => "err_description_required",
            "received_on" if e.message.contains("future") => "err_received_on_future",
            "received_on" => "err_received_on_format",
            "contact_email" => "err_contact_email",
            "contact_phone" => "err_contact_phone",
            "organisation" => "err_organisation",
            "contact_name" | "organisation_hint" => "err_too_long",
            "attachment" => e.message.as_str(),
            _ => "err_choice",
        };
        if !out.iter().any(|(f, _)| f == &field) {
            out.push((field, w.t(lang, key)));
        }
    }
    out
}

async fn start(req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let body = w.page(
        &req,
        lang,
        "public/start",
        json!({"title": w.t(lang, "start_title")}),
    )?;
    Ok(html(StatusCode::OK, body, None))
}

async fn form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    form_page(
        &state,
        &req,
        lang,
        &Posted::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

async fn submit(
    state: web::Data<AppState>,
    intake: web::Data<crate::reports::intake::Intake>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    limit_submissions(&state, &req, lang)?;
    let posted = match read_form(&req, payload).await {
        Ok(p) => p,
        Err(_) => return Err(PageError::new(StatusCode::BAD_REQUEST, lang, "")),
    };
    // The page may have expired (or been sent twice): show the form again with what they typed.
    if !csrf_ok(&req, &posted.get("csrf")) {
        let msg = w.t(lang, "err_csrf");
        return form_page(
            &state,
            &req,
            lang,
            &posted,
            vec![("form".into(), msg)],
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Honeypot: people do not see this field; robots fill it in.
    if !posted.get("website").is_empty() {
        return Err(PageError::new(StatusCode::BAD_REQUEST, lang, ""));
    }
    let mut errors: Vec<FieldError> = vec![];
    let received_on = match posted.opt("received_on") {
        None => None,
        Some(s) => match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) if crate::input::date_ok(d) => Some(d),
            // Beyond the bound is in the future, and is said so.
            Ok(d) if chrono::Datelike::year(&d) > crate::input::MAX_YEAR => {
                errors.push(FieldError::new("received_on", "lies in the future"));
                None
            }
            Ok(_) => {
                errors.push(FieldError::new("received_on", DATE_RANGE));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("received_on", "format"));
                None
            }
        },
    };
    if posted.too_long {
        errors.push(FieldError::new("description", "at most"));
    }
    for f in &posted.stripped {
        if SHOWN_TEXT_FIELDS.contains(&f.as_str()) {
            errors.push(FieldError::new(f.clone(), CONTROL_CHARS));
        }
    }
    let one = |k: &str| posted.opt(k);
    let input = ReportInput {
        description: posted.get("description"),
        received_via: one("received_via"),
        organisation: one("organisation"),
        organisation_hint: one("organisation_hint"),
        received_on,
        data_kinds: posted.all("data_kinds"),
        action_taken: one("action_taken"),
        contact_name: one("contact_name"),
        contact_email: one("contact_email"),
        contact_phone: one("contact_phone"),
        may_contact: Some(posted.get("may_contact") == "yes"),
        language: Some(lang.code().into()),
        channel: None,
    };
    let today = crate::db::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let validated = input.validate(state.settings.limits.description_chars, today, false);
    let mut new = match validated {
        Ok(n) => Some(n),
        Err(ApiError::Validation(v)) => {
            errors.extend(v);
            None
        }
        Err(e) => return Err(PageError::from_api(lang, e)),
    };
    let attachment = match posted.checked_file() {
        Ok(a) => a,
        Err(key) => {
            errors.push(FieldError::new("attachment", key));
            None
        }
    };
    let org = match crate::orgs::service::resolve_for_report(&state, input.organisation.as_deref())
        .await
    {
        Ok(o) => o,
        Err(crate::error::DomainError::Invalid(v)) => {
            errors.extend(v.into_iter().map(FieldError::from));
            None
        }
        Err(e) => return Err(PageError::from_domain(lang, e)),
    };
    if !errors.is_empty() {
        let mut shown = localise(lang, &errors);
        // A chosen file cannot be put back into the form: say so.
        if posted.file.is_some() && !shown.iter().any(|(f, _)| f == "attachment") {
            shown.push(("attachment".into(), w.t(lang, "err_file_again")));
        }
        return form_page(
            &state,
            &req,
            lang,
            &posted,
            shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut new = new.take().expect("validated");
    new.channel = "web_form".into();
    new.organisation_id = org;
    new.attachments = attachment.into_iter().collect();
    let gave_email = new.contact_email.is_some();
    new.acknowledge = Some(Acknowledge {
        public_url: state.settings.server.public_url.clone(),
        mail_domain: state.settings.mail_domain(),
        limits: state.settings.limits.ack_limits(),
        thread: Default::default(),
    });
    let created = intake
        .submit(new)
        .await
        .map_err(|e| PageError::from_api(lang, e))?;
    tracing::info!(reference = %created.reference, channel = "web_form", "report received");
    let follow_url = format!(
        "{}/volgen/{}/{}",
        state.settings.server.public_url.trim_end_matches('/'),
        created.reference,
        created.follow_up_token
    );
    // A fresh CSRF token: sending the same form again (refresh, double click) is refused.
    let (_, fresh) = super::kit::fresh_csrf(&req);
    let body = w.page(
        &req,
        lang,
        "public/confirm",
        json!({"title": w.t(lang, "confirm_title"), "reference": created.reference, "follow_url": follow_url, "gave_email": gave_email}),
    )?;
    Ok(html(StatusCode::OK, body, Some(fresh)))
}

/// The report behind a follow-up link, or 404.
async fn followed(
    state: &AppState,
    lang: Lang,
    reference: String,
    token: String,
) -> Result<report_store::ReportRow, PageError> {
    let row = state
        .db(move |c| Ok(report_store::by_reference(c, &reference)?))
        .await
        .map_err(|e| PageError::from_api(lang, e))?;
    match row {
        Some(r) if same_digest(&sha256_hex(&token), &r.follow_up_hash) => Ok(r),
        _ => Err(PageError::not_found(lang)),
    }
}

/// What the follow-up page shows besides the report: a notice, errors, the text typed, the status.
struct Shown<'a> {
    notice: Option<String>,
    errors: Vec<(String, String)>,
    text: &'a str,
    status: StatusCode,
}

async fn follow_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    row: &report_store::ReportRow,
    shown: Shown<'_>,
) -> Result<HttpResponse, PageError> {
    let Shown {
        notice,
        errors,
        text,
        status,
    } = shown;
    let (csrf, cookie) = csrf_token(req);
    let id = row.id.clone();
    let (msgs, files) = state
        .db(move |c| {
            let ids = vec![id];
            Ok((
                attachments::messages(c, &ids)?,
                attachments::for_reports(c, &ids)?,
            ))
        })
        .await
        .map_err(|e| PageError::internal(lang, format!("{e}")))?;
    let w = pages();
    let added: Vec<Value> = msgs
        .iter()
        .filter(|m| m.author == "reporter")
        .map(|m| json!({"body": m.body, "at": local_time(m.created_at)}))
        .collect();
    // Our answers to the reporter, newest first: always shown here, e-mailed too when they gave an
    // address (`reports::reply`).
    let answers: Vec<Value> = msgs
        .iter()
        .rev()
        .filter(|m| m.author == "staff")
        .map(|m| json!({"lines": m.body.lines().collect::<Vec<_>>(), "at": local_time(m.created_at)}))
        .collect();
    let err_map: serde_json::Map<String, Value> =
        errors.iter().map(|(f, m)| (f.clone(), json!(m))).collect();
    let ctx = json!({
        "title": w.t(lang, "follow_title"),
        "csrf": csrf,
        "reference": row.reference,
        "status_text": model::status_text(row.status.as_str(), lang.code()),
        "received_at": local_time(row.created_at),
        "added": added,
        "answers": answers,
        "files": files.len(),
        "notice": notice,
        "errors": errors.iter().map(|(f, m)| json!({"field": f, "message": m, "href": format!("#f-{f}")})).collect::<Vec<_>>(),
        "has_errors": !errors.is_empty(),
        "err": err_map,
        "text": text,
        "action": req.path(),
    });
    let body = w.page(req, lang, "public/follow", ctx)?;
    Ok(html(status, body, cookie))
}

fn local_time(t: chrono::NaiveDateTime) -> String {
    crate::db::from_db(t)
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

async fn follow(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    // The link holds a secret: tries per client address are limited.
    check(&state.limits.credentials, client_ip(&req)).map_err(|wait| {
        let mut e = PageError::new(StatusCode::TOO_MANY_REQUESTS, lang, "");
        e.retry_after = Some(wait);
        e
    })?;
    let (reference, token) = path.into_inner();
    let row = followed(&state, lang, reference, token).await?;
    follow_page(
        &state,
        &req,
        lang,
        &row,
        Shown {
            notice: None,
            errors: vec![],
            text: "",
            status: StatusCode::OK,
        },
    )
    .await
}

async fn follow_add(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    limit_submissions(&state, &req, lang)?;
    let (reference, token) = path.into_inner();
    let row = followed(&state, lang, reference, token).await?;
    let posted = read_form(&req, payload)
        .await
        .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, lang, ""))?;
    let text = posted.get("text").trim().to_string();
    if !csrf_ok(&req, &posted.get("csrf")) {
        return follow_page(
            &state,
            &req,
            lang,
            &row,
            Shown {
                notice: None,
                errors: vec![("form".into(), w.t(lang, "err_csrf"))],
                text: &text,
                status: StatusCode::FORBIDDEN,
            },
        )
        .await;
    }
    let mut errors = vec![];
    let file = match posted.checked_file() {
        Ok(a) => a,
        Err(key) => {
            errors.push(("attachment".to_string(), w.t(lang, key)));
            None
        }
    };
    if text.chars().count() > state.settings.limits.description_chars || posted.too_long {
        errors.push(("text".into(), w.t(lang, "err_description_long")));
    }
    if posted.stripped.iter().any(|f| f == "text") {
        errors.push(("text".into(), w.t(lang, "err_control_chars")));
    }
    if errors.is_empty() && text.is_empty() && file.is_none() {
        errors.push(("text".into(), w.t(lang, "err_follow_empty")));
    }
    if !errors.is_empty() {
        return follow_page(
            &state,
            &req,
            lang,
            &row,
            Shown {
                notice: None,
                errors,
                text: &text,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        )
        .await;
    }
    let (report_id, org_id) = (row.id.clone(), row.organisation_id.clone());
    let t2 = text.clone();
    state
        .service(move |c| {
            crate::reports::service::add_from_reporter(
                c,
                &report_id,
                org_id.as_deref(),
                &t2,
                file.as_ref(),
            )
        })
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    follow_page(
        &state,
        &req,
        lang,
        &row,
        Shown {
            notice: Some(w.t(lang, "follow_thanks")),
            errors: vec![],
            text: "",
            status: StatusCode::OK,
        },
    )
    .await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(start))
        .service(
            web::resource("/melden")
                .route(web::get().to(form))
                .route(web::post().to(submit)),
        )
        .service(
            web::resource("/volgen/{reference}/{token}")
                .route(web::get().to(follow))
                .route(web::post().to(follow_add)),
        );
}

/// Inputs `cargo fuzz` (fuzz/, target `form_multipart`) found, replayed on the real parser.
#[cfg(test)]
mod fuzz_findings {
    use super::*;

    /// A fuzz input: the first byte picks the chunk size, then the Content-Type up to a line
    /// feed, then the body (as in fuzz/fuzz_targets/form_multipart.rs).
    fn run(data: &[u8]) -> Result<Posted, String> {
        let cut = data[0] as usize + 1;
        let nl = data
            .iter()
            .position(|b| *b == b'\n')
            .expect("a header line");
        let mut headers = HeaderMap::new();
        headers.insert(
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderValue::from_bytes(&data[1..nl]).unwrap(),
        );
        let chunks: Vec<Result<Bytes, PayloadError>> = data[nl + 1..]
            .chunks(cut)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(10),
                read_multipart(&headers, futures_util::stream::iter(chunks)),
            )
            .await
            .expect("the form parser hangs")
        })
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/fuzz/form_multipart/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A body that ends inside a field (here after a lone `\r`) left the request waiting for
    /// ever; now it is an incomplete form, and the same form completed is read.
    #[test]
    fn a_body_that_ends_inside_a_field_is_refused_not_awaited() {
        let raw = fixture("body_ends_inside_field.bin");
        let e = run(&raw).err().expect("an incomplete form is refused");
        assert!(e.contains("ends inside"), "{e}");
        let mut complete = raw.clone();
        complete.extend_from_slice(b"\n--q--\r\n");
        let p = run(&complete).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.get("description"), "Ik kreeg een brief");
    }

    /// A one-character boundary and a line of one byte before it made actix-multipart slice
    /// past the line's end: a panic while serving the request. Now the form is refused.
    #[test]
    fn a_parser_panic_is_a_refused_form() {
        let e = run(&fixture("one_char_boundary_panic.bin"))
            .err()
            .expect("a malformed form is refused");
        assert!(e.contains("malformed"), "{e}");
    }
}
