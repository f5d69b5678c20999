//! Recipients from CSV, with a preview per recipient.
use super::shared::{body_of, campaign_row, kind_label, short, status_label, t};
use crate::auth::Staff;
use crate::error::{ApiError, DomainError};
use crate::notifications::campaign::{self};
use crate::notifications::service::ctx as nctx;
use crate::notifications::service::{self, DraftView};
use crate::notifications::store;
use crate::state::AppState;
use crate::web::kit::{csrf_ok, Lang, PageError};
use crate::web::staff::form::{errors_ctx, Shown};
use crate::web::staff::page::{expired, here, notice, page_err, query, render, signed_in};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

pub(super) const PAGE: i64 = 50;

/// A CSV field name as shown: the file's own column names stay; a whole line is named in words.
pub(super) fn csv_field(lang: Lang, field: &str) -> String {
    match field {
        "row" | "file" => t(lang, "staff_nf_csv_field_row"),
        other => other.to_string(),
    }
}

/// The import's refusal as errors at the file field: one per bad row, with its line number.
pub(super) fn import_errors(
    lang: Lang,
    e: ApiError,
) -> Result<(Vec<Value>, StatusCode), PageError> {
    match e {
        ApiError::Validation(v) => Ok((
            v.iter()
                .map(|fe| {
                    let (line, field) = match fe.field.strip_prefix("line ") {
                        Some(rest) => {
                            let mut it = rest.splitn(2, ": ");
                            (
                                it.next().map(String::from),
                                it.next().unwrap_or("").to_string(),
                            )
                        }
                        None => (None, String::new()),
                    };
                    // The parser says each problem in both languages (notifications::recipients).
                    let msg = match (&fe.message_nl, lang) {
                        (Some(nl), Lang::Nl) => nl.clone(),
                        _ => fe.message.clone(),
                    };
                    let text = match &line {
                        Some(l) => t(lang, "staff_nf_csv_line")
                            .replace("{line}", l)
                            .replace("{field}", &csv_field(lang, &field))
                            .replace("{message}", &msg),
                        None => msg,
                    };
                    json!({"field": "file", "href": "#f-file", "message": text})
                })
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        ApiError::PayloadTooLarge(_) => Ok((
            vec![
                json!({"field": "file", "href": "#f-file", "message": t(lang, "staff_nf_csv_too_large")}),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
        )),
        other => Err(page_err(lang, other)),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn recipients_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &Staff,
    id: &str,
    errors: Vec<Value>,
    campaign_errors: Shown,
    report: Option<Value>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let q = query(req);
    let offset = q
        .get("offset")
        .and_then(|o| o.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let ctx = nctx(state);
    let (s, i) = (staff.clone(), id.to_string());
    let (inc, total, page, drafts, camps) = state
        .db(move |c| {
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let total = store::recipient_count(c, &inc.id)?;
            let page = store::recipient_page(c, &inc.id, offset, PAGE)?;
            let list = service::list(c, &ctx, &s, &i)?;
            let camps = store::campaigns(c, &inc.id)?;
            let mut progress = vec![];
            for camp in camps {
                progress.push(campaign::progress_of(c, &camp)?);
            }
            Ok((inc, total, page, list.drafts, progress))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let letters: Vec<&DraftView> = drafts.iter().filter(|d| d.kind.is_letters()).collect();
    let first_draft = letters
        .iter()
        .rev()
        .find(|d| d.approval.valid)
        .or(letters.last())
        .map(|d| d.id.clone());
    let mut all_errors = errors;
    let (clist, cmap) = errors_ctx(&campaign_errors);
    if let Some(a) = clist.as_array() {
        all_errors.extend(a.iter().cloned());
    }
    let file_errors: Vec<String> = all_errors
        .iter()
        .filter(|e| e["field"] == "file")
        .filter_map(|e| e["message"].as_str().map(String::from))
        .collect();
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_recipients_title"), inc.reference),
        "reference": inc.reference,
        "incident_title": inc.title,
        "id": id,
        "back": format!("/staff/incidents/{id}#notifications"),
        "action": format!("/staff/incidents/{id}/recipients"),
        "campaign_action": format!("/staff/incidents/{id}/campaigns"),
        "notice": notice(req, lang, &["imported"]),
        "report": report,
        "total": total,
        "rows": page.iter().map(|r| json!({
            "line": r.line_no,
            "name": r.name,
            "channel": if r.email.is_some() { t(lang, "staff_nf_channel_email") } else { t(lang, "staff_nf_channel_letter") },
            "language": r.language,
            "preview": first_draft.as_ref().map(|d| format!("/staff/incidents/{id}/recipients/{}?draft={d}", r.id)),
        })).collect::<Vec<_>>(),
        "prev": (offset > 0).then(|| format!("/staff/incidents/{id}/recipients?offset={}", (offset - PAGE).max(0))),
        "next": (offset + PAGE < total).then(|| format!("/staff/incidents/{id}/recipients?offset={}", offset + PAGE)),
        "from": if total == 0 { 0 } else { offset + 1 },
        "to": (offset + PAGE).min(total),
        "drafts": letters.iter().map(|d| json!({
            "id": d.id,
            "label": format!("{} ({}, {})", kind_label(lang, d.kind), status_label(lang, d.approval.state), short(&d.content_sha256)),
            "selected": Some(&d.id) == first_draft.as_ref(),
        })).collect::<Vec<_>>(),
        "has_drafts": !letters.is_empty(),
        "new_letter_url": format!("/staff/incidents/{id}/notifications/new?kind=letter_email"),
        "campaigns": camps.iter().map(|p| campaign_row(lang, id, p)).collect::<Vec<_>>(),
        "file_errors": file_errors,
        "errors": all_errors,
        "err": cmap,
    });
    render(req, lang, Some(staff), "staff/recipients", ctx, status)
}

/// `GET /staff/incidents/{id}/recipients`.
pub async fn recipients(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    recipients_page(
        &state,
        &req,
        lang,
        &staff,
        &path.into_inner(),
        vec![],
        vec![],
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/incidents/{id}/recipients`: a CSV file (multipart); all rows or none.
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let id = path.into_inner();
    let max = state.settings.notifications.max_csv_bytes;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut too_large = false;
    let (mut mp, ended) = crate::web::multipart::guarded_multipart(req.headers(), payload);
    while let Some(field) = crate::web::multipart::next_or_incomplete(&mut mp, &ended)
        .await
        .map_err(|_| crate::web::staff::page::bad_request(lang))?
    {
        let mut field = field.map_err(|_| crate::web::staff::page::bad_request(lang))?;
        let name = field.name().unwrap_or("").to_string();
        let mut buf = vec![];
        while let Some(chunk) = crate::web::multipart::next_or_incomplete(&mut field, &ended)
            .await
            .map_err(|_| crate::web::staff::page::bad_request(lang))?
        {
            let chunk = chunk.map_err(|_| crate::web::staff::page::bad_request(lang))?;
            if buf.len() + chunk.len() > max {
                too_large = true;
                continue;
            }
            buf.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file = Some(buf),
            "csrf" => csrf = String::from_utf8_lossy(&buf).into_owned(),
            _ => {}
        }
    }
    let back = format!("/staff/incidents/{id}/recipients");
    if !csrf_ok(&req, &csrf) {
        return expired(&req, lang, &back);
    }
    let staff = signed_in(&req, lang, &back).await?;
    let file_error =
        |key: &str| vec![json!({"field": "file", "href": "#f-file", "message": t(lang, key)})];
    let bytes = match file {
        _ if too_large => {
            return recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                file_error("staff_nf_csv_too_large"),
                vec![],
                None,
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await
        }
        Some(b) if !b.is_empty() => b,
        _ => {
            // Another organisation's incident stays a 404 whatever the form held.
            let (s, i) = (staff.clone(), id.clone());
            state
                .db(move |c| Ok(crate::incidents::service::visible(c, &s, &i, false).map(|_| ())?))
                .await
                .map_err(|e| page_err(lang, e))?;
            return recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                file_error("staff_err_file_missing"),
                vec![],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (s, i) = (staff.clone(), id.clone());
    match state
        .db(move |c| Ok(campaign::import(c, &s, &i, &bytes, |_, _| {})?))
        .await
    {
        Ok(r) => {
            let report = json!({
                "imported": r.imported,
                "duplicates": r.duplicates.iter().map(|d| t(lang, "staff_nf_csv_duplicate").replace("{line}", &d.line.to_string()).replace("{same}", &d.same_as_line.to_string())).collect::<Vec<_>>(),
                "already": r.already_present.len(),
                "total": r.total_recipients,
            });
            recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                vec![],
                vec![],
                Some(report),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (errors, status) = import_errors(lang, e)?;
            recipients_page(
                &state,
                &req,
                lang,
                &staff,
                &id,
                errors,
                vec![],
                None,
                status,
            )
            .await
        }
    }
}

/// `GET /staff/incidents/{id}/recipients/{rid}?draft={nid}`: what this recipient would get.
pub async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let (id, rid) = path.into_inner();
    let draft = query(&req).get("draft").cloned().unwrap_or_default();
    let ctx = nctx(&state);
    let (s, i, r, d) = (staff.clone(), id.clone(), rid.clone(), draft.clone());
    let (p, rec, reference) = state
        .db(move |c| {
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let rec = store::recipient(c, &inc.id, &r)?.ok_or(ApiError::NotFound)?;
            let p = service::preview(c, &ctx, &s, &i, &d, &r).map_err(|e| match e {
                DomainError::Invalid(_) | DomainError::Conflict(_) | DomainError::Refused(_) => {
                    ApiError::NotFound
                }
                other => other.into(),
            })?;
            Ok((p, rec, inc.reference))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let ctx = json!({
        "title": format!("{} — {}", t(lang, "staff_nf_preview_title"), rec.name),
        "reference": reference,
        "name": rec.name,
        "line": rec.line_no,
        "back": format!("/staff/incidents/{id}/recipients"),
        "language": p.language,
        "email_subject": p.email_subject,
        "email_body": p.email_body,
        "letter": p.letter_html.as_deref().map(body_of),
    });
    render(
        &req,
        lang,
        Some(&staff),
        "staff/recipient_preview",
        ctx,
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_csv_problem_has_dutch_words() {
        use crate::notifications::recipients::{parse, ImportError};
        let files: [&[u8]; 9] = [
            b"",
            b"\xFF\xFEn\x00",
            b"name,email\n",
            b"name,email,postal_address,language,name\n",
            b"name,email,postal_address,language,Klant Nr\n",
            b"name,email,postal_address,language,x,x\n",
            b"name,email,postal_address,language\nJos\xe9,j@example.nl,,nl\n",
            b"name,email,postal_address,language\n\"open,a@example.nl,,nl\n",
            b"name,email,postal_address,language\n,geen,,xx\nA,,,nl\nB,b@example.nl,,nl,extra\n",
        ];
        let mut seen = 0;
        for f in files {
            let pairs: Vec<(String, String)> = match parse(f) {
                Err(ImportError::File(m)) => vec![(m.en, m.nl)],
                Err(ImportError::Rows(rows)) => rows
                    .into_iter()
                    .map(|r| (r.message, r.message_nl))
                    .collect(),
                Ok(_) => panic!("{:?} parsed", String::from_utf8_lossy(f)),
            };
            for (en, nl) in pairs {
                assert!(!nl.is_empty() && nl != en, "{en:?} has no Dutch: {nl:?}");
                seen += 1;
            }
        }
        assert!(seen >= 12, "{seen} problems checked");
    }
}
