//! The FG's sign-off of the exact rendered content (the POST carries the hash the FG read).
use super::shared::{approval_ctx, blocking_ctx, body_of, kind_label, load, shown, t};
use crate::auth::Staff;
use crate::notifications::lifecycle::Action;
use crate::notifications::parts::Part;
use crate::notifications::service::ctx as nctx;
use crate::notifications::service::{self, Decision};
use crate::state::AppState;
use crate::web::kit::{redirect, Lang, PageError};
use crate::web::staff::form::{errors_ctx, lines, Shown};
use crate::web::staff::page::{begin, here, render, signed_in};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// The rendered parts of a letter / e-mail / notice draft as the sign-off page shows them.
pub(super) fn parts_ctx(lang: Lang, parts: &[Part]) -> Vec<Value> {
    parts
        .iter()
        .map(|p| {
            let html = p.name.is_html();
            json!({
                "label": t(lang, &format!("staff_nf_part_{}_{}", p.name.as_str(), p.lang)),
                "lang": p.lang,
                "html": html.then(|| body_of(&p.text)),
                "text": (!html).then(|| p.text.trim_end().to_string()),
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn signoff_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    nid: &str,
    errors: Shown,
    remarks: String,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let d = load(state, staff, id, nid, lang).await?;
    let v = &d.view;
    let (list, map) = errors_ctx(&errors);
    let may = |a: Action| d.actions.contains(&a);
    let chapters = v.answers.as_ref().map(|a| {
        a.chapters
            .iter()
            .map(|c| {
                json!({
                    "number": c.number,
                    "title": c.title,
                    "answers": c.answers.iter().map(|x| json!({
                        "number": x.number,
                        "question": x.question,
                        "answer": lines(&x.answer),
                        "status": t(lang, &format!("staff_nf_mark_{}", serde_json::to_value(x.status).ok().and_then(|s| s.as_str().map(String::from)).unwrap_or_default())),
                        "class": serde_json::to_value(x.status).ok().and_then(|s| s.as_str().map(String::from)).unwrap_or_default(),
                        "source": x.source,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>()
    });
    let counts = v
        .answers
        .as_ref()
        .map(|a| json!({"recorded": a.recorded, "derived": a.derived, "missing": a.missing}));
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_signoff_title"), d.reference),
        "kind": kind_label(lang, v.kind),
        "reference": d.reference,
        "incident_title": d.incident_title,
        "back": format!("/staff/incidents/{id}/notifications/{nid}"),
        "action": format!("/staff/incidents/{id}/notifications/{nid}/signoff"),
        "hash": v.content_sha256,
        "content": v.content,
        "chapters": chapters,
        "counts": counts,
        "parts": parts_ctx(lang, &v.parts),
        "approval": approval_ctx(lang, v, &d.names),
        "blocking": blocking_ctx(lang, v),
        "proposal": d.proposal.as_ref().map(|p| json!({
            "outcome": match lang { Lang::Nl => p.outcome.label_nl(), Lang::En => p.outcome.label_en() },
            "exception": p.exception.map(|e| match lang { Lang::Nl => e.label_nl(), Lang::En => e.label_en() }),
            "reasons": p.reasons.iter().map(|r| if lang == Lang::Nl { r.nl.clone() } else { r.en.clone() }).collect::<Vec<_>>(),
            "threats": crate::web::staff::assess::proposal_threats(lang, p),
            "what_if": crate::web::staff::assess::what_if_ctx(lang, p, false),
            "what_if_missing": crate::web::staff::assess::what_if_ctx(lang, p, true),
        })),
        "drafted_by": d.names.get(&v.created_by).cloned().unwrap_or_default(),
        "is_fg": d.viewer.fg,
        "may_approve": may(Action::Approve),
        "may_reject": may(Action::Reject),
        // An FG who drafted it, where the organisation does not allow self sign-off.
        "own": d.viewer.fg && !d.viewer.may_sign(),
        "remarks": remarks,
        "errors": list,
        "err": map,
    });
    render(req, lang, Some(staff), "staff/signoff", ctx, status)
}

/// `GET /staff/incidents/{id}/notifications/{nid}/signoff`: the exact content and its hash.
pub async fn signoff(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, nid) = path.into_inner();
    signoff_page(
        &state,
        &req,
        lang,
        &staff,
        &id,
        &nid,
        vec![],
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/notifications/{nid}/signoff`: approve or reject the content whose
/// hash the form carries (what the FG saw). The service checks the role, the drafter rule and
/// that the content is still the same.
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let (id, nid) = path.into_inner();
    let (f, staff) = match begin(&req, lang, &id, &body).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let approve = match f.get("decision").as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(crate::web::staff::page::bad_request(lang)),
    };
    let remarks = f.get("remarks");
    let input = Decision {
        content_sha256: f.opt("content_sha256"),
        remarks: f.opt("remarks"),
    };
    let ctx = nctx(&state);
    let (s, i, n) = (staff.clone(), id.clone(), nid.clone());
    match state
        .db(move |c| Ok(service::decide(c, &ctx, &s, &i, &n, approve, input)?))
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/staff/incidents/{id}/notifications/{nid}?ok={}",
            if approve { "approved" } else { "rejected" }
        ))),
        Err(e) => {
            let (errors, status) = shown(lang, e, "decision")?;
            let errors = errors
                .into_iter()
                .map(|(k, m)| {
                    // Problems with the draft's own fields are fixed on the draft page.
                    if k == "remarks" || k == "decision" {
                        (k, m)
                    } else {
                        ("decision".to_string(), m)
                    }
                })
                .collect();
            signoff_page(
                &state, &req, lang, &staff, &id, &nid, errors, remarks, status,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn content_splits_into_named_parts() {
        use crate::notifications::parts::{self, PartName};
        let c = "===== email_subject.nl =====\nOnderwerp\n\n===== letter.nl =====\n<html><body><p>x</p></body></html>\n";
        let p = parts::parse(c).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name, p[0].lang.as_str()),
            (PartName::EmailSubject, "nl")
        );
        assert_eq!(p[0].text.trim(), "Onderwerp");
        assert_eq!(body_of(&p[1].text), "<p>x</p>");
        let ctx = parts_ctx(Lang::Nl, &p);
        assert_eq!(ctx[0]["text"], "Onderwerp");
        assert_eq!(ctx[1]["html"], "<p>x</p>");
        assert_eq!(
            body_of("<html><body>\n<main class=\"sheet\"><p>brief</p></main>\n</body></html>"),
            "\n<div class=\"sheet\"><p>brief</p></div>\n"
        );
    }
}
