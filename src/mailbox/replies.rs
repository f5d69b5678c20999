//! Messages that joined a report or an incident by threading (a citizen's reply, a processor's
//! follow-up), as staff read them on the incident and report pages and in the API: sender, date,
//! subject, text and attachments, newest first. The text and attachments are read again from the
//! raw message kept in `mail_messages` (after retention purged it, only what is left is shown).
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::parse::{self, Limits};
use crate::db::schema::mail_messages;
use crate::db::Cached;
use crate::db::DbConn;

/// One attachment of a reply, by its position among the message's attachments.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReplyAttachment {
    pub index: usize,
    pub filename: String,
    pub content_type: Option<String>,
    pub size: usize,
    /// Served for download: a checked type, not infected.
    pub available: bool,
    /// Why not (refused type, too large, infected with the signature's name).
    pub withheld: Option<String>,
    /// Virus scan: `clean`, `infected`, `not_scanned`, or none when no scanner is configured.
    pub scan: Option<String>,
    pub signature: Option<String>,
    /// When it was scanned again after clamd could not be reached at intake (RFC 3339).
    pub rescanned_at: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reply {
    pub mail_id: String,
    pub outcome: String,
    pub report_id: Option<String>,
    pub incident_id: Option<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    #[serde(with = "crate::serde_utc")]
    pub date: NaiveDateTime,
    #[serde(with = "crate::serde_utc")]
    pub received_at: NaiveDateTime,
    pub subject: String,
    pub text: String,
    /// The raw message is no longer kept (retention).
    pub purged: bool,
    pub attachments: Vec<ReplyAttachment>,
}

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    NaiveDateTime,
    String,
    Vec<u8>,
);

/// Replies joined to any of these reports or to this incident, newest first (the 200 newest:
/// the pages show these; the API pages through all of them with [`page`] and [`count`]).
pub fn load(
    conn: &mut DbConn,
    incident_id: Option<&str>,
    report_ids: &[String],
    limits: &Limits,
) -> QueryResult<Vec<Reply>> {
    page(conn, incident_id, report_ids, limits, 200, 0)
}

/// How many replies [`page`] pages through.
pub fn count(
    conn: &mut DbConn,
    incident_id: Option<&str>,
    report_ids: &[String],
) -> QueryResult<i64> {
    crate::db_run!(conn, |c| {
        let mut q = mail_messages::table
            .filter(mail_messages::outcome.eq_any(vec!["joined_report", "joined_incident"]))
            .count()
            .into_boxed();
        q = match incident_id {
            Some(i) => q.filter(
                mail_messages::report_id
                    .eq_any(report_ids.to_vec())
                    .or(mail_messages::incident_id.eq(i.to_string())),
            ),
            None => q.filter(mail_messages::report_id.eq_any(report_ids.to_vec())),
        };
        q.get_result(c)
    })
}

/// A page of the replies joined to any of these reports or to this incident, newest first.
pub fn page(
    conn: &mut DbConn,
    incident_id: Option<&str>,
    report_ids: &[String],
    limits: &Limits,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Reply>> {
    let rows: Vec<Row> = crate::db_run!(conn, |c| {
        let mut q = mail_messages::table
            .filter(mail_messages::outcome.eq_any(vec!["joined_report", "joined_incident"]))
            .into_boxed();
        q = match incident_id {
            Some(i) => q.filter(
                mail_messages::report_id
                    .eq_any(report_ids.to_vec())
                    .or(mail_messages::incident_id.eq(i.to_string())),
            ),
            None => q.filter(mail_messages::report_id.eq_any(report_ids.to_vec())),
        };
        q.select((
            mail_messages::id,
            mail_messages::outcome,
            mail_messages::report_id,
            mail_messages::incident_id,
            mail_messages::from_addr,
            mail_messages::subject,
            mail_messages::sent_at,
            mail_messages::received_at,
            mail_messages::details_json,
            mail_messages::raw,
        ))
        .order((mail_messages::received_at.desc(), mail_messages::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(c)?
    });
    Ok(rows.into_iter().map(|r| build(r, limits)).collect())
}

/// Scan results per attachment index, as stored in `details_json`: (scan, signature, rescanned at).
pub fn scans(details_json: &str) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    let v: serde_json::Value = serde_json::from_str(details_json).unwrap_or_default();
    v.get("attachments")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x.get("scan").and_then(|s| s.as_str()).map(String::from),
                        x.get("signature")
                            .and_then(|s| s.as_str())
                            .map(String::from),
                        x.get("rescanned_at")
                            .and_then(|s| s.as_str())
                            .map(String::from),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn build(r: Row, limits: &Limits) -> Reply {
    let (id, outcome, report_id, incident_id, from, subject, sent_at, received_at, details, raw) =
        r;
    let scans = scans(&details);
    let parsed = if raw.is_empty() {
        None
    } else {
        parse::parse(&raw, limits).ok()
    };
    let attachments = parsed
        .as_ref()
        .map(|m| {
            m.attachments
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let (scan, signature, rescanned_at) = scans.get(i).cloned().unwrap_or_default();
                    let infected = scan.as_deref() == Some("infected");
                    let withheld = if infected {
                        Some(format!(
                            "infected: {}",
                            signature.as_deref().unwrap_or("unknown")
                        ))
                    } else {
                        a.refused.clone()
                    };
                    ReplyAttachment {
                        index: i,
                        filename: crate::attachments::clean_filename(&a.filename),
                        content_type: a.content_type.map(String::from),
                        size: a.size,
                        available: a.content_type.is_some() && !infected,
                        withheld,
                        scan,
                        signature,
                        rescanned_at,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Reply {
        mail_id: id,
        outcome,
        report_id,
        incident_id,
        from_name: parsed
            .as_ref()
            .and_then(|m| m.from.as_ref())
            .and_then(|p| p.name.clone()),
        from,
        date: sent_at.unwrap_or(received_at),
        received_at,
        subject: subject.unwrap_or_default(),
        text: parsed.as_ref().map(|m| m.text.clone()).unwrap_or_default(),
        purged: parsed.is_none(),
        attachments,
    }
}

/// What a download of attachment `index` of a stored message needs: the mail's report and
/// incident (for the authorisation check) and, if it may be served, (filename, type, bytes).
pub struct Download {
    pub report_id: Option<String>,
    pub incident_id: Option<String>,
    pub organisation_id: Option<String>,
    pub file: Option<(String, String, Vec<u8>)>,
}

pub fn attachment(
    conn: &mut DbConn,
    mail_id: &str,
    index: usize,
    limits: &Limits,
) -> QueryResult<Option<Download>> {
    type Found = (
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        Vec<u8>,
    );
    let row: Option<Found> = mail_messages::table
        .filter(mail_messages::id.eq(mail_id))
        .select((
            mail_messages::report_id,
            mail_messages::incident_id,
            mail_messages::organisation_id,
            mail_messages::details_json,
            mail_messages::raw,
        ))
        .first_on(conn)
        .optional()?;
    let Some((report_id, incident_id, organisation_id, details, raw)) = row else {
        return Ok(None);
    };
    let scans = scans(&details);
    let infected = scans
        .get(index)
        .map(|(s, _, _)| s.as_deref() == Some("infected"))
        .unwrap_or(false);
    let file = if raw.is_empty() || infected {
        None
    } else {
        parse::nth_attachment(&raw, index, limits).and_then(|a| {
            a.content_type.map(|ct| {
                (
                    crate::attachments::clean_filename(&a.filename),
                    ct.to_string(),
                    a.data,
                )
            })
        })
    };
    Ok(Some(Download {
        report_id,
        incident_id,
        organisation_id,
        file,
    }))
}
