//! E-mails that joined a report or incident, on the staff's incident and report pages, and the
//! download of their attachments (`/staff/mail/{id}/attachments/{n}`) for staff who may see the
//! report or incident the mail belongs to.
use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::files::{download, kb};
use super::page::{here, page_err, signed_in};
use super::when::local_db;
use crate::auth::Staff;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::mailbox::replies::{self, Reply};
use crate::mailbox::service::limits;
use crate::privacy;
use crate::reports::service::staff_may_see as may_see;
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};

/// The replies as the pages show them. `mask`: the sender's address masked (the incident page,
/// like its report excerpts); `reports`: report id → reference, to name the report a reply joined.
pub(super) fn ctx(
    lang: Lang,
    list: &[Reply],
    mask: bool,
    reports: &HashMap<String, String>,
) -> Vec<Value> {
    let w = pages();
    list.iter()
        .map(|r| {
            let address = r.from.as_deref().map(|a| {
                if mask {
                    privacy::mask_email(a)
                } else {
                    a.to_string()
                }
            });
            let from = match (&r.from_name, address) {
                (Some(n), Some(a)) if !mask => format!("{n} <{a}>"),
                (_, Some(a)) => a,
                (Some(n), None) if !mask => n.clone(),
                _ => w.t(lang, "staff_not_given"),
            };
            let text = if mask {
                privacy::mask_text(&r.text)
            } else {
                r.text.clone()
            };
            let attachments: Vec<Value> = r
                .attachments
                .iter()
                .map(|a| {
                    let status = match a.scan.as_deref() {
                        Some("infected") => Some(format!(
                            "{}: {}",
                            w.t(lang, "staff_mail_infected"),
                            a.signature.as_deref().unwrap_or("?")
                        )),
                        Some("not_scanned") => Some(w.t(lang, "staff_mail_not_scanned")),
                        Some("clean") => Some(w.t(lang, "staff_mail_scanned_clean")),
                        _ => None,
                    };
                    // Scanned again later (clamd was down at intake): say so, and when.
                    let rescanned = a
                        .rescanned_at
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| super::when::local_time(lang, t.with_timezone(&chrono::Utc)));
                    let status = match (status, rescanned) {
                        (Some(s), Some(at)) => {
                            Some(format!("{s} ({} {at})", w.t(lang, "staff_mail_rescanned_at")))
                        }
                        (s, _) => s,
                    };
                    json!({
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": kb(a.size as i64),
                        "url": a.available.then(|| format!("/staff/mail/{}/attachments/{}", r.mail_id, a.index)),
                        "withheld": a.withheld.as_ref().map(|why| if a.scan.as_deref() == Some("infected") {
                            w.t(lang, "staff_mail_infected")
                        } else {
                            format!("{}: {why}", w.t(lang, "staff_mail_refused"))
                        }),
                        "status": status,
                    })
                })
                .collect();
            json!({
                "subject": if r.subject.is_empty() { "—".to_string() } else { r.subject.clone() },
                "from": from,
                "at": local_db(lang, r.date),
                "lines": super::form::lines(&text),
                "purged": r.purged,
                "report": r.report_id.as_ref().and_then(|id| reports.get(id)).map(|reference| json!({
                    "reference": reference,
                    "url": format!("/staff/reports/{reference}"),
                })),
                "attachments": attachments,
            })
        })
        .collect()
}

/// May `staff` see the mail belonging to this report / incident?
pub(crate) fn may_see_mail(
    c: &mut DbConn,
    staff: &Staff,
    report_id: Option<&str>,
    incident_id: Option<&str>,
) -> Result<bool, ApiError> {
    if let Some(rid) = report_id {
        if let Some(r) = crate::mailbox::store::report_by_id(c, rid)? {
            return Ok(may_see(staff, &r));
        }
    }
    if let Some(iid) = incident_id {
        if let Some(org) = crate::mailbox::store::incident_org(c, iid)? {
            return Ok(staff.can_handle(&org));
        }
    }
    Ok(false)
}

/// `GET /staff/mail/{id}/attachments/{n}`: attachment `n` of a stored e-mail that joined a report
/// or incident the signed-in staff member may see; an infected or unchecked file is never served.
pub async fn attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, index) = path.into_inner();
    let limits = limits(&state.settings);
    let (name, ct, data) = state
        .db(move |c| {
            let d = replies::attachment(c, &id, index, &limits)?.ok_or(ApiError::NotFound)?;
            if !may_see_mail(c, &staff, d.report_id.as_deref(), d.incident_id.as_deref())? {
                return Err(ApiError::NotFound);
            }
            d.file.ok_or(ApiError::NotFound)
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    Ok(download(&name, &ct, data))
}
