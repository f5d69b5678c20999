//! The controller's side in the staff pages: the processor's notice with the report
//! (`/staff/reports/{reference}`) and, in the inbox, which reports came from a processor and
//! whether late. The staff pages call these; the rules are in `processors`.
use std::collections::HashMap;

use serde_json::{json, Value};

use super::kit::{local_time, page_err, Lang, PageError};
use super::notices::{general_label, group_label, people_text, special_label};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::kit::web as pages;

fn lines(s: &str) -> Vec<String> {
    s.lines().map(String::from).collect()
}

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

/// The processor's notice behind the report, as the report page shows it (`processor_notice`):
/// `None` when the report did not come from a processor or is not the person's.
pub async fn section(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    reference: &str,
) -> Result<Option<Value>, PageError> {
    let (s, r) = (staff.clone(), reference.to_string());
    let v = match state
        .db(move |c| Ok(crate::processors::service::for_report(c, &s, &r)?))
        .await
    {
        Ok(Some(v)) => v,
        Ok(None) | Err(ApiError::NotFound) => return Ok(None),
        Err(e) => return Err(page_err(lang, e)),
    };
    let w = pages();
    Ok(Some(json!({
        "notice": v.notice,
        "processor": v.processor.name,
        "sent_by": v.sent_by.name,
        "sent_by_email": v.sent_by.email,
        "sent_by_phone": v.sent_by.phone,
        "aware": local_time(lang, v.aware_at),
        "notice_at": local_time(lang, v.notice_at),
        "hours": w.t(lang, "processor_contract_hours_text").replace("{n}", &v.contract_hours.to_string()),
        "due": local_time(lang, v.due_at),
        "late": v.late,
        "timeliness": w.t(lang, if v.late { "processor_late" } else { "processor_in_time" }),
        "started": v.breach_started_at.map(|t| local_time(lang, t)),
        "description": lines(&v.description),
        "data_categories": labels(lang, &v.data_categories, general_label),
        "special_categories": labels(lang, &v.special_categories, special_label),
        "person_groups": labels(lang, &v.person_groups, group_label),
        "people": people_text(lang, v.people_min, v.people_max),
        "records": v.records,
        "measures": lines(&v.measures),
        "also_sent_to": v.also_sent_to,
        "supplements": v.supplements.iter().map(|s| json!({
            "at": local_time(lang, s.added_at), "by": s.added_by, "lines": lines(&s.text),
        })).collect::<Vec<_>>(),
    })))
}

/// For the inbox's rows (report ids): which came from a processor, its name, and whether the
/// notice was late (with the words for the flag).
pub async fn inbox_flags(
    state: &AppState,
    lang: Lang,
    report_ids: Vec<String>,
) -> Result<HashMap<String, Value>, PageError> {
    let flags = state
        .db(move |c| Ok(crate::processors::service::lateness(c, &report_ids)?))
        .await
        .map_err(|e| page_err(lang, e))?;
    let w = pages();
    Ok(flags
        .into_iter()
        .map(|(id, name, late)| {
            (
                id,
                json!({"name": name, "late": late, "late_text": w.t(lang, "processor_late")}),
            )
        })
        .collect())
}
