//! Drafting a notification (to the AP, the letter and e-mail to the people, or a public notice),
//! the page of one notification, editing it and recording the filing at the AP.
use super::shared::{
    approval_ctx, blocking_ctx, fields_ctx, input_from_form, input_values, kind_label, load, short,
    shown, t, FIELDS,
};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::notifications::lifecycle::{Action, DraftKind, ALL_KINDS};
use crate::notifications::service::ctx as nctx;
use crate::notifications::service::{self, FilingInput};
use crate::state::AppState;
use crate::web::kit::{redirect, Lang, PageError};
use crate::web::staff::form::{errors_ctx, push_err, Shown};
use crate::web::staff::page::{begin, here, notice, page_err, query, render, signed_in};
use crate::web::staff::when::{input_value, local_time, parse_local};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;

// --- a new draft ------------------------------------------------------------------------------

/// Whether the 72 hours have passed for this incident (the delay reason is then required).
pub(super) async fn late(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<(String, bool), PageError> {
    let (s, i) = (staff.clone(), id.to_string());
    let row = state
        .db(move |c| Ok(crate::incidents::service::visible(c, &s, &i, false)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let deadline = crate::db::from_db(row.ap_deadline);
    Ok((
        format!("{} {}", row.reference, row.title),
        crate::db::now() > deadline,
    ))
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn new_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    chosen: &str,
    values: HashMap<String, String>,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (title, late) = late(state, staff, id, lang).await?;
    let (list, map) = errors_ctx(&errors);
    let kinds: Vec<Value> = ALL_KINDS
        .iter()
        .map(|k| {
            let v = k.as_str();
            json!({"value": v, "label": kind_label(lang, *k), "checked": v == chosen,
                   "id": format!("f-kind-{v}")})
        })
        .collect();
    let ctx = json!({
        "title": t(lang, "staff_nf_new_title"),
        "incident_title": title,
        "id": id,
        "back": format!("/staff/incidents/{id}#notifications"),
        "kinds": kinds,
        "kind_error": errors.iter().find(|(f, _)| f == "kind").map(|(_, m)| m.clone()),
        "late": late,
        "groups": fields_ctx(lang, &values, &errors, None),
        "errors": list,
        "err": map,
    });
    render(
        req,
        lang,
        Some(staff),
        "staff/notification_new",
        ctx,
        status,
    )
}

/// `GET /staff/incidents/{id}/notifications/new`.
pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let q = query(&req);
    let chosen = q
        .get("kind")
        .filter(|k| DraftKind::parse(k).is_some())
        .cloned()
        .unwrap_or_else(|| "initial_complete".into());
    new_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        &chosen,
        HashMap::new(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/notifications`: draft a notification.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let id = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let chosen = f.get("kind");
    let typed: HashMap<String, String> = FIELDS
        .iter()
        .map(|(n, ..)| (n.to_string(), f.get(n)))
        .collect();
    let Some(kind) = DraftKind::parse(&chosen) else {
        return new_page(
            &state,
            &req,
            lang,
            &staff,
            &id,
            "",
            typed,
            vec![("kind".into(), t(lang, "staff_err_choice"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = input_from_form(&f);
    let ctx = nctx(&state);
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(service::draft_new(c, &ctx, &s, &i, kind, input)?))
        .await
    {
        Ok(v) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{}?ok=drafted",
            v.id
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "kind")?;
            new_page(
                &state, &req, lang, &staff, &id, &chosen, typed, errors, status,
            )
            .await
        }
    }
}

// --- one notification ------------------------------------------------------------------------

/// What the page was sent back with after a refused form.
#[derive(Default)]
pub(super) struct Again {
    pub(super) errors: Shown,
    pub(super) typed: Option<HashMap<String, String>>,
    /// What was typed in the filing form.
    pub(super) filing: Option<HashMap<String, String>>,
    pub(super) status: Option<StatusCode>,
}

pub(super) async fn notification_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    nid: &str,
    again: Again,
) -> Result<HttpResponse, PageError> {
    let d = load(state, staff, id, nid, lang).await?;
    let v = &d.view;
    let (list, map) = errors_ctx(&again.errors);
    let values = again
        .typed
        .clone()
        .unwrap_or_else(|| input_values(&v.input));
    let (is_ap, is_public) = (v.kind.is_ap(), v.kind.is_public());
    let may = |a: Action| d.actions.contains(&a);
    let base = format!("/staff/incidents/{id}/notifications/{nid}");
    let err = |k: &str| {
        again
            .errors
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, m)| m.clone())
    };
    let notices: Vec<Value> = d
        .notices
        .iter()
        .map(|n| {
            json!({
                "id": n.id,
                "title": if lang == Lang::Nl { &n.title_nl } else { &n.title_en },
                "url": n.url,
                "published_at": local_time(lang, n.published_at),
                "withdrawn_at": n.withdrawn_at.map(|t| local_time(lang, t)),
                "withdrawn_reason": n.withdrawn_reason,
                "hash_short": short(&n.content_sha256),
                "withdraw_url": format!("/staff/incidents/{id}/public-notices/{}/withdraw", n.id),
            })
        })
        .collect::<Vec<_>>();
    let ctx = json!({
        "title": format!("{} — {}", kind_label(lang, v.kind), d.reference),
        "kind": kind_label(lang, v.kind),
        "reference": d.reference,
        "incident_title": d.incident_title,
        "id": id,
        "nid": nid,
        "base": base,
        "back": format!("/staff/incidents/{id}#notifications"),
        "notice": notice(req, lang, &["drafted", "draft_saved", "approved", "rejected", "filed", "published", "withdrawn"]),
        "drafted_by": d.names.get(&v.created_by).cloned().unwrap_or_default(),
        "drafted_at": local_time(lang, v.created_at),
        "hash": v.content_sha256,
        "hash_short": short(&v.content_sha256),
        "approval": approval_ctx(lang, v, &d.names),
        "blocking": blocking_ctx(lang, v),
        "editable": may(Action::Edit),
        "groups": fields_ctx(lang, &values, &again.errors, Some(v.kind.purpose())),
        "is_ap": is_ap,
        "is_public": is_public,
        "is_letter": v.kind.is_letters(),
        "print_url": is_ap.then(|| format!("{base}/print")),
        "signoff_url": format!("{base}/signoff"),
        "recipients_url": format!("/staff/incidents/{id}/recipients"),
        "recipients": d.recipients,
        "may_publish": may(Action::Publish),
        "needs_public_decision": is_public && !d.public_decided,
        "decision_url": format!("/staff/incidents/{id}#decision"),
        "notices": notices,
        "errors": list,
        "err": map,
    });
    let more = json!({
        "may_file": may(Action::File),
        "filing": v.filing.as_ref().map(|f| if lang == Lang::Nl { f.label_nl.clone() } else { f.label_en.clone() }),
        "filing_late": v.filing.as_ref().map(|f| !f.within_72_hours).unwrap_or(false),
        "ap_number": again.filing.as_ref().and_then(|t| t.get("ap_number").cloned()).unwrap_or_default(),
        "filed_at": again.filing.as_ref().and_then(|t| t.get("filed_at").cloned()).unwrap_or_else(|| input_value(Some(crate::db::now()))),
        "err_ap_number": err("ap_number"),
        "err_filed_at": err("filed_at"),
        "err_filing": err("filing"),
        "err_draft": err("draft"),
        "err_publish": err("publish"),
        "err_reason": err("reason"),
    });
    let mut ctx = ctx;
    if let (Some(o), Some(m)) = (ctx.as_object_mut(), more.as_object()) {
        for (k, v) in m {
            o.insert(k.clone(), v.clone());
        }
    }
    render(
        req,
        lang,
        Some(staff),
        "staff/notification",
        ctx,
        again.status.unwrap_or(StatusCode::OK),
    )
}

/// `GET /staff/incidents/{id}/notifications/{nid}`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, nid) = path.into_inner();
    notification_page(&state, &req, lang, &staff, &id, &nid, Again::default()).await
}

/// `POST /staff/incidents/{id}/notifications/{nid}`: change the drafter's fields.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, nid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let typed: HashMap<String, String> = FIELDS
        .iter()
        .map(|(n, ..)| (n.to_string(), f.get(n)))
        .collect();
    let input = input_from_form(&f);
    let ctx = nctx(&state);
    let (s, i, n) = (staff.clone(), id.clone(), nid.clone());
    match state
        .db(move |c| Ok(service::update_draft(c, &ctx, &s, &i, &n, input)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok=draft_saved"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "draft")?;
            let again = Again {
                errors,
                typed: Some(typed),
                status: Some(status),
                ..Default::default()
            };
            notification_page(&state, &req, lang, &staff, &id, &nid, again).await
        }
    }
}

/// `POST /staff/incidents/{id}/notifications/{nid}/filing`: the AP's number and time of filing
/// (Amsterdam time in the form, stored as UTC).
pub async fn filing(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, nid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let typed: HashMap<String, String> = [
        ("ap_number".to_string(), f.get("ap_number")),
        ("filed_at".to_string(), f.get("filed_at")),
    ]
    .into_iter()
    .collect();
    let mut errors: Shown = vec![];
    let filed_at = match parse_local(&f.get("filed_at")) {
        Ok(t) => t,
        Err(key) => {
            push_err(&mut errors, "filed_at", t(lang, key));
            None
        }
    };
    let result = if errors.is_empty() {
        let input = FilingInput {
            ap_number: f.opt("ap_number"),
            filed_at,
        };
        let ctx = nctx(&state);
        let (s, i, n) = (staff.clone(), id.clone(), nid.clone());
        state
            .db(move |c| Ok(service::record_filing(c, &ctx, &s, &i, &n, input)?))
            .await
            .map(|_| ())
    } else {
        Err(ApiError::Validation(vec![]))
    };
    match result {
        Ok(()) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok=filed"
        ))),
        Err(e) => {
            let (more, status) = shown(lang, e, "filing")?;
            for (k, m) in more {
                push_err(&mut errors, &k, m);
            }
            let again = Again {
                errors,
                filing: Some(typed),
                status: Some(status),
                ..Default::default()
            };
            notification_page(&state, &req, lang, &staff, &id, &nid, again).await
        }
    }
}
