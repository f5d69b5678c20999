//! A processor's pages: its notices and where each stands (`/verwerker`), a new notice
//! (`/verwerker/melden`), one notice with its supplements (`/verwerker/meldingen/{reference}`).
//! Only for accounts with the role `processor`; anyone else signed in gets a 403 page.
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::kit::{
    csrf_ok, errors_ctx, expired, here, input_value, local_time, localise, notice, page_err,
    parse_count, parse_local, push_err, redirect, render, signed_in, Form, Lang, Menu, PageError,
    Shown,
};
use crate::assessment::facts::{GeneralData, PersonGroup, SpecialCategory};
use crate::auth::Staff;
use crate::db::now;
use crate::error::ApiError;
use crate::processors::model::{NoticeInput, NoticeStatus, SupplementInput};
use crate::processors::service::{self, ControllerStatus, NoticeView};
use crate::state::AppState;
use crate::web::kit::web as pages;

const PAGE: i64 = 50;

fn status_label(lang: Lang, s: NoticeStatus) -> String {
    pages().t(lang, &format!("processor_status_{}", s.as_str()))
}

fn controllers_ctx(lang: Lang, v: &[ControllerStatus]) -> Vec<Value> {
    let w = pages();
    v.iter()
        .map(|c| {
            json!({
                "name": c.organisation.name,
                "status": status_label(lang, c.status),
                "closed": c.status == NoticeStatus::Closed,
                "hours": c.contract_hours,
                "due": local_time(lang, c.due_at),
                "late": c.late,
                "timeliness": w.t(lang, if c.late { "processor_late" } else { "processor_in_time" }),
            })
        })
        .collect()
}

/// A list of vocabulary keys as labels in the person's language.
fn labels(
    lang: Lang,
    keys: &[String],
    label: impl Fn(&str) -> Option<(String, String)>,
) -> Vec<String> {
    keys.iter()
        .filter_map(|k| label(k))
        .map(|(nl, en)| if lang == Lang::Nl { nl } else { en })
        .collect()
}

pub fn general_label(k: &str) -> Option<(String, String)> {
    GeneralData::parse(k).map(|g| (g.label_nl().to_string(), g.label_en().to_string()))
}
pub fn special_label(k: &str) -> Option<(String, String)> {
    SpecialCategory::parse(k).map(|g| (g.label_nl().to_string(), g.label_en().to_string()))
}
pub fn group_label(k: &str) -> Option<(String, String)> {
    PersonGroup::parse(k).map(|g| (g.label_nl().to_string(), g.label_en().to_string()))
}

/// "120 tot 140", "ten minste 120", "ten hoogste 140", or nothing.
pub fn people_text(lang: Lang, min: Option<i64>, max: Option<i64>) -> Option<String> {
    let w = pages();
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(a.to_string()),
        (Some(a), Some(b)) => Some(
            w.t(lang, "processor_range")
                .replace("{min}", &a.to_string())
                .replace("{max}", &b.to_string()),
        ),
        (Some(a), None) => Some(
            w.t(lang, "processor_at_least")
                .replace("{n}", &a.to_string()),
        ),
        (None, Some(b)) => Some(
            w.t(lang, "processor_at_most")
                .replace("{n}", &b.to_string()),
        ),
        (None, None) => None,
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(String::from).collect()
}

/// `GET /verwerker`: the notices of the processors the person acts for, newest first.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let offset =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("offset").and_then(|o| o.parse::<i64>().ok()))
            .unwrap_or(0)
            .clamp(0, 1_000_000);
    let s = staff.clone();
    let (items, total, linked) = state
        .db(move |c| {
            let (items, total) = service::notices(c, &s, PAGE, offset)?;
            let mut linked = 0;
            for p in service::my_processors(c, &s)? {
                linked += service::controllers_of(c, &p)?.len();
            }
            Ok((items, total, linked))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let w = pages();
    let rows: Vec<Value> = items
        .iter()
        .map(|n| {
            json!({
                "reference": n.reference,
                "url": format!("/verwerker/meldingen/{}", n.reference),
                "processor": n.processor.name,
                "sent": local_time(lang, n.submitted_at),
                "aware": local_time(lang, n.aware_at),
                "controllers": controllers_ctx(lang, &n.controllers),
                "supplements": n.supplements,
            })
        })
        .collect();
    let shown = rows.len() as i64;
    let ctx = json!({
        "title": w.t(lang, "processor_list_title"),
        "notice": notice(&req, lang, &[]),
        "rows": rows,
        "empty": items.is_empty(),
        "unlinked": linked == 0,
        "range": (shown > 0).then(|| w.t(lang, "processor_range_text")
            .replace("{from}", &(offset + 1).to_string())
            .replace("{to}", &(offset + shown).to_string())
            .replace("{total}", &total.to_string())),
        "next_url": (offset + shown < total).then(|| format!("/verwerker?offset={}", offset + PAGE)),
        "prev_url": (offset > 0).then(|| format!("/verwerker?offset={}", (offset - PAGE).max(0))),
    });
    render(
        &state,
        &req,
        lang,
        Menu::Processor(&staff),
        "processor/list",
        ctx,
        StatusCode::OK,
    )
    .await
}

/// What the notice form holds, as typed.
#[derive(Default, Clone)]
struct Typed {
    processor: String,
    controllers: Vec<String>,
    description: String,
    aware_at: String,
    breach_started_at: String,
    data_categories: Vec<String>,
    special_categories: Vec<String>,
    person_groups: Vec<String>,
    people_min: String,
    people_max: String,
    records: String,
    measures: String,
    contact_phone: String,
    language: String,
}

impl Typed {
    fn read(f: &Form) -> Typed {
        Typed {
            processor: f.get("processor"),
            controllers: f.all("controllers"),
            description: f.get("description"),
            aware_at: f.get("aware_at"),
            breach_started_at: f.get("breach_started_at"),
            data_categories: f.all("data_categories"),
            special_categories: f.all("special_categories"),
            person_groups: f.all("person_groups"),
            people_min: f.get("people_min"),
            people_max: f.get("people_max"),
            records: f.get("records"),
            measures: f.get("measures"),
            contact_phone: f.get("contact_phone"),
            language: f.get("language"),
        }
    }
}

fn checkboxes(
    lang: Lang,
    name: &str,
    options: Vec<(&'static str, &'static str, &'static str)>,
    chosen: &[String],
) -> Vec<Value> {
    options
        .into_iter()
        .map(|(key, nl, en)| {
            json!({
                "id": format!("f-{name}-{key}"),
                "name": name,
                "value": key,
                "label": if lang == Lang::Nl { nl } else { en },
                "checked": chosen.iter().any(|c| c == key),
            })
        })
        .collect()
}

async fn form_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    typed: Typed,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let procs = state
        .db(move |c| {
            let mut out = vec![];
            for p in service::my_processors(c, &s)? {
                let linked = service::controllers_of(c, &p)?;
                out.push((p, linked));
            }
            Ok(out)
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let several = procs.len() > 1;
    let mut controllers = vec![];
    for (p, linked) in &procs {
        for (l, o) in linked {
            // With several processors, a controller is named with the processor it is linked to.
            let label = if several {
                format!("{} ({})", o.name, p.name)
            } else {
                o.name.clone()
            };
            let hours = w
                .t(lang, "processor_contract_hours_text")
                .replace("{n}", &l.contract_hours.to_string());
            controllers.push(json!({
                "id": format!("f-controllers-{}", o.slug),
                "value": o.slug,
                "label": label,
                "hint": hours,
                "checked": typed.controllers.contains(&o.slug),
            }));
        }
    }
    let language = if typed.language.is_empty() {
        lang.code().to_string()
    } else {
        typed.language.clone()
    };
    let languages: Vec<Value> = ["nl", "en"]
        .iter()
        .map(|l| json!({"value": l, "label": w.t(lang, &format!("processor_language_{l}")), "selected": language == *l}))
        .collect();
    let (list, map) = errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "processor_form_title"),
        "several_processors": several,
        "processors": procs.iter().map(|(p, _)| json!({"value": p.slug, "label": p.name, "selected": typed.processor == p.slug})).collect::<Vec<_>>(),
        "controllers": controllers,
        "unlinked": procs.iter().all(|(_, l)| l.is_empty()),
        "data_categories": checkboxes(lang, "data_categories",
            GeneralData::ALL.iter().map(|g| (g.as_str(), g.label_nl(), g.label_en())).collect(), &typed.data_categories),
        "special_categories": checkboxes(lang, "special_categories",
            SpecialCategory::ALL.iter().map(|g| (g.as_str(), g.label_nl(), g.label_en())).collect(), &typed.special_categories),
        "person_groups": checkboxes(lang, "person_groups",
            PersonGroup::ALL.iter().map(|g| (g.as_str(), g.label_nl(), g.label_en())).collect(), &typed.person_groups),
        "languages": languages,
        "typed": {
            "description": typed.description,
            "aware_at": typed.aware_at,
            "breach_started_at": typed.breach_started_at,
            "people_min": typed.people_min,
            "people_max": typed.people_max,
            "records": typed.records,
            "measures": typed.measures,
            "contact_phone": typed.contact_phone,
        },
        "errors": list,
        "err": map,
    });
    render(
        state,
        req,
        lang,
        Menu::Processor(staff),
        "processor/form",
        ctx,
        status,
    )
    .await
}

/// `GET /verwerker/melden`.
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    // Awareness is proposed as now; the processor corrects it.
    let typed = Typed {
        aware_at: input_value(Some(now())),
        ..Default::default()
    };
    form_page(&state, &req, lang, &staff, typed, vec![], StatusCode::OK).await
}

/// `POST /verwerker/melden`: the notice is sent, or the form comes back with every error named.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, "/verwerker/melden");
    }
    let staff = signed_in(&req, lang, "/verwerker/melden").await?;
    let typed = Typed::read(&f);
    let mut errors: Shown = vec![];
    let when = |field: &str, v: &str, errors: &mut Shown| match parse_local(v) {
        Ok(t) => t,
        Err(key) => {
            push_err(errors, field, w.t(lang, key));
            None
        }
    };
    let aware_at = when("aware_at", &typed.aware_at, &mut errors);
    let breach_started_at = when("breach_started_at", &typed.breach_started_at, &mut errors);
    let count = |field: &str, v: &str, errors: &mut Shown| match parse_count(v) {
        Ok(n) => n,
        Err(key) => {
            push_err(errors, field, w.t(lang, key));
            None
        }
    };
    let input = NoticeInput {
        processor: Some(typed.processor.clone()).filter(|s| !s.trim().is_empty()),
        controllers: typed.controllers.clone(),
        description: typed.description.clone(),
        aware_at,
        breach_started_at,
        data_categories: typed.data_categories.clone(),
        special_categories: typed.special_categories.clone(),
        person_groups: typed.person_groups.clone(),
        people_min: count("people_min", &typed.people_min, &mut errors),
        people_max: count("people_max", &typed.people_max, &mut errors),
        records: count("records", &typed.records, &mut errors),
        measures: typed.measures.clone(),
        contact_phone: Some(typed.contact_phone.clone()),
        language: Some(typed.language.clone())
            .filter(|l| !l.is_empty())
            .or_else(|| Some(lang.code().to_string())),
    };
    let max = state.settings.limits.description_chars;
    let outcome = if errors.is_empty() {
        let links = crate::signals::Links::from_settings(&state.settings);
        let s = staff.clone();
        let i = input.clone();
        state
            .db(move |c| Ok(service::submit(c, &s, &i, max, &links)?))
            .await
    } else {
        // A field that could not be read: the rest is checked too, so every error shows at once
        // (the processor's links are checked when the form comes back whole).
        Err(ApiError::Validation(
            input.validate(now(), max).err().unwrap_or_default(),
        ))
    };
    match outcome {
        Ok(v) => Ok(redirect(&format!(
            "/verwerker/meldingen/{}?ok=sent",
            v.reference
        ))),
        Err(ApiError::Validation(v)) => {
            // What could not be read keeps its own message (push_err keeps the first per field).
            for (field, m) in localise(lang, &v) {
                push_err(&mut errors, &field, m);
            }
            form_page(
                &state,
                &req,
                lang,
                &staff,
                typed,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn notice_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    reference: String,
    text: String,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let s = staff.clone();
    let n: NoticeView = state
        .db(move |c| Ok(service::notice(c, &s, &reference)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let (list, map) = errors_ctx(&errors);
    let supplements: Vec<Value> = n
        .supplements
        .iter()
        .map(|s| json!({"at": local_time(lang, s.added_at), "by": s.added_by, "lines": lines(&s.text)}))
        .collect();
    let ctx = json!({
        "title": format!("{} {}", w.t(lang, "processor_notice_title"), n.reference),
        "notice": notice(req, lang, &["sent", "added"]),
        "reference": n.reference,
        // Not `processor`: the layout's menu has that key.
        "processor_name": n.processor.name,
        "sent": local_time(lang, n.submitted_at),
        "aware": local_time(lang, n.aware_at),
        "started": n.breach_started_at.map(|t| local_time(lang, t)),
        "description": lines(&n.description),
        "data_categories": labels(lang, &n.data_categories, general_label),
        "special_categories": labels(lang, &n.special_categories, special_label),
        "person_groups": labels(lang, &n.person_groups, group_label),
        "people": people_text(lang, n.people_min, n.people_max),
        "records": n.records,
        "measures": lines(&n.measures),
        "contact_phone": n.contact_phone,
        "controllers": controllers_ctx(lang, &n.controllers),
        "supplements": supplements,
        "action": format!("/verwerker/meldingen/{}/aanvullen", n.reference),
        "typed_text": text,
        "errors": list,
        "err": map,
    });
    render(
        state,
        req,
        lang,
        Menu::Processor(staff),
        "processor/notice",
        ctx,
        status,
    )
    .await
}

/// `GET /verwerker/meldingen/{reference}`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    notice_page(
        &state,
        &req,
        lang,
        &staff,
        path.into_inner(),
        String::new(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /verwerker/meldingen/{reference}/aanvullen`: a supplement, or the page again with the error.
pub async fn supplement(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let reference = path.into_inner();
    let back = format!(
        "/verwerker/meldingen/{}",
        crate::web::kit::urlencode(&reference)
    );
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    let input = SupplementInput {
        text: f.get("text"),
    };
    let links = crate::signals::Links::from_settings(&state.settings);
    let (s, r, i) = (staff.clone(), reference.clone(), input.clone());
    match state
        .db(move |c| Ok(service::supplement(c, &s, &r, &i, &links)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!("{back}?ok=added#supplements"))),
        Err(ApiError::Validation(v)) => {
            notice_page(
                &state,
                &req,
                lang,
                &staff,
                reference,
                input.text,
                localise(lang, &v),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}
