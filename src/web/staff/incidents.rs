//! One incident (`/staff/incidents/{id}`) with its clock, owner, facts, state, reports, notes and
//! audit trail. (The list is `incident_list`.)
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::files::files_ctx;
use super::form::{described_by, errors_ctx, lines, localise, opt_t, push_err, Extra, Shown};
use super::page::{here, notice, page_err, refused, render, signed_in, StaffForm};
use super::when::{clock_text, input_value, local_db, local_time, parse_local};
use crate::audit::store::AuditRow;
use crate::auth::{store as auth_store, Staff};
use crate::db::now;
use crate::error::ApiError;
use crate::incidents::lifecycle::{self, State};
use crate::incidents::model::{Facts, IncidentPatch};
use crate::incidents::{notes, service};
use crate::orgs::store as org_store;
use crate::privacy;
use crate::reports::attachments;
use crate::reports::store as report_store;
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

fn state_label(lang: Lang, s: &str) -> String {
    opt_t(lang, &format!("staff_state_{s}")).unwrap_or_else(|| s.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Area,
    When,
    Number,
}

/// The facts form in groups: (legend key, fields).
const GROUPS: [(&str, &[(&str, Kind)]); 4] = [
    (
        "staff_group_what",
        &[("title", Kind::Text), ("description", Kind::Area)],
    ),
    (
        "staff_group_when",
        &[
            ("became_aware_at", Kind::When),
            ("discovered_at", Kind::When),
            ("breach_started_at", Kind::When),
            ("breach_ended_at", Kind::When),
        ],
    ),
    (
        "staff_group_aware",
        &[
            ("awareness_established_by", Kind::Text),
            ("awareness_how", Kind::Area),
        ],
    ),
    (
        "staff_group_processor",
        &[
            ("processor_name", Kind::Text),
            ("processor_aware_at", Kind::When),
            ("processor_notice_at", Kind::When),
            ("processor_contract_hours", Kind::Number),
            ("late_awareness_reason", Kind::Area),
        ],
    ),
];

/// The facts as the form shows them (times in Amsterdam, to the minute).
fn fact_values(f: &Facts) -> HashMap<&'static str, String> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    HashMap::from([
        ("title", f.title.clone()),
        ("description", f.description.clone()),
        ("became_aware_at", input_value(Some(f.became_aware_at))),
        ("discovered_at", input_value(f.discovered_at)),
        ("breach_started_at", input_value(f.breach_started_at)),
        ("breach_ended_at", input_value(f.breach_ended_at)),
        ("awareness_established_by", s(&f.awareness_established_by)),
        ("awareness_how", s(&f.awareness_how)),
        ("processor_name", s(&f.processor_name)),
        ("late_awareness_reason", s(&f.late_awareness_reason)),
        ("processor_aware_at", input_value(f.processor_aware_at)),
        ("processor_notice_at", input_value(f.processor_notice_at)),
        (
            "processor_contract_hours",
            f.processor_contract_hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
        ),
    ])
}

/// The open follow-up of a provisional notification, as the list and the incident page show it.
fn follow_up_ctx(
    lang: Lang,
    due: Option<chrono::DateTime<chrono::Utc>>,
    closed: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    use crate::notifications::phases::{follow_up, FollowUp};
    let w = pages();
    match follow_up(due, closed, now) {
        FollowUp::None => Value::Null,
        FollowUp::Open { due, overdue } => json!({
            "open": true,
            "overdue": overdue,
            "text": w.t(lang, if overdue { "staff_follow_up_overdue" } else { "staff_follow_up_due" })
                .replace("{at}", &local_time(lang, due)),
        }),
        FollowUp::Closed { closed, .. } => json!({
            "open": false,
            "overdue": false,
            "text": w.t(lang, "staff_follow_up_closed").replace("{at}", &local_time(lang, closed)),
        }),
    }
}

struct Loaded {
    view: service::IncidentView,
    facts: Facts,
    reports: Vec<report_store::ReportRow>,
    files: Vec<attachments::AttachmentInfo>,
    notes: Vec<notes::Note>,
    trail: Vec<AuditRow>,
    names: HashMap<String, String>,
    org: Option<org_store::OrgRow>,
    replies: Vec<crate::mailbox::replies::Reply>,
    /// Who may own it (staff of its organisation).
    candidates: Vec<service::OwnerView>,
}

async fn load(state: &AppState, staff: &Staff, id: &str, lang: Lang) -> Result<Loaded, PageError> {
    let s = staff.clone();
    let id = id.to_string();
    let limits = crate::mailbox::service::limits(&state.settings);
    state
        .db(move |c| {
            let row = service::visible(c, &s, &id, false)?;
            let facts = row.facts();
            let org = org_store::by_id(c, &row.organisation_id)?;
            let reports = report_store::for_incident(c, &id)?;
            let refs = reports.iter().map(|r| r.reference.clone()).collect();
            let candidates = service::owner_candidates(c, &row.organisation_id)?;
            let owner = row
                .owner_id
                .as_ref()
                .and_then(|o| service::owners(c, vec![o.clone()]).ok()?.remove(o));
            let view = service::view(row, refs, owner, now());
            let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
            let files = attachments::for_reports(c, &ids)?;
            let replies = crate::mailbox::replies::load(c, Some(&id), &ids, &limits)?;
            let notes = notes::list(c, &id)?;
            let trail = crate::audit::store::for_entity(c, "incident", &id)?;
            let mut names = HashMap::new();
            for r in &trail {
                // The people named: who acted, and owners given or taken away.
                let mut uids: Vec<String> = r
                    .actor
                    .strip_prefix("user:")
                    .map(String::from)
                    .into_iter()
                    .collect();
                if r.action == crate::audit::Action::IncidentOwnerChanged.as_str() {
                    for j in [&r.before_json, &r.after_json].into_iter().flatten() {
                        if let Some(o) = serde_json::from_str::<Value>(j)
                            .ok()
                            .and_then(|v| v["owner_id"].as_str().map(String::from))
                        {
                            uids.push(o);
                        }
                    }
                }
                for uid in uids {
                    if let std::collections::hash_map::Entry::Vacant(e) = names.entry(uid) {
                        if let Some(u) = auth_store::user_by_id(c, e.key())? {
                            e.insert(u.display_name);
                        }
                    }
                }
            }
            Ok(Loaded {
                view,
                facts,
                reports,
                files,
                notes,
                trail,
                names,
                org,
                replies,
                candidates,
            })
        })
        .await
        .map_err(|e| page_err(lang, e))
}

/// A value in the audit trail as people read it.
fn trail_value(lang: Lang, key: &str, v: &Value) -> String {
    let w = pages();
    match v {
        Value::Null => w.t(lang, "staff_empty"),
        Value::Bool(b) => w.t(lang, if *b { "staff_yes" } else { "staff_no" }),
        Value::Number(n) => n.to_string(),
        Value::String(s) if key == "state" => state_label(lang, s),
        Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => local_time(lang, t.with_timezone(&Utc)),
            Err(_) => coded_value(lang, s).unwrap_or_else(|| s.clone()),
        },
        other => other.to_string(),
    }
}

/// A stored code (an outcome, exception or kind of notification) in words; `None` for free text.
fn coded_value(lang: Lang, s: &str) -> Option<String> {
    use crate::assessment::decision::{Exception, Outcome};
    use crate::notifications::ap::NoticeKind;
    let nl = lang == Lang::Nl;
    if let Some(o) = Outcome::parse(s) {
        return Some(if nl { o.label_nl() } else { o.label_en() }.to_string());
    }
    if let Some(e) = Exception::parse(s) {
        return Some(if nl { e.label_nl() } else { e.label_en() }.to_string());
    }
    if let Some(k) = opt_t(lang, &format!("staff_nf_kind_{s}")) {
        return Some(k);
    }
    NoticeKind::parse(s).map(|k| k.label_nl().to_string())
}

fn trail_label(lang: Lang, key: &str) -> String {
    opt_t(lang, &format!("staff_fact_{key}"))
        .or_else(|| opt_t(lang, &format!("staff_field_{key}")))
        .unwrap_or_else(|| match lang {
            Lang::Nl => crate::assessment::labels::fact_label_nl(key).to_string(),
            Lang::En => crate::assessment::labels::fact_label_en(key).to_string(),
        })
}

/// The audit trail as a timeline: when (Amsterdam), who, what in words, fields before → after.
fn trail_ctx(lang: Lang, rows: &[AuditRow], names: &HashMap<String, String>) -> Vec<Value> {
    let w = pages();
    rows.iter()
        .map(|r| {
            let actor = if let Some(uid) = r.actor.strip_prefix("user:") {
                names
                    .get(uid)
                    .cloned()
                    .unwrap_or_else(|| w.t(lang, "staff_actor_unknown_user"))
            } else if let Some(what) = r.actor.strip_prefix("system:") {
                format!("{} ({what})", w.t(lang, "staff_actor_system"))
            } else {
                match r.actor.as_str() {
                    "citizen" => w.t(lang, "staff_actor_citizen"),
                    "cli" => w.t(lang, "staff_actor_cli"),
                    other => other.to_string(),
                }
            };
            let action = opt_t(lang, &format!("staff_audit_{}", r.action.replace('.', "_")))
                .unwrap_or_else(|| r.action.clone());
            let parse = |s: &Option<String>| {
                s.as_deref()
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_default()
            };
            let (before, mut after) = (parse(&r.before_json), parse(&r.after_json));
            // A new incident's facts: the ones given, one level up.
            if let Some(Value::Object(facts)) = after.remove("facts") {
                for (k, v) in facts {
                    if !v.is_null() && v != "" && !after.contains_key(&k) {
                        after.insert(k, v);
                    }
                }
            }
            let mut keys: Vec<&String> = after.keys().collect();
            keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
            let changes: Vec<Value> = keys
                .into_iter()
                .filter(|k| !matches!(k.as_str(), "note_id" | "facts" | "token_id"))
                .filter(|k| before.get(*k) != after.get(*k))
                .filter(|k| {
                    let nested = |v: Option<&Value>| {
                        v.map(|v| v.is_object() || v.is_array()).unwrap_or(false)
                    };
                    !nested(after.get(*k)) && !nested(before.get(*k))
                })
                .map(|k| {
                    // An owner by name, not by id.
                    let value = |v: &Value| match (k.as_str(), v.as_str()) {
                        ("owner_id", Some(uid)) => names
                            .get(uid)
                            .cloned()
                            .unwrap_or_else(|| w.t(lang, "staff_actor_unknown_user")),
                        ("owner_id", None) => w.t(lang, "lists_owner_nobody"),
                        _ => trail_value(lang, k, v),
                    };
                    json!({
                        "field": trail_label(lang, k),
                        "before": before.get(k).map(value),
                        "after": after
                            .get(k)
                            .map(value)
                            .unwrap_or_else(|| w.t(lang, "staff_empty")),
                    })
                })
                .collect();
            json!({
                "at": local_db(lang, r.at),
                "actor": actor,
                "action": action,
                "changes": changes,
            })
        })
        .collect()
}

pub(super) async fn incident_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    extra: Extra,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let d = load(state, staff, id, lang).await?;
    let v = &d.view;
    let (list, map) = errors_ctx(&extra.errors);
    let stored = fact_values(&d.facts);
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|(legend, fields)| {
            let fields: Vec<Value> = fields
                .iter()
                .map(|(name, kind)| {
                    let value = match &extra.facts {
                        Some(typed) => typed.get(*name).cloned().unwrap_or_default(),
                        None => stored.get(name).cloned().unwrap_or_default(),
                    };
                    let id = format!("f-{name}");
                    let hint = opt_t(lang, &format!("staff_fact_{name}_hint"));
                    let error = extra.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
                    json!({
                        "name": name,
                        "describedby": described_by(&id, hint.is_some(), error.is_some()),
                        "id": id,
                        "label": w.t(lang, &format!("staff_fact_{name}")),
                        "hint": hint,
                        "textarea": *kind == Kind::Area,
                        "type": match kind { Kind::When => "datetime-local", Kind::Number => "number", _ => "text" },
                        "required": matches!(*name, "title" | "became_aware_at"),
                        "value": value,
                        "error": error,
                    })
                })
                .collect();
            json!({"legend": w.t(lang, legend), "fields": fields})
        })
        .collect();
    let current = v.state;
    let transitions: Vec<Value> = v
        .allowed_transitions
        .iter()
        .map(|s| {
            let mut label = w
                .t(lang, "staff_move_to")
                .replace("{state}", &state_label(lang, s.as_str()));
            if lifecycle::reason_required(current, *s) {
                label = format!("{label} {}", w.t(lang, "staff_reason_needed"));
            }
            json!({"value": s.as_str(), "label": label})
        })
        .collect();
    let t = now();
    let clock = clock_text(lang, v.ap_deadline, t, v.clock.running);
    let processor_on_time = v.processor.on_time.map(|ok| {
        w.t(
            lang,
            if ok {
                "staff_processor_on_time"
            } else {
                "staff_processor_late"
            },
        )
    });
    let reports: Vec<Value> = d
        .reports
        .iter()
        .map(|r| {
            let mine: Vec<attachments::AttachmentInfo> = d
                .files
                .iter()
                .filter(|a| a.report_id == r.id)
                .cloned()
                .collect();
            json!({
                "reference": r.reference,
                "url": format!("/staff/reports/{}", r.reference),
                "received": local_db(lang, r.created_at),
                "channel": w.t(lang, &format!("staff_channel_{}", r.channel)),
                "excerpt": privacy::excerpt(&r.description, 300),
                "files": files_ctx(&mine),
            })
        })
        .collect();
    let notes: Vec<Value> = d
        .notes
        .iter()
        .map(|n| json!({"author": n.author_name, "at": local_db(lang, n.created_at), "lines": lines(&n.body)}))
        .collect();
    let ctx = json!({
        "title": format!("{} {}", v.reference, v.title),
        "id": v.id,
        "reference": v.reference,
        "incident_title": v.title,
        "organisation": d.org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        "notice": notice(
            req,
            lang,
            &["created", "linked", "saved", "state", "note", "assessed", "decided", "derived", "measure", "owner"],
        ),
        "clock": clock,
        "clock_running": v.clock.running,
        "deadline": local_time(lang, v.ap_deadline),
        "became_aware": local_time(lang, v.became_aware_at),
        "processor_on_time": processor_on_time,
        "processor_notice_due": v.processor.notice_due_at.map(|t| local_time(lang, t)),
        "clock_from_notice": (v.clock_started_at != v.became_aware_at)
            .then(|| local_time(lang, v.clock_started_at)),
        "late_awareness_reason": v.late_awareness_reason,
        "withdrawn_at": v.notification_withdrawn_at.map(|t| local_time(lang, t)),
        "follow_up": follow_up_ctx(lang, v.follow_up.as_ref().map(|f| f.due_at), v.follow_up.as_ref().and_then(|f| f.closed_at), t),
        "state": state_label(lang, current.as_str()),
        "owner": v.owner.as_ref().map(|o| o.display_name.clone()),
        "owner_is_me": v.owner.as_ref().is_some_and(|o| o.id == staff.id),
        "owner_options": super::incident_list::owner_options(lang, staff, &d.candidates, v.owner.as_ref()),
        "may_take": v.owner.as_ref().is_none_or(|o| o.id != staff.id)
            && d.candidates.iter().any(|c| c.id == staff.id),
        "state_reason": v.state_reason,
        "transitions": transitions,
        "reason": extra.reason,
        "groups": groups,
        "version": v.version,
        "reports": reports,
        "mail_replies": super::mail::ctx(
            lang,
            &d.replies,
            true,
            &d.reports.iter().map(|r| (r.id.clone(), r.reference.clone())).collect(),
        ),
        "notes": notes,
        "note": extra.note,
        "trail": trail_ctx(lang, &d.trail, &d.names),
        "assess": super::assess::ctx(state, staff, id, lang, &extra).await?,
        "notifications": super::notifications::section::section_ctx(state, staff, id, lang).await?,
        "next_step": super::next_step::ctx(state, staff, id, lang).await?,
        "shared": super::shared::incident_hook(state, staff, id, lang).await?,
        "closing": matches!(current, State::Remediation | State::Notified | State::Assessed),
        "closed_info": v.closed_at.map(|t| json!({
            "at": local_time(lang, t),
            "lessons": v.lessons_learned.as_deref().map(lines),
            "override": v.close_override_reason,
        })),
        "notified_info": v.notified_at.map(|t| json!({
            "at": local_time(lang, t),
            "in_time": v.notified_within_72h.unwrap_or(false),
        })),
        "purged_at": v.evidence_purged_at.map(|t| local_time(lang, t)),
        "errors": list,
        "err": map,
    });
    render(
        req,
        lang,
        Some(staff),
        "staff/incident",
        ctx,
        extra.status.unwrap_or(StatusCode::OK),
    )
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    incident_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        Extra::default(),
    )
    .await
}

/// `POST /staff/incidents/{id}/facts`: change facts. Only fields that differ from what is stored
/// are sent on, with the version the form was based on (409 when someone changed it meanwhile).
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let id = path.into_inner();
    // Authorisation before validation: another organisation's incident does not exist.
    let (s, i) = (staff.clone(), id.clone());
    let row = state
        .db(move |c| Ok(service::visible(c, &s, &i, false)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let stored = fact_values(&row.facts());
    let version = f
        .get("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| super::page::bad_request(lang))?;
    let mut errors: Shown = vec![];
    let mut typed: HashMap<String, String> = HashMap::new();
    let mut p = IncidentPatch {
        version: Some(version),
        ..Default::default()
    };
    for (_, fields) in GROUPS.iter() {
        for (name, kind) in fields.iter() {
            let sent = f.get(name);
            typed.insert(name.to_string(), sent.clone());
            if !f.has(name) || sent.trim() == stored.get(name).map(|s| s.as_str()).unwrap_or("") {
                continue;
            }
            let text = Some(sent.trim().to_string()).filter(|s| !s.is_empty());
            match (*name, kind) {
                ("title", _) => p.title = Some(sent.clone()),
                ("description", _) => p.description = Some(sent.clone()),
                ("awareness_established_by", _) => p.awareness_established_by = Some(text),
                ("awareness_how", _) => p.awareness_how = Some(text),
                ("processor_name", _) => p.processor_name = Some(text),
                ("late_awareness_reason", _) => p.late_awareness_reason = Some(text),
                ("processor_contract_hours", _) => match text.map(|t| t.parse::<i32>()) {
                    None => p.processor_contract_hours = Some(None),
                    Some(Ok(h)) => p.processor_contract_hours = Some(Some(h)),
                    Some(Err(_)) => push_err(&mut errors, name, w.t(lang, "staff_err_number")),
                },
                (_, Kind::When) => match parse_local(&sent) {
                    Err(key) => push_err(&mut errors, name, w.t(lang, key)),
                    Ok(t) => match *name {
                        "became_aware_at" => match t {
                            Some(t) => p.became_aware_at = Some(t),
                            None => push_err(&mut errors, name, w.t(lang, "staff_err_required")),
                        },
                        "discovered_at" => p.discovered_at = Some(t),
                        "breach_started_at" => p.breach_started_at = Some(t),
                        "breach_ended_at" => p.breach_ended_at = Some(t),
                        "processor_aware_at" => p.processor_aware_at = Some(t),
                        "processor_notice_at" => p.processor_notice_at = Some(t),
                        _ => {}
                    },
                },
                _ => {}
            }
        }
    }
    // The assessment facts are part of the same form (one "Feiten" form): recorded, as a new
    // version, only when they changed.
    let mut assess_typed: Option<Value> = None;
    let mut assess_new: Option<crate::assessment::facts::Facts> = None;
    if f.keys()
        .any(|k| k.starts_with("fx.") || k.starts_with("confirm."))
    {
        let (s, i) = (staff.clone(), id.clone());
        let current: Value = state
            .db(move |c| {
                let v = crate::assessment::service::load_assessment(c, &s, &i)?;
                serde_json::to_value(v.facts.unwrap_or_default())
                    .map_err(|e| ApiError::Internal(e.to_string()))
            })
            .await
            .map_err(|e| page_err(lang, e))?;
        let (typed_fx, fx_errs) = super::assess::facts_from_form(&f, &current, lang);
        for (field, m) in fx_errs {
            let base = field.split('.').next().unwrap_or(&field).to_string();
            push_err(&mut errors, &base, m);
        }
        match serde_json::from_value::<crate::assessment::facts::Facts>(typed_fx.clone()) {
            Ok(new) => {
                let old = serde_json::from_value::<crate::assessment::facts::Facts>(current)
                    .ok()
                    .and_then(|o| serde_json::to_value(o).ok());
                if old != serde_json::to_value(&new).ok() {
                    assess_new = Some(new);
                }
            }
            Err(e) => push_err(
                &mut errors,
                "assessment",
                format!("{}: {e}", w.t(lang, "staff_err_invalid")),
            ),
        }
        assess_typed = Some(typed_fx);
    }
    let result = if errors.is_empty() {
        let max = state.settings.limits.description_chars;
        let (s, i) = (staff.clone(), id.clone());
        state
            .db(move |c| {
                Ok(crate::assessment::service::record_all_facts(
                    c, &s, &i, &p, assess_new, max,
                )?)
            })
            .await
    } else {
        Err(ApiError::Validation(vec![]))
    };
    let Err(e) = result else {
        return Ok(redirect(&format!("/staff/incidents/{id}?ok=saved#f-facts")));
    };
    // After "changed meanwhile" the page shows what is stored now; the person makes their change
    // again on top of it.
    let conflict = matches!(e, ApiError::Conflict(_));
    let (more, status) = refused(lang, e, &[], "facts")?;
    for (field, m) in more {
        // `people.max` is shown at the people fields.
        let base = field.split('.').next().unwrap_or(&field).to_string();
        push_err(&mut errors, &base, m);
    }
    let extra = Extra {
        errors,
        facts: (!conflict).then_some(typed),
        assess_facts: assess_typed.filter(|_| !conflict),
        status: Some(status),
        ..Default::default()
    };
    incident_page(&state, &req, lang, &staff, &id, extra).await
}

/// `POST /staff/incidents/{id}/state`: one of the buttons for the steps allowed now.
pub async fn transition(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let id = path.into_inner();
    let to = State::parse(&f.get("to")).ok_or_else(|| super::page::bad_request(lang))?;
    let reason = f.opt("reason");
    let close = crate::remediation::rules::CloseInput {
        lessons_learned: f.opt("lessons_learned"),
        override_reason: f.opt("override_reason"),
    };
    let typed: HashMap<String, String> = [
        ("lessons_learned".to_string(), f.get("lessons_learned")),
        ("override_reason".to_string(), f.get("override_reason")),
    ]
    .into_iter()
    .collect();
    let (s, i, r) = (staff.clone(), id.clone(), reason.clone());
    let result = state
        .db(move |c| Ok(service::transition_with(c, &s, &i, to, r, &close)?))
        .await;
    let (errors, status) = match result {
        Ok(()) => return Ok(redirect(&format!("/staff/incidents/{id}?ok=state"))),
        Err(ApiError::Validation(v)) => (localise(lang, &v, &[]), StatusCode::UNPROCESSABLE_ENTITY),
        Err(ApiError::Conflict(m)) if m.contains("measure(s) still open") => (
            vec![(
                "lessons_learned".into(),
                w.t(lang, "staff_err_measures_open"),
            )],
            StatusCode::CONFLICT,
        ),
        Err(ApiError::Forbidden(_) | ApiError::Denied(_)) => (
            vec![(
                "override_reason".into(),
                w.t(lang, "staff_err_override_role"),
            )],
            StatusCode::FORBIDDEN,
        ),
        Err(ApiError::Conflict(_)) => (
            vec![("state".into(), w.t(lang, "staff_err_transition"))],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(page_err(lang, e)),
    };
    let extra = Extra {
        errors,
        reason: reason.unwrap_or_default(),
        status: Some(status),
        typed,
        ..Default::default()
    };
    incident_page(&state, &req, lang, &staff, &id, extra).await
}

/// `POST /staff/incidents/{id}/notes`: add a note to the thread.
pub async fn note(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let text = f.get("body");
    let (s, i, b) = (staff.clone(), id.clone(), text.clone());
    match state
        .db(move |c| Ok(service::add_note(c, &s, &i, &b)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/staff/incidents/{id}?ok=note#notes"))),
        Err(ApiError::Validation(v)) => {
            let extra = Extra {
                errors: localise(lang, &v, &[]),
                note: text,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            incident_page(&state, &req, lang, &staff, &id, extra).await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

/// `POST /staff/incidents/{id}/owner`: give the incident an owner (`owner`: a user id, empty for
/// nobody; `take`: oneself).
pub async fn owner(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let owner = if f.has("take") {
        Some(staff.id.clone())
    } else {
        f.opt("owner")
    };
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(service::set_owner(c, &s, &i, owner.as_deref())?))
        .await
    {
        Ok(()) => Ok(redirect(&format!("/staff/incidents/{id}?ok=owner#owner"))),
        Err(ApiError::Validation(v)) => {
            let extra = Extra {
                errors: localise(lang, &v, &[]),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            incident_page(&state, &req, lang, &staff, &id, extra).await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}
