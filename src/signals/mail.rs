//! The e-mails that tell staff, queued in the outbox inside the caller's transaction (so a report,
//! a draft or a rejection and its e-mails are stored together or not at all). Each carries our own
//! text, a reference and a link: nothing a reporter typed, nothing about the people affected.
use chrono::{DateTime, Utc};
use diesel::result::Error as DieselError;
use serde_json::json;

use super::rules;
use super::store::{self, Recipient};
use crate::db::DbConn;
use crate::outbox::{enqueue, NewMessage};

/// Where the links in the e-mails point, and the domain of their Message-IDs.
#[derive(Debug, Clone)]
pub struct Links {
    /// e.g. `https://meldpunt.example.nl`.
    pub public_url: String,
    pub mail_domain: String,
}

impl Links {
    pub fn from_settings(s: &crate::config::Settings) -> Links {
        Links {
            public_url: s
                .public_url_or(&s.server.bind)
                .trim_end_matches('/')
                .to_string(),
            mail_domain: s.mail_domain(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

fn render(
    name: &str,
    lang: &str,
    ctx: &serde_json::Value,
) -> Result<(String, String), DieselError> {
    crate::mail_templates::templates()
        .render(name, lang, ctx)
        .map_err(|e| DieselError::QueryBuilderError(e.into()))
}

/// A report just stored, as its signal needs it.
#[derive(Debug, Clone)]
pub struct NewReportSignal {
    pub report_id: String,
    pub reference: String,
    pub channel: String,
    pub organisation_id: Option<String>,
    /// The staff member who entered it (not told of their own report).
    pub created_by: Option<String>,
}

/// Queue one e-mail per report to each handler of its organisation who wants to hear at once (an
/// unassigned report: to the installation administrators). Returns how many were queued.
pub fn new_reports(
    c: &mut DbConn,
    batch: &[NewReportSignal],
    links: &Links,
    now: DateTime<Utc>,
) -> Result<usize, DieselError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let mut orgs: Vec<String> = batch
        .iter()
        .filter_map(|r| r.organisation_id.clone())
        .collect();
    orgs.sort();
    orgs.dedup();
    let handlers = store::handlers_told_at_once(c, &orgs)?;
    let admins = if batch.iter().any(|r| r.organisation_id.is_none()) {
        store::admins_told_at_once(c)?
    } else {
        vec![]
    };
    let mut msgs = vec![];
    for r in batch {
        let to: Vec<&Recipient> = match &r.organisation_id {
            Some(o) => handlers
                .iter()
                .filter(|(org, _)| org == o)
                .map(|(_, rc)| rc)
                .collect(),
            None => admins.iter().collect(),
        };
        for rc in to {
            if r.created_by.as_deref() == Some(rc.user_id.as_str()) {
                continue;
            }
            let ctx = json!({
                "name": crate::locale::salutation(&rc.name, &rc.email, &rc.lang),
                "reference": r.reference,
                "channel": rules::channel_words(&r.channel, &rc.lang),
                "received": rules::local_time(now, &rc.lang),
                "link": links.url(&format!("/staff/reports/{}", r.reference)),
                "account": links.url("/staff/account"),
            });
            let (subject, body) = render("report_signal", &rc.lang, &ctx)?;
            msgs.push(NewMessage {
                kind: "report_signal".into(),
                dedupe_key: Some(format!("report_signal:{}:{}", r.report_id, rc.user_id)),
                organisation_id: r.organisation_id.clone(),
                incident_id: None,
                to: rc.email.clone(),
                subject,
                body_text: body,
                body_html: None,
                thread: Default::default(),
            });
        }
    }
    if msgs.is_empty() {
        return Ok(0);
    }
    crate::outbox::store::enqueue_batch(c, &msgs, &links.mail_domain, now)?;
    Ok(msgs.len())
}

/// A controller's own part of a shared breach, just made by the shared team's split.
#[derive(Debug, Clone)]
pub struct SharedPartSignal<'a> {
    pub incident_id: &'a str,
    pub reference: &'a str,
    pub organisation_id: &'a str,
    /// The shared team's organisation, as the controller knows it (its processor).
    pub from: &'a str,
    /// When the controller's 72 hours end.
    pub deadline: DateTime<Utc>,
    /// Who split (not told: they know).
    pub by: &'a str,
}

/// Queue an e-mail to each handler of the controller: a part of a shared breach is theirs now and
/// its 72 hours run. Returns how many were queued.
pub fn shared_part(
    c: &mut DbConn,
    s: &SharedPartSignal,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<usize, DieselError> {
    let mut msgs = vec![];
    for rc in store::handlers_of(c, s.organisation_id)? {
        if rc.user_id == s.by {
            continue;
        }
        let ctx = json!({
            "name": crate::locale::salutation(&rc.name, &rc.email, &rc.lang),
            "reference": s.reference,
            "from": s.from,
            "deadline": rules::local_time(s.deadline, &rc.lang),
            "link": links.url(&format!("/staff/incidents/{}", s.incident_id)),
        });
        let (subject, body) = render("shared_part", &rc.lang, &ctx)?;
        msgs.push(NewMessage {
            kind: "shared_part".into(),
            dedupe_key: Some(format!("shared_part:{}:{}", s.incident_id, rc.user_id)),
            organisation_id: Some(s.organisation_id.to_string()),
            incident_id: Some(s.incident_id.to_string()),
            to: rc.email,
            subject,
            body_text: body,
            body_html: None,
            thread: Default::default(),
        });
    }
    if msgs.is_empty() {
        return Ok(0);
    }
    crate::outbox::store::enqueue_batch(c, &msgs, &links.mail_domain, now)?;
    Ok(msgs.len())
}

/// A draft that waits for sign-off, as the FG's e-mail names it.
#[derive(Debug, Clone)]
pub struct DraftSignal<'a> {
    pub draft_id: &'a str,
    pub incident_id: &'a str,
    pub incident_reference: &'a str,
    pub organisation_id: &'a str,
    pub kind: &'a str,
    /// Who made or changed it (not told: they know).
    pub by: &'a str,
    /// Why it waits.
    pub why: rules::Waiting,
}

/// Queue an e-mail to each FG of the organisation: a draft waits for their sign-off. Returns how
/// many were queued.
pub fn signoff_requested(
    c: &mut DbConn,
    d: &DraftSignal,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<usize, DieselError> {
    let mut n = 0;
    for rc in store::fgs_of(c, d.organisation_id)? {
        if rc.user_id == d.by {
            continue;
        }
        let ctx = json!({
            "name": crate::locale::salutation(&rc.name, &rc.email, &rc.lang),
            "reference": d.incident_reference,
            "kind": rules::kind_words(d.kind, &rc.lang),
            "rejected": d.why == rules::Waiting::AfterRejection,
            "changed": d.why == rules::Waiting::ChangedAfterSignoff,
            "link": links.url(&format!("/staff/incidents/{}/notifications/{}/signoff", d.incident_id, d.draft_id)),
            "worklist": links.url("/staff/te-tekenen"),
        });
        let (subject, body) = render("signoff_request", &rc.lang, &ctx)?;
        enqueue(
            c,
            &NewMessage {
                kind: "signoff_request".into(),
                dedupe_key: None,
                organisation_id: Some(d.organisation_id.to_string()),
                incident_id: Some(d.incident_id.to_string()),
                to: rc.email,
                subject,
                body_text: body,
                body_html: None,
                thread: Default::default(),
            },
            &links.mail_domain,
            now,
        )?;
        n += 1;
    }
    Ok(n)
}

/// Queue an e-mail to the drafter: the FG rejected the draft, with the FG's remarks. Returns
/// whether one was queued (not when the drafter rejected their own, or left).
pub fn draft_rejected(
    c: &mut DbConn,
    d: &DraftSignal,
    drafter: &str,
    remarks: &str,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<bool, DieselError> {
    if drafter == d.by {
        return Ok(false);
    }
    let Some(rc) = store::user(c, drafter)? else {
        return Ok(false);
    };
    let fg = store::user(c, d.by)?.map(|u| u.name).unwrap_or_default();
    let ctx = json!({
        "name": crate::locale::salutation(&rc.name, &rc.email, &rc.lang),
        "fg": fg,
        "reference": d.incident_reference,
        "kind": rules::kind_words(d.kind, &rc.lang),
        "remarks": remarks,
        "link": links.url(&format!("/staff/incidents/{}/notifications/{}", d.incident_id, d.draft_id)),
    });
    let (subject, body) = render("draft_rejected", &rc.lang, &ctx)?;
    enqueue(
        c,
        &NewMessage {
            kind: "draft_rejected".into(),
            dedupe_key: None,
            organisation_id: Some(d.organisation_id.to_string()),
            incident_id: Some(d.incident_id.to_string()),
            to: rc.email,
            subject,
            body_text: body,
            body_html: None,
            thread: Default::default(),
        },
        &links.mail_domain,
        now,
    )?;
    Ok(true)
}
