//! The assessment's forms on the incident page (`/staff/incidents/{id}/assessment`, `decision`,
//! `activities`, `measures`): parse, call the assessment, remediation and register services, and
//! show the incident page again with what was typed when a form is refused.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::assess::facts_from_form;
use super::form::{push_err, Extra, Shown};
use super::incidents::incident_page;
use super::page::{page_err, refused, StaffForm};
use crate::assessment::decision::Outcome;
use crate::assessment::facts::Facts;
use crate::assessment::service::{self as aservice, DecisionInput};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::register::service as rservice;
use crate::remediation::rules::MeasureStatus;
use crate::remediation::service::{self as mservice, MeasureInput, MeasurePatch};
use crate::state::AppState;
use crate::web::kit::{redirect, web as pages, Lang, PageError};

fn back<'a>(
    state: &'a AppState,
    req: &'a HttpRequest,
    lang: Lang,
    staff: &'a Staff,
    id: &'a str,
) -> Back<'a> {
    Back {
        state,
        req,
        lang,
        staff,
        id,
    }
}

/// The incident page shown again after a refused form, with what was typed.
struct Back<'a> {
    state: &'a AppState,
    req: &'a HttpRequest,
    lang: Lang,
    staff: &'a Staff,
    id: &'a str,
}

impl Back<'_> {
    async fn page(
        &self,
        errors: Shown,
        typed: HashMap<String, String>,
        facts: Option<Value>,
        status: StatusCode,
    ) -> Result<HttpResponse, PageError> {
        // `people.max` is shown at the people fields.
        let mut shown: Shown = vec![];
        for (f, m) in errors {
            let base = f.split('.').next().unwrap_or(&f).to_string();
            push_err(&mut shown, &base, m);
        }
        let extra = Extra {
            errors: shown,
            typed,
            assess_facts: facts,
            status: Some(status),
            ..Default::default()
        };
        incident_page(self.state, self.req, self.lang, self.staff, self.id, extra).await
    }

    /// A domain refusal (422 field errors, 409 changed meanwhile) as the page; other errors as
    /// error pages.
    async fn refused(
        &self,
        e: ApiError,
        typed: HashMap<String, String>,
        facts: Option<Value>,
    ) -> Result<HttpResponse, PageError> {
        let (errors, status) = refused(self.lang, e, &[], "assessment")?;
        self.page(errors, typed, facts, status).await
    }
}

/// `POST /staff/incidents/{id}/assessment`: record the facts (a new version).
pub async fn facts(
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
    let (s, i) = (staff.clone(), id.clone());
    let current: Value = state
        .db(move |c| {
            let v = aservice::load_assessment(c, &s, &i)?;
            serde_json::to_value(v.facts.unwrap_or_default())
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let (typed, mut errs) = facts_from_form(&f, &current, lang);
    let parsed: Result<Facts, _> = serde_json::from_value(typed.clone());
    let facts = match parsed {
        Ok(p) if errs.is_empty() => p,
        Ok(_) => {
            return back(&state, &req, lang, &staff, &id)
                .page(
                    errs,
                    HashMap::new(),
                    Some(typed),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
        }
        Err(e) => {
            push_err(
                &mut errs,
                "assessment",
                format!("{}: {e}", pages().t(lang, "staff_err_invalid")),
            );
            return back(&state, &req, lang, &staff, &id)
                .page(
                    errs,
                    HashMap::new(),
                    Some(typed),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
        }
    };
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(aservice::record_facts(c, &s, &i, facts)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}?ok=assessed#assessment"
        ))),
        Err(e) => {
            back(&state, &req, lang, &staff, &id)
                .refused(e, HashMap::new(), Some(typed))
                .await
        }
    }
}

/// `POST /staff/incidents/{id}/decision`: the person's decision with reasons.
pub async fn decide(
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
    let typed: HashMap<String, String> =
        ["outcome", "exception", "reasons", "reason_for_difference"]
            .iter()
            .map(|k| (k.to_string(), f.get(k)))
            .collect();
    let Some(outcome) = Outcome::parse(&f.get("outcome")) else {
        let errs = vec![("outcome".to_string(), pages().t(lang, "staff_err_choice"))];
        return back(&state, &req, lang, &staff, &id)
            .page(errs, typed, None, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let input: DecisionInput = match serde_json::from_value(json!({
        "outcome": outcome.as_str(),
        "exception": f.opt("exception"),
        "reasons": f.get("reasons"),
        "reason_for_difference": f.opt("reason_for_difference"),
    })) {
        Ok(i) => i,
        Err(_) => {
            let errs = vec![("exception".to_string(), pages().t(lang, "staff_err_choice"))];
            return back(&state, &req, lang, &staff, &id)
                .page(errs, typed, None, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(aservice::record_decision(c, &s, &i, input)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}?ok=decided#decision"
        ))),
        Err(e) => {
            back(&state, &req, lang, &staff, &id)
                .refused(e, typed, None)
                .await
        }
    }
}

/// `POST /staff/incidents/{id}/activities`: the processing activities it concerns.
pub async fn activities(
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
    let ids = f.all("activity");
    let derive_only = f.has("derive");
    let (s, i) = (staff.clone(), id.clone());
    let r = state
        .db(move |c| {
            if derive_only {
                Ok(rservice::derive_facts(c, &s, &i)?)
            } else {
                Ok(rservice::link_activities(c, &s, &i, &ids)?)
            }
        })
        .await;
    match r {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}?ok=derived#assessment"
        ))),
        Err(e) => {
            back(&state, &req, lang, &staff, &id)
                .refused(e, HashMap::new(), None)
                .await
        }
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
}

/// `POST /staff/incidents/{id}/measures`: add a measure.
pub async fn add_measure(
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
    let typed: HashMap<String, String> = [
        ("measure_description", f.get("description")),
        ("measure_due", f.get("due_on")),
        ("owner_id", f.get("owner_id")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let Some(due_on) = parse_date(&f.get("due_on")) else {
        let errs = vec![(
            "measure_due_on".to_string(),
            pages().t(lang, "staff_err_date"),
        )];
        return back(&state, &req, lang, &staff, &id)
            .page(errs, typed, None, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let input = MeasureInput {
        description: f.get("description"),
        due_on,
        owner_id: f.opt("owner_id"),
        status: None,
        evidence: None,
    };
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(mservice::create(c, &s, &i, input)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}?ok=measure#measures"
        ))),
        Err(e) => {
            let (errors, status) = refused(lang, e, &[], "assessment")?;
            // The add form's fields carry a prefix (the page has other descriptions).
            let errors = errors
                .into_iter()
                .map(|(f, m)| (format!("measure_{f}"), m))
                .collect();
            back(&state, &req, lang, &staff, &id)
                .page(errors, typed, None, status)
                .await
        }
    }
}

/// `POST /staff/incidents/{id}/measures/{mid}`: change a measure's status and evidence.
pub async fn change_measure(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let (id, mid) = path.into_inner();
    let version: i64 = f
        .get("version")
        .parse()
        .map_err(|_| super::page::bad_request(lang))?;
    let status = MeasureStatus::parse(&f.get("status"));
    let due_on = f.opt("due_on").and_then(|d| parse_date(&d));
    let patch = MeasurePatch {
        version,
        description: None,
        due_on,
        owner_id: None,
        status,
        evidence: Some(f.get("evidence")),
    };
    let (s, m, i) = (staff.clone(), mid.clone(), id.clone());
    let r = state
        .db(move |c| {
            // The measure must belong to this incident (the URL says which).
            let row = crate::remediation::store::by_id(c, &m)?.ok_or(ApiError::NotFound)?;
            if row.incident_id != i {
                return Err(ApiError::NotFound);
            }
            Ok(mservice::update(c, &s, &m, patch)?)
        })
        .await;
    match r {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}?ok=measure#measures"
        ))),
        Err(e) => {
            let (mut errors, status) = refused(lang, e, &[], "assessment")?;
            for e in errors.iter_mut() {
                if e.0 == "evidence" {
                    e.0 = format!("evidence-{mid}");
                }
            }
            back(&state, &req, lang, &staff, &id)
                .page(errors, HashMap::new(), None, status)
                .await
        }
    }
}
