//! The notification pages: the section on the incident page, drafting and editing a notification
//! (to the AP, the letter and e-mail to the people, or a public notice), the FG's sign-off of the
//! exact rendered content (the POST carries the hash the FG read), recording the filing at the AP,
//! recipients from CSV with a preview per recipient, campaigns (progress, pause, throttle, failed
//! recipients, letters) and publishing / withdrawing a public notice. The rules are in
//! `notifications::{service, campaign, public}`; these handlers parse forms, call them and render.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::{errors_ctx, lines, localise, opt_t, push_err, Form, Shown};
use super::page::{begin, expired, here, notice, page_err, query, render, signed_in};
use super::when::{input_value, local_time, parse_local};
use crate::auth::{store as auth_store, Role, Staff};
use crate::error::ApiError;
use crate::notifications::ap::DraftInput;
use crate::notifications::campaign::{self, NewCampaign};
use crate::notifications::lifecycle::{
    self, Action, Circumstances, DraftKind, DraftStatus, Purpose, Viewer, ALL_KINDS,
};
use crate::notifications::parts::Part;
use crate::notifications::public;
use crate::notifications::service::ctx as nctx;
use crate::notifications::service::{self, Decision, DraftView, FilingInput};
use crate::notifications::store;
use crate::state::AppState;
use crate::web::kit::{csrf_ok, redirect, web as pages, Lang, PageError};

/// The fields the drafter adds: (name, textarea, for the AP / for letters and notices).
const FIELDS: [(&str, bool, bool, bool); 27] = [
    ("earlier_ap_number", false, true, false),
    ("earlier_before_meldpunt", false, true, false),
    ("withdrawal_reasons", true, true, false),
    ("delay_reason", true, true, false),
    ("reporter_name", false, true, false),
    ("reporter_function", false, true, false),
    ("reporter_phone", false, true, false),
    ("reporter_email", false, true, false),
    ("ap_contact_name", false, true, false),
    ("ap_contact_function", false, true, false),
    ("ap_contact_phone", false, true, false),
    ("ap_contact_email", false, true, false),
    ("other_supervisors", true, true, false),
    ("people_abroad", false, true, false),
    ("foreign_supervisors", true, true, false),
    ("people_description", true, true, false),
    ("attachments", false, true, false),
    ("attachments_description", true, true, false),
    ("informed_other", true, true, false),
    ("what_happened", true, false, true),
    ("consequences", true, false, true),
    ("advice", true, false, true),
    ("measures", true, true, true),
    // The same texts in English (issue 16 point 7): until all are given, English readers get the
    // Dutch letter and e-mail.
    ("what_happened_en", true, false, true),
    ("consequences_en", true, false, true),
    ("advice_en", true, false, true),
    ("measures_en", true, false, true),
];

/// The yes/no/unknown fields.
const TRI: [&str; 3] = ["people_abroad", "attachments", "earlier_before_meldpunt"];

fn t(lang: Lang, key: &str) -> String {
    pages().t(lang, key)
}

fn kind_label(lang: Lang, kind: DraftKind) -> String {
    let kind = kind.as_str();
    opt_t(lang, &format!("staff_nf_kind_{kind}")).unwrap_or_else(|| kind.to_string())
}

fn status_label(lang: Lang, status: DraftStatus) -> String {
    let status = status.as_str();
    opt_t(lang, &format!("staff_nf_status_{status}")).unwrap_or_else(|| status.to_string())
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The draft's input as strings by field (for the form).
fn input_values(input: &DraftInput) -> HashMap<String, String> {
    let v = serde_json::to_value(input).unwrap_or_default();
    FIELDS
        .iter()
        .map(|(name, ..)| {
            let s = match &v[*name] {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            (name.to_string(), s)
        })
        .collect()
}

/// The draft's input from the form (empty fields are absent).
fn input_from_form(f: &Form) -> DraftInput {
    let mut m = serde_json::Map::new();
    for (name, ..) in FIELDS {
        if TRI.contains(&name) {
            match f.get(name).as_str() {
                "true" => m.insert(name.into(), json!(true)),
                "false" => m.insert(name.into(), json!(false)),
                _ => None,
            };
        } else if let Some(v) = f.opt(name) {
            m.insert(name.into(), json!(v));
        }
    }
    serde_json::from_value(Value::Object(m)).unwrap_or_default()
}

/// The draft fields as the template wants them, for a purpose (or all).
fn fields_ctx(
    lang: Lang,
    values: &HashMap<String, String>,
    errors: &Shown,
    purpose: Option<Purpose>,
) -> Vec<Value> {
    let groups = [
        (Purpose::Ap, t(lang, "staff_nf_group_ap")),
        (Purpose::Communication, t(lang, "staff_nf_group_letters")),
    ];
    groups
        .into_iter()
        .filter(|(g, _)| purpose.map(|p| p == *g).unwrap_or(true))
        .map(|(g, legend)| {
            let fields: Vec<Value> = FIELDS
                .iter()
                .filter(|(name, _, ap, comm)| {
                    if g == Purpose::Ap {
                        *ap
                    } else {
                        // Measures appear once when the form shows both groups.
                        *comm && (purpose.is_some() || *name != "measures")
                    }
                })
                .map(|(name, area, ..)| {
                    let id = format!("f-{name}");
                    let hint = opt_t(lang, &format!("staff_nf_field_{name}_hint"));
                    let error = errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
                    let value = values.get(*name).cloned().unwrap_or_default();
                    json!({
                        "name": name,
                        "id": id,
                        "label": t(lang, &format!("staff_nf_field_{name}")),
                        "hint": hint,
                        "describedby": super::form::described_by(&id, hint.is_some(), error.is_some()),
                        "error": error,
                        "textarea": area,
                        "tri": TRI.contains(name),
                        "options": [
                            {"value": "", "label": t(lang, "staff_fx_unknown"), "selected": value.is_empty()},
                            {"value": "true", "label": t(lang, "staff_yes"), "selected": value == "true"},
                            {"value": "false", "label": t(lang, "staff_no"), "selected": value == "false"},
                        ],
                        "value": value,
                    })
                })
                .collect();
            json!({"legend": legend, "fields": fields})
        })
        .collect()
}

/// Domain refusals in the person's language; field errors stay at their fields.
fn shown(lang: Lang, e: ApiError, general: &str) -> Result<(Shown, StatusCode), PageError> {
    match e {
        ApiError::Validation(v) => Ok((localise(lang, &v, &[]), StatusCode::UNPROCESSABLE_ENTITY)),
        ApiError::Refused(r) => Ok((
            vec![(general.to_string(), refusal_message(lang, &r))],
            StatusCode::CONFLICT,
        )),
        ApiError::Conflict(m) => Ok((
            vec![(general.to_string(), conflict_message(lang, &m))],
            StatusCode::CONFLICT,
        )),
        ApiError::Denied(r) => Ok((
            vec![(general.to_string(), refusal_message(lang, &r))],
            StatusCode::FORBIDDEN,
        )),
        other => Err(page_err(lang, other)),
    }
}

/// A coded refusal of the service in the person's language: the locale text
/// `staff_nf_err_<code>` with the refusal's values filled in. A conflict without a code (from
/// outside the notification service) gets the general words, and in English the reason.
fn refusal_message(lang: Lang, r: &crate::error::Refusal) -> String {
    // No words for this code yet (a test checks that every code has them): general words.
    let Some(mut text) = opt_t(lang, &format!("staff_nf_err_{}", r.code)) else {
        return conflict_message(lang, &r.detail);
    };
    for (name, value) in &r.args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// A conflict without a code, in general words.
fn conflict_message(lang: Lang, m: &str) -> String {
    let text = t(lang, "staff_nf_err_conflict");
    if lang == Lang::En {
        format!("{text} ({m})")
    } else {
        text
    }
}

/// A problem that blocks sign-off, in the person's language.
fn blocking_ctx(lang: Lang, view: &DraftView) -> Vec<Value> {
    view.blocking
        .iter()
        .map(|p| {
            json!({
                "field": p.field,
                "href": format!("#f-{}", p.field),
                "message": if lang == Lang::Nl { &p.message_nl } else { &p.message },
            })
        })
        .collect()
}

/// The part of the page that says where the sign-off stands (valid, void with the reason, …).
fn approval_ctx(lang: Lang, v: &DraftView, names: &HashMap<String, String>) -> Value {
    let a = &v.approval;
    let void = a.state == DraftStatus::Void;
    json!({
        "state": status_label(lang, a.state),
        "state_key": a.state,
        "valid": a.valid,
        "void": void,
        "void_text": void.then(|| t(lang, "staff_nf_void_text")
            .replace("{approved}", &short(a.approved_sha256.as_deref().unwrap_or("")))
            .replace("{now}", &short(&v.content_sha256))),
        "rejected": a.state == DraftStatus::Rejected,
        "decided_by": a.decided_by.as_ref().map(|u| names.get(u).cloned().unwrap_or_default()),
        "decided_at": a.decided_at.map(|d| local_time(lang, d)),
        "remarks": a.remarks.as_deref().map(lines),
        "approved_sha256": a.approved_sha256,
    })
}

/// Display names of users by id.
fn names_of(
    c: &mut crate::db::DbConn,
    ids: &[String],
) -> crate::error::ApiResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if !out.contains_key(id) {
            if let Some(u) = auth_store::user_by_id(c, id)? {
                out.insert(id.clone(), u.display_name);
            }
        }
    }
    Ok(out)
}

// --- the section on the incident page ---------------------------------------------------------

/// What the notifications section of the incident page shows.
pub async fn section_ctx(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<Value, PageError> {
    let ctx = nctx(state);
    let (s, i) = (staff.clone(), id.to_string());
    let (list, names, recipients, campaigns, notices) = state
        .db(move |c| {
            let list = service::list(c, &ctx, &s, &i)?;
            let ids: Vec<String> = list.drafts.iter().map(|d| d.created_by.clone()).collect();
            let names = names_of(c, &ids)?;
            let recipients = store::recipient_count(c, &i)?;
            let camps = store::campaigns(c, &i)?;
            let mut campaigns = vec![];
            for camp in camps {
                campaigns.push(campaign::progress_of(c, &camp)?);
            }
            let notices = public::list(c, &s, &i)?;
            Ok((list, names, recipients, campaigns, notices))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let drafts: Vec<Value> = list
        .drafts
        .iter()
        .map(|d| {
            json!({
                "url": format!("/staff/incidents/{id}/notifications/{}", d.id),
                "kind": kind_label(lang, d.kind),
                "status": status_label(lang, d.approval.state),
                "void": d.approval.state == DraftStatus::Void,
                "hash": short(&d.content_sha256),
                "by": names.get(&d.created_by).cloned().unwrap_or_default(),
                "at": local_time(lang, d.created_at),
            })
        })
        .collect();
    Ok(json!({
        "drafts": drafts,
        "new_url": format!("/staff/incidents/{id}/notifications/new"),
        "recipients_url": format!("/staff/incidents/{id}/recipients"),
        "recipients": recipients,
        "notified": list.notified.as_ref().map(|f| if lang == Lang::Nl { f.label_nl.clone() } else { f.label_en.clone() }),
        "campaigns": campaigns.iter().map(|p| campaign_row(lang, id, p)).collect::<Vec<_>>(),
        "notices": notices.iter().map(|n| json!({
            "title": if lang == Lang::Nl { &n.title_nl } else { &n.title_en },
            "url": n.url,
            "withdrawn": n.withdrawn_at.is_some(),
        })).collect::<Vec<_>>(),
    }))
}

fn campaign_row(lang: Lang, id: &str, p: &campaign::Progress) -> Value {
    json!({
        "url": format!("/staff/incidents/{id}/campaigns/{}", p.id),
        "at": local_time(lang, p.created_at),
        "emails": p.emails,
        "sent": p.sent,
        "failed": p.failed,
        "letters": p.letters,
        "done": p.done,
        "paused": p.paused,
    })
}

// --- a new draft ------------------------------------------------------------------------------

/// Whether the 72 hours have passed for this incident (the delay reason is then required).
async fn late(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<(String, bool), PageError> {
    let (s, i) = (staff.clone(), id.to_string());
    let row = state
        .db(move |c| crate::incidents::service::visible(c, &s, &i, false))
        .await
        .map_err(|e| page_err(lang, e))?;
    let deadline = crate::db::from_db(row.ap_deadline);
    Ok((
        format!("{} {}", row.reference, row.title),
        crate::db::now() > deadline,
    ))
}

#[allow(clippy::too_many_arguments)]
async fn new_page(
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
        .db(move |c| service::draft_new(c, &ctx, &s, &i, kind, input))
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

struct Loaded {
    view: DraftView,
    reference: String,
    incident_title: String,
    /// Who looks at it (an FG, the drafter).
    viewer: Viewer,
    /// What they may do with it now.
    actions: Vec<Action>,
    names: HashMap<String, String>,
    /// The public notices published from this draft.
    notices: Vec<public::PublicNoticeView>,
    recipients: i64,
    /// The incident's current decision allows a public notice (Art. 34(3)(c)).
    public_decided: bool,
    /// The latest proposal, for the FG to see why and what would change it.
    proposal: Option<crate::assessment::decision::Proposal>,
}

async fn load(
    state: &AppState,
    staff: &Staff,
    id: &str,
    nid: &str,
    lang: Lang,
) -> Result<Loaded, PageError> {
    let ctx = nctx(state);
    let (s, i, n) = (staff.clone(), id.to_string(), nid.to_string());
    state
        .db(move |c| {
            let view = service::load_draft(c, &ctx, &s, &i, &n)?;
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let (_, _, settings) = service::org_part(c, &inc.organisation_id)?;
            let mut ids = vec![view.created_by.clone()];
            ids.extend(view.approval.decided_by.clone());
            let names = names_of(c, &ids)?;
            let all_notices = public::list(c, &s, &i)?;
            let notice_in_force = all_notices.iter().any(|n| n.withdrawn_at.is_none());
            let notices = all_notices
                .into_iter()
                .filter(|p| p.draft_id == view.id)
                .collect();
            let recipients = store::recipient_count(c, &inc.id)?;
            let decision = crate::assessment::store::latest_decision(c, &inc.id)?;
            let public_decided = public::decision_refusal(
                decision
                    .as_ref()
                    .map(|d| (d.outcome.as_str(), d.exception.as_deref())),
            )
            .is_none();
            let proposal = crate::assessment::service::load_assessment(c, &s, &i)?.proposal;
            let viewer = Viewer {
                fg: s.has_role(&inc.organisation_id, &[Role::Fg]),
                drafted_it: view.created_by == s.id,
                self_signoff_allowed: settings.allow_self_signoff,
            };
            let actions = lifecycle::allowed_actions(
                view.kind,
                view.approval.state,
                viewer,
                Circumstances {
                    approval_valid: view.approval.valid,
                    blocking: !view.blocking.is_empty(),
                    public_decided,
                    notice_in_force,
                },
            );
            Ok(Loaded {
                view,
                reference: inc.reference.clone(),
                incident_title: inc.title.clone(),
                viewer,
                actions,
                names,
                notices,
                recipients,
                public_decided,
                proposal,
            })
        })
        .await
        .map_err(|e| page_err(lang, e))
}

/// What the page was sent back with after a refused form.
#[derive(Default)]
struct Again {
    errors: Shown,
    typed: Option<HashMap<String, String>>,
    /// What was typed in the filing form.
    filing: Option<HashMap<String, String>>,
    status: Option<StatusCode>,
}

async fn notification_page(
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
        .db(move |c| service::update_draft(c, &ctx, &s, &i, &n, input))
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
            .db(move |c| service::record_filing(c, &ctx, &s, &i, &n, input))
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

// --- the FG's sign-off ------------------------------------------------------------------------

/// The body of an HTML document (the letter), to show inside the page.
/// The inside of a rendered page's `<body>`, to show within a staff page. The letter's own `<main>`
/// landmark (it is a page of its own when printed) becomes a `<div>`: a page has one main landmark.
fn body_of(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let inner = match (lower.find("<body"), lower.rfind("</body>")) {
        (Some(a), Some(b)) if a < b => {
            let start = lower[a..].find('>').map(|i| a + i + 1).unwrap_or(a);
            &html[start..b]
        }
        _ => html,
    };
    let lead = inner.len() - inner.trim_start().len();
    match inner.rfind("</main>") {
        Some(end) if inner[lead..].starts_with("<main") => format!(
            "{}<div{}</div>{}",
            &inner[..lead],
            &inner[lead + "<main".len()..end],
            &inner[end + "</main>".len()..]
        ),
        _ => inner.to_string(),
    }
}

/// The rendered parts of a letter / e-mail / notice draft as the sign-off page shows them.
fn parts_ctx(lang: Lang, parts: &[Part]) -> Vec<Value> {
    parts
        .iter()
        .map(|p| {
            let html = p.name.is_html();
            json!({
                "label": t(lang, &format!("staff_nf_part_{}_{}", p.name.as_str(), p.lang)),
                "lang": p.lang,
                "html": html.then(|| body_of(&p.text)),
                "text": (!html).then(|| p.text.trim_end().to_string()),
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn signoff_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    nid: &str,
    errors: Shown,
    remarks: String,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let d = load(state, staff, id, nid, lang).await?;
    let v = &d.view;
    let (list, map) = errors_ctx(&errors);
    let may = |a: Action| d.actions.contains(&a);
    let chapters = v.answers.as_ref().map(|a| {
        a.chapters
            .iter()
            .map(|c| {
                json!({
                    "number": c.number,
                    "title": c.title,
                    "answers": c.answers.iter().map(|x| json!({
                        "number": x.number,
                        "question": x.question,
                        "answer": lines(&x.answer),
                        "status": t(lang, &format!("staff_nf_mark_{}", serde_json::to_value(x.status).ok().and_then(|s| s.as_str().map(String::from)).unwrap_or_default())),
                        "class": serde_json::to_value(x.status).ok().and_then(|s| s.as_str().map(String::from)).unwrap_or_default(),
                        "source": x.source,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>()
    });
    let counts = v
        .answers
        .as_ref()
        .map(|a| json!({"recorded": a.recorded, "derived": a.derived, "missing": a.missing}));
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_signoff_title"), d.reference),
        "kind": kind_label(lang, v.kind),
        "reference": d.reference,
        "incident_title": d.incident_title,
        "back": format!("/staff/incidents/{id}/notifications/{nid}"),
        "action": format!("/staff/incidents/{id}/notifications/{nid}/signoff"),
        "hash": v.content_sha256,
        "content": v.content,
        "chapters": chapters,
        "counts": counts,
        "parts": parts_ctx(lang, &v.parts),
        "approval": approval_ctx(lang, v, &d.names),
        "blocking": blocking_ctx(lang, v),
        "proposal": d.proposal.as_ref().map(|p| json!({
            "outcome": match lang { Lang::Nl => p.outcome.label_nl(), Lang::En => p.outcome.label_en() },
            "exception": p.exception.map(|e| match lang { Lang::Nl => e.label_nl(), Lang::En => e.label_en() }),
            "reasons": p.reasons.iter().map(|r| if lang == Lang::Nl { r.nl.clone() } else { r.en.clone() }).collect::<Vec<_>>(),
            "threats": super::assess::proposal_threats(lang, p),
            "what_if": super::assess::what_if_ctx(lang, p, false),
            "what_if_missing": super::assess::what_if_ctx(lang, p, true),
        })),
        "drafted_by": d.names.get(&v.created_by).cloned().unwrap_or_default(),
        "is_fg": d.viewer.fg,
        "may_approve": may(Action::Approve),
        "may_reject": may(Action::Reject),
        // An FG who drafted it, where the organisation does not allow self sign-off.
        "own": d.viewer.fg && !d.viewer.may_sign(),
        "remarks": remarks,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/signoff", ctx, status)
}

/// `GET /staff/incidents/{id}/notifications/{nid}/signoff`: the exact content and its hash.
pub async fn signoff(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, nid) = path.into_inner();
    signoff_page(
        &state,
        &req,
        lang,
        &staff,
        &id,
        &nid,
        vec![],
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/notifications/{nid}/signoff`: approve or reject the content whose
/// hash the form carries (what the FG saw). The service checks the role, the drafter rule and
/// that the content is still the same.
pub async fn decide(
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
    let approve = match f.get("decision").as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(super::page::bad_request(lang)),
    };
    let remarks = f.get("remarks");
    let input = Decision {
        content_sha256: f.opt("content_sha256"),
        remarks: f.opt("remarks"),
    };
    let ctx = nctx(&state);
    let (s, i, n) = (staff.clone(), id.clone(), nid.clone());
    match state
        .db(move |c| service::decide(c, &ctx, &s, &i, &n, approve, input))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok={}",
            if approve { "approved" } else { "rejected" }
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "decision")?;
            let errors = errors
                .into_iter()
                .map(|(k, m)| {
                    // Problems with the draft's own fields are fixed on the draft page.
                    if k == "remarks" || k == "decision" {
                        (k, m)
                    } else {
                        ("decision".to_string(), m)
                    }
                })
                .collect();
            signoff_page(
                &state, &req, lang, &staff, &id, &nid, errors, remarks, status,
            )
            .await
        }
    }
}

// --- public notices ---------------------------------------------------------------------------

/// `POST /staff/incidents/{id}/notifications/{nid}/publish`.
pub async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, nid) = path.into_inner();
    let (_, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let ctx = nctx(&state);
    let (s, i, n) = (staff.clone(), id.clone(), nid.clone());
    match state
        .db(move |c| public::publish(c, &ctx, &s, &i, &n))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok=published"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "publish")?;
            let errors = errors
                .into_iter()
                .map(|(_, m)| ("publish".to_string(), m))
                .collect();
            let again = Again {
                errors,
                status: Some(status),
                ..Default::default()
            };
            notification_page(&state, &req, lang, &staff, &id, &nid, again).await
        }
    }
}

/// `POST /staff/incidents/{id}/public-notices/{pid}/withdraw`: with the reason.
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, pid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let reason = f.opt("reason");
    let (s, i, p) = (staff.clone(), id.clone(), pid.clone());
    let r = state
        .db(move |c| {
            let rows = public::for_incident(c, &i)?;
            let draft = rows.iter().find(|r| r.id == p).map(|r| r.draft_id.clone());
            let v = public::withdraw(c, &s, &i, &p, reason);
            Ok((draft, v))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let (draft, result) = r;
    let Some(nid) = draft else {
        return Err(PageError::not_found(lang));
    };
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok=withdrawn"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "reason")?;
            let errors = errors
                .into_iter()
                .map(|(_, m)| ("reason".to_string(), m))
                .collect();
            let again = Again {
                errors,
                status: Some(status),
                ..Default::default()
            };
            notification_page(&state, &req, lang, &staff, &id, &nid, again).await
        }
    }
}

// --- recipients -------------------------------------------------------------------------------

const PAGE: i64 = 50;

/// A CSV field name as shown: the file's own column names stay; a whole line is named in words.
fn csv_field(lang: Lang, field: &str) -> String {
    match field {
        "row" | "file" => t(lang, "staff_nf_csv_field_row"),
        other => other.to_string(),
    }
}

/// The import's refusal as errors at the file field: one per bad row, with its line number.
fn import_errors(lang: Lang, e: ApiError) -> Result<(Vec<Value>, StatusCode), PageError> {
    match e {
        ApiError::Validation(v) => Ok((
            v.iter()
                .map(|fe| {
                    let (line, field) = match fe.field.strip_prefix("line ") {
                        Some(rest) => {
                            let mut it = rest.splitn(2, ": ");
                            (
                                it.next().map(String::from),
                                it.next().unwrap_or("").to_string(),
                            )
                        }
                        None => (None, String::new()),
                    };
                    // The parser says each problem in both languages (notifications::recipients).
                    let msg = match (&fe.message_nl, lang) {
                        (Some(nl), Lang::Nl) => nl.clone(),
                        _ => fe.message.clone(),
                    };
                    let text = match &line {
                        Some(l) => t(lang, "staff_nf_csv_line")
                            .replace("{line}", l)
                            .replace("{field}", &csv_field(lang, &field))
                            .replace("{message}", &msg),
                        None => msg,
                    };
                    json!({"field": "file", "href": "#f-file", "message": text})
                })
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        ApiError::PayloadTooLarge(_) => Ok((
            vec![
                json!({"field": "file", "href": "#f-file", "message": t(lang, "staff_nf_csv_too_large")}),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
        )),
        other => Err(page_err(lang, other)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn recipients_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    errors: Vec<Value>,
    campaign_errors: Shown,
    report: Option<Value>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let q = query(req);
    let offset = q
        .get("offset")
        .and_then(|o| o.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let ctx = nctx(state);
    let (s, i) = (staff.clone(), id.to_string());
    let (inc, total, page, drafts, camps) = state
        .db(move |c| {
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let total = store::recipient_count(c, &inc.id)?;
            let page = store::recipient_page(c, &inc.id, offset, PAGE)?;
            let list = service::list(c, &ctx, &s, &i)?;
            let camps = store::campaigns(c, &inc.id)?;
            let mut progress = vec![];
            for camp in camps {
                progress.push(campaign::progress_of(c, &camp)?);
            }
            Ok((inc, total, page, list.drafts, progress))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let letters: Vec<&DraftView> = drafts.iter().filter(|d| d.kind.is_letters()).collect();
    let first_draft = letters
        .iter()
        .rev()
        .find(|d| d.approval.valid)
        .or(letters.last())
        .map(|d| d.id.clone());
    let mut all_errors = errors;
    let (clist, cmap) = errors_ctx(&campaign_errors);
    if let Some(a) = clist.as_array() {
        all_errors.extend(a.iter().cloned());
    }
    let file_errors: Vec<String> = all_errors
        .iter()
        .filter(|e| e["field"] == "file")
        .filter_map(|e| e["message"].as_str().map(String::from))
        .collect();
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_recipients_title"), inc.reference),
        "reference": inc.reference,
        "incident_title": inc.title,
        "id": id,
        "back": format!("/staff/incidents/{id}#notifications"),
        "action": format!("/staff/incidents/{id}/recipients"),
        "campaign_action": format!("/staff/incidents/{id}/campaigns"),
        "notice": notice(req, lang, &["imported"]),
        "report": report,
        "total": total,
        "rows": page.iter().map(|r| json!({
            "line": r.line_no,
            "name": r.name,
            "channel": if r.email.is_some() { t(lang, "staff_nf_channel_email") } else { t(lang, "staff_nf_channel_letter") },
            "language": r.language,
            "preview": first_draft.as_ref().map(|d| format!("/staff/incidents/{id}/recipients/{}?draft={d}", r.id)),
        })).collect::<Vec<_>>(),
        "prev": (offset > 0).then(|| format!("/staff/incidents/{id}/recipients?offset={}", (offset - PAGE).max(0))),
        "next": (offset + PAGE < total).then(|| format!("/staff/incidents/{id}/recipients?offset={}", offset + PAGE)),
        "from": if total == 0 { 0 } else { offset + 1 },
        "to": (offset + PAGE).min(total),
        "drafts": letters.iter().map(|d| json!({
            "id": d.id,
            "label": format!("{} ({}, {})", kind_label(lang, d.kind), status_label(lang, d.approval.state), short(&d.content_sha256)),
            "selected": Some(&d.id) == first_draft.as_ref(),
        })).collect::<Vec<_>>(),
        "has_drafts": !letters.is_empty(),
        "new_letter_url": format!("/staff/incidents/{id}/notifications/new?kind=letter_email"),
        "campaigns": camps.iter().map(|p| campaign_row(lang, id, p)).collect::<Vec<_>>(),
        "file_errors": file_errors,
        "errors": all_errors,
        "err": cmap,
    });
    render(req, lang, Some(staff), "staff/recipients", ctx, status)
}

/// `GET /staff/incidents/{id}/recipients`.
pub async fn recipients(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    recipients_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        vec![],
        vec![],
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/recipients`: a CSV file (multipart); all rows or none.
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let id = path.into_inner();
    let max = state.settings.notifications.max_csv_bytes;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut too_large = false;
    let (mut mp, ended) = crate::web::multipart::guarded_multipart(req.headers(), payload);
    while let Some(field) = crate::web::multipart::next_or_incomplete(&mut mp, &ended)
        .await
        .map_err(|_| super::page::bad_request(lang))?
    {
        let mut field = field.map_err(|_| super::page::bad_request(lang))?;
        let name = field.name().unwrap_or("").to_string();
        let mut buf = vec![];
        while let Some(chunk) = crate::web::multipart::next_or_incomplete(&mut field, &ended)
            .await
            .map_err(|_| super::page::bad_request(lang))?
        {
            let chunk = chunk.map_err(|_| super::page::bad_request(lang))?;
            if buf.len() + chunk.len() > max {
                too_large = true;
                continue;
            }
            buf.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file = Some(buf),
            "csrf" => csrf = String::from_utf8_lossy(&buf).into_owned(),
            _ => {}
        }
    }
    let back = format!("/staff/incidents/{id}/recipients");
    if !csrf_ok(&req, &csrf) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    let file_error =
        |key: &str| vec![json!({"field": "file", "href": "#f-file", "message": t(lang, key)})];
    let bytes = match file {
        _ if too_large => {
            return recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                file_error("staff_nf_csv_too_large"),
                vec![],
                None,
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await
        }
        Some(b) if !b.is_empty() => b,
        _ => {
            // Another organisation's incident stays a 404 whatever the form held.
            let (s, i) = (staff.clone(), id.clone());
            state
                .db(move |c| crate::incidents::service::visible(c, &s, &i, false).map(|_| ()))
                .await
                .map_err(|e| page_err(lang, e))?;
            return recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                file_error("staff_err_file_missing"),
                vec![],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| campaign::import(c, &s, &i, &bytes, |_, _| {}))
        .await
    {
        Ok(r) => {
            let report = json!({
                "imported": r.imported,
                "duplicates": r.duplicates.iter().map(|d| t(lang, "staff_nf_csv_duplicate").replace("{line}", &d.line.to_string()).replace("{same}", &d.same_as_line.to_string())).collect::<Vec<_>>(),
                "already": r.already_present.len(),
                "total": r.total_recipients,
            });
            recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                vec![],
                vec![],
                Some(report),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (errors, status) = import_errors(lang, e)?;
            recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                errors,
                vec![],
                None,
                status,
            )
            .await
        }
    }
}

/// `GET /staff/incidents/{id}/recipients/{rid}?draft={nid}`: what this recipient would get.
pub async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, rid) = path.into_inner();
    let draft = query(&req).get("draft").cloned().unwrap_or_default();
    let ctx = nctx(&state);
    let (s, i, r, d) = (staff.clone(), id.clone(), rid.clone(), draft.clone());
    let (p, rec, reference) = state
        .db(move |c| {
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let rec = store::recipient(c, &inc.id, &r)?.ok_or(ApiError::NotFound)?;
            let p = service::preview(c, &ctx, &s, &i, &d, &r).map_err(|e| match e {
                ApiError::Validation(_) | ApiError::Conflict(_) | ApiError::Refused(_) => {
                    ApiError::NotFound
                }
                other => other,
            })?;
            Ok((p, rec, inc.reference))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_preview_title"), rec.name),
        "reference": reference,
        "name": rec.name,
        "line": rec.line_no,
        "back": format!("/staff/incidents/{id}/recipients"),
        "language": p.language,
        "email_subject": p.email_subject,
        "email_body": p.email_body,
        "letter": p.letter_html.as_deref().map(body_of),
    });
    render(
        &req,
        lang,
        Some(&staff),
        "staff/recipient_preview",
        ctx,
        StatusCode::OK,
    )
}

// --- campaigns --------------------------------------------------------------------------------

/// `POST /staff/incidents/{id}/campaigns`: start a campaign with a signed-off letter draft.
pub async fn start(
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
    let per_minute = match f.opt("per_minute").map(|p| p.parse::<i32>()) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => {
            let errs = vec![("per_minute".to_string(), t(lang, "staff_err_number"))];
            return recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                vec![],
                errs,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let input = NewCampaign {
        draft_id: f.get("draft_id"),
        per_minute,
        only_new: f.has("only_new"),
    };
    let ctx = nctx(&state);
    let domain = state.settings.mail_domain();
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| campaign::start(c, &ctx, &s, &i, input, &domain, |_, _| {}))
        .await
    {
        Ok(started) => Ok(redirect(&format!(
            "/staff/incidents/{id}/campaigns/{}?ok=started",
            started.campaign_id
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "campaign")?;
            let errors = errors
                .into_iter()
                .map(|(k, m)| {
                    if k == "per_minute" {
                        (k, m)
                    } else {
                        ("campaign".to_string(), m)
                    }
                })
                .collect();
            recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                vec![],
                errors,
                None,
                status,
            )
            .await
        }
    }
}

/// Rows per page of a campaign's failed e-mails and of its letters.
const CAMPAIGN_PAGE: i64 = 200;

/// Which page of a list of `total` rows is shown (`?page=N`, from 1; out of range → the nearest).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Paging {
    page: i64,
    pages: i64,
}

impl Paging {
    fn new(asked: i64, total: i64) -> Paging {
        let pages = ((total.max(0) + CAMPAIGN_PAGE - 1) / CAMPAIGN_PAGE).max(1);
        Paging {
            page: asked.clamp(1, pages),
            pages,
        }
    }

    fn offset(&self) -> i64 {
        (self.page - 1) * CAMPAIGN_PAGE
    }

    /// The links and "page x of y" for the template; nothing when it all fits on one page.
    fn ctx(&self, lang: Lang, url: impl Fn(i64) -> String) -> Option<Value> {
        (self.pages > 1).then(|| {
            json!({
                "label": t(lang, "staff_nf_page_of")
                    .replace("{page}", &self.page.to_string())
                    .replace("{pages}", &self.pages.to_string()),
                "prev": (self.page > 1).then(|| url(self.page - 1)),
                "next": (self.page < self.pages).then(|| url(self.page + 1)),
            })
        })
    }
}

fn eta_text(lang: Lang, secs: Option<f64>) -> Option<String> {
    let s = secs?;
    let mins = (s / 60.0).ceil() as i64;
    Some(if mins < 1 {
        t(lang, "staff_nf_eta_under_minute")
    } else if mins < 120 {
        t(lang, "staff_nf_eta_minutes").replace("{n}", &mins.to_string())
    } else {
        t(lang, "staff_nf_eta_hours").replace("{n}", &((mins + 59) / 60).to_string())
    })
}

#[allow(clippy::too_many_arguments)]
async fn campaign_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    cid: &str,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let q = query(req);
    let asked = |name: &str| {
        q.get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(1)
    };
    let (letters_asked, failed_asked) = (asked("page"), asked("failed_page"));
    let (s, i, c_id) = (staff.clone(), id.to_string(), cid.to_string());
    let (p, failed, letters, reference, letters_at, failed_at) = state
        .db(move |c| {
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let p = campaign::progress(c, &s, &i, &c_id)?;
            let letters_at = Paging::new(letters_asked, p.letters);
            let failed_at = Paging::new(failed_asked, p.failed);
            let failed = store::failed_messages(c, &c_id, failed_at.offset(), CAMPAIGN_PAGE)?;
            let letters = store::letter_page(c, &c_id, letters_at.offset(), CAMPAIGN_PAGE)?;
            Ok((p, failed, letters, inc.reference, letters_at, failed_at))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let (list, map) = errors_ctx(&errors);
    let refresh_off = q.get("refresh").map(|v| v == "off").unwrap_or(false);
    let running = !p.done && !p.paused;
    let base = format!("/staff/incidents/{id}/campaigns/{cid}");
    // A page link keeps the other list's page (and the refresh choice).
    let page_url = |letters: i64, failed: i64, anchor: &str| {
        let mut u = format!("{base}?page={letters}&failed_page={failed}");
        if refresh_off {
            u.push_str("&refresh=off");
        }
        format!("{u}#{anchor}")
    };
    let letters_paging = letters_at.ctx(lang, |n| page_url(n, failed_at.page, "h-letters"));
    let failed_paging = failed_at.ctx(lang, |n| page_url(letters_at.page, n, "h-failed"));
    let rate = format!("{:.0}", p.rate_per_minute);
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_campaign_title"), reference),
        "reference": reference,
        "back": format!("/staff/incidents/{id}/recipients"),
        "incident": format!("/staff/incidents/{id}#notifications"),
        "action": base,
        "notice": notice(req, lang, &["started", "paused", "resumed", "rate", "printed"]),
        "p": p,
        "rate": rate,
        "eta": eta_text(lang, p.eta_seconds),
        "state": if p.done { t(lang, "staff_nf_campaign_done") } else if p.paused { t(lang, "staff_nf_campaign_paused") } else { t(lang, "staff_nf_campaign_running") },
        "started_at": local_time(lang, p.created_at),
        "hash_short": short(&p.content_sha256),
        "refresh": (running && !refresh_off).then_some(10),
        "refresh_off_url": format!("{base}?refresh=off"),
        "refresh_url": base.clone(),
        "per_minute": p.per_minute.map(|n| n.to_string()).unwrap_or_default(),
        "failed": failed.iter().map(|(line, name, err, resp, attempts)| json!({
            "line": line, "name": name,
            "reason": err.clone().or_else(|| resp.clone()).unwrap_or_default(),
            "attempts": attempts,
        })).collect::<Vec<_>>(),
        "letters": letters.iter().map(|(line, name, rid, st)| json!({
            "line": line, "name": name,
            "url": format!("{base}/letters/{rid}"),
            "status": t(lang, &format!("staff_nf_letter_{st}")),
        })).collect::<Vec<_>>(),
        "letters_paging": letters_paging,
        "failed_paging": failed_paging,
        "letters_csv": format!("/api/v1/incidents/{id}/campaigns/{cid}/letters.csv"),
        "status_xlsx": format!("/api/v1/incidents/{id}/campaigns/{cid}/messages.xlsx"),
        "letters_pdf": format!("/api/v1/incidents/{id}/campaigns/{cid}/letters.pdf"),
        "has_ready_letters": p.letters_ready > 0,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/campaign", ctx, status)
}

/// `GET /staff/incidents/{id}/campaigns/{cid}`: progress while it runs.
pub async fn show_campaign(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, cid) = path.into_inner();
    campaign_page(
        &state,
        &req,
        lang,
        &staff,
        &id,
        &cid,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/campaigns/{cid}`: pause, resume, set the rate, letters printed.
pub async fn control(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, cid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let action = f.get("action");
    let rate = match f.opt("per_minute").map(|p| p.parse::<i32>()) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) if action == "rate" => {
            let errs = vec![("per_minute".to_string(), t(lang, "staff_err_number"))];
            return campaign_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                &cid,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Some(Err(_)) => None,
    };
    let (s, i, c_id, a) = (staff.clone(), id.clone(), cid.clone(), action.clone());
    let r = state
        .db(move |c| match a.as_str() {
            "pause" => campaign::control(c, &s, &i, &c_id, true, None).map(|_| "paused"),
            "resume" => campaign::control(c, &s, &i, &c_id, false, None).map(|_| "resumed"),
            "rate" => {
                let p = campaign::progress(c, &s, &i, &c_id)?;
                campaign::control(c, &s, &i, &c_id, p.paused, Some(rate)).map(|_| "rate")
            }
            "printed" => campaign::mark_printed(c, &s, &i, &c_id).map(|_| "printed"),
            _ => Err(ApiError::BadRequest("unknown action".into())),
        })
        .await;
    match r {
        Ok(ok) => Ok(redirect(&format!(
            "/staff/incidents/{id}/campaigns/{cid}?ok={ok}"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "campaign")?;
            campaign_page(&state, &req, lang, &staff, &id, &cid, errors, status).await
        }
    }
}

/// `GET /staff/incidents/{id}/campaigns/{cid}/letters/{rid}`: one letter, print-ready HTML.
pub async fn letter(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, cid, rid) = path.into_inner();
    let ctx = nctx(&state);
    let f = state
        .db(move |c| campaign::one_letter(c, &ctx, &staff, &id, &cid, &rid))
        .await
        .map_err(|e| match e {
            ApiError::Conflict(_) | ApiError::Refused(_) => {
                PageError::new(StatusCode::CONFLICT, lang, "")
            }
            other => page_err(lang, other),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .insert_header((
            "Content-Security-Policy",
            crate::notifications::letters::letter_csp(&f.html),
        ))
        .body(f.html))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    const I: &str = "/staff/incidents/{id}";
    cfg.route(&format!("{I}/notifications/new"), web::get().to(new_form))
        .route(&format!("{I}/notifications"), web::post().to(create))
        .service(
            web::resource(format!("{I}/notifications/{{nid}}"))
                .route(web::get().to(show))
                .route(web::post().to(update)),
        )
        .service(
            web::resource(format!("{I}/notifications/{{nid}}/signoff"))
                .route(web::get().to(signoff))
                .route(web::post().to(decide)),
        )
        .route(
            &format!("{I}/notifications/{{nid}}/filing"),
            web::post().to(filing),
        )
        .route(
            &format!("{I}/notifications/{{nid}}/publish"),
            web::post().to(publish),
        )
        .route(
            &format!("{I}/public-notices/{{pid}}/withdraw"),
            web::post().to(withdraw),
        )
        .service(
            web::resource(format!("{I}/recipients"))
                .route(web::get().to(recipients))
                .route(web::post().to(import)),
        )
        .route(&format!("{I}/recipients/{{rid}}"), web::get().to(preview))
        .route(&format!("{I}/campaigns"), web::post().to(start))
        .service(
            web::resource(format!("{I}/campaigns/{{cid}}"))
                .route(web::get().to(show_campaign))
                .route(web::post().to(control)),
        )
        .route(
            &format!("{I}/campaigns/{{cid}}/letters/{{rid}}"),
            web::get().to(letter),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_lists_page_by_200() {
        assert_eq!(Paging::new(1, 0), Paging { page: 1, pages: 1 });
        assert_eq!(Paging::new(1, 200), Paging { page: 1, pages: 1 });
        assert_eq!(Paging::new(2, 201), Paging { page: 2, pages: 2 });
        assert_eq!(Paging::new(2, 201).offset(), 200);
        // Out of range: the nearest page.
        assert_eq!(Paging::new(9, 401).page, 3);
        assert_eq!(Paging::new(0, 401).page, 1);
        assert_eq!(Paging::new(-4, 401).offset(), 0);
        assert!(Paging::new(1, 200)
            .ctx(Lang::Nl, |n| n.to_string())
            .is_none());
        let v = Paging::new(2, 401)
            .ctx(Lang::Nl, |n| format!("?page={n}"))
            .unwrap();
        assert_eq!(v["label"], "Pagina 2 van 3");
        assert_eq!(v["prev"], "?page=1");
        assert_eq!(v["next"], "?page=3");
        let first = Paging::new(1, 401)
            .ctx(Lang::En, |n| n.to_string())
            .unwrap();
        assert!(first["prev"].is_null() && first["label"] == "Page 1 of 3");
    }

    #[test]
    fn content_splits_into_named_parts() {
        use crate::notifications::parts::{self, PartName};
        let c = "===== email_subject.nl =====\nOnderwerp\n\n===== letter.nl =====\n<html><body><p>x</p></body></html>\n";
        let p = parts::parse(c).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name, p[0].lang.as_str()),
            (PartName::EmailSubject, "nl")
        );
        assert_eq!(p[0].text.trim(), "Onderwerp");
        assert_eq!(body_of(&p[1].text), "<p>x</p>");
        let ctx = parts_ctx(Lang::Nl, &p);
        assert_eq!(ctx[0]["text"], "Onderwerp");
        assert_eq!(ctx[1]["html"], "<p>x</p>");
        assert_eq!(
            body_of("<html><body>\n<main class=\"sheet\"><p>brief</p></main>\n</body></html>"),
            "\n<div class=\"sheet\"><p>brief</p></div>\n"
        );
    }

    /// Every problem the CSV parser can report comes with Dutch words of its own: no English on a
    /// Dutch page.
    #[test]
    fn every_csv_problem_has_dutch_words() {
        use crate::notifications::recipients::{parse, ImportError};
        let files: [&[u8]; 9] = [
            b"",
            b"\xFF\xFEn\x00",
            b"name,email\n",
            b"name,email,postal_address,language,name\n",
            b"name,email,postal_address,language,Klant Nr\n",
            b"name,email,postal_address,language,x,x\n",
            b"name,email,postal_address,language\nJos\xe9,j@example.nl,,nl\n",
            b"name,email,postal_address,language\n\"open,a@example.nl,,nl\n",
            b"name,email,postal_address,language\n,geen,,xx\nA,,,nl\nB,b@example.nl,,nl,extra\n",
        ];
        let mut seen = 0;
        for f in files {
            let pairs: Vec<(String, String)> = match parse(f) {
                Err(ImportError::File(m)) => vec![(m.en, m.nl)],
                Err(ImportError::Rows(rows)) => rows
                    .into_iter()
                    .map(|r| (r.message, r.message_nl))
                    .collect(),
                Ok(_) => panic!("{:?} parsed", String::from_utf8_lossy(f)),
            };
            for (en, nl) in pairs {
                assert!(!nl.is_empty() && nl != en, "{en:?} has no Dutch: {nl:?}");
                seen += 1;
            }
        }
        assert!(seen >= 12, "{seen} problems checked");
    }

    /// Every code the notification service refuses with has words in both languages, and the
    /// values are carried over; the service's English never reaches a Dutch page.
    #[test]
    fn refusals_in_dutch_by_their_code() {
        let src: String = [
            include_str!("../../notifications/campaign.rs"),
            include_str!("../../notifications/service.rs"),
            include_str!("../../notifications/public.rs"),
        ]
        .concat();
        let mut codes = vec![];
        // Conflicts (`ApiError::refused…`) and denials for want of a role (`ApiError::denied`).
        for part in src
            .split("ApiError::refused")
            .skip(1)
            .chain(src.split("ApiError::denied").skip(1))
        {
            let code = part
                .split('"')
                .nth(1)
                .expect("a refusal's code is a string literal");
            codes.push(code);
        }
        assert!(codes.len() >= 19, "{codes:?}");
        for code in codes {
            for lang in [Lang::Nl, Lang::En] {
                let key = format!("staff_nf_err_{code}");
                assert!(opt_t(lang, &key).is_some(), "no {lang:?} words for {key}");
            }
        }
        let r = crate::error::Refusal {
            code: "already_reached_n",
            detail: "3 of the 5 recipients were already in an earlier campaign".into(),
            args: vec![("n", "3".into()), ("total", "5".into())],
        };
        let nl = refusal_message(Lang::Nl, &r);
        assert!(nl.starts_with("3 van de 5 ontvangers"), "{nl}");
        assert!(!nl.contains('{') && !nl.contains("recipients"), "{nl}");
        let unknown = crate::error::Refusal {
            code: "something_new",
            detail: "something new went wrong".into(),
            args: vec![],
        };
        assert_eq!(refusal_message(Lang::Nl, &unknown), "Dit kan nu niet.");
        assert!(refusal_message(Lang::En, &unknown).ends_with("(something new went wrong)"));
    }
}
