//! Publishing and withdrawing a public notice.
use super::drafts::{notification_page, Again};
use super::shared::shown;
use crate::notifications::public;
use crate::notifications::service::ctx as nctx;
use crate::state::AppState;
use crate::web::kit::{redirect, Lang, PageError};
use crate::web::staff::page::{begin, page_err};
use actix_web::{web, HttpRequest, HttpResponse};

/// `POST /staff/incidents/{id}/notifications/{nid}/publish`.
pub async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, nid) = path.into_inner();
    let (_, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let ctx = nctx(&state);
    let (s, i, n) = (staff.clone(), id.clone(), nid.clone());
    match state
        .db(move |c| Ok(public::publish(c, &ctx, &s, &i, &n)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok=published"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "publish")?;
            let errors = errors
                .into_iter()
                .map(|(_, m)| ("publish".to_string(), m))
                .collect();
            let again = Again {
                errors,
                status: Some(status),
                ..Default::default()
            };
            notification_page(&state, &req, lang, &staff, &id, &nid, again).await
        }
    }
}

/// `POST /staff/incidents/{id}/public-notices/{pid}/withdraw`: with the reason.
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, pid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let reason = f.opt("reason");
    let (s, i, p) = (staff.clone(), id.clone(), pid.clone());
    let r = state
        .db(move |c| {
            let rows = public::for_incident(c, &i)?;
            let draft = rows.iter().find(|r| r.id == p).map(|r| r.draft_id.clone());
            let v = public::withdraw(c, &s, &i, &p, reason);
            Ok((draft, v))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let (draft, result) = r;
    let Some(nid) = draft else {
        return Err(PageError::not_found(lang));
    };
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok=withdrawn"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e.into(), "reason")?;
            let errors = errors
                .into_iter()
                .map(|(_, m)| ("reason".to_string(), m))
                .collect();
            let again = Again {
                errors,
                status: Some(status),
                ..Default::default()
            };
            notification_page(&state, &req, lang, &staff, &id, &nid, again).await
        }
    }
}
