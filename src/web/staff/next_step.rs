//! The incident page's "Volgende stap" panel: what the incident still needs, from
//! `incidents::next_steps` (the rules), with a link to the part of the page where it is done.
use serde_json::{json, Value};

use super::page::page_err;
use crate::assessment::decision::Outcome;
use crate::assessment::facts::Facts;
use crate::assessment::store as astore;
use crate::auth::Staff;
use crate::incidents::next_steps::{self, Draft, Need, Progress, Status, Step};
use crate::incidents::service;
use crate::notifications::{campaign, public, store as nstore};
use crate::remediation::store as rstore;
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};

/// Where on the incident page each step is done.
fn anchor(step: Step) -> &'static str {
    match step {
        Step::Facts => "#f-assessment",
        Step::Decision => "#decision",
        Step::ApDraft | Step::SignOff | Step::Filing | Step::People => "#notifications",
        Step::Measures => "#measures",
    }
}

fn draft_of(rows: &[&nstore::DraftRow]) -> Draft {
    rows.iter()
        .map(|d| {
            if d.status.signed_off() {
                Draft::Approved
            } else {
                Draft::Written
            }
        })
        .max()
        .unwrap_or(Draft::None)
}

/// Gather what is known of the incident (read only).
fn progress(
    c: &mut crate::db::DbConn,
    staff: &Staff,
    id: &str,
) -> crate::error::ApiResult<Progress> {
    let inc = service::visible(c, staff, id, false)?;
    let facts_missing = match astore::latest_facts(c, id)? {
        Some(f) => crate::error::parse_stored::<Facts>("facts", &f.facts_json)?
            .missing()
            .len(),
        None => Facts::default().missing().len(),
    };
    let decided = astore::latest_decision(c, id)?
        .and_then(|d| Outcome::parse(&d.outcome))
        .map(|o| Need {
            ap: o.notifies_ap(),
            people: o.tells_people(),
        });
    let drafts = nstore::drafts(c, id)?;
    let (ap, people): (Vec<&nstore::DraftRow>, Vec<_>) =
        drafts.iter().partition(|d| d.kind.is_ap());
    let mut people_informed = public::for_incident(c, id)?
        .iter()
        .any(|n| n.withdrawn_at.is_none());
    for camp in nstore::campaigns(c, id)? {
        if campaign::progress_of(c, &camp)?.done {
            people_informed = true;
        }
    }
    let measures = rstore::for_incident(c, id)?;
    let done = |s: &str| matches!(s, "done" | "cancelled");
    Ok(Progress {
        facts_missing,
        decided,
        ap_draft: draft_of(&ap),
        filed: inc.notified_at.is_some(),
        people_draft: draft_of(&people),
        people_informed,
        measures_open: measures.iter().filter(|m| !done(&m.status)).count(),
        measures_done: measures.iter().filter(|m| m.status == "done").count(),
    })
}

/// The panel's context: every step with its status and link, and the next one.
pub(super) async fn ctx(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<Value, PageError> {
    let (s, i) = (staff.clone(), id.to_string());
    let p = state
        .db(move |c| progress(c, &s, &i))
        .await
        .map_err(|e| page_err(lang, e))?;
    let w = pages();
    let next = next_steps::next(&p);
    let steps: Vec<Value> = next_steps::steps(&p)
        .into_iter()
        .map(|(step, status)| {
            json!({
                "label": w.t(lang, &format!("staff_step_{}", step.as_str())),
                "status": status.as_str(),
                "status_label": w.t(lang, &format!("staff_step_status_{}", status.as_str())),
                "todo": status == Status::ToDo,
                "is_next": Some(step) == next,
                "href": anchor(step),
            })
        })
        .collect();
    Ok(json!({
        "steps": steps,
        "next": next.map(|n| json!({
            "label": w.t(lang, &format!("staff_step_{}_do", n.as_str())),
            "href": anchor(n),
        })),
        "people_draft": match p.people_draft {
            Draft::None => None,
            Draft::Written => Some(w.t(lang, "staff_step_people_written")),
            Draft::Approved => Some(w.t(lang, "staff_step_people_approved")),
        },
    }))
}
