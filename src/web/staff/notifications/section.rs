//! The notifications section of the incident page.
use super::shared::{campaign_row, kind_label, names_of, short, status_label};
use crate::auth::Staff;
use crate::notifications::campaign::{self};
use crate::notifications::lifecycle::DraftStatus;
use crate::notifications::public;
use crate::notifications::service::ctx as nctx;
use crate::notifications::service::{self};
use crate::notifications::store;
use crate::state::AppState;
use crate::web::kit::{Lang, PageError};
use crate::web::staff::page::page_err;
use crate::web::staff::when::local_time;
use serde_json::{json, Value};

/// What the notifications section of the incident page shows.
pub async fn section_ctx(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<Value, PageError> {
    let ctx = nctx(state);
    let (s, i) = (staff.clone(), id.to_string());
    let (list, names, recipients, campaigns, notices) = state
        .db(move |c| {
            let list = service::list(c, &ctx, &s, &i)?;
            let ids: Vec<String> = list.drafts.iter().map(|d| d.created_by.clone()).collect();
            let names = names_of(c, &ids)?;
            let recipients = store::recipient_count(c, &i)?;
            let camps = store::campaigns(c, &i)?;
            let mut campaigns = vec![];
            for camp in camps {
                campaigns.push(campaign::progress_of(c, &camp)?);
            }
            let notices = public::list(c, &s, &i)?;
            Ok((list, names, recipients, campaigns, notices))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let drafts: Vec<Value> = list
        .drafts
        .iter()
        .map(|d| {
            json!({
                "url": format!("/staff/incidents/{id}/notifications/{}", d.id),
                "kind": kind_label(lang, d.kind),
                "status": status_label(lang, d.approval.state),
                "void": d.approval.state == DraftStatus::Void,
                "hash": short(&d.content_sha256),
                "by": names.get(&d.created_by).cloned().unwrap_or_default(),
                "at": local_time(lang, d.created_at),
            })
        })
        .collect();
    Ok(json!({
        "drafts": drafts,
        "new_url": format!("/staff/incidents/{id}/notifications/new"),
        "recipients_url": format!("/staff/incidents/{id}/recipients"),
        "recipients": recipients,
        "notified": list.notified.as_ref().map(|f| if lang == Lang::Nl { f.label_nl.clone() } else { f.label_en.clone() }),
        "campaigns": campaigns.iter().map(|p| campaign_row(lang, id, p)).collect::<Vec<_>>(),
        "notices": notices.iter().map(|n| json!({
            "title": if lang == Lang::Nl { &n.title_nl } else { &n.title_en },
            "url": n.url,
            "withdrawn": n.withdrawn_at.is_some(),
        })).collect::<Vec<_>>(),
    }))
}
