//! Campaigns: starting one, its progress, pause, throttle, failed recipients and letters.
use super::recipients::recipients_page;
use super::shared::{short, shown, t};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::notifications::campaign::{self, NewCampaign};
use crate::notifications::service::ctx as nctx;
use crate::notifications::store;
use crate::state::AppState;
use crate::web::kit::{redirect, Lang, PageError};
use crate::web::staff::form::{errors_ctx, Shown};
use crate::web::staff::page::{begin, here, notice, page_err, query, render, signed_in};
use crate::web::staff::when::local_time;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// `POST /staff/incidents/{id}/campaigns`: start a campaign with a signed-off letter draft.
pub async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let id = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let per_minute = match f.opt("per_minute").map(|p| p.parse::<i32>()) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => {
            let errs = vec![("per_minute".to_string(), t(lang, "staff_err_number"))];
            return recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                vec![],
                errs,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let input = NewCampaign {
        draft_id: f.get("draft_id"),
        per_minute,
        only_new: f.has("only_new"),
    };
    let ctx = nctx(&state);
    let domain = state.settings.mail_domain();
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(campaign::start(c, &ctx, &s, &i, input, &domain, |_, _| {})?))
        .await
    {
        Ok(started) => Ok(redirect(&format!(
            "/staff/incidents/{id}/campaigns/{}?ok=started",
            started.campaign_id
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "campaign")?;
            let errors = errors
                .into_iter()
                .map(|(k, m)| {
                    if k == "per_minute" {
                        (k, m)
                    } else {
                        ("campaign".to_string(), m)
                    }
                })
                .collect();
            recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                vec![],
                errors,
                None,
                status,
            )
            .await
        }
    }
}

/// Rows per page of a campaign's failed e-mails and of its letters.
pub(super) const CAMPAIGN_PAGE: i64 = 200;

/// Which page of a list of `total` rows is shown (`?page=N`, from 1; out of range → the nearest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Paging {
    page: i64,
    pages: i64,
}

impl Paging {
    fn new(asked: i64, total: i64) -> Paging {
        let pages = ((total.max(0) + CAMPAIGN_PAGE - 1) / CAMPAIGN_PAGE).max(1);
        Paging {
            page: asked.clamp(1, pages),
            pages,
        }
    }

    fn offset(&self) -> i64 {
        (self.page - 1) * CAMPAIGN_PAGE
    }

    /// The links and "page x of y" for the template; nothing when it all fits on one page.
    fn ctx(&self, lang: Lang, url: impl Fn(i64) -> String) -> Option<Value> {
        (self.pages > 1).then(|| {
            json!({
                "label": t(lang, "staff_nf_page_of")
                    .replace("{page}", &self.page.to_string())
                    .replace("{pages}", &self.pages.to_string()),
                "prev": (self.page > 1).then(|| url(self.page - 1)),
                "next": (self.page < self.pages).then(|| url(self.page + 1)),
            })
        })
    }
}

pub(super) fn eta_text(lang: Lang, secs: Option<f64>) -> Option<String> {
    let s = secs?;
    let mins = (s / 60.0).ceil() as i64;
    Some(if mins < 1 {
        t(lang, "staff_nf_eta_under_minute")
    } else if mins < 120 {
        t(lang, "staff_nf_eta_minutes").replace("{n}", &mins.to_string())
    } else {
        t(lang, "staff_nf_eta_hours").replace("{n}", &((mins + 59) / 60).to_string())
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn campaign_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    cid: &str,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let q = query(req);
    let asked = |name: &str| {
        q.get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(1)
    };
    let (letters_asked, failed_asked) = (asked("page"), asked("failed_page"));
    let (s, i, c_id) = (staff.clone(), id.to_string(), cid.to_string());
    let (p, failed, letters, reference, letters_at, failed_at) = state
        .db(move |c| {
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let p = campaign::progress(c, &s, &i, &c_id)?;
            let letters_at = Paging::new(letters_asked, p.letters);
            let failed_at = Paging::new(failed_asked, p.failed);
            let failed = store::failed_messages(c, &c_id, failed_at.offset(), CAMPAIGN_PAGE)?;
            let letters = store::letter_page(c, &c_id, letters_at.offset(), CAMPAIGN_PAGE)?;
            Ok((p, failed, letters, inc.reference, letters_at, failed_at))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let (list, map) = errors_ctx(&errors);
    let refresh_off = q.get("refresh").map(|v| v == "off").unwrap_or(false);
    let running = !p.done && !p.paused;
    let base = format!("/staff/incidents/{id}/campaigns/{cid}");
    // A page link keeps the other list's page (and the refresh choice).
    let page_url = |letters: i64, failed: i64, anchor: &str| {
        let mut u = format!("{base}?page={letters}&failed_page={failed}");
        if refresh_off {
            u.push_str("&refresh=off");
        }
        format!("{u}#{anchor}")
    };
    let letters_paging = letters_at.ctx(lang, |n| page_url(n, failed_at.page, "h-letters"));
    let failed_paging = failed_at.ctx(lang, |n| page_url(letters_at.page, n, "h-failed"));
    let rate = format!("{:.0}", p.rate_per_minute);
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_campaign_title"), reference),
        "reference": reference,
        "back": format!("/staff/incidents/{id}/recipients"),
        "incident": format!("/staff/incidents/{id}#notifications"),
        "action": base,
        "notice": notice(req, lang, &["started", "paused", "resumed", "rate", "printed"]),
        "p": p,
        "rate": rate,
        "eta": eta_text(lang, p.eta_seconds),
        "state": if p.done { t(lang, "staff_nf_campaign_done") } else if p.paused { t(lang, "staff_nf_campaign_paused") } else { t(lang, "staff_nf_campaign_running") },
        "started_at": local_time(lang, p.created_at),
        "hash_short": short(&p.content_sha256),
        "refresh": (running && !refresh_off).then_some(10),
        "refresh_off_url": format!("{base}?refresh=off"),
        "refresh_url": base.clone(),
        "per_minute": p.per_minute.map(|n| n.to_string()).unwrap_or_default(),
        "failed": failed.iter().map(|(line, name, err, resp, attempts)| json!({
            "line": line, "name": name,
            "reason": err.clone().or_else(|| resp.clone()).unwrap_or_default(),
            "attempts": attempts,
        })).collect::<Vec<_>>(),
        "letters": letters.iter().map(|(line, name, rid, st)| json!({
            "line": line, "name": name,
            "url": format!("{base}/letters/{rid}"),
            "status": t(lang, &format!("staff_nf_letter_{st}")),
        })).collect::<Vec<_>>(),
        "letters_paging": letters_paging,
        "failed_paging": failed_paging,
        "letters_csv": format!("/api/v1/incidents/{id}/campaigns/{cid}/letters.csv"),
        "status_xlsx": format!("/api/v1/incidents/{id}/campaigns/{cid}/messages.xlsx"),
        "letters_pdf": format!("/api/v1/incidents/{id}/campaigns/{cid}/letters.pdf"),
        "has_ready_letters": p.letters_ready > 0,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/campaign", ctx, status)
}

/// `GET /staff/incidents/{id}/campaigns/{cid}`: progress while it runs.
pub async fn show_campaign(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, cid) = path.into_inner();
    campaign_page(
        &state,
        &req,
        lang,
        &staff,
        &id,
        &cid,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/campaigns/{cid}`: pause, resume, set the rate, letters printed.
pub async fn control(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, cid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let action = f.get("action");
    let rate = match f.opt("per_minute").map(|p| p.parse::<i32>()) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) if action == "rate" => {
            let errs = vec![("per_minute".to_string(), t(lang, "staff_err_number"))];
            return campaign_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                &cid,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Some(Err(_)) => None,
    };
    let (s, i, c_id, a) = (staff.clone(), id.clone(), cid.clone(), action.clone());
    let r = state
        .db(move |c| match a.as_str() {
            "pause" => Ok(campaign::control(c, &s, &i, &c_id, true, None).map(|_| "paused")?),
            "resume" => Ok(campaign::control(c, &s, &i, &c_id, false, None).map(|_| "resumed")?),
            "rate" => {
                let p = campaign::progress(c, &s, &i, &c_id)?;
                Ok(campaign::control(c, &s, &i, &c_id, p.paused, Some(rate)).map(|_| "rate")?)
            }
            "printed" => Ok(campaign::mark_printed(c, &s, &i, &c_id).map(|_| "printed")?),
            _ => Err(ApiError::BadRequest("unknown action".into())),
        })
        .await;
    match r {
        Ok(ok) => Ok(redirect(&format!(
            "/staff/incidents/{id}/campaigns/{cid}?ok={ok}"
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "campaign")?;
            campaign_page(&state, &req, lang, &staff, &id, &cid, errors, status).await
        }
    }
}

/// `GET /staff/incidents/{id}/campaigns/{cid}/letters/{rid}`: one letter, print-ready HTML.
pub async fn letter(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, cid, rid) = path.into_inner();
    let ctx = nctx(&state);
    let f = state
        .db(move |c| Ok(campaign::one_letter(c, &ctx, &staff, &id, &cid, &rid)?))
        .await
        .map_err(|e| match e {
            ApiError::Conflict(_) | ApiError::Refused(_) => {
                PageError::new(StatusCode::CONFLICT, lang, "")
            }
            other => page_err(lang, other),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .insert_header((
            "Content-Security-Policy",
            crate::notifications::letters::letter_csp(&f.html),
        ))
        .body(f.html))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn campaign_lists_page_by_200() {
        assert_eq!(Paging::new(1, 0), Paging { page: 1, pages: 1 });
        assert_eq!(Paging::new(1, 200), Paging { page: 1, pages: 1 });
        assert_eq!(Paging::new(2, 201), Paging { page: 2, pages: 2 });
        assert_eq!(Paging::new(2, 201).offset(), 200);
        // Out of range: the nearest page.
        assert_eq!(Paging::new(9, 401).page, 3);
        assert_eq!(Paging::new(0, 401).page, 1);
        assert_eq!(Paging::new(-4, 401).offset(), 0);
        assert!(Paging::new(1, 200)
            .ctx(Lang::Nl, |n| n.to_string())
            .is_none());
        let v = Paging::new(2, 401)
            .ctx(Lang::Nl, |n| format!("?page={n}"))
            .unwrap();
        assert_eq!(v["label"], "Pagina 2 van 3");
        assert_eq!(v["prev"], "?page=1");
        assert_eq!(v["next"], "?page=3");
        let first = Paging::new(1, 401)
            .ctx(Lang::En, |n| n.to_string())
            .unwrap();
        assert!(first["prev"].is_null() && first["label"] == "Page 1 of 3");
    }
}
