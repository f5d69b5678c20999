//! Answering the reporter from the report page (`POST /staff/reports/{reference}/reply`): a
//! standard answer and/or free text, in Dutch or English (the report's language unless chosen).
//! The rules and the record are in `reports::reply`; this parses, calls and renders.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::localise;
use super::page::{page_err, StaffForm};
use crate::error::ApiError;
use crate::reports::reply::{self, ReplyInput};
use crate::state::AppState;
use crate::web::kit::{redirect, PageError};

/// `POST /staff/reports/{reference}/reply`.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    StaffForm {
        lang,
        form: f,
        staff,
    }: StaffForm,
) -> Result<HttpResponse, PageError> {
    let reference = path.into_inner();
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
        .db(move |c| Ok(reply::reply(c, &s, &r, input, &links)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/reports/{reference}?ok=replied#h-reply"
        ))),
        Err(ApiError::Validation(v)) => {
            let errors = localise(lang, &v, &[]);
            super::report::report_page(
                &state,
                &req,
                lang,
                &staff,
                reference,
                super::report::Again {
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
