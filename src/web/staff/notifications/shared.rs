//! What the notification pages share: the draft form's fields, labels, refusals in the person's
//! language, the sign-off state, a loaded notification and a rendered part's body.
use crate::auth::{store as auth_store, Role, Staff};
use crate::error::ApiError;
use crate::notifications::ap::DraftInput;
use crate::notifications::campaign::{self};
use crate::notifications::lifecycle::{
    self, Action, Circumstances, DraftKind, DraftStatus, Purpose, Viewer,
};
use crate::notifications::public;
use crate::notifications::service::ctx as nctx;
use crate::notifications::service::{self, DraftView};
use crate::notifications::store;
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};
use crate::web::staff::form::{lines, localise, opt_t, Form, Shown};
use crate::web::staff::page::page_err;
use crate::web::staff::when::local_time;
use actix_web::http::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The fields the drafter adds: (name, textarea, for the AP / for letters and notices).
pub(super) const FIELDS: [(&str, bool, bool, bool); 27] = [
    ("earlier_ap_number", false, true, false),
    ("earlier_before_meldpunt", false, true, false),
    ("withdrawal_reasons", true, true, false),
    ("delay_reason", true, true, false),
    ("reporter_name", false, true, false),
    ("reporter_function", false, true, false),
    ("reporter_phone", false, true, false),
    ("reporter_email", false, true, false),
    ("ap_contact_name", false, true, false),
    ("ap_contact_function", false, true, false),
    ("ap_contact_phone", false, true, false),
    ("ap_contact_email", false, true, false),
    ("other_supervisors", true, true, false),
    ("people_abroad", false, true, false),
    ("foreign_supervisors", true, true, false),
    ("people_description", true, true, false),
    ("attachments", false, true, false),
    ("attachments_description", true, true, false),
    ("informed_other", true, true, false),
    ("what_happened", true, false, true),
    ("consequences", true, false, true),
    ("advice", true, false, true),
    ("measures", true, true, true),
    // The same texts in English (issue 16 point 7): until all are given, English readers get the
    // Dutch letter and e-mail.
    ("what_happened_en", true, false, true),
    ("consequences_en", true, false, true),
    ("advice_en", true, false, true),
    ("measures_en", true, false, true),
];

/// The yes/no/unknown fields.
pub(super) const TRI: [&str; 3] = ["people_abroad", "attachments", "earlier_before_meldpunt"];

pub(super) fn t(lang: Lang, key: &str) -> String {
    pages().t(lang, key)
}

pub(super) fn kind_label(lang: Lang, kind: DraftKind) -> String {
    let kind = kind.as_str();
    opt_t(lang, &format!("staff_nf_kind_{kind}")).unwrap_or_else(|| kind.to_string())
}

pub(super) fn status_label(lang: Lang, status: DraftStatus) -> String {
    let status = status.as_str();
    opt_t(lang, &format!("staff_nf_status_{status}")).unwrap_or_else(|| status.to_string())
}

pub(super) fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The draft's input as strings by field (for the form).
pub(super) fn input_values(input: &DraftInput) -> HashMap<String, String> {
    let v = serde_json::to_value(input).unwrap_or_default();
    FIELDS
        .iter()
        .map(|(name, ..)| {
            let s = match &v[*name] {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            (name.to_string(), s)
        })
        .collect()
}

/// The draft's input from the form (empty fields are absent).
pub(super) fn input_from_form(f: &Form) -> DraftInput {
    let mut m = serde_json::Map::new();
    for (name, ..) in FIELDS {
        if TRI.contains(&name) {
            match f.get(name).as_str() {
                "true" => m.insert(name.into(), json!(true)),
                "false" => m.insert(name.into(), json!(false)),
                _ => None,
            };
        } else if let Some(v) = f.opt(name) {
            m.insert(name.into(), json!(v));
        }
    }
    serde_json::from_value(Value::Object(m)).unwrap_or_default()
}

/// The draft fields as the template wants them, for a purpose (or all).
pub(super) fn fields_ctx(
    lang: Lang,
    values: &HashMap<String, String>,
    errors: &Shown,
    purpose: Option<Purpose>,
) -> Vec<Value> {
    let groups = [
        (Purpose::Ap, t(lang, "staff_nf_group_ap")),
        (Purpose::Communication, t(lang, "staff_nf_group_letters")),
    ];
    groups
        .into_iter()
        .filter(|(g, _)| purpose.map(|p| p == *g).unwrap_or(true))
        .map(|(g, legend)| {
            let fields: Vec<Value> = FIELDS
                .iter()
                .filter(|(name, _, ap, comm)| {
                    if g == Purpose::Ap {
                        *ap
                    } else {
                        // Measures appear once when the form shows both groups.
                        *comm && (purpose.is_some() || *name != "measures")
                    }
                })
                .map(|(name, area, ..)| {
                    let id = format!("f-{name}");
                    let hint = opt_t(lang, &format!("staff_nf_field_{name}_hint"));
                    let error = errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
                    let value = values.get(*name).cloned().unwrap_or_default();
                    json!({
                        "name": name,
                        "id": id,
                        "label": t(lang, &format!("staff_nf_field_{name}")),
                        "hint": hint,
                        "describedby": crate::web::staff::form::described_by(&id, hint.is_some(), error.is_some()),
                        "error": error,
                        "textarea": area,
                        "tri": TRI.contains(name),
                        "options": [
                            {"value": "", "label": t(lang, "staff_fx_unknown"), "selected": value.is_empty()},
                            {"value": "true", "label": t(lang, "staff_yes"), "selected": value == "true"},
                            {"value": "false", "label": t(lang, "staff_no"), "selected": value == "false"},
                        ],
                        "value": value,
                    })
                })
                .collect();
            json!({"legend": legend, "fields": fields})
        })
        .collect()
}

/// Domain refusals in the person's language; field errors stay at their fields.
pub(super) fn shown(
    lang: Lang,
    e: ApiError,
    general: &str,
) -> Result<(Shown, StatusCode), PageError> {
    match e {
        ApiError::Validation(v) => Ok((localise(lang, &v, &[]), StatusCode::UNPROCESSABLE_ENTITY)),
        ApiError::Refused(r) => Ok((
            vec![(general.to_string(), refusal_message(lang, &r))],
            StatusCode::CONFLICT,
        )),
        ApiError::Conflict(m) => Ok((
            vec![(general.to_string(), conflict_message(lang, &m))],
            StatusCode::CONFLICT,
        )),
        ApiError::Denied(r) => Ok((
            vec![(general.to_string(), refusal_message(lang, &r))],
            StatusCode::FORBIDDEN,
        )),
        other => Err(page_err(lang, other)),
    }
}

/// A coded refusal of the service in the person's language: the locale text
/// `staff_nf_err_<code>` with the refusal's values filled in. A conflict without a code (from
/// outside the notification service) gets the general words, and in English the reason.
pub(super) fn refusal_message(lang: Lang, r: &crate::error::Refusal) -> String {
    // No words for this code yet (a test checks that every code has them): general words.
    let Some(mut text) = opt_t(lang, &format!("staff_nf_err_{}", r.code)) else {
        return conflict_message(lang, &r.detail);
    };
    for (name, value) in &r.args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// A conflict without a code, in general words.
pub(super) fn conflict_message(lang: Lang, m: &str) -> String {
    let text = t(lang, "staff_nf_err_conflict");
    if lang == Lang::En {
        format!("{text} ({m})")
    } else {
        text
    }
}

/// A problem that blocks sign-off, in the person's language.
pub(super) fn blocking_ctx(lang: Lang, view: &DraftView) -> Vec<Value> {
    view.blocking
        .iter()
        .map(|p| {
            json!({
                "field": p.field,
                "href": format!("#f-{}", p.field),
                "message": if lang == Lang::Nl { &p.message_nl } else { &p.message },
            })
        })
        .collect()
}

/// The part of the page that says where the sign-off stands (valid, void with the reason, …).
pub(super) fn approval_ctx(lang: Lang, v: &DraftView, names: &HashMap<String, String>) -> Value {
    let a = &v.approval;
    let void = a.state == DraftStatus::Void;
    json!({
        "state": status_label(lang, a.state),
        "state_key": a.state,
        "valid": a.valid,
        "void": void,
        "void_text": void.then(|| t(lang, "staff_nf_void_text")
            .replace("{approved}", &short(a.approved_sha256.as_deref().unwrap_or("")))
            .replace("{now}", &short(&v.content_sha256))),
        "rejected": a.state == DraftStatus::Rejected,
        "decided_by": a.decided_by.as_ref().map(|u| names.get(u).cloned().unwrap_or_default()),
        "decided_at": a.decided_at.map(|d| local_time(lang, d)),
        "remarks": a.remarks.as_deref().map(lines),
        "approved_sha256": a.approved_sha256,
    })
}

/// Display names of users by id.
pub(super) fn names_of(
    c: &mut crate::db::DbConn,
    ids: &[String],
) -> crate::error::ApiResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if !out.contains_key(id) {
            if let Some(u) = auth_store::user_by_id(c, id)? {
                out.insert(id.clone(), u.display_name);
            }
        }
    }
    Ok(out)
}

pub(super) fn campaign_row(lang: Lang, id: &str, p: &campaign::Progress) -> Value {
    json!({
        "url": format!("/staff/incidents/{id}/campaigns/{}", p.id),
        "at": local_time(lang, p.created_at),
        "emails": p.emails,
        "sent": p.sent,
        "failed": p.failed,
        "letters": p.letters,
        "done": p.done,
        "paused": p.paused,
    })
}

pub(super) struct Loaded {
    pub(super) view: DraftView,
    pub(super) reference: String,
    pub(super) incident_title: String,
    /// Who looks at it (an FG, the drafter).
    pub(super) viewer: Viewer,
    /// What they may do with it now.
    pub(super) actions: Vec<Action>,
    pub(super) names: HashMap<String, String>,
    /// The public notices published from this draft.
    pub(super) notices: Vec<public::PublicNoticeView>,
    pub(super) recipients: i64,
    /// The incident's current decision allows a public notice (Art. 34(3)(c)).
    pub(super) public_decided: bool,
    /// The latest proposal, for the FG to see why and what would change it.
    pub(super) proposal: Option<crate::assessment::decision::Proposal>,
}

pub(super) async fn load(
    state: &AppState,
    staff: &Staff,
    id: &str,
    nid: &str,
    lang: Lang,
) -> Result<Loaded, PageError> {
    let ctx = nctx(state);
    let (s, i, n) = (staff.clone(), id.to_string(), nid.to_string());
    state
        .db(move |c| {
            let view = service::load_draft(c, &ctx, &s, &i, &n)?;
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let (_, _, settings) = service::org_part(c, &inc.organisation_id)?;
            let mut ids = vec![view.created_by.clone()];
            ids.extend(view.approval.decided_by.clone());
            let names = names_of(c, &ids)?;
            let all_notices = public::list(c, &s, &i)?;
            let notice_in_force = all_notices.iter().any(|n| n.withdrawn_at.is_none());
            let notices = all_notices
                .into_iter()
                .filter(|p| p.draft_id == view.id)
                .collect();
            let recipients = store::recipient_count(c, &inc.id)?;
            let decision = crate::assessment::store::latest_decision(c, &inc.id)?;
            let public_decided = public::decision_refusal(
                decision
                    .as_ref()
                    .map(|d| (d.outcome.as_str(), d.exception.as_deref())),
            )
            .is_none();
            let proposal = crate::assessment::service::load_assessment(c, &s, &i)?.proposal;
            let viewer = Viewer {
                fg: s.has_role(&inc.organisation_id, &[Role::Fg]),
                drafted_it: view.created_by == s.id,
                self_signoff_allowed: settings.allow_self_signoff,
            };
            let actions = lifecycle::allowed_actions(
                view.kind,
                view.approval.state,
                viewer,
                Circumstances {
                    approval_valid: view.approval.valid,
                    blocking: !view.blocking.is_empty(),
                    public_decided,
                    notice_in_force,
                },
            );
            Ok(Loaded {
                view,
                reference: inc.reference.clone(),
                incident_title: inc.title.clone(),
                viewer,
                actions,
                names,
                notices,
                recipients,
                public_decided,
                proposal,
            })
        })
        .await
        .map_err(|e| page_err(lang, e))
}

/// The inside of a rendered page's `<body>`, to show within a staff page. The letter's own `<main>`
/// landmark (it is a page of its own when printed) becomes a `<div>`: a page has one main landmark.
pub(super) fn body_of(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let inner = match (lower.find("<body"), lower.rfind("</body>")) {
        (Some(a), Some(b)) if a < b => {
            let start = lower[a..].find('>').map(|i| a + i + 1).unwrap_or(a);
            &html[start..b]
        }
        _ => html,
    };
    let lead = inner.len() - inner.trim_start().len();
    match inner.rfind("</main>") {
        Some(end) if inner[lead..].starts_with("<main") => format!(
            "{}<div{}</div>{}",
            &inner[..lead],
            &inner[lead + "<main".len()..end],
            &inner[end + "</main>".len()..]
        ),
        _ => inner.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn refusals_in_dutch_by_their_code() {
        let src: String = [
            include_str!("../../../notifications/campaign.rs"),
            include_str!("../../../notifications/service.rs"),
            include_str!("../../../notifications/public.rs"),
        ]
        .concat();
        let mut codes = vec![];
        // Conflicts (`DomainError::refused…`) and denials for want of a role (`DomainError::denied`).
        for part in src
            .split("DomainError::refused")
            .skip(1)
            .chain(src.split("DomainError::denied").skip(1))
        {
            let code = part
                .split('"')
                .nth(1)
                .expect("a refusal's code is a string literal");
            codes.push(code);
        }
        assert!(codes.len() >= 19, "{codes:?}");
        for code in codes {
            for lang in [Lang::Nl, Lang::En] {
                let key = format!("staff_nf_err_{code}");
                assert!(opt_t(lang, &key).is_some(), "no {lang:?} words for {key}");
            }
        }
        let r = crate::error::Refusal {
            code: "already_reached_n",
            detail: "3 of the 5 recipients were already in an earlier campaign".into(),
            args: vec![("n", "3".into()), ("total", "5".into())],
        };
        let nl = refusal_message(Lang::Nl, &r);
        assert!(nl.starts_with("3 van de 5 ontvangers"), "{nl}");
        assert!(!nl.contains('{') && !nl.contains("recipients"), "{nl}");
        let unknown = crate::error::Refusal {
            code: "something_new",
            detail: "something new went wrong".into(),
            args: vec![],
        };
        assert_eq!(refusal_message(Lang::Nl, &unknown), "Dit kan nu niet.");
        assert!(refusal_message(Lang::En, &unknown).ends_with("(something new went wrong)"));
    }
}
