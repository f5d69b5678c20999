//! Recipients and campaigns: import a CSV (all or nothing), then — with a valid FG sign-off of the
//! letter and e-mail — queue one e-mail per recipient with an address into the outbox (each with a
//! dedupe key per incident and recipient, so no recipient is queued twice) and mark a letter ready
//! for the post room for each recipient with only a postal address. Throttling and pause act
//! through the outbox's gate for the campaign's kind (`campaign:<id>`), which the claim honours.
use crate::audit::Action;
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::letters::{self, LetterCtx};
use super::recipients::{self, BadRow, Duplicate, ImportError};
use super::render::NoticeTemplates;
use super::service::{self, org_part, recipient_ctx, template_error, Ctx};
use super::store::{self, CampaignRow, MessageRow, RecipientRow};
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult, FieldProblem};
use crate::incidents::access::visible;
use crate::outbox::{self, NewMessage};

pub use super::store::outbox_kind;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    /// Rows that repeat an earlier row of the file (kept once).
    #[schema(value_type = Vec<Object>)]
    pub duplicates: Vec<Duplicate>,
    /// Rows already imported for this incident earlier (line numbers), not imported again.
    pub already_present: Vec<u64>,
    pub extra_columns: Vec<String>,
    pub total_recipients: i64,
}

/// An import refused: the file's problem, or every bad row with its line number.
pub fn import_error(e: ImportError) -> DomainError {
    match e {
        ImportError::File(m) => DomainError::Invalid(vec![FieldProblem::new("csv", m.en, m.nl)]),
        ImportError::Rows(rows) => DomainError::Invalid(
            rows.into_iter()
                .map(|b: BadRow| FieldProblem {
                    field: format!("line {}: {}", b.line, b.field),
                    message: b.message,
                    message_nl: b.message_nl,
                })
                .collect(),
        ),
    }
}

/// Import recipients for an incident; nothing is stored unless the whole file is good.
/// `progress(done, total)` is called while rows are written.
pub fn import(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    bytes: &[u8],
    mut progress: impl FnMut(usize, usize),
) -> DomainResult<ImportReport> {
    // Another organisation's incident does not exist, whatever the file holds.
    visible(c, staff, incident_id, false)?;
    let parsed = recipients::parse(bytes).map_err(import_error)?;
    write_tx(c, |c| -> DomainResult<ImportReport> {
        let inc = visible(c, staff, incident_id, true)?;
        let existing_cols = service::extra_columns(c, &inc.id)?;
        let existing: HashSet<String> = store::recipient_keys(c, &inc.id)?.into_iter().collect();
        if !existing.is_empty()
            && existing_cols != {
                let mut s = parsed.extra_columns.clone();
                s.sort();
                s
            }
        {
            return Err(DomainError::field(
                "csv",
                &format!(
                    "the recipients already imported have the extra columns [{}]; this file has [{}]",
                    existing_cols.join(", "),
                    parsed.extra_columns.join(", ")
                ), &format!(
                    "de al ingelezen ontvangers hebben de extra kolommen [{}]; dit bestand heeft [{}]",
                    existing_cols.join(", "),
                    parsed.extra_columns.join(", ")
                )));
        }
        let t = to_db(now());
        let mut already = vec![];
        let mut rows = Vec::with_capacity(parsed.rows.len());
        for r in &parsed.rows {
            if existing.contains(&r.key) {
                already.push(r.line);
                continue;
            }
            let extra: BTreeMap<&str, &str> = parsed
                .extra_columns
                .iter()
                .map(|s| s.as_str())
                .zip(r.extra.iter().map(|s| s.as_str()))
                .collect();
            rows.push(RecipientRow {
                id: new_id(),
                incident_id: inc.id.clone(),
                line_no: r.line as i64,
                name: r.name.clone(),
                email: r.email.clone(),
                postal_address: r.postal_address.clone(),
                language: r.language.clone(),
                extra_json: serde_json::to_string(&extra)
                    .map_err(|e| DomainError::Internal(e.to_string()))?,
                dedupe_key: r.key.clone(),
                created_at: t,
            });
        }
        let total = rows.len();
        for (i, chunk) in rows.chunks(5000).enumerate() {
            store::insert_recipients(c, chunk)?;
            progress((i * 5000 + chunk.len()).min(total), total);
        }
        let all = existing.len() + total;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::NoticeRecipientsImported,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                // Counts only: the recipients' personal data stay out of the audit trail.
                after: Some(serde_json::json!({
                    "imported": total, "duplicates": parsed.duplicates.len(),
                    "already_present": already.len(), "total": all,
                })),
            }],
            from_db(t),
        )?;
        Ok(ImportReport {
            imported: total,
            duplicates: parsed.duplicates,
            already_present: already,
            extra_columns: parsed.extra_columns,
            total_recipients: all as i64,
        })
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecipientView {
    pub id: String,
    pub line: i64,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: String,
    #[schema(value_type = Object)]
    pub extra: BTreeMap<String, String>,
}

/// A page of an incident's recipients (the page checked against the list's bounds by the caller:
/// `http::paging`) and how many there are in all.
pub fn list_recipients(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    offset: i64,
    limit: i64,
) -> DomainResult<(i64, Vec<RecipientView>)> {
    let inc = visible(c, staff, incident_id, false)?;
    let total = store::recipient_count(c, &inc.id)?;
    let page = store::recipients_page(c, &inc.id, offset, limit)?
        .into_iter()
        .map(|r| {
            Ok(RecipientView {
                extra: serde_json::from_str(&r.extra_json)
                    .map_err(|e| DomainError::Internal(e.to_string()))?,
                id: r.id,
                line: r.line_no,
                name: r.name,
                email: r.email,
                postal_address: r.postal_address,
                language: r.language,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok((total, page))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// The signed-off communication draft.
    pub draft_id: String,
    /// Messages per minute (the provider's limit); none: as fast as the workers go.
    #[serde(default)]
    pub per_minute: Option<i32>,
    /// Only recipients not reached by an earlier campaign (otherwise such recipients are refused).
    #[serde(default)]
    pub only_new: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub id: String,
    pub draft_id: String,
    pub content_sha256: String,
    pub created_at: DateTime<Utc>,
    pub paused: bool,
    pub per_minute: Option<i32>,
    pub emails: i64,
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub letters: i64,
    pub letters_ready: i64,
    pub letters_printed: i64,
    /// E-mails sent in the last minute.
    pub rate_per_minute: f64,
    /// At the current rate; null when nothing moves or nothing is left.
    pub eta_seconds: Option<f64>,
    pub done: bool,
}

pub struct Started {
    pub campaign_id: String,
    pub emails: usize,
    pub letters: usize,
}

/// Start a campaign: approval rechecked, every e-mail rendered and queued, letters marked ready —
/// in one transaction, so a template error or a recipient already reached leaves nothing queued.
#[allow(clippy::too_many_arguments)]
pub fn start(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    input: NewCampaign,
    mail_domain: &str,
    mut progress: impl FnMut(usize, usize),
) -> DomainResult<Started> {
    if let Some(p) = input.per_minute {
        if !(1..=1_000_000).contains(&p) {
            return Err(DomainError::field(
                "per_minute",
                "between 1 and 1000000",
                "Vul een aantal tussen 1 en 1.000.000 in",
            ));
        }
    }
    service::settle(c, ctx, staff, incident_id, &input.draft_id, None)?;
    write_tx(c, |c| -> DomainResult<Started> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut d = store::draft(c, &inc.id, &input.draft_id)?.ok_or_else(|| {
            DomainError::field(
                "draft_id",
                "no such draft for this incident",
                "Dit concept hoort niet bij dit incident",
            )
        })?;
        if !d.kind.is_letters() {
            return Err(DomainError::field(
                "draft_id",
                "a campaign sends a communication draft (letter and e-mail)",
                "Een campagne verstuurt een communicatieconcept (brief en e-mail)",
            ));
        }
        let t = now();
        let rendered = service::require_valid_approval(c, ctx, staff.actor(), &inc, &mut d, t)?;
        let recipients = store::recipients(c, &inc.id)?;
        if recipients.is_empty() {
            return Err(DomainError::refused(
                "no_recipients",
                "no recipients imported for this incident",
            ));
        }
        let reached: HashSet<String> = store::reached(c, &inc.id)?
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let (todo, done): (Vec<&RecipientRow>, Vec<&RecipientRow>) =
            recipients.iter().partition(|r| !reached.contains(&r.id));
        if !done.is_empty() && !input.only_new {
            return Err(DomainError::refused_with(
                "already_reached_n",
                format!(
                    "{} of the {} recipients were already in an earlier campaign for this incident: nobody gets the message twice (send with only_new to reach the others)",
                    done.len(),
                    recipients.len()
                ),
                vec![
                    ("n", done.len().to_string()),
                    ("total", recipients.len().to_string()),
                ],
            ));
        }
        if todo.is_empty() {
            return Err(DomainError::refused(
                "all_reached",
                "every recipient was already reached by an earlier campaign",
            ));
        }
        let input_d: super::ap::DraftInput = serde_json::from_str(&d.input_json)
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let (slug, org, _) = org_part(c, &inc.organisation_id)?;
        let facts = match crate::assessment::store::latest_facts(c, &inc.id)? {
            Some(r) => Some(
                serde_json::from_str::<crate::assessment::facts::Facts>(&r.facts_json)
                    .map_err(|e| DomainError::Internal(e.to_string()))?,
            ),
            None => None,
        };
        let templates =
            NoticeTemplates::for_org(ctx.template_dir.as_deref(), &slug).map_err(template_error)?;
        // One handlebars context per language, the recipient swapped in per message.
        let mut contexts = Vec::with_capacity(2);
        let mut salutations = Vec::with_capacity(2);
        let day = letter_day(to_db(t));
        for lang in ["nl", "en"] {
            let common = letters::common(lang, &org, &inc.reference, facts.as_ref(), &input_d)
                .dated(lang, day);
            salutations.push(common.salutation.clone());
            let v = serde_json::to_value(common)
                .map_err(|e| DomainError::Internal(format!("letter context: {e}")))?;
            contexts.push(handlebars::Context::from(v));
        }
        const NAMES: [[&str; 3]; 2] = [
            ["email_subject.nl", "email_body.nl", "letter.nl"],
            ["email_subject.en", "email_body.en", "letter.en"],
        ];
        // A subject that cannot depend on the recipient (plain paths outside `recipient`) is
        // rendered once per language; otherwise per recipient like the body.
        let mut fixed_subjects: [Option<String>; 2] = [None, None];
        for (li, fixed) in fixed_subjects.iter_mut().enumerate() {
            if templates.is_recipient_free(NAMES[li][0]) {
                *fixed = Some(
                    templates
                        .render_ctx(NAMES[li][0], &contexts[li])
                        .map_err(|e| {
                            DomainError::Invalid(vec![FieldProblem::new(
                                "template",
                                format!("{}: {}", e.template, e.message),
                                format!("Het sjabloon {} klopt niet: {}", e.template, e.message),
                            )])
                        })?
                        .trim()
                        .to_string(),
                );
            }
        }
        // Bodies and letters that use the recipient only as plain values: rendered once per
        // language with the values left open, then filled per recipient (`split`); the same
        // text as a full render, which is still done for anything else.
        let splits: [[Option<super::split::Split>; 2]; 2] =
            [0, 1].map(|li| [1, 2].map(|k| templates.split(NAMES[li][k], &contexts[li])));
        let campaign_id = new_id();
        let kind = outbox_kind(&campaign_id);
        let emails = todo.iter().filter(|r| r.email.is_some()).count();
        let letters_n = todo.len() - emails;
        store::insert_campaign(
            c,
            &CampaignRow {
                id: campaign_id.clone(),
                incident_id: inc.id.clone(),
                draft_id: d.id.clone(),
                content_sha256: rendered.sha256.clone(),
                per_minute: input.per_minute,
                emails: emails as i64,
                letters: letters_n as i64,
                created_by: staff.id.clone(),
                created_at: to_db(t),
            },
        )?;
        crate::outbox::store::set_gate(c, &kind, false, input.per_minute, t)?;
        let total = todo.len();
        let mut done_n = 0;
        for chunk in todo.chunks(1000) {
            let mut msgs = Vec::with_capacity(chunk.len());
            let mut rows = Vec::with_capacity(chunk.len());
            for r in chunk {
                // One language per recipient: theirs when the draft has it complete, else Dutch.
                let li = usize::from(letters::language_for(&r.language, &input_d) == "en");
                let value = recipient_value(r, &salutations[li])?;
                let filled = |k: usize| splits[li][k - 1].as_ref().and_then(|s| s.fill(&value));
                let k = if r.email.is_some() { 1 } else { 2 };
                let body = filled(k);
                let needs_ctx = body.is_none() || (k == 1 && fixed_subjects[li].is_none());
                if needs_ctx {
                    if let Some(o) = contexts[li].data_mut().as_object_mut() {
                        o.insert("recipient".into(), value.clone());
                    }
                }
                let hctx = &contexts[li];
                if let Some(to) = &r.email {
                    let subject = match &fixed_subjects[li] {
                        Some(s) => s.clone(),
                        None => templates
                            .render_ctx(NAMES[li][0], hctx)
                            .map_err(|e| recipient_error(r, e))?
                            .trim()
                            .to_string(),
                    };
                    let body = match body {
                        Some(b) => b,
                        None => templates
                            .render_ctx(NAMES[li][1], hctx)
                            .map_err(|e| recipient_error(r, e))?,
                    };
                    msgs.push(NewMessage {
                        kind: kind.clone(),
                        dedupe_key: Some(format!("notice:{}:{}:email", inc.id, r.id)),
                        organisation_id: Some(inc.organisation_id.clone()),
                        incident_id: Some(inc.id.clone()),
                        to: to.clone(),
                        subject,
                        body_text: body,
                        body_html: None,
                        thread: Default::default(),
                    });
                } else if body.is_none() {
                    // Rendered now to refuse a template that does not render for this recipient
                    // (a letter that fills from its split renders: every value is a string).
                    templates
                        .render_ctx(NAMES[li][2], hctx)
                        .map_err(|e| recipient_error(r, e))?;
                }
                rows.push(MessageRow {
                    campaign_id: campaign_id.clone(),
                    recipient_id: r.id.clone(),
                    incident_id: inc.id.clone(),
                    channel: if r.email.is_some() { "email" } else { "letter" }.into(),
                    outbox_id: None,
                    status: if r.email.is_some() { "queued" } else { "ready" }.into(),
                    printed_at: None,
                });
            }
            let ids = outbox::store::enqueue_batch(c, &msgs, mail_domain, t).map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    DomainError::refused(
                        "queued",
                        "a recipient is already queued for this incident",
                    )
                } else {
                    e.into()
                }
            })?;
            let mut ids = ids.into_iter();
            for row in rows.iter_mut().filter(|r| r.channel == "email") {
                row.outbox_id = ids.next();
            }
            store::insert_messages(c, &rows)?;
            done_n += chunk.len();
            progress(done_n, total);
        }
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::NoticeCampaignStarted,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "campaign_id": campaign_id, "draft_id": d.id, "content_sha256": rendered.sha256,
                    "emails": emails, "letters": letters_n, "per_minute": input.per_minute,
                })),
            }],
            t,
        )?;
        Ok(Started {
            campaign_id,
            emails,
            letters: letters_n,
        })
    })
}

/// A recipient as the templates see them, straight to JSON (as `RecipientCtx` serialises).
fn recipient_value(r: &RecipientRow, default_salutation: &str) -> DomainResult<serde_json::Value> {
    let extra: serde_json::Value = serde_json::from_str(&r.extra_json)
        .map_err(|e| DomainError::Internal(format!("stored recipient extra: {e}")))?;
    let map: BTreeMap<String, String> = serde_json::from_value(extra.clone()).unwrap_or_default();
    Ok(serde_json::json!({
        "name": r.name,
        "email": r.email.as_deref().unwrap_or(""),
        "postal_address": r.postal_address.as_deref().unwrap_or(""),
        "salutation": Some(letters::salutation_of(&map))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_salutation.to_string()),
        "extra": extra,
    }))
}

fn recipient_error(r: &RecipientRow, e: super::render::TemplateError) -> DomainError {
    DomainError::Invalid(vec![FieldProblem::new(
        "template",
        format!(
            "{} (recipient on line {}): {}",
            e.template, r.line_no, e.message
        ),
        format!(
            "Het sjabloon {} klopt niet (ontvanger op regel {}): {}",
            e.template, r.line_no, e.message
        ),
    )])
}

/// Counts, rate and time left.
pub fn progress(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> DomainResult<Progress> {
    let inc = visible(c, staff, incident_id, false)?;
    let camp = store::campaign(c, &inc.id, id)?.ok_or(DomainError::NotFound)?;
    progress_of(c, &camp)
}

pub fn progress_of(c: &mut DbConn, camp: &CampaignRow) -> DomainResult<Progress> {
    let counts: BTreeMap<String, i64> = store::email_counts(c, &camp.id)?.into_iter().collect();
    let letters: BTreeMap<String, i64> = store::letter_counts(c, &camp.id)?.into_iter().collect();
    let get = |m: &BTreeMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0);
    let gate = crate::outbox::store::gate(c, &outbox_kind(&camp.id))?;
    let t = now();
    let window = chrono::Duration::seconds(60);
    let recent = store::sent_since(c, &camp.id, to_db(t - window))?;
    let (queued, sending, sent, failed) = (
        get(&counts, "queued"),
        get(&counts, "sending"),
        get(&counts, "sent"),
        get(&counts, "failed"),
    );
    let left = queued + sending;
    let rate = recent as f64;
    Ok(Progress {
        id: camp.id.clone(),
        draft_id: camp.draft_id.clone(),
        content_sha256: camp.content_sha256.clone(),
        created_at: from_db(camp.created_at),
        paused: gate.as_ref().map(|g| g.paused).unwrap_or(false),
        // A finished campaign's gate is removed by the outbox: its rate is then the campaign's own.
        per_minute: match &gate {
            Some(g) => g.per_minute,
            None => camp.per_minute,
        },
        emails: camp.emails,
        queued,
        sending,
        sent,
        failed,
        letters: camp.letters,
        letters_ready: get(&letters, "ready"),
        letters_printed: get(&letters, "printed"),
        rate_per_minute: rate,
        eta_seconds: (rate > 0.0 && left > 0).then(|| left as f64 / rate * 60.0),
        done: left == 0,
    })
}

/// Pause or resume a campaign (and optionally change its rate).
pub fn control(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    paused: bool,
    per_minute: Option<Option<i32>>,
) -> DomainResult<Progress> {
    if let Some(Some(p)) = per_minute {
        if !(1..=1_000_000).contains(&p) {
            return Err(DomainError::field(
                "per_minute",
                "between 1 and 1000000",
                "Vul een aantal tussen 1 en 1.000.000 in",
            ));
        }
    }
    write_tx(c, |c| -> DomainResult<Progress> {
        let inc = visible(c, staff, incident_id, true)?;
        let camp = store::campaign(c, &inc.id, id)?.ok_or(DomainError::NotFound)?;
        let kind = outbox_kind(&camp.id);
        let g = crate::outbox::store::gate(c, &kind)?;
        let before_rate = g.as_ref().map_or(camp.per_minute, |g| g.per_minute);
        let rate = per_minute.unwrap_or(before_rate);
        crate::outbox::store::set_gate(c, &kind, paused, rate, now())?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: if paused {
                    Action::NoticeCampaignPaused
                } else {
                    Action::NoticeCampaignResumed
                },
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(
                    serde_json::json!({"campaign_id": camp.id, "paused": g.as_ref().map(|g| g.paused), "per_minute": before_rate}),
                ),
                after: Some(
                    serde_json::json!({"campaign_id": camp.id, "paused": paused, "per_minute": rate}),
                ),
            }],
            now(),
        )?;
        progress_of(c, &camp)
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageStatus {
    pub recipient_id: String,
    pub line: i64,
    pub name: String,
    pub channel: String,
    /// queued, sent, failed (e-mail); ready, printed (letter).
    pub status: String,
    pub smtp_response: Option<String>,
    pub message_id: Option<String>,
    pub error: Option<String>,
    pub attempts: Option<i32>,
    /// When the mail server accepted the e-mail.
    pub sent_at: Option<DateTime<Utc>>,
    pub printed_at: Option<DateTime<Utc>>,
}

/// How many messages campaign `id` has (the total of [`messages`]).
pub fn message_total(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> DomainResult<i64> {
    let inc = visible(c, staff, incident_id, false)?;
    let camp = store::campaign(c, &inc.id, id)?.ok_or(DomainError::NotFound)?;
    Ok(store::message_count(c, &camp.id)?)
}

/// A page of campaign `id`'s messages (the page checked against the list's bounds by the caller:
/// `http::paging`).
pub fn messages(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    offset: i64,
    limit: i64,
) -> DomainResult<Vec<MessageStatus>> {
    let inc = visible(c, staff, incident_id, false)?;
    let camp = store::campaign(c, &inc.id, id)?.ok_or(DomainError::NotFound)?;
    let rows = store::message_page(c, &camp.id, offset, limit)?;
    Ok(rows
        .into_iter()
        .map(|(m, r, o)| {
            let (status, resp, err, mid, attempts, sent_at) = match o {
                Some((st, resp, err, mid, att, sent_at)) => {
                    let st = match st.as_str() {
                        "sending" => "queued".to_string(),
                        other => other.to_string(),
                    };
                    let sent = st == "sent";
                    (
                        st,
                        resp,
                        err,
                        sent.then_some(mid),
                        Some(att),
                        sent_at.filter(|_| sent).map(from_db),
                    )
                }
                None => (m.status.clone(), None, None, None, None, None),
            };
            MessageStatus {
                recipient_id: r.id,
                line: r.line_no,
                name: r.name,
                channel: m.channel,
                status,
                smtp_response: resp,
                message_id: mid,
                error: err,
                attempts,
                sent_at,
                printed_at: m.printed_at.map(from_db),
            }
        })
        .collect())
}

/// The campaign's status export's Dutch headings and widths.
pub const STATUS_XLSX_COLUMNS: [(&str, f64); 9] = [
    ("Regel", 8.0),
    ("Naam", 30.0),
    ("Kanaal", 10.0),
    ("Status", 22.0),
    ("Verstuurd op", 17.0),
    ("Afgedrukt op", 17.0),
    ("Pogingen", 9.0),
    ("Antwoord van de mailserver", 36.0),
    ("Fout", 36.0),
];

/// A message's status in Dutch words.
pub fn status_nl(status: &str) -> &str {
    match status {
        "queued" => "in de wachtrij",
        "sent" => "verstuurd",
        "failed" => "mislukt",
        "ready" => "klaar om af te drukken",
        "printed" => "afgedrukt",
        "cancelled" => "geannuleerd",
        other => other,
    }
}

fn channel_nl(channel: &str) -> &str {
    match channel {
        "email" => "e-mail",
        "letter" => "brief",
        other => other,
    }
}

/// Every recipient's status in a campaign as an Excel workbook (Dutch headings and values, dates
/// as dates, filters on), in list order.
pub fn messages_xlsx(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> DomainResult<Vec<u8>> {
    use crate::tabular::Cell;
    const PAGE: i64 = 1000;
    let mut rows = vec![];
    loop {
        let page = messages(c, staff, incident_id, id, rows.len() as i64, PAGE)?;
        let n = page.len();
        rows.extend(page.into_iter().map(|m| {
            vec![
                Cell::Number(m.line as f64),
                Cell::from(m.name),
                Cell::from(channel_nl(&m.channel)),
                Cell::from(status_nl(&m.status)),
                Cell::from(m.sent_at),
                Cell::from(m.printed_at),
                m.attempts
                    .map(|a| Cell::Number(a as f64))
                    .unwrap_or(Cell::Empty),
                Cell::from(m.smtp_response.unwrap_or_default()),
                Cell::from(m.error.unwrap_or_default()),
            ]
        }));
        if (n as i64) < PAGE {
            break;
        }
    }
    crate::tabular::xlsx(&crate::tabular::Sheet {
        name: "Verzendstatus",
        columns: &STATUS_XLSX_COLUMNS,
        rows,
    })
    .map_err(|e| DomainError::Internal(format!("xlsx: {e}")))
}

/// One print-ready letter (HTML with an A4 print stylesheet) per recipient, and the CSV index for
/// the post room. The sign-off is checked again first.
pub struct LetterFile {
    pub file_name: String,
    pub recipient_id: String,
    pub html: String,
}

/// A campaign's letters, checked against the sign-off, ready to be rendered one at a time: no
/// transaction stays open and no more than one letter is in memory while 100,000 are written.
pub struct Letters {
    templates: super::render::OrgTemplates,
    commons: [letters::Common; 2],
    /// The draft has every English text: English recipients get English letters.
    english: bool,
    rows: Vec<(MessageRow, RecipientRow)>,
    pub reference: String,
    pub organisation: String,
}

/// The CSV index's header; `pdf_pages` is the letter's page range in the merged PDF.
pub const LETTERS_INDEX_HEADER: &str =
    "file,line,name,postal_address,language,status,pdf_pages\r\n";

impl Letters {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn recipient(&self, i: usize) -> &RecipientRow {
        &self.rows[i].1
    }

    pub fn position(&self, recipient_id: &str) -> Option<usize> {
        self.rows.iter().position(|(_, r)| r.id == recipient_id)
    }

    /// The one language letter `i` is in: the recipient's when the draft has it complete.
    pub fn language(&self, i: usize) -> &'static str {
        if self.rows[i].1.language == "en" && self.english {
            "en"
        } else {
            "nl"
        }
    }

    /// Letter `i` rendered with the signed-off template.
    pub fn render(&self, i: usize) -> DomainResult<LetterFile> {
        let (_, rec) = &self.rows[i];
        let lang = self.language(i);
        let common = if lang == "en" {
            &self.commons[1]
        } else {
            &self.commons[0]
        };
        let rc = recipient_ctx(rec, &common.salutation)?;
        let html = self
            .templates
            .render(
                &format!("letter.{lang}"),
                &LetterCtx {
                    common,
                    recipient: &rc,
                },
            )
            .map_err(|e| recipient_error(rec, e))?;
        Ok(LetterFile {
            file_name: format!("letter-{:06}-line{}.html", i + 1, rec.line_no),
            recipient_id: rec.id.clone(),
            html,
        })
    }

    /// Letter `i`'s row in the CSV index, with its pages (first, last) in the merged PDF. Written by
    /// the `csv` crate; a name or address a spreadsheet would run as a formula stays text.
    pub fn index_row(&self, i: usize, file_name: &str, pages: (usize, usize)) -> String {
        let (m, rec) = &self.rows[i];
        let mut w = crate::tabular::csv_writer();
        crate::tabular::write_safe(
            &mut w,
            [
                file_name,
                &rec.line_no.to_string(),
                &rec.name,
                rec.postal_address.as_deref().unwrap_or(""),
                &rec.language,
                &m.status,
                &format!("{}-{}", pages.0, pages.1),
            ],
        );
        crate::tabular::csv_text(w)
    }
}

/// Check the campaign's sign-off and load its letters (see [`Letters`]).
pub fn prepare_letters(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> DomainResult<Letters> {
    let inc = visible(c, staff, incident_id, false)?;
    let camp = store::campaign(c, &inc.id, id)?.ok_or(DomainError::NotFound)?;
    service::settle(c, ctx, staff, incident_id, &camp.draft_id, None)?;
    write_tx(c, |c| -> DomainResult<Letters> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut d = store::draft(c, &inc.id, &camp.draft_id)?.ok_or(DomainError::NotFound)?;
        let r = service::require_valid_approval(c, ctx, staff.actor(), &inc, &mut d, now())?;
        if r.sha256 != camp.content_sha256 {
            return Err(DomainError::refused(
                "campaign_content",
                "the signed-off content differs from the campaign's: start a new campaign",
            ));
        }
        let input_d: super::ap::DraftInput = serde_json::from_str(&d.input_json)
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let (slug, org, _) = org_part(c, &inc.organisation_id)?;
        let facts = match crate::assessment::store::latest_facts(c, &inc.id)? {
            Some(r) => Some(
                serde_json::from_str::<crate::assessment::facts::Facts>(&r.facts_json)
                    .map_err(|e| DomainError::Internal(e.to_string()))?,
            ),
            None => None,
        };
        let templates =
            NoticeTemplates::for_org(ctx.template_dir.as_deref(), &slug).map_err(template_error)?;
        let day = letter_day(camp.created_at);
        let commons = [
            letters::common("nl", &org, &inc.reference, facts.as_ref(), &input_d).dated("nl", day),
            letters::common("en", &org, &inc.reference, facts.as_ref(), &input_d).dated("en", day),
        ];
        Ok(Letters {
            templates,
            commons,
            english: letters::english_complete(&input_d),
            rows: store::letters(c, &camp.id)?,
            reference: inc.reference.clone(),
            organisation: org.name.clone(),
        })
    })
}

pub fn letters_output(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> DomainResult<(Vec<LetterFile>, String)> {
    let l = prepare_letters(c, ctx, staff, incident_id, id)?;
    let mut files = vec![];
    let mut index = String::from(LETTERS_INDEX_HEADER);
    let mut page = 0;
    for i in 0..l.len() {
        let f = l.render(i)?;
        // Where the letter lands in the merged PDF (letters.pdf): laid out the same way.
        let n = letters::letter_pages(&f.html);
        index.push_str(&l.index_row(i, &f.file_name, (page + 1, page + n)));
        page += n;
        files.push(f);
    }
    Ok((files, index))
}

/// One recipient's letter, rendered alone (not the whole campaign to serve one).
pub fn one_letter(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    recipient_id: &str,
) -> DomainResult<LetterFile> {
    let l = prepare_letters(c, ctx, staff, incident_id, id)?;
    let i = l.position(recipient_id).ok_or(DomainError::NotFound)?;
    l.render(i)
}

/// The post room printed the letters: they are marked printed (audited with the count).
pub fn mark_printed(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> DomainResult<usize> {
    write_tx(c, |c| -> DomainResult<usize> {
        let inc = visible(c, staff, incident_id, true)?;
        let camp = store::campaign(c, &inc.id, id)?.ok_or(DomainError::NotFound)?;
        let t = now();
        let n = store::mark_letters_printed(c, &camp.id, to_db(t))?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::NoticeLettersPrinted,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({"campaign_id": camp.id, "printed": n})),
            }],
            t,
        )?;
        Ok(n)
    })
}

/// The letters' date: the day (in the Netherlands) a campaign started.
pub fn letter_day(started: chrono::NaiveDateTime) -> chrono::NaiveDate {
    started
        .and_utc()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}
