//! Importing an existing breach register from a page (`/staff/register/import`, issue 19 point 1):
//! upload a CSV or `.xlsx` file, see the proposed column mapping (one choice per column of the
//! file) and a dry run of every row as it will be stored (or every bad row by line and field),
//! change the mapping, and import exactly what was shown.
//!
//! Between the steps the file travels with the form (base64) next to the SHA-256 the server
//! computed when it first read it; the server refuses a file whose digest differs, and the
//! "Importeren" button only stores when the mapping posted is the mapping of the preview shown.
//! Authorisation and storing are `register::import_service`, as for the API.
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;

use super::form::Shown;
use super::page::{expired, my_orgs, page_err, query, render, signed_in};
use super::when::local_time;
use crate::error::ApiError;
use crate::orgs::store::OrgRow;
use crate::register::import::{self, Mapping, Problem, TARGETS};
use crate::register::import_service::{self, sha256_hex, ImportOutcome};
use crate::state::AppState;
use crate::web::kit::{csrf_ok, redirect, web as pages, Lang, PageError};

const PATH: &str = "/staff/register/import";
const MAX_FILE: usize = 5 * 1024 * 1024;
/// The file again, in base64 (4 characters for 3 bytes).
const MAX_DATA: usize = MAX_FILE / 3 * 4 + 8;
const MAX_FIELDS: usize = 300;

/// The organisations whose register this person may import into (handlers and administrators).
fn importable(staff: &crate::auth::Staff, orgs: &[OrgRow]) -> Vec<OrgRow> {
    orgs.iter()
        .filter(|o| import_service::may_import(staff, &o.id).is_ok())
        .cloned()
        .collect()
}

fn field_label(lang: Lang, key: &str) -> String {
    let k = key.strip_prefix("mapping.").unwrap_or(key);
    super::form::opt_t(lang, &format!("staff_regimp_f_{k}")).unwrap_or_else(|| k.to_string())
}

/// The file's problems, each its own line in the summary: "Regel 3, Titel: vul de titel in".
fn problems_shown(lang: Lang, problems: &[Problem]) -> Shown {
    let w = pages();
    problems
        .iter()
        .take(200)
        .enumerate()
        .map(|(i, p)| {
            let message = match lang {
                Lang::Nl => &p.message_nl,
                Lang::En => &p.message,
            };
            (
                format!("problem-{i}"),
                w.t(lang, "staff_err_import")
                    .replace("{line}", &p.line.to_string())
                    .replace("{field}", &field_label(lang, &p.field))
                    .replace("{message}", message),
            )
        })
        .collect()
}

/// Every field named: the column that fills it, or empty (not used).
fn complete(m: &Mapping) -> Mapping {
    TARGETS
        .iter()
        .map(|(k, _)| {
            (
                k.to_string(),
                m.get(*k).cloned().unwrap_or_default().trim().to_string(),
            )
        })
        .collect()
}

/// The upload form (step 1).
fn upload_page(
    req: &HttpRequest,
    lang: Lang,
    staff: &crate::auth::Staff,
    orgs: &[OrgRow],
    chosen: Option<&str>,
    errors: Shown,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let (elist, emap) = super::form::errors_ctx(&errors);
    let options: Vec<Value> = orgs
        .iter()
        .map(|o| json!({"value": o.slug, "label": o.name, "selected": Some(o.slug.as_str()) == chosen}))
        .collect();
    let ctx = json!({
        "title": w.t(lang, "staff_regimp_title"),
        "orgs": options,
        "one_org": orgs.len() == 1,
        "org_name": orgs.first().map(|o| o.name.clone()),
        "org_slug": orgs.first().map(|o| o.slug.clone()),
        "errors": elist,
        "err": emap,
    });
    render(req, lang, Some(staff), "staff/register_import", ctx, status)
}

/// `GET /staff/register/import`: the upload form, for the organisations one may import into.
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let staff = signed_in(&req, lang, PATH).await?;
    let orgs = importable(&staff, &my_orgs(&state, &staff, lang).await?);
    if orgs.is_empty() {
        return Err(super::page::forbidden(lang));
    }
    let q = query(&req);
    let chosen = q.get("org").cloned().or_else(|| {
        req.cookie(super::page::ORG_COOKIE)
            .map(|c| c.value().to_string())
    });
    upload_page(
        &req,
        lang,
        &staff,
        &orgs,
        chosen.as_deref(),
        vec![],
        StatusCode::OK,
    )
}

struct Posted {
    fields: HashMap<String, String>,
    file: Option<Vec<u8>>,
    too_large: bool,
}

async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<Posted, PageError> {
    let mut p = Posted {
        fields: HashMap::new(),
        file: None,
        too_large: false,
    };
    let (mut mp, ended) = crate::web::multipart::guarded_multipart(req.headers(), payload);
    while let Some(field) = crate::web::multipart::next_or_incomplete(&mut mp, &ended)
        .await
        .map_err(|_| super::page::bad_request(lang))?
    {
        let mut field = field.map_err(|_| super::page::bad_request(lang))?;
        let name = field.name().unwrap_or("").to_string();
        let cap = match name.as_str() {
            "file" => MAX_FILE,
            "data" => MAX_DATA,
            _ => 64 * 1024,
        };
        let mut buf = vec![];
        while let Some(chunk) = crate::web::multipart::next_or_incomplete(&mut field, &ended)
            .await
            .map_err(|_| super::page::bad_request(lang))?
        {
            let chunk = chunk.map_err(|_| super::page::bad_request(lang))?;
            if buf.len() + chunk.len() > cap {
                p.too_large = true;
                continue;
            }
            buf.extend_from_slice(&chunk);
        }
        if name == "file" {
            if !buf.is_empty() {
                p.file = Some(buf);
            }
        } else if p.fields.len() < MAX_FIELDS {
            p.fields
                .insert(name, String::from_utf8_lossy(&buf).into_owned());
        }
    }
    Ok(p)
}

/// `POST /staff/register/import` (multipart): the first upload, a preview with a changed mapping,
/// or the import of what was previewed (`action=import`).
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let p = read_multipart(&req, payload, lang).await?;
    let get = |k: &str| p.fields.get(k).map(String::as_str).unwrap_or("");
    if !csrf_ok(&req, get("csrf")) {
        return expired(&req, lang, PATH);
    }
    let staff = signed_in(&req, lang, PATH).await?;
    let orgs = my_orgs(&state, &staff, lang).await?;
    // Another organisation's staff are not told it exists; the role check is the service's.
    let Some(org) = orgs.iter().find(|o| o.slug == get("org")).cloned() else {
        return Err(PageError::not_found(lang));
    };
    import_service::may_import(&staff, &org.id).map_err(|e| PageError::from_domain(lang, e))?;
    let mine = importable(&staff, &orgs);
    let fail = |key: &str| {
        upload_page(
            &req,
            lang,
            &staff,
            &mine,
            Some(&org.slug),
            vec![("file".into(), w.t(lang, key))],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if p.too_large {
        return fail("staff_regimp_too_large");
    }
    // The file: newly chosen, or carried from the preview with the digest the server gave it.
    let (bytes, first) = match (&p.file, get("data")) {
        (Some(b), _) => (b.clone(), true),
        (None, data) if !data.is_empty() => {
            let Ok(b) = base64::engine::general_purpose::STANDARD.decode(data.trim()) else {
                return fail("staff_regimp_tampered");
            };
            if sha256_hex(&b) != get("sha256") {
                return fail("staff_regimp_tampered");
            }
            (b, false)
        }
        _ => return fail("staff_err_file_missing"),
    };
    let headers = match import::headers(&bytes) {
        Ok(h) if !h.is_empty() => h,
        Ok(_) => return fail("staff_regimp_empty"),
        Err(problems) => {
            return upload_page(
                &req,
                lang,
                &staff,
                &mine,
                Some(&org.slug),
                problems_shown(lang, &problems),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    // The mapping: proposed from the headers at first, then as chosen per column.
    let mut errors: Shown = vec![];
    let mapping: Mapping = if first {
        complete(&import::effective_mapping(&headers, &Mapping::new()))
    } else {
        let mut m = Mapping::new();
        for (i, h) in headers.iter().enumerate() {
            let target = get(&format!("col-{i}")).trim().to_string();
            if target.is_empty() {
                continue;
            }
            if !TARGETS.iter().any(|(k, _)| *k == target) {
                super::form::push_err(
                    &mut errors,
                    &format!("col-{i}"),
                    w.t(lang, "staff_err_choice"),
                );
            } else if let std::collections::btree_map::Entry::Vacant(e) = m.entry(target.clone()) {
                e.insert(h.clone());
            } else {
                super::form::push_err(
                    &mut errors,
                    &format!("col-{i}"),
                    w.t(lang, "staff_regimp_double")
                        .replace("{field}", &field_label(lang, &target)),
                );
            }
        }
        complete(&m)
    };
    let previewed: Option<Mapping> = serde_json::from_str(get("previewed")).ok();
    let wants_import = get("action") == "import" && errors.is_empty();
    let changed = wants_import && previewed.as_ref() != Some(&mapping);
    let store = wants_import && !changed;
    let (s, id, b2, m2) = (
        staff.clone(),
        org.id.clone(),
        bytes.clone(),
        mapping.clone(),
    );
    let outcome = if errors.is_empty() {
        match state
            .db(move |c| {
                Ok(import_service::import_checked(
                    c, &s, &id, &b2, &m2, !store,
                )?)
            })
            .await
        {
            Ok(r) => Some(r),
            Err(ApiError::Conflict(_)) => {
                errors.push(("file".into(), w.t(lang, "staff_regimp_twice")));
                None
            }
            Err(e) => return Err(page_err(lang, e)),
        }
    } else {
        None
    };
    match outcome {
        Some(Ok(o)) if store => Ok(redirect(&format!(
            "/staff/register?org={}&ok=register_imported&n={}",
            org.slug,
            o.references.len()
        ))),
        Some(Ok(o)) => preview_page(
            &req,
            lang,
            &staff,
            &org,
            &bytes,
            &headers,
            &mapping,
            Ok(&o),
            changed.then(|| w.t(lang, "staff_regimp_changed")),
        ),
        Some(Err(problems)) => preview_page(
            &req,
            lang,
            &staff,
            &org,
            &bytes,
            &headers,
            &mapping,
            Err(problems_shown(lang, &problems)),
            None,
        ),
        None => preview_page(
            &req,
            lang,
            &staff,
            &org,
            &bytes,
            &headers,
            &mapping,
            Err(errors),
            None,
        ),
    }
}

fn opt_time(lang: Lang, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| local_time(lang, t)).unwrap_or_default()
}

/// The preview (step 2): the mapping per column, and the dry run's rows or the problems.
#[allow(clippy::too_many_arguments)]
fn preview_page(
    req: &HttpRequest,
    lang: Lang,
    staff: &crate::auth::Staff,
    org: &OrgRow,
    bytes: &[u8],
    headers: &[String],
    mapping: &Mapping,
    result: Result<&ImportOutcome, Shown>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let w = pages();
    let ok = result.is_ok();
    let empty = matches!(&result, Ok(o) if o.rows.is_empty());
    let columns: Vec<Value> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let chosen = mapping
                .iter()
                .find(|(_, src)| !src.is_empty() && src.trim().to_lowercase() == h.trim().to_lowercase())
                .map(|(k, _)| k.clone())
                .unwrap_or_default();
            let options: Vec<Value> = std::iter::once(json!({
                "value": "", "label": w.t(lang, "staff_regimp_unused"), "selected": chosen.is_empty(),
            }))
            .chain(TARGETS.iter().map(|(k, _)| {
                json!({"value": k, "label": field_label(lang, k), "selected": chosen == *k})
            }))
            .collect();
            let error = match &result {
                Err(e) => e.iter().find(|(f, _)| *f == format!("col-{i}")).map(|(_, m)| m.clone()),
                Ok(_) => None,
            };
            json!({"index": i, "name": if h.is_empty() { format!("({})", i + 1) } else { h.clone() }, "options": options, "error": error})
        })
        .collect();
    let (rows, errors, count) = match result {
        Ok(o) => {
            let rows: Vec<Value> = o
                .rows
                .iter()
                .map(|r| {
                    json!({
                        "line": r.line,
                        "title": r.title,
                        "state": super::form::opt_t(lang, &format!("staff_state_{}", r.state)).unwrap_or_else(|| r.state.clone()),
                        "aware": local_time(lang, r.became_aware_at),
                        "notified": opt_time(lang, r.notified_at),
                        "ap_number": r.ap_number,
                        "closed": opt_time(lang, r.closed_at),
                        "decision": r.decision.as_ref().map(|d| super::registers::outcome_label(lang, &d.outcome)),
                        "kind": r.kind.as_deref().map(|k| super::registers::kind_label(lang, k)),
                        "people": r.people,
                        "measures": r.measures.len(),
                    })
                })
                .collect();
            let n = o.rows.len();
            let count = w
                .t(
                    lang,
                    if n == 1 {
                        "staff_regimp_count_one"
                    } else {
                        "staff_regimp_count"
                    },
                )
                .replace("{n}", &n.to_string());
            (rows, vec![], Some(count))
        }
        Err(e) => (vec![], e, None),
    };
    let problem_list: Vec<Value> = errors
        .iter()
        .filter(|(f, _)| !f.starts_with("col-"))
        .map(|(f, m)| json!({"field": f, "message": m}))
        .collect();
    let (elist, emap) = super::form::errors_ctx(&errors);
    let ctx = json!({
        "title": w.t(lang, "staff_regimp_preview_title"),
        "preview": true,
        "org": {"slug": org.slug, "name": org.name},
        "data": base64::engine::general_purpose::STANDARD.encode(bytes),
        "sha256": sha256_hex(bytes),
        "previewed": serde_json::to_string(mapping).unwrap_or_default(),
        "columns": columns,
        "rows": rows,
        "count": count,
        "can_import": ok && !empty,
        "problems": !ok,
        "problem_list": problem_list,
        "notice": notice,
        "errors": elist,
        "err": emap,
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(req, lang, Some(staff), "staff/register_import", ctx, status)
}
