//! Answering the reporter from the report page (`POST /staff/reports/{reference}/reply`): a
//! standard answer and/or free text, in Dutch or English (the report's language unless chosen).
//! The rules and the record are in `reports::reply`; this parses, calls and renders.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::{expired, localise, page_err, signed_in, Form, Shown};
use crate::error::ApiError;
use crate::reports::answers::Standard;
use crate::reports::reply::{self, ReplyInput};
use crate::reports::store::ReportRow;
use crate::state::AppState;
use crate::web::{csrf_ok, redirect, web as pages, Lang, PageError};

/// The form as typed and its errors, when an answer was refused.
#[derive(Default)]
pub(super) struct Again {
    pub errors: Shown,
    pub typed: HashMap<String, String>,
    pub status: Option<StatusCode>,
}

/// The answer form's context: the standard answers, the languages (the report's chosen unless the
/// form said otherwise), what was typed, and whether an e-mail goes.
pub(super) fn form_ctx(lang: Lang, row: &ReportRow, again: &Again) -> Value {
    let w = pages();
    let typed = |k: &str| again.typed.get(k).cloned().unwrap_or_default();
    let chosen = typed("standard");
    let mut standards = vec![json!({
        "value": "", "label": w.t(lang, "staff_reply_standard_none"), "selected": chosen.is_empty(),
    })];
    for s in Standard::ALL {
        standards.push(json!({
            "value": s.as_str(),
            "label": w.t(lang, &format!("staff_reply_standard_{}", s.as_str())),
            "selected": chosen == s.as_str(),
        }));
    }
    let language = Some(typed("language"))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| row.language.clone());
    let languages: Vec<Value> = ["nl", "en"]
        .iter()
        .map(|l| {
            json!({
                "value": l,
                "label": w.t(lang, &format!("staff_language_{l}")),
                "selected": language == *l,
            })
        })
        .collect();
    json!({
        "action": format!("/staff/reports/{}/reply", row.reference),
        "standards": standards,
        "languages": languages,
        "detail": typed("detail"),
        "text": typed("text"),
        "emailed": row.contact_email.is_some(),
    })
}

/// `POST /staff/reports/{reference}/reply`.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let reference = path.into_inner();
    let back = format!("/staff/reports/{reference}");
    let f = Form::parse(&body);
    if !csrf_ok(&req, &f.get("csrf")) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    let typed: HashMap<String, String> = ["standard", "detail", "text", "language"]
        .iter()
        .map(|k| (k.to_string(), f.get(k)))
        .collect();
    let input = ReplyInput {
        standard: f.opt("standard"),
        detail: f.opt("detail"),
        text: f.opt("text"),
        language: f.opt("language"),
    };
    let links = crate::signals::Links::from_settings(&state.settings);
    let (s, r) = (staff.clone(), reference.clone());
    match state
        .db(move |c| reply::reply(c, &s, &r, input, &links))
        .await
    {
        Ok(_) => Ok(redirect(&format!("{back}?ok=replied#h-reply"))),
        Err(ApiError::Validation(v)) => {
            let errors = localise(lang, &v, &[]);
            super::inbox::report_page(
                &state,
                &req,
                lang,
                &staff,
                reference,
                Again {
                    errors,
                    typed,
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                },
            )
            .await
        }
        Err(e) => Err(page_err(lang, e)),
    }
}
