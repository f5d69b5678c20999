//! Answering the reporter (issue 16, point 4): one audited service function. The answer is kept
//! with the report's messages (so it shows on the reporter's follow-up page, always), and goes by
//! e-mail through the outbox when the report has an address — in the same transaction. The e-mail
//! threads with the reporter's own (`thread`: In-Reply-To and References name their Message-IDs),
//! and a reply to it finds its way back to the report: the outbox row's key names the report, and
//! the mailbox threads by the Message-ID it answers (`mailbox::service::thread`) and by the
//! reference in the subject.
use crate::audit::Action;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::answers::{self, Asked};
use super::service::staff_may_see;
use super::store;
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::{now, write_tx, Cached, DbConn};
use crate::error::{DomainError, DomainResult, FieldProblem};
use crate::outbox::store::msg_id;
use crate::outbox::{enqueue, NewMessage, Thread};
use crate::signals::Links;

/// The outbox's key of the e-mail carrying answer `message_id` to report `report_id`'s reporter.
pub fn key(report_id: &str, message_id: &str) -> String {
    format!("report_reply:{report_id}:{message_id}")
}

/// How an answer to report `report_id` threads (issue 16, point 4): In-Reply-To the reporter's
/// latest e-mail on the report (the one that made it, or a later one the mailbox joined to it), and
/// References every Message-ID of the conversation in time order: theirs, and ours (the
/// acknowledgement and earlier answers). A report that never came by e-mail answers no message;
/// its References name our earlier e-mails, if any.
pub fn thread(c: &mut DbConn, report_id: &str) -> QueryResult<Thread> {
    use crate::db::schema::{mail_messages, outbox};
    // (when, ours, Message-ID); at the same instant their mail comes first (it caused ours).
    let mut ids: Vec<(NaiveDateTime, bool, String)> = mail_messages::table
        .filter(mail_messages::report_id.eq(report_id))
        .filter(mail_messages::outcome.eq_any(["report", "joined_report"]))
        .select((mail_messages::received_at, mail_messages::message_id))
        .load::<(NaiveDateTime, String)>(c)?
        .into_iter()
        // A mail without a Message-ID is stored under its hash (`sha256:…`): not an id to name.
        .filter_map(|(t, id)| msg_id(&id).map(|id| (t, false, id)))
        .collect();
    let theirs = ids.len();
    let ours: Vec<(NaiveDateTime, String)> = outbox::table
        .filter(
            outbox::dedupe_key
                .eq(super::store::ack_key(report_id))
                .or(outbox::dedupe_key.like(format!("{}%", key(report_id, "")))),
        )
        .select((outbox::created_at, outbox::message_id))
        .load_on(c)?;
    ids.extend(ours.into_iter().map(|(t, id)| (t, true, id)));
    ids.sort();
    let in_reply_to = (theirs > 0)
        .then(|| ids.iter().rev().find(|(_, ours, _)| !ours))
        .flatten()
        .map(|(_, _, id)| id.as_str());
    let refs: Vec<&str> = ids.iter().map(|(_, _, id)| id.as_str()).collect();
    Ok(Thread::new(in_reply_to, &refs))
}

/// The report an outbox key belongs to: the acknowledgement (`report_received:<report>`) or an
/// answer (`report_reply:<report>:<message>`).
pub fn report_of_key(key: &str) -> Option<&str> {
    key.strip_prefix("report_received:").or_else(|| {
        key.strip_prefix("report_reply:")
            .and_then(|rest| rest.split(':').next())
    })
}

/// What staff send (API and page alike).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    /// A standard answer: keep, destroy, return (send it back) or forwarded.
    #[serde(default)]
    pub standard: Option<String>,
    /// For return: the address to send it back to (default: the organisation's address); for
    /// forwarded: to whom the report was forwarded.
    #[serde(default)]
    pub detail: Option<String>,
    /// Free text (after the standard answer, when there is one).
    #[serde(default)]
    pub text: Option<String>,
    /// nl or en; default: the report's language.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Replied {
    /// The answer among the report's messages.
    pub message_id: String,
    pub standard: Option<String>,
    pub language: String,
    /// An e-mail to the reporter was queued (the report has an address).
    pub emailed: bool,
    /// The text the reporter reads.
    pub body: String,
}

/// Answer the reporter of report `reference`. Staff who may not see the report get 404; a missing
/// or wrong field 422 naming it.
pub fn reply(
    c: &mut DbConn,
    staff: &Staff,
    reference: &str,
    input: ReplyInput,
    links: &Links,
) -> DomainResult<Replied> {
    write_tx(c, |c| -> DomainResult<Replied> {
        let row = store::by_reference(c, reference)?.ok_or(DomainError::NotFound)?;
        if !staff_may_see(staff, &row) {
            return Err(DomainError::NotFound);
        }
        let address = match &row.organisation_id {
            Some(o) => crate::orgs::store::by_id(c, o)?.and_then(|o| o.address),
            None => None,
        };
        let asked = Asked {
            standard: input.standard,
            detail: input.detail,
            text: input.text,
            language: input.language,
        };
        let composed =
            answers::compose(&asked, &row.language, address.as_deref()).map_err(|errs| {
                DomainError::Invalid(errs.into_iter().map(FieldProblem::from).collect())
            })?;
        let t = now();
        let message_id = crate::attachments::add_message(c, &row.id, "staff", &composed.body)?;
        let lang = composed.lang.code();
        let mut outbox_id = None;
        if let Some(to) = &row.contact_email {
            // Looked up before this answer's own row is queued: it names what came before.
            let thread = thread(c, &row.id)?;
            let ctx = json!({"reference": row.reference, "text": composed.body});
            let (subject, body) = crate::mail_templates::templates()
                .render("report_reply", lang, &ctx)
                .map_err(|e| DomainError::Internal(format!("rendering the answer: {e}")))?;
            outbox_id = Some(enqueue(
                c,
                &NewMessage {
                    kind: "report_reply".into(),
                    dedupe_key: Some(key(&row.id, &message_id)),
                    organisation_id: row.organisation_id.clone(),
                    incident_id: row.incident_id.clone(),
                    to: to.clone(),
                    subject,
                    body_text: body,
                    body_html: None,
                    thread,
                },
                &links.mail_domain,
                t,
            )?);
        }
        let standard = composed.standard.map(|s| s.as_str().to_string());
        // Who, when (the entry's), which standard answer, in which language, by e-mail or not:
        // never the text, which may name people.
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::ReportAnswered,
                entity_type: "report",
                entity_id: row.id.clone(),
                organisation_id: row.organisation_id.clone(),
                before: None,
                after: Some(json!({
                    "report_message_id": message_id,
                    "standard": standard,
                    "language": lang,
                    "emailed": outbox_id.is_some(),
                    "outbox_id": outbox_id,
                })),
            }],
            t,
        )?;
        Ok(Replied {
            message_id,
            standard,
            language: lang.to_string(),
            emailed: outbox_id.is_some(),
            body: composed.body,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_keys_lead_back_to_the_report() {
        assert_eq!(report_of_key("report_received:r1"), Some("r1"));
        assert_eq!(report_of_key(&key("r2", "m9")), Some("r2"));
        assert_eq!(report_of_key("clock:i1:24:x@y"), None);
    }
}
