//! The registers' pages: the breach register with filters and exports (`/staff/register`), its
//! statistics with charts rendered on the server (`/staff/statistics`), and the processing
//! register (`/staff/activities`) with editing, import and export. The rules and queries are in
//! `register`; these handlers parse, call them and render.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::{errors_ctx, localise, Form, Shown};
use super::page::{
    chosen_org, expired, here, my_orgs, notice, page_err, query, render, signed_in, switcher_ctx,
    with_cookie, StaffForm,
};
use crate::assessment::decision::Outcome;
use crate::assessment::facts::{GeneralData, IncidentKind, PersonGroup, SpecialCategory};
use crate::error::ApiError;
use crate::orgs::store::OrgRow;
use crate::register::activities::{self, Activity, LegalBasis};
use crate::register::breaches::{Filter, Timeliness};
use crate::register::{service, stats};
use crate::state::AppState;
use crate::web::kit::{csrf_ok, redirect, web as pages, Lang, PageError};

pub(super) fn outcome_label(lang: Lang, key: &str) -> String {
    Outcome::parse(key)
        .map(|o| match lang {
            Lang::Nl => o.label_nl(),
            Lang::En => o.label_en(),
        })
        .unwrap_or(key)
        .to_string()
}

pub(super) fn kind_label(lang: Lang, key: &str) -> String {
    IncidentKind::parse(key)
        .map(|k| match lang {
            Lang::Nl => k.label_nl(),
            Lang::En => k.label_en(),
        })
        .unwrap_or(key)
        .to_string()
}

/// The filters from the query string; a value that is not a date or not an option is dropped
/// (the page shows the register unfiltered by it) rather than failing the page.
fn filter_from(q: &HashMap<String, String>, org: Option<&OrgRow>) -> Filter {
    let date = |k: &str| {
        q.get(k)
            .and_then(|s| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
    };
    let opt = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut f = Filter {
        organisation: org.map(|o| o.id.clone()),
        from: date("from"),
        to: date("to"),
        kind: opt("kind").filter(|k| IncidentKind::parse(k).is_some()),
        decision: opt("decision").filter(|d| d == "none" || Outcome::parse(d).is_some()),
        timeliness: opt("timeliness").filter(|t| Timeliness::parse(t).is_some()),
    };
    if let (Some(a), Some(b)) = (f.from, f.to) {
        if a > b {
            f.to = None;
        }
    }
    f
}

fn query_string(f: &Filter, org: Option<&OrgRow>) -> String {
    let mut parts: Vec<(String, String)> = vec![];
    if let Some(o) = org {
        parts.push(("organisation".into(), o.id.clone()));
    }
    if let Some(d) = f.from {
        parts.push(("from".into(), d.to_string()));
    }
    if let Some(d) = f.to {
        parts.push(("to".into(), d.to_string()));
    }
    for (k, v) in [
        ("kind", &f.kind),
        ("decision", &f.decision),
        ("timeliness", &f.timeliness),
    ] {
        if let Some(v) = v {
            parts.push((k.into(), v.clone()));
        }
    }
    parts
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn filter_ctx(lang: Lang, f: &Filter) -> Value {
    let w = pages();
    let timeliness: Vec<Value> = [Timeliness::Within, Timeliness::After, Timeliness::NotNotified]
        .iter()
        .map(|t| {
            let label = match (lang, t) {
                (Lang::Nl, _) => t.label_nl().to_string(),
                (Lang::En, Timeliness::Within) => "notified within 72 hours".into(),
                (Lang::En, Timeliness::After) => "notified after 72 hours".into(),
                (Lang::En, Timeliness::NotNotified) => "not notified to the AP".into(),
            };
            json!({"value": t.as_str(), "label": label, "selected": f.timeliness.as_deref() == Some(t.as_str())})
        })
        .chain(std::iter::once(json!({"value": "withdrawn", "label": w.t(lang, "staff_register_withdrawn"), "selected": f.timeliness.as_deref() == Some("withdrawn")})))
        .collect();
    json!({
        "from": f.from.map(|d| d.to_string()).unwrap_or_default(),
        "to": f.to.map(|d| d.to_string()).unwrap_or_default(),
        "kinds": IncidentKind::ALL.iter().map(|k| json!({"value": k.as_str(), "label": kind_label(lang, k.as_str()), "selected": f.kind.as_deref() == Some(k.as_str())})).collect::<Vec<_>>(),
        "decisions": Outcome::ALL.iter().map(|o| json!({"value": o.as_str(), "label": outcome_label(lang, o.as_str()), "selected": f.decision.as_deref() == Some(o.as_str())}))
            .chain(std::iter::once(json!({"value": "none", "label": w.t(lang, "staff_register_no_decision"), "selected": f.decision.as_deref() == Some("none")})))
            .collect::<Vec<_>>(),
        "timeliness": timeliness,
    })
}

/// `GET /staff/register`: the breach register with filters and exports.
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let orgs = my_orgs(&state, &staff, lang).await?;
    let (chosen, cookie) = chosen_org(&req, &orgs);
    let q = query(&req);
    let f = filter_from(&q, chosen.as_ref());
    let (s, f2) = (staff.clone(), f.clone());
    let entries = state
        .db(move |c| Ok(service::register(c, &s, &f2)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "url": format!("/staff/incidents/{}", e.incident_id),
                "reference": e.reference,
                "title": e.title,
                "organisation": e.organisation,
                "aware": super::when::local_time(lang, e.became_aware_at),
                "kind": e.kind.as_deref().map(|k| kind_label(lang, k)).unwrap_or_else(|| w.t(lang, "staff_fx_missing")),
                "decision": e.decision.as_deref().map(|d| outcome_label(lang, d)).unwrap_or_else(|| w.t(lang, "staff_register_no_decision")),
                "notified": match e.timeliness {
                    Timeliness::NotNotified => "—".to_string(),
                    t => format!("{} ({})", e.notified_at.map(|n| super::when::local_time(lang, n)).unwrap_or_default(), if t == Timeliness::Within { w.t(lang, "staff_notified_in_time") } else { w.t(lang, "staff_notified_late") }),
                },
                "withdrawn": e.notification_withdrawn_at.map(|t| format!("{} {}", w.t(lang, "staff_notification_withdrawn_at"), super::when::local_time(lang, t))),
                "late_awareness_reason": e.late_awareness_reason,
                "late": e.timeliness == Timeliness::After,
                "open_measures": e.open_measures,
                "overdue": e.measures.iter().any(|m| m.overdue),
                "state": super::form::opt_t(lang, &format!("staff_state_{}", e.state)).unwrap_or_else(|| e.state.clone()),
            })
        })
        .collect();
    let qs = query_string(&f, chosen.as_ref());
    // After an import from the page: how many incidents it added.
    let imported = (q.get("ok").map(String::as_str) == Some("register_imported")).then(|| {
        let n: usize = q.get("n").and_then(|n| n.parse().ok()).unwrap_or(0);
        w.t(lang, "staff_ok_register_imported")
            .replace("{n}", &n.to_string())
    });
    let ctx = json!({
        "title": w.t(lang, "staff_register_title"),
        "notice": imported,
        // The import page's link, for those who may import into one of their organisations.
        "may_import": orgs.iter().any(|o| crate::register::import_service::may_import(&staff, &o.id).is_ok()),
        "switcher": switcher_ctx(lang, &orgs, chosen.as_ref()),
        "switcher_action": "/staff/register",
        "filter": filter_ctx(lang, &f),
        "rows": rows,
        "count": w
            .t(lang, if entries.len() == 1 { "staff_register_count_one" } else { "staff_register_count" })
            .replace("{n}", &entries.len().to_string()),
        "csv": format!("/api/v1/register?{qs}{}format=csv", if qs.is_empty() { "" } else { "&" }),
        "xlsx": format!("/api/v1/register?{qs}{}format=xlsx", if qs.is_empty() { "" } else { "&" }),
        "json": format!("/api/v1/register?{qs}"),
        "stats": format!("/staff/statistics?{qs}"),
    });
    Ok(with_cookie(
        render(
            &req,
            lang,
            Some(&staff),
            "staff/registers",
            ctx,
            StatusCode::OK,
        )?,
        cookie,
    ))
}

/// `GET /staff/statistics`: figures and charts for an organisation and period.
pub async fn statistics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let orgs = my_orgs(&state, &staff, lang).await?;
    let (chosen, cookie) = chosen_org(&req, &orgs);
    let q = query(&req);
    let mut f = filter_from(&q, chosen.as_ref());
    // Statistics are over a period, not a subset by kind or decision.
    f.kind = None;
    f.decision = None;
    f.timeliness = None;
    let (s, f2) = (staff.clone(), f.clone());
    let entries = state
        .db(move |c| Ok(service::register(c, &s, &f2)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let mut st = stats::compute(&entries);
    if lang == Lang::En {
        for c in st.by_kind.iter_mut() {
            if c.key != "unknown" {
                c.label = kind_label(lang, &c.key);
            } else {
                c.label = "not recorded yet".into();
            }
        }
        for c in st.by_decision.iter_mut() {
            c.label = if c.key == "none" {
                "no decision yet".into()
            } else {
                outcome_label(lang, &c.key)
            };
        }
    }
    let pct = st
        .share_within_72h
        .map(|s| format!("{:.0}%", s * 100.0))
        .unwrap_or_else(|| "—".into());
    let median = st
        .median_hours_to_notification
        .map(|h| match lang {
            Lang::Nl => crate::locale::decimal_nl(h, 1),
            Lang::En => format!("{h:.1}"),
        })
        .unwrap_or_else(|| "—".into());
    let ctx = json!({
        "title": w.t(lang, "staff_stats_title"),
        "switcher": switcher_ctx(lang, &orgs, chosen.as_ref()),
        "switcher_action": "/staff/statistics",
        "filter": filter_ctx(lang, &f),
        "st": st,
        "pct": pct,
        "median": median,
        "chart_kind": stats::bar_chart("kinds", &w.t(lang, "staff_stats_by_kind"), &st.by_kind),
        "chart_decision": stats::bar_chart("decisions", &w.t(lang, "staff_stats_by_decision"), &st.by_decision),
        "chart_time": stats::timeliness_chart("time", &st),
    });
    Ok(with_cookie(
        render(
            &req,
            lang,
            Some(&staff),
            "staff/statistics",
            ctx,
            StatusCode::OK,
        )?,
        cookie,
    ))
}

/// The organisation the processing register pages work on: the chosen one, else the first.
fn register_org(orgs: &[OrgRow], chosen: Option<OrgRow>) -> Option<OrgRow> {
    chosen.or_else(|| orgs.first().cloned())
}

fn multi_ctx<T: Copy + PartialEq>(
    lang: Lang,
    name: &str,
    all: &[T],
    key: impl Fn(&T) -> &'static str,
    label: impl Fn(&T) -> (&'static str, &'static str),
    chosen: &[T],
) -> Vec<Value> {
    all.iter()
        .map(|v| {
            let (nl, en) = label(v);
            json!({"value": key(v), "label": if lang == Lang::Nl { nl } else { en }, "checked": chosen.contains(v), "id": format!("f-{name}-{}", key(v))})
        })
        .collect()
}

fn activity_form_ctx(lang: Lang, a: &Activity) -> Value {
    json!({
        "name": a.name, "purposes": a.purposes, "recipients": a.recipients, "processors": a.processors, "retention": a.retention,
        "bases": LegalBasis::ALL.iter().map(|b| json!({"value": b.as_str(), "label": b.label_nl(), "selected": *b == a.legal_basis})).collect::<Vec<_>>(),
        "data": multi_ctx(lang, "data", GeneralData::ALL, |v| v.as_str(), |v| (v.label_nl(), v.label_en()), &a.data_categories),
        "special": multi_ctx(lang, "special", SpecialCategory::ALL, |v| v.as_str(), |v| (v.label_nl(), v.label_en()), &a.special_categories),
        "groups": multi_ctx(lang, "groups", PersonGroup::ALL, |v| v.as_str(), |v| (v.label_nl(), v.label_en()), &a.person_groups),
    })
}

fn empty_activity() -> Activity {
    Activity {
        name: String::new(),
        purposes: String::new(),
        legal_basis: LegalBasis::PublicTask,
        data_categories: vec![],
        special_categories: vec![],
        person_groups: vec![],
        recipients: String::new(),
        processors: String::new(),
        retention: String::new(),
    }
}

fn activity_from_form(f: &Form) -> Activity {
    Activity {
        name: f.get("name"),
        purposes: f.get("purposes"),
        legal_basis: LegalBasis::parse(&f.get("legal_basis")).unwrap_or(LegalBasis::PublicTask),
        data_categories: f
            .all("data")
            .iter()
            .filter_map(|s| GeneralData::parse(s))
            .collect(),
        special_categories: f
            .all("special")
            .iter()
            .filter_map(|s| SpecialCategory::parse(s))
            .collect(),
        person_groups: f
            .all("groups")
            .iter()
            .filter_map(|s| PersonGroup::parse(s))
            .collect(),
        recipients: f.get("recipients"),
        processors: f.get("processors"),
        retention: f.get("retention"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn activities_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &crate::auth::Staff,
    orgs: &[OrgRow],
    org: Option<OrgRow>,
    form: &Activity,
    errors: Shown,
    imported: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let list = match &org {
        Some(o) => {
            let (s, id) = (staff.clone(), o.id.clone());
            state
                .db(move |c| Ok(service::list_activities(c, &s, &id)?))
                .await
                .map_err(|e| page_err(lang, e))?
        }
        None => vec![],
    };
    let (elist, emap) = errors_ctx(&errors);
    let rows: Vec<Value> = list
        .iter()
        .map(|a| {
            let names = |v: Vec<&str>| v.join(", ");
            json!({
                "url": format!("/staff/activities/{}", a.id),
                "name": a.activity.name,
                "purposes": a.activity.purposes,
                "basis": a.activity.legal_basis.label_nl(),
                "data": names(a.activity.data_categories.iter().map(|d| if lang == Lang::Nl { d.label_nl() } else { d.label_en() })
                    .chain(a.activity.special_categories.iter().map(|d| if lang == Lang::Nl { d.label_nl() } else { d.label_en() })).collect()),
                "groups": names(a.activity.person_groups.iter().map(|d| if lang == Lang::Nl { d.label_nl() } else { d.label_en() }).collect()),
                "retention": a.activity.retention,
            })
        })
        .collect();
    let slug = org.as_ref().map(|o| o.slug.clone()).unwrap_or_default();
    let ctx = json!({
        "title": w.t(lang, "staff_acts_page_title"),
        "switcher": switcher_ctx(lang, orgs, org.as_ref()),
        "switcher_action": "/staff/activities",
        "org": org.as_ref().map(|o| json!({"slug": o.slug, "name": o.name})),
        "rows": rows,
        "form": activity_form_ctx(lang, form),
        "errors": elist,
        "err": emap,
        "notice": imported.or_else(|| notice(req, lang, &["activity"])),
        "export_csv": format!("/api/v1/organisations/{slug}/activities/export?format=csv"),
        "export_xlsx": format!("/api/v1/organisations/{slug}/activities/export?format=xlsx"),
        "export_json": format!("/api/v1/organisations/{slug}/activities/export?format=json"),
    });
    render(req, lang, Some(staff), "staff/activities", ctx, status)
}

/// `GET /staff/activities`: the processing register of the chosen organisation.
pub async fn activities(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let orgs = my_orgs(&state, &staff, lang).await?;
    let (chosen, cookie) = chosen_org(&req, &orgs);
    let org = register_org(&orgs, chosen);
    let resp = activities_page(
        &state,
        &req,
        lang,
        &staff,
        &orgs,
        org,
        &empty_activity(),
        vec![],
        None,
        StatusCode::OK,
    )
    .await?;
    Ok(with_cookie(resp, cookie))
}

fn org_of(orgs: &[OrgRow], slug: &str) -> Option<OrgRow> {
    orgs.iter().find(|o| o.slug == slug).cloned()
}

/// `POST /staff/activities`: add a processing activity.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let orgs = my_orgs(&state, &staff, lang).await?;
    let Some(org) = org_of(&orgs, &f.get("org")) else {
        return Err(PageError::not_found(lang));
    };
    let a = activity_from_form(&f);
    let (s, id, a2) = (staff.clone(), org.id.clone(), a.clone());
    match state
        .db(move |c| Ok(service::create_activity(c, &s, &id, a2)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/activities?org={}&ok=activity",
            org.slug
        ))),
        Err(ApiError::Validation(v)) => {
            activities_page(
                &state,
                &req,
                lang,
                &staff,
                &orgs,
                Some(org),
                &a,
                localise(lang, &v, &[]),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

/// `POST /staff/activities/import`: a CSV or JSON file (multipart), all rows or none.
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_large = false;
    let (mut mp, ended) = crate::web::multipart::guarded_multipart(req.headers(), payload);
    while let Some(field) = crate::web::multipart::next_or_incomplete(&mut mp, &ended)
        .await
        .map_err(|_| super::page::bad_request(lang))?
    {
        let mut field = field.map_err(|_| super::page::bad_request(lang))?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(String::from);
        let mut buf = vec![];
        while let Some(chunk) = crate::web::multipart::next_or_incomplete(&mut field, &ended)
            .await
            .map_err(|_| super::page::bad_request(lang))?
        {
            let chunk = chunk.map_err(|_| super::page::bad_request(lang))?;
            if buf.len() + chunk.len() > 5 * 1024 * 1024 {
                too_large = true;
                continue;
            }
            buf.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = Some((filename.unwrap_or_default(), buf));
        } else if fields.len() < 10 {
            fields.insert(name, String::from_utf8_lossy(&buf).into_owned());
        }
    }
    if !csrf_ok(&req, fields.get("csrf").map(|s| s.as_str()).unwrap_or("")) {
        return expired(&req, lang, "/staff/activities");
    }
    let staff = signed_in(&req, lang, "/staff/activities").await?;
    let orgs = my_orgs(&state, &staff, lang).await?;
    let Some(org) = org_of(&orgs, fields.get("org").map(|s| s.as_str()).unwrap_or("")) else {
        return Err(PageError::not_found(lang));
    };
    let fail = |errors: Shown| (errors, StatusCode::UNPROCESSABLE_ENTITY);
    let outcome: Result<(usize, usize), (Shown, StatusCode)> = match file {
        _ if too_large => Err(fail(vec![("file".into(), w.t(lang, "staff_err_too_long"))])),
        None => Err(fail(vec![(
            "file".into(),
            w.t(lang, "staff_err_file_missing"),
        )])),
        Some((_, bytes)) if bytes.is_empty() => Err(fail(vec![(
            "file".into(),
            w.t(lang, "staff_err_file_missing"),
        )])),
        Some((name, bytes)) => {
            let is_json = name.to_ascii_lowercase().ends_with(".json")
                || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
            let parsed = if is_json {
                activities::from_json(&bytes)
            } else {
                // CSV or Excel, told apart by the file's first bytes.
                activities::from_table(&bytes)
            };
            match parsed {
                Err(problems) => Err(fail(
                    problems
                        .iter()
                        .take(50)
                        .enumerate()
                        .map(|(i, p)| {
                            (
                                format!("file-{i}"),
                                w.t(lang, "staff_err_import")
                                    .replace("{line}", &p.line.to_string())
                                    .replace("{field}", &p.field)
                                    .replace("{message}", &p.message),
                            )
                        })
                        .collect(),
                )),
                Ok(items) => {
                    let (s, id) = (staff.clone(), org.id.clone());
                    match state
                        .db(move |c| Ok(service::import_activities(c, &s, &id, items)?))
                        .await
                    {
                        Ok(o) => Ok((o.created, o.updated)),
                        Err(e) => return Err(page_err(lang, e)),
                    }
                }
            }
        }
    };
    match outcome {
        Ok((created, updated)) => {
            let msg = w
                .t(lang, "staff_acts_imported")
                .replace("{created}", &created.to_string())
                .replace("{updated}", &updated.to_string());
            activities_page(
                &state,
                &req,
                lang,
                &staff,
                &orgs,
                Some(org),
                &empty_activity(),
                vec![],
                Some(msg),
                StatusCode::OK,
            )
            .await
        }
        Err((errors, status)) => {
            activities_page(
                &state,
                &req,
                lang,
                &staff,
                &orgs,
                Some(org),
                &empty_activity(),
                errors,
                None,
                status,
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn activity_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &crate::auth::Staff,
    id: &str,
    typed: Option<Activity>,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (s, i) = (staff.clone(), id.to_string());
    let v = state
        .db(move |c| Ok(service::get_activity(c, &s, &i)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let (elist, emap) = errors_ctx(&errors);
    let ctx = json!({
        "title": format!("{}: {}", w.t(lang, "staff_acts_edit"), v.activity.name),
        "id": v.id,
        "version": v.version,
        "form": activity_form_ctx(lang, typed.as_ref().unwrap_or(&v.activity)),
        "errors": elist,
        "err": emap,
    });
    render(req, lang, Some(staff), "staff/activity", ctx, status)
}

/// `GET /staff/activities/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    activity_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        None,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/activities/{id}`: change it (optimistic locking on the version shown).
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
    let id = path.into_inner();
    let version: i64 = f
        .get("version")
        .parse()
        .map_err(|_| super::page::bad_request(lang))?;
    let a = activity_from_form(&f);
    let (s, i, a2) = (staff.clone(), id.clone(), a.clone());
    match state
        .db(move |c| Ok(service::update_activity(c, &s, &i, version, a2)?))
        .await
    {
        Ok(v) => {
            let slug = my_orgs(&state, &staff, lang)
                .await?
                .into_iter()
                .find(|o| o.id == v.organisation_id)
                .map(|o| o.slug)
                .unwrap_or_default();
            Ok(redirect(&format!(
                "/staff/activities?org={slug}&ok=activity"
            )))
        }
        Err(ApiError::Validation(v)) => {
            activity_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                Some(a),
                localise(lang, &v, &[]),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ApiError::Conflict(_)) => {
            let errs = vec![(
                "name".to_string(),
                pages().t(lang, "staff_err_changed_meanwhile"),
            )];
            activity_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                None,
                errs,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}
