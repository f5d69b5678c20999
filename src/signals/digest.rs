//! The daily digest of new reports, for the users who chose it: run from the clock loop of every
//! instance. Each user's digest is claimed in the transaction that queues it (see
//! `store::claim_digest`), so with several instances it goes once: one instance moves the user's
//! `digest_until` to the digest instant and queues the e-mail in the same commit; the others find
//! nothing left to claim.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::result::Error as DieselError;
use serde_json::json;

use super::mail::Links;
use super::rules;
use super::store;
use crate::audit::{self, Actor, Entry};
use crate::db::{from_db, to_db, write_tx, DbConn};
use crate::outbox::{enqueue, NewMessage};

/// At most this many reports are listed in one digest; the count says how many there were.
pub const LISTED: i64 = 100;

/// Send the digests due at `now` (the digest instant is `hour`:00 Amsterdam time). Returns how
/// many e-mails were queued.
pub fn run(c: &mut DbConn, links: &Links, hour: u32, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let due = to_db(rules::digest_due(now, hour));
    let mut queued = 0;
    for user_id in store::digest_candidates(c, due)? {
        match one(c, links, &user_id, due, now) {
            Ok(true) => queued += 1,
            Ok(false) => {}
            // Logged by id only: no address, no name.
            Err(e) => tracing::error!(user = %user_id, error = %e, "report digest failed"),
        }
    }
    Ok(queued)
}

fn one(
    c: &mut DbConn,
    links: &Links,
    user_id: &str,
    due: chrono::NaiveDateTime,
    now: DateTime<Utc>,
) -> Result<bool, DieselError> {
    write_tx(c, |c| -> Result<bool, DieselError> {
        let Some(from) = store::claim_digest(c, user_id, due)? else {
            return Ok(false);
        };
        let Some((orgs, unassigned)) = store::digest_scope(c, user_id)? else {
            return Ok(false);
        };
        let (listed, total) = store::received_between(c, &orgs, unassigned, from, due, LISTED)?;
        if total == 0 {
            return Ok(false);
        }
        let Some(rc) = store::user(c, user_id)? else {
            return Ok(false);
        };
        let reports: Vec<serde_json::Value> = listed
            .iter()
            .map(|(reference, channel, at)| {
                json!({
                    "reference": reference,
                    "channel": rules::channel_words(channel, &rc.lang),
                    "received": rules::local_time(from_db(*at), &rc.lang),
                    "link": format!("{}/staff/reports/{reference}", links.public_url.trim_end_matches('/')),
                })
            })
            .collect();
        let ctx = json!({
            "name": crate::locale::salutation(&rc.name, &rc.email, &rc.lang),
            "count": total,
            "one": total == 1,
            "more": total - listed.len() as i64,
            "reports": reports,
            "from": rules::local_time(from_db(from), &rc.lang),
            "until": rules::local_time(from_db(due), &rc.lang),
            "inbox": format!("{}/staff/inbox", links.public_url.trim_end_matches('/')),
            "account": format!("{}/staff/account", links.public_url.trim_end_matches('/')),
        });
        let (subject, body) = crate::mail_templates::templates()
            .render("report_digest", &rc.lang, &ctx)
            .map_err(|e| DieselError::QueryBuilderError(e.into()))?;
        enqueue(
            c,
            &NewMessage {
                kind: "report_digest".into(),
                dedupe_key: Some(format!(
                    "report_digest:{user_id}:{}",
                    from_db(due).to_rfc3339()
                )),
                organisation_id: None,
                incident_id: None,
                to: rc.email,
                subject,
                body_text: body,
                body_html: None,
                thread: Default::default(),
            },
            &links.mail_domain,
            now,
        )?;
        audit::store::append(
            c,
            &[Entry {
                actor: Actor::System("signals"),
                action: Action::UserReportDigestSent,
                entity_type: "user",
                entity_id: user_id.to_string(),
                organisation_id: None,
                before: Some(json!({"digest_until": from_db(from)})),
                after: Some(json!({"digest_until": from_db(due), "reports": total})),
            }],
            now,
        )?;
        Ok(true)
    })
}
