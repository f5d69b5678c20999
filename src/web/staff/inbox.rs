//! The inbox (`/staff/inbox`): reports newest first, personal data masked, turned into a new
//! incident or linked to an open one; a report in full (`/staff/reports/{reference}`) and its
//! attachments (`/staff/attachments/{id}`).
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::{errors_ctx, localise, push_err, Shown};
use super::page::{
    chosen_org, here, my_orgs, page_err, query, render, signed_in, switcher_ctx, with_cookie,
    StaffForm,
};
use super::when::{local_db, parse_local};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::incidents::model::IncidentCreate;
use crate::incidents::service;
use crate::incidents::store as incident_store;
use crate::privacy;
use crate::reports::model::{CHANNELS, STATUSES};
use crate::reports::store::{self as report_store};
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

const PAGE: i64 = 50;

#[derive(Default, Clone)]
struct Filters {
    channel: Option<String>,
    status: Option<String>,
    q: Option<String>,
    offset: i64,
}

impl Filters {
    fn read(get: impl Fn(&str) -> Option<String>) -> Filters {
        let known = |v: Option<String>, list: &[&str]| v.filter(|v| list.contains(&v.as_str()));
        Filters {
            channel: known(get("channel"), &CHANNELS),
            status: known(get("status"), &STATUSES),
            q: get("q")
                .map(|s| s.trim().chars().take(200).collect::<String>())
                .filter(|s| !s.is_empty()),
            offset: get("offset")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0)
                .clamp(0, 1_000_000),
        }
    }

    fn pairs(&self, offset: i64) -> Vec<(&'static str, String)> {
        let mut v = vec![];
        if let Some(c) = &self.channel {
            v.push(("channel", c.clone()));
        }
        if let Some(s) = &self.status {
            v.push(("status", s.clone()));
        }
        if let Some(q) = &self.q {
            v.push(("q", q.clone()));
        }
        if offset > 0 {
            v.push(("offset", offset.to_string()));
        }
        v
    }

    fn url(&self, offset: i64) -> String {
        let qs: Vec<String> = self
            .pairs(offset)
            .into_iter()
            .map(|(k, v)| format!("{k}={}", crate::web::kit::urlencode(&v)))
            .collect();
        if qs.is_empty() {
            "/staff/inbox".into()
        } else {
            format!("/staff/inbox?{}", qs.join("&"))
        }
    }
}

/// What was typed into the inbox's forms, shown again with the errors.
#[derive(Default)]
struct Typed {
    reports: Vec<String>,
    title: String,
    became_aware_at: String,
    organisation: String,
    incident: String,
}

fn options(lang: Lang, prefix: &str, values: &[&str], chosen: Option<&str>) -> Vec<Value> {
    let w = pages();
    let mut v = vec![
        json!({"value": "", "label": w.t(lang, "staff_filter_all"), "selected": chosen.is_none()}),
    ];
    for x in values {
        v.push(json!({"value": x, "label": w.t(lang, &format!("{prefix}{x}")), "selected": chosen == Some(*x)}));
    }
    v
}

#[allow(clippy::too_many_arguments)]
async fn inbox_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    filters: Filters,
    typed: Typed,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let orgs = my_orgs(state, staff, lang).await?;
    let (chosen, cookie) = chosen_org(req, &orgs);
    let f = report_store::ListFilter {
        org_ids: match &chosen {
            Some(o) => vec![o.id.clone()],
            None => staff.org_ids(),
        },
        include_unassigned: staff.is_admin && chosen.is_none(),
        status: filters.status.clone(),
        channel: filters.channel.clone(),
        q: filters.q.clone(),
        limit: PAGE + 1,
        offset: filters.offset,
    };
    let inc_filter = incident_store::ListFilter {
        org_ids: f.org_ids.clone(),
        open_only: true,
        limit: 500,
        ..Default::default()
    };
    let (mut rows, total, linked, open, acks_day) = state
        .db(move |c| {
            let rows = report_store::list(c, &f)?;
            let total = report_store::count(c, &f)?;
            let mut linked: HashMap<String, String> = HashMap::new();
            for r in &rows {
                if let Some(id) = &r.incident_id {
                    if !linked.contains_key(id) {
                        if let Some(i) = incident_store::by_id(c, id)? {
                            linked.insert(id.clone(), i.reference);
                        }
                    }
                }
            }
            let open = incident_store::list(c, &inc_filter)?;
            let (acks_day, _) = crate::reports::ack_limits::summary(c, crate::db::now())?;
            Ok((rows, total, linked, open, acks_day))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    // Acknowledgements held back in the last 24 hours (no mail cannon): counts only.
    let acks_held = (acks_day.held() > 0).then(|| {
        w.t(lang, "staff_inbox_acks_held")
            .replace("{n}", &acks_day.held().to_string())
            .replace("{same}", &acks_day.held_same_address.to_string())
            .replace("{budget}", &acks_day.held_over_budget.to_string())
    });
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let from_processor = crate::web::processor::report::inbox_flags(
        state,
        lang,
        rows.iter().map(|r| r.id.clone()).collect(),
    )
    .await?;
    let org_name: HashMap<&str, &str> = orgs
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let inc = r.incident_id.as_ref().map(|id| {
                json!({"url": format!("/staff/incidents/{id}"), "reference": linked.get(id).cloned().unwrap_or_default()})
            });
            json!({
                "reference": r.reference,
                "url": format!("/staff/reports/{}", r.reference),
                "received": local_db(lang, r.created_at),
                "organisation": r.organisation_id.as_deref().and_then(|o| org_name.get(o).copied())
                    .map(String::from).unwrap_or_else(|| w.t(lang, "staff_unassigned")),
                "channel": w.t(lang, &format!("staff_channel_{}", r.channel)),
                "processor": from_processor.get(&r.id),
                "status": w.t(lang, &format!("staff_report_status_{}", r.status)),
                "excerpt": privacy::excerpt(&r.description, 160),
                "contact": r.contact_email.as_deref().map(privacy::mask_email),
                "incident": inc,
                "checked": typed.reports.contains(&r.reference),
                "box_id": format!("r-{}", r.reference),
            })
        })
        .collect();
    // The organisation of a new incident: what was chosen, else the switcher's, else the only one.
    let pre = if !typed.organisation.is_empty() {
        Some(typed.organisation.clone())
    } else if let Some(c) = &chosen {
        Some(c.slug.clone())
    } else if orgs.len() == 1 {
        Some(orgs[0].slug.clone())
    } else {
        None
    };
    // Where reports can be assigned: for installation administrators every organisation.
    let assign_orgs: Vec<Value> = if staff.is_admin {
        let dir = crate::orgs::service::directory(state)
            .await
            .map_err(|e| PageError::from_domain(lang, e))?;
        let ids: Vec<String> = dir.iter().map(|(_, id)| id.clone()).collect();
        let all = state
            .db(move |c| Ok(crate::orgs::store::by_ids(c, &ids)?))
            .await
            .map_err(|e| page_err(lang, e))?;
        all.iter()
            .map(|o| json!({"value": o.slug, "label": o.name}))
            .collect()
    } else {
        orgs.iter()
            .map(|o| json!({"value": o.slug, "label": o.name}))
            .collect()
    };
    let create_orgs: Vec<Value> = orgs
        .iter()
        .map(|o| json!({"value": o.slug, "label": o.name, "selected": pre.as_deref() == Some(o.slug.as_str())}))
        .collect();
    let open_list: Vec<Value> = open
        .iter()
        .map(|i| {
            let org = org_name
                .get(i.organisation_id.as_str())
                .copied()
                .unwrap_or("");
            json!({
                "value": i.id,
                "label": format!("{} – {} ({})", i.reference, i.title, org),
                "selected": typed.incident == i.id,
            })
        })
        .collect();
    let hidden: Vec<Value> = filters
        .pairs(filters.offset)
        .into_iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    let (list, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "staff_inbox_title"),
        "switcher": switcher_ctx(lang, &orgs, chosen.as_ref()),
        "switcher_action": "/staff/inbox",
        "channels": options(lang, "staff_channel_", &CHANNELS, filters.channel.as_deref()),
        "statuses": options(lang, "staff_report_status_", &STATUSES, filters.status.as_deref()),
        "q": filters.q.clone().unwrap_or_default(),
        "hidden": hidden,
        "rows": items,
        "empty": rows.is_empty(),
        "range": (!rows.is_empty()).then(|| {
            super::incident_list::range_text(
                lang,
                filters.offset + 1,
                filters.offset + rows.len() as i64,
                total,
            )
        }),
        "next_url": if more { Some(filters.url(filters.offset + PAGE)) } else { None },
        "prev_url": if filters.offset > 0 { Some(filters.url((filters.offset - PAGE).max(0))) } else { None },
        "create_orgs": create_orgs,
        "assign_orgs": assign_orgs,
        "notice": super::page::notice(req, lang, &["assigned", "closed"]),
        "several_orgs": orgs.len() > 1,
        "typed": {"title": typed.title, "became_aware_at": typed.became_aware_at},
        "open_incidents": open_list,
        "has_open": !open.is_empty(),
        "acks_held": acks_held,
        "errors": list,
        "err": map,
    });
    Ok(with_cookie(
        render(req, lang, Some(staff), "staff/inbox", ctx, status)?,
        cookie,
    ))
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let q = query(&req);
    let filters = Filters::read(|k| q.get(k).cloned());
    inbox_page(
        &state,
        &req,
        lang,
        &staff,
        filters,
        Typed::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/inbox`: `action=create` makes a new incident of the chosen reports; `action=link`
/// links them to an open incident.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let filters = Filters::read(|k| f.opt(k));
    let typed = Typed {
        reports: f.all("reports"),
        title: f.get("title"),
        became_aware_at: f.get("became_aware_at"),
        organisation: f.get("organisation"),
        incident: f.get("incident"),
    };
    let mut errors: Shown = vec![];
    let refs = typed.reports.clone();
    if refs.is_empty() || refs.len() > 1000 {
        push_err(
            &mut errors,
            "reports",
            w.t(lang, "staff_err_select_reports"),
        );
    }
    let outcome: Result<String, ApiError> = match f.get("action").as_str() {
        "create" => {
            let aware = match parse_local(&typed.became_aware_at) {
                Ok(Some(t)) => Some(t),
                // Reports chosen, no moment typed: the new-incident page proposes the earliest
                // report's arrival and asks to confirm it.
                Ok(None) if !refs.is_empty() && refs.len() <= 1000 => {
                    let mut qs: Vec<String> = refs
                        .iter()
                        .map(|r| format!("reports={}", crate::web::kit::urlencode(r)))
                        .collect();
                    for (k, v) in [
                        ("organisation", &typed.organisation),
                        ("title", &typed.title),
                    ] {
                        if !v.trim().is_empty() {
                            qs.push(format!("{k}={}", crate::web::kit::urlencode(v.trim())));
                        }
                    }
                    return Ok(redirect(&format!("/staff/incidents/new?{}", qs.join("&"))));
                }
                Ok(None) => {
                    push_err(
                        &mut errors,
                        "became_aware_at",
                        w.t(lang, "staff_err_required"),
                    );
                    None
                }
                Err(key) => {
                    push_err(&mut errors, "became_aware_at", w.t(lang, key));
                    None
                }
            };
            if typed.organisation.trim().is_empty() {
                push_err(
                    &mut errors,
                    "organisation",
                    w.t(lang, "staff_err_organisation"),
                );
            }
            if typed.title.trim().is_empty() {
                push_err(&mut errors, "title", w.t(lang, "staff_err_required"));
            }
            if !errors.is_empty() {
                Err(ApiError::Validation(vec![]))
            } else {
                let input = IncidentCreate {
                    organisation: typed.organisation.trim().to_string(),
                    title: typed.title.clone(),
                    description: String::new(),
                    became_aware_at: aware,
                    breach_started_at: None,
                    breach_ended_at: None,
                    discovered_at: None,
                    awareness_established_by: None,
                    awareness_how: None,
                    processor_name: None,
                    processor_aware_at: None,
                    processor_notice_at: None,
                    processor_contract_hours: None,
                    late_awareness_reason: None,
                    reports: refs,
                };
                let max = state.settings.limits.description_chars;
                let s = staff.clone();
                state
                    .db(move |c| Ok(service::create(c, &s, &input, max)?))
                    .await
            }
        }
        "link" => {
            let id = typed.incident.trim().to_string();
            if id.is_empty() {
                push_err(
                    &mut errors,
                    "incident",
                    w.t(lang, "staff_err_choose_incident"),
                );
            }
            if !errors.is_empty() {
                Err(ApiError::Validation(vec![]))
            } else {
                let s = staff.clone();
                state
                    .db(move |c| Ok(service::link(c, &s, &id, &refs).map(|_| id)?))
                    .await
            }
        }
        "assign" | "close" => {
            let closing = f.get("action") == "close";
            let slug = f.get("assign_to");
            let target = if closing {
                None
            } else {
                // Installation administrators may assign to any organisation; others to their own.
                let dir = crate::orgs::service::directory(&state)
                    .await
                    .map_err(|e| PageError::from_domain(lang, e))?;
                let id = crate::reports::service::assignable_org(&dir, &staff, &slug);
                match id {
                    Some(id) => Some(id),
                    _ => {
                        push_err(
                            &mut errors,
                            "assign_to",
                            w.t(lang, "staff_err_organisation"),
                        );
                        None
                    }
                }
            };
            if !errors.is_empty() {
                Err(ApiError::Validation(vec![]))
            } else {
                let s = staff.clone();
                let status = if closing { Some("closed") } else { None };
                let n = refs.len();
                let links = crate::signals::Links::from_settings(&state.settings);
                let r = state
                    .db(move |c| {
                        Ok(crate::reports::service::update_many(
                            c,
                            &s,
                            &refs,
                            target.as_deref(),
                            status,
                            Some(&links),
                        )?)
                    })
                    .await;
                match r {
                    Ok(_) => {
                        let ok = if closing { "closed" } else { "assigned" };
                        tracing::info!(reports = n, action = ok, "inbox: reports updated");
                        return Ok(redirect(&format!("/staff/inbox?ok={ok}")));
                    }
                    Err(ApiError::Conflict(_)) => {
                        push_err(
                            &mut errors,
                            "reports",
                            w.t(lang, "staff_err_already_linked"),
                        );
                        Err(ApiError::Validation(vec![]))
                    }
                    Err(e) => Err(e),
                }
            }
        }
        _ => return Err(super::page::bad_request(lang)),
    };
    match outcome {
        Ok(id) => {
            let ok = if f.get("action") == "create" {
                "created"
            } else {
                "linked"
            };
            tracing::info!(incident = %id, action = ok, "inbox: reports to incident");
            Ok(redirect(&format!("/staff/incidents/{id}?ok={ok}")))
        }
        Err(ApiError::Validation(v)) => {
            errors.extend(localise(lang, &v, &[]));
            inbox_page(
                &state,
                &req,
                lang,
                &staff,
                filters,
                typed,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}
