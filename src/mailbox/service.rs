//! Taking in one raw message: parse, classify, thread, store — all in one write transaction, so a
//! message is either stored with everything that follows from it, or not at all.
//!
//! - The raw bytes are always kept (`mail_messages.raw`), also for a quarantined message.
//! - The same Message-ID with the same content (SHA-256) in the same organisation is a duplicate
//!   and changes nothing. The same Message-ID with different content is a new message, flagged
//!   `id_collision`, and never overwrites the other.
//! - A message without Message-ID gets `sha256:<hash>` as its key, so the same bytes twice are
//!   still stored once.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::result::Error as DieselError;
use diesel::Connection;

use super::parse::{self, Kind, Limits, ParsedMail};
use super::store::{self, NewMail};
use crate::assessment::detect;
use crate::audit::{self, Actor, Entry};
use crate::db::{is_unique_violation, new_id, to_db, write_tx, DbConn};
use crate::input::EmailAddress;
use crate::privacy::mask_email;
use crate::reports::model::{Acknowledge, Bytes, InMail, NewAttachment, NewReport};

/// How intake's `reason` starts for a message whose attachments clamd could not scan
/// (written here); the rescan (`mailbox::rescan`) finds them by it.
pub const NOT_SCANNED: &str = "attachments not scanned for viruses";

/// Where a message comes from and what to do with it.
#[derive(Debug, Clone)]
pub struct Context {
    pub organisation_id: Option<String>,
    /// `upload`, `cli`, `maildir:<path>`, `imap:<name>`.
    pub source: String,
    pub own_addresses: Vec<String>,
    pub limits: Limits,
    /// Send an acknowledgement to the sender of a new report.
    pub acknowledge: Option<Acknowledge>,
    /// Tell the organisation's handlers of a new report (see `signals`).
    pub signal: Option<crate::signals::Links>,
    pub max_description: usize,
    /// clamd to scan attachments with (`mailbox.clamd_socket`); none: not scanned.
    pub clamd: Option<super::clamav::Target>,
}

impl Context {
    pub fn from_settings(
        s: &crate::config::Settings,
        organisation_id: Option<String>,
        source: &str,
    ) -> Context {
        let m = &s.mailbox;
        let mut own: Vec<String> = m
            .own_addresses
            .split(',')
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
        if let Some(a) = address_of(&s.mail.from) {
            own.push(a);
        }
        Context {
            organisation_id,
            source: source.to_string(),
            own_addresses: own,
            limits: limits(s),
            acknowledge: m.acknowledge.then(|| Acknowledge {
                public_url: s.public_url_or(&s.server.bind),
                mail_domain: s.mail_domain(),
                limits: s.limits.ack_limits(),
                thread: Default::default(),
            }),
            signal: Some(crate::signals::Links {
                public_url: s.public_url_or(&s.server.bind),
                mail_domain: s.mail_domain(),
            }),
            max_description: s.limits.description_chars,
            clamd: super::clamav::Target::parse(&m.clamd_socket),
        }
    }
}

/// The parser's limits from `[mailbox]`.
pub fn limits(s: &crate::config::Settings) -> Limits {
    let m = &s.mailbox;
    Limits {
        max_bytes: m.max_message_bytes,
        max_parts: m.max_parts,
        max_depth: m.max_depth,
        max_attachment_bytes: m.max_attachment_bytes,
    }
}

/// `Name <a@b>` or `a@b` → `a@b`, lower case.
pub fn address_of(from: &str) -> Option<String> {
    let a = match (from.rfind('<'), from.rfind('>')) {
        (Some(s), Some(e)) if e > s => &from[s + 1..e],
        _ => from,
    };
    let a = a.trim().to_lowercase();
    EmailAddress::parse(&a).ok().map(|_| a)
}

/// What became of a message: one line each for the command line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Report {
        reference: String,
        acknowledged: bool,
        id_collision: bool,
    },
    JoinedReport {
        reference: String,
    },
    JoinedIncident {
        reference: String,
    },
    AutoReply {
        reason: String,
    },
    Bounce {
        outbox_id: Option<String>,
        reason: String,
    },
    Own,
    Duplicate,
    Quarantined {
        reason: String,
    },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Report {
                reference,
                acknowledged,
                id_collision,
            } => {
                write!(f, "new report {reference}")?;
                if *acknowledged {
                    write!(f, " (acknowledgement queued)")?;
                }
                if *id_collision {
                    write!(
                        f,
                        " [flagged: Message-ID used before by a different message]"
                    )?;
                }
                Ok(())
            }
            Outcome::JoinedReport { reference } => write!(f, "joined report {reference}"),
            Outcome::JoinedIncident { reference } => write!(f, "joined incident {reference}"),
            Outcome::AutoReply { reason } => write!(f, "auto-reply ignored ({reason})"),
            Outcome::Bounce {
                outbox_id: Some(id),
                reason,
            } => write!(f, "bounce: outbox {id} marked failed ({reason})"),
            Outcome::Bounce {
                outbox_id: None,
                reason,
            } => write!(
                f,
                "bounce of a message we did not send (kept, nothing to mark): {reason}"
            ),
            Outcome::Own => write!(f, "mail from our own address ignored"),
            Outcome::Duplicate => write!(f, "duplicate (already stored)"),
            Outcome::Quarantined { reason } => write!(f, "quarantined: {reason}"),
        }
    }
}

#[derive(Debug)]
pub struct Ingested {
    pub outcome: Outcome,
    /// The stored row (none for a duplicate).
    pub mail_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("database: {0}")]
    Db(#[from] DieselError),
    #[error("{0}")]
    Other(String),
}

/// A message read and judged before the transaction: parsing, hashing and detection take no
/// database lock.
struct Prepared<'a> {
    raw: &'a [u8],
    hash: String,
    parsed: Result<ParsedMail, parse::Refusal>,
    message_id: String,
    /// Personal data found in the text (once, for the report's data kinds and the details).
    found: Vec<detect::Match>,
    /// Virus scan per attachment (by index); empty when no scanner is configured.
    scans: Vec<Option<Scan>>,
}

/// What the virus scanner said of one attachment we would keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    Clean,
    Infected(String),
    /// clamd could not be asked; the attachment is kept and marked.
    NotScanned(String),
}

/// Scan every attachment we would keep (checked type) with clamd, before any database lock.
pub fn scan_attachments(m: &ParsedMail, ctx: &Context) -> Vec<Option<Scan>> {
    let Some(target) = &ctx.clamd else {
        return vec![];
    };
    let mut unreachable: Option<String> = None;
    m.attachments
        .iter()
        .map(|a| {
            a.content_type?;
            // clamd down: do not wait for the timeout once per attachment.
            if let Some(e) = &unreachable {
                return Some(Scan::NotScanned(e.clone()));
            }
            Some(
                match super::clamav::scan(target, &a.data, super::clamav::TIMEOUT) {
                    Ok(super::clamav::Verdict::Clean) => Scan::Clean,
                    Ok(super::clamav::Verdict::Infected(sig)) => {
                        tracing::warn!(signature = %sig, "mailbox: infected attachment quarantined");
                        Scan::Infected(sig)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "mailbox: attachment not scanned");
                        unreachable = Some(e.clone());
                        Scan::NotScanned(e)
                    }
                },
            )
        })
        .collect()
}

fn prepare<'a>(raw: &'a [u8], ctx: &Context) -> Prepared<'a> {
    let hash = parse::sha256_hex(raw);
    let parsed = parse::parse(raw, &ctx.limits);
    let message_id = parsed
        .as_ref()
        .ok()
        .and_then(|m| m.message_id.clone())
        .unwrap_or_else(|| format!("sha256:{hash}"));
    let found = parsed
        .as_ref()
        .map(|m| detect::find(&m.text))
        .unwrap_or_default();
    let scans = parsed
        .as_ref()
        .map(|m| scan_attachments(m, ctx))
        .unwrap_or_default();
    Prepared {
        raw,
        hash,
        parsed,
        message_id,
        found,
        scans,
    }
}

/// What the report says of an attachment ClamAV found infected (at intake or at a rescan).
pub(crate) fn infected_note(signature: &str) -> String {
    format!("besmet met een virus volgens ClamAV ({signature}); in quarantaine, niet te downloaden")
}

/// Log the new reports of a committed batch (never before the commit: a batch that is rolled
/// back and taken again would otherwise be logged twice).
fn log_new_reports<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) {
    for o in outcomes {
        if let Outcome::Report { reference, .. } = o {
            tracing::info!(reference = %reference, "mailbox: new report");
        }
    }
}

/// Take in one raw message (a batch of one: see [`ingest_batch`]). A message that cannot be
/// stored is an error here; [`ingest_or_quarantine`] quarantines it instead.
pub fn ingest(conn: &mut DbConn, raw: &[u8], ctx: &Context) -> Result<Ingested, IngestError> {
    let p = prepare(raw, ctx);
    let res = write_tx(conn, |c| -> Result<Ingested, IngestError> {
        let mut audit = vec![];
        let i = ingest_prepared(c, &p, ctx, &mut audit)?;
        audit::store::append(c, &audit, crate::db::now())?;
        Ok(i)
    });
    match res {
        // A concurrent worker stored the same message first.
        Err(IngestError::Db(e)) if is_unique_violation(&e) => Ok(Ingested {
            outcome: Outcome::Duplicate,
            mail_id: None,
        }),
        Ok(i) => {
            log_new_reports([&i.outcome]);
            Ok(i)
        }
        other => other,
    }
}

/// Take in a batch of messages (one IMAP or Maildir poll, one command-line run) in ONE write
/// transaction, each message in a savepoint of its own: a message that fails to store rolls back
/// only itself and is kept raw in the quarantine with the reason, the others are kept. The
/// result per message is `Err` only when not even the quarantine could hold it. The whole batch
/// is durable when this returns `Ok`; callers mark messages processed (IMAP move, Maildir `S`)
/// only after that. `Err` (database unreachable, commit failed): nothing of the batch is stored.
pub fn ingest_batch(
    conn: &mut DbConn,
    raws: &[&[u8]],
    ctx: &Context,
) -> Result<Vec<Result<Ingested, String>>, IngestError> {
    let prepared: Vec<Prepared> = raws.iter().map(|r| prepare(r, ctx)).collect();
    // Fast path: the whole batch in one transaction with no savepoint per message. A savepoint
    // costs two statements and makes SQLite copy every page a message touches into a sub-journal;
    // in `cargo bench --bench mail_intake` that was a quarter of the storage time. Any error rolls
    // the whole batch back (nothing of it is kept, nothing was marked processed) and the batch is
    // taken again below, each message in its own savepoint, so one bad message costs only itself.
    if prepared.len() > 1 {
        let fast = write_tx(
            conn,
            |c| -> Result<Vec<Result<Ingested, String>>, IngestError> {
                let mut audit = vec![];
                let mut out = Vec::with_capacity(prepared.len());
                for p in &prepared {
                    out.push(Ok(ingest_prepared(c, p, ctx, &mut audit)?));
                }
                audit::store::append(c, &audit, crate::db::now())?;
                Ok(out)
            },
        );
        match fast {
            Ok(out) => {
                log_new_reports(out.iter().flatten().map(|i| &i.outcome));
                return Ok(out);
            }
            Err(e) => {
                tracing::debug!(error = %e, "mailbox: batch taken again, one savepoint per message")
            }
        }
    }
    write_tx(conn, |c| {
        let mut audit = vec![];
        let mut out = Vec::with_capacity(prepared.len());
        for p in &prepared {
            let mut mine = vec![];
            // A nested transaction is a SAVEPOINT: an error rolls back this message only.
            let r = c.transaction(|c| ingest_prepared(c, p, ctx, &mut mine));
            out.push(match r {
                Ok(i) => {
                    audit.append(&mut mine);
                    Ok(i)
                }
                Err(IngestError::Db(e)) if is_unique_violation(&e) => Ok(Ingested {
                    outcome: Outcome::Duplicate,
                    mail_id: None,
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "mailbox: storing a message failed; quarantining it");
                    let reason = format!("could not be stored: {e}");
                    match c.transaction(|c| quarantine_row(c, p.raw, ctx, &reason)) {
                        Ok(i) => Ok(i),
                        Err(e) if is_unique_violation(&e) => Ok(Ingested {
                            outcome: Outcome::Duplicate,
                            mail_id: None,
                        }),
                        Err(e) => Err(format!("not stored: {e}")),
                    }
                }
            });
        }
        // One look at the chain head for the whole batch.
        audit::store::append(c, &audit, crate::db::now())?;
        Ok(out)
    })
    .inspect(|out| log_new_reports(out.iter().flatten().map(|i| &i.outcome)))
}

fn ingest_prepared(
    c: &mut DbConn,
    p: &Prepared,
    ctx: &Context,
    audit: &mut Vec<Entry>,
) -> Result<Ingested, IngestError> {
    let scope = ctx.organisation_id.clone().unwrap_or_default();
    let known = store::hashes_for(c, &scope, &p.message_id)?;
    if known.contains(&p.hash) {
        return Ok(Ingested {
            outcome: Outcome::Duplicate,
            mail_id: None,
        });
    }
    let collision = !known.is_empty();
    let mut row = NewMail {
        id: new_id(),
        scope,
        organisation_id: ctx.organisation_id.clone(),
        source: ctx.source.chars().take(200).collect(),
        message_id: p.message_id.clone(),
        content_sha256: p.hash.clone(),
        outcome: String::new(),
        reason: None,
        id_collision: collision,
        from_addr: None,
        subject: None,
        sent_at: None,
        report_id: None,
        incident_id: None,
        outbox_id: None,
        details_json: "{}".into(),
        size_bytes: p.raw.len() as i64,
        raw: p.raw,
        received_at: store::now_db(),
    };
    let outcome = match &p.parsed {
        Err(refusal) => {
            row.outcome = "quarantined".into();
            row.reason = Some(refusal.0.clone());
            Outcome::Quarantined {
                reason: refusal.0.clone(),
            }
        }
        Ok(m) => {
            row.from_addr = m.from.as_ref().and_then(|p| p.address.clone());
            row.subject = Some(m.subject.chars().take(500).collect());
            row.sent_at = m.date.map(to_db);
            row.details_json = details(m, &p.found, &p.scans);
            if let Some(Scan::NotScanned(e)) = p
                .scans
                .iter()
                .flatten()
                .find(|s| matches!(s, Scan::NotScanned(_)))
            {
                row.reason = Some(format!("{}: {e}", NOT_SCANNED));
            }
            handle(c, m, p, ctx, &mut row, audit)?
        }
    };
    store::insert(c, &row)?;
    Ok(Ingested {
        outcome,
        mail_id: Some(row.id),
    })
}

fn quarantine_row(
    c: &mut DbConn,
    raw: &[u8],
    ctx: &Context,
    reason: &str,
) -> Result<Ingested, DieselError> {
    let hash = parse::sha256_hex(raw);
    let scope = ctx.organisation_id.clone().unwrap_or_default();
    let row = NewMail {
        id: new_id(),
        scope,
        organisation_id: ctx.organisation_id.clone(),
        source: ctx.source.chars().take(200).collect(),
        message_id: format!("error:{hash}"),
        content_sha256: hash,
        outcome: "quarantined".into(),
        reason: Some(reason.chars().take(1000).collect()),
        id_collision: false,
        from_addr: None,
        subject: None,
        sent_at: None,
        report_id: None,
        incident_id: None,
        outbox_id: None,
        details_json: "{}".into(),
        size_bytes: raw.len() as i64,
        raw,
        received_at: store::now_db(),
    };
    store::insert(c, &row)?;
    Ok(Ingested {
        outcome: Outcome::Quarantined {
            reason: reason.to_string(),
        },
        mail_id: Some(row.id),
    })
}

/// Take in a message that failed to store (e.g. a database constraint tripped by its content):
/// keep it raw in the quarantine with the reason, so nothing is lost and the next one goes on.
pub fn quarantine_after_error(
    conn: &mut DbConn,
    raw: &[u8],
    ctx: &Context,
    reason: &str,
) -> Result<Ingested, IngestError> {
    match write_tx(conn, |c| quarantine_row(c, raw, ctx, reason)) {
        Ok(i) => Ok(i),
        Err(e) if is_unique_violation(&e) => Ok(Ingested {
            outcome: Outcome::Duplicate,
            mail_id: None,
        }),
        Err(e) => Err(e.into()),
    }
}

/// `ingest`, and when storing fails for any reason but the database being unreachable, the
/// quarantine with the reason. Workers call this so one bad message never blocks the next.
pub fn ingest_or_quarantine(
    conn: &mut DbConn,
    raw: &[u8],
    ctx: &Context,
) -> Result<Ingested, IngestError> {
    match ingest_batch(conn, &[raw], ctx)?.pop() {
        Some(Ok(i)) => Ok(i),
        Some(Err(e)) => Err(IngestError::Other(e)),
        None => Err(IngestError::Other("nothing taken in".into())),
    }
}

fn scan_json(s: Option<&Option<Scan>>) -> (Option<&'static str>, Option<String>) {
    match s {
        Some(Some(Scan::Clean)) => (Some("clean"), None),
        Some(Some(Scan::Infected(sig))) => (Some("infected"), Some(sig.clone())),
        Some(Some(Scan::NotScanned(e))) => (Some("not_scanned"), Some(e.clone())),
        _ => (None, None),
    }
}

/// One attachment in a message's details. The fields of this and of [`Details`] are in
/// alphabetical order, the order the stored JSON had when it was built as a `serde_json::Value`.
#[derive(serde::Serialize)]
struct AttachmentDetails<'a> {
    content_type: Option<&'static str>,
    declared_type: &'a str,
    filename: &'a str,
    forwarded: bool,
    inline: bool,
    refused: &'a Option<String>,
    scan: Option<&'static str>,
    scan_error: Option<String>,
    sha256: &'a str,
    signature: Option<String>,
    size: usize,
}

/// What the mailbox page shows of a message, stored as `details_json`; serialised straight from
/// the parsed message rather than through a `serde_json::Value` tree.
#[derive(serde::Serialize)]
struct Details<'a> {
    attachments: Vec<AttachmentDetails<'a>>,
    auto_reply: &'a Option<String>,
    date: &'a Option<DateTime<Utc>>,
    depth: usize,
    dsn: &'a Option<parse::Dsn>,
    forwarded: &'a [parse::Forwarded],
    from: &'a Option<parse::Person>,
    in_reply_to: &'a [String],
    parts: usize,
    proposed_categories: Vec<String>,
    references: &'a [String],
    reply_to: &'a Option<parse::Person>,
    to: &'a [parse::Person],
}

fn details(m: &ParsedMail, found: &[detect::Match], scans: &[Option<Scan>]) -> String {
    let proposed_categories: Vec<String> = detect::propose_categories(found)
        .iter()
        .map(|c| format!("{c:?}").to_lowercase())
        .collect();
    let attachments = m
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (scan, detail) = scan_json(scans.get(i));
            AttachmentDetails {
                signature: if scan == Some("infected") {
                    detail.clone()
                } else {
                    None
                },
                scan_error: if scan == Some("not_scanned") {
                    detail
                } else {
                    None
                },
                scan,
                filename: &a.filename,
                declared_type: &a.declared_type,
                content_type: a.content_type,
                size: a.size,
                sha256: &a.sha256,
                inline: a.inline,
                forwarded: a.forwarded,
                refused: &a.refused,
            }
        })
        .collect();
    let d = Details {
        attachments,
        auto_reply: &m.auto_reply,
        date: &m.date,
        depth: m.depth,
        dsn: &m.dsn,
        forwarded: &m.forwarded,
        from: &m.from,
        in_reply_to: &m.in_reply_to,
        parts: m.parts,
        proposed_categories,
        references: &m.references,
        reply_to: &m.reply_to,
        to: &m.to,
    };
    serde_json::to_string(&d).unwrap_or_else(|_| "{}".into())
}

fn fmt_date(d: &Option<DateTime<Utc>>) -> String {
    d.map(|d| {
        d.with_timezone(&chrono_tz::Europe::Amsterdam)
            .format("%d-%m-%Y %H:%M")
            .to_string()
    })
    .unwrap_or_else(|| "onbekend".into())
}

/// The report's text: the mail's subject and text, then each forwarded message with its own
/// sender, recipients and date, as evidence.
pub fn description(m: &ParsedMail, max_chars: usize) -> String {
    description_scanned(m, max_chars, &[])
}

/// [`description`], saying which attachments were withheld as infected (with the signature) and
/// which could not be scanned.
pub fn description_scanned(m: &ParsedMail, max_chars: usize, scans: &[Option<Scan>]) -> String {
    let mut d = String::new();
    if !m.subject.is_empty() {
        d.push_str(&format!("Onderwerp: {}\n", m.subject));
    }
    if let Some(f) = &m.from {
        d.push_str(&format!("Van: {}\n", f.display()));
    }
    d.push_str(&format!("Datum: {}\n\n", fmt_date(&m.date)));
    d.push_str(if m.text.is_empty() {
        "(geen tekst)"
    } else {
        &m.text
    });
    for f in &m.forwarded {
        d.push_str("\n\n--- Doorgestuurd bericht (bewijs) ---\n");
        if let Some(p) = &f.from {
            d.push_str(&format!("Van: {}\n", p.display()));
        }
        let to: Vec<String> = f.to.iter().map(|p| p.display()).collect();
        if !to.is_empty() {
            d.push_str(&format!("Aan: {}\n", to.join(", ")));
        }
        let cc: Vec<String> = f.cc.iter().map(|p| p.display()).collect();
        if !cc.is_empty() {
            d.push_str(&format!("Cc: {}\n", cc.join(", ")));
        }
        d.push_str(&format!("Datum: {}\n", fmt_date(&f.date)));
        if let Some(s) = &f.subject {
            d.push_str(&format!("Onderwerp: {s}\n"));
        }
        d.push('\n');
        d.push_str(&f.text);
    }
    let refused: Vec<String> = m
        .attachments
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let why = match scans.get(i) {
                Some(Some(Scan::Infected(sig))) => Some(infected_note(sig)),
                _ => a.refused.clone(),
            };
            why.map(|r| {
                format!(
                    "{} ({}, {} bytes): {r}",
                    a.filename, a.declared_type, a.size
                )
            })
        })
        .collect();
    if !refused.is_empty() {
        d.push_str("\n\nNiet overgenomen bijlagen (staan in de bewaarde e-mail):\n");
        d.push_str(&refused.join("\n"));
    }
    let unscanned: Vec<&str> = m
        .attachments
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(scans.get(*i), Some(Some(Scan::NotScanned(_)))))
        .map(|(_, a)| a.filename.as_str())
        .collect();
    if !unscanned.is_empty() {
        d.push_str(&format!(
            "\n\nLet op: niet op virussen gescand (virusscanner niet bereikbaar): {}",
            unscanned.join(", ")
        ));
    }
    // Whatever a header carried: no control characters but newlines and tabs in stored text.
    let mut d = parse::clean(&d);
    if d.chars().count() > max_chars {
        let note = "\n[ingekort; de volledige tekst staat in de bewaarde e-mail]";
        let keep = max_chars.saturating_sub(note.chars().count());
        d = d.chars().take(keep).collect::<String>() + note;
    }
    d
}

fn data_kinds(found: &[detect::Match]) -> Vec<String> {
    let mut v: Vec<String> = found
        .iter()
        .filter_map(|m| match m.kind {
            detect::DetectedKind::Bsn => Some("bsn"),
            detect::DetectedKind::Iban => Some("financial"),
            detect::DetectedKind::DateOfBirth => Some("date_of_birth"),
            // Phone numbers and addresses are in every signature: not proposed from mail.
            _ => None,
        })
        .map(String::from)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The attachments to keep with the report: a checked type, and not infected. Their bytes are
/// not copied: they stay in the stored raw message `mail_id` (see `reports::attachments::get`).
fn checked_attachments(
    m: &ParsedMail,
    scans: &[Option<Scan>],
    mail_id: &str,
) -> Vec<NewAttachment> {
    m.attachments
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(scans.get(*i), Some(Some(Scan::Infected(_)))))
        .filter_map(|(i, a)| {
            // The parser has hashed the bytes already.
            a.content_type.map(|ct| NewAttachment {
                filename: a.filename.clone(),
                content_type: ct.to_string(),
                sha256: a.sha256.clone(),
                bytes: Bytes::InMail(InMail {
                    mail_id: mail_id.to_string(),
                    part: i as i32,
                    size: a.size as i64,
                }),
            })
        })
        .collect()
}

/// (report id, incident id) a message belongs to.
type Thread = (Option<String>, Option<String>);

/// Where a person's message belongs: (report id, incident id), looked up by In-Reply-To /
/// References (our outbox or a stored message) and by our references in the subject.
fn thread(
    c: &mut DbConn,
    m: &ParsedMail,
    ctx: &Context,
    scope: &str,
) -> Result<Option<Thread>, DieselError> {
    let mut ids: Vec<String> = m.in_reply_to.clone();
    ids.extend(m.references.iter().rev().cloned());
    if let Some((_, key, incident, org, _)) = store::outbox_by_message_ids(c, &ids)? {
        if org == ctx.organisation_id || ctx.organisation_id.is_none() {
            if let Some(rid) = key
                .as_deref()
                .and_then(crate::reports::reply::report_of_key)
            {
                return Ok(Some((Some(rid.to_string()), None)));
            }
            if incident.is_some() {
                return Ok(Some((None, incident)));
            }
        }
    }
    if let Some(found) = store::thread_of_stored(c, scope, &ids)? {
        return Ok(Some(found));
    }
    let (reports, incidents) = parse::references_in(&m.subject);
    if let Some(r) = reports.first() {
        if let Some(row) = crate::reports::store::by_reference(c, r)? {
            if row.organisation_id == ctx.organisation_id {
                return Ok(Some((Some(row.id), None)));
            }
        }
    }
    if let (Some(r), Some(org)) = (incidents.first(), &ctx.organisation_id) {
        if let Some((id, _)) = store::incident_by_reference(c, org, r)? {
            return Ok(Some((None, Some(id))));
        }
    }
    Ok(None)
}

fn system() -> Actor {
    Actor::System("mailbox")
}

fn handle(
    c: &mut DbConn,
    m: &ParsedMail,
    p: &Prepared,
    ctx: &Context,
    row: &mut NewMail,
    audit: &mut Vec<Entry>,
) -> Result<Outcome, IngestError> {
    match parse::classify(m, &ctx.own_addresses) {
        Kind::Own => {
            row.outcome = "own".into();
            Ok(Outcome::Own)
        }
        Kind::AutoReply(reason) => {
            row.outcome = "auto_reply".into();
            row.reason = Some(reason.clone());
            Ok(Outcome::AutoReply { reason })
        }
        Kind::Bounce(dsn) => {
            row.outcome = "bounce".into();
            let reason = dsn.reason();
            row.reason = Some(reason.clone());
            let ids: Vec<String> = dsn.original_message_id.iter().cloned().collect();
            let target = store::outbox_by_message_ids(c, &ids)?;
            let mut outbox_id = None;
            if let Some((id, _, incident, org, status)) = target {
                store::outbox_bounced(c, &id, &reason)?;
                audit.push(Entry {
                    actor: system(),
                    action: Action::OutboxBounced,
                    entity_type: "outbox",
                    entity_id: id.clone(),
                    organisation_id: org,
                    before: Some(serde_json::json!({"status": status})),
                    after: Some(serde_json::json!({
                        "status": "failed",
                        "status_code": dsn.status,
                        "incident_id": incident,
                        "mail_id": row.id,
                    })),
                });
                row.outbox_id = Some(id.clone());
                outbox_id = Some(id);
            }
            Ok(Outcome::Bounce { outbox_id, reason })
        }
        Kind::Person => {
            let scope = row.scope.clone();
            if let Some((report_id, incident_id)) = thread(c, m, ctx, &scope)? {
                return join(c, m, &p.scans, row, report_id, incident_id, audit);
            }
            new_report(c, m, p, ctx, row, audit)
        }
    }
}

fn join(
    c: &mut DbConn,
    m: &ParsedMail,
    scans: &[Option<Scan>],
    row: &mut NewMail,
    report_id: Option<String>,
    incident_id: Option<String>,
    audit: &mut Vec<Entry>,
) -> Result<Outcome, IngestError> {
    if let Some(rid) = report_id {
        let Some(report) = store::report_by_id(c, &rid)? else {
            return Err(IngestError::Other("threaded report vanished".into()));
        };
        let body = description_scanned(m, 20_000, scans);
        let msg_id = crate::attachments::add_message(c, &rid, "reporter", &body)?;
        let mut att_ids = vec![];
        for a in checked_attachments(m, scans, &row.id) {
            att_ids.push(crate::attachments::insert(c, &rid, &a)?);
        }
        audit.push(Entry {
            actor: system(),
            action: Action::ReportMailReceived,
            entity_type: "report",
            entity_id: rid.clone(),
            organisation_id: report.organisation_id.clone(),
            before: None,
            after: Some(serde_json::json!({
                "mail_id": row.id,
                "report_message_id": msg_id,
                "attachments": att_ids,
                "id_collision": row.id_collision,
            })),
        });
        row.outcome = "joined_report".into();
        row.report_id = Some(rid);
        row.incident_id = report.incident_id.clone();
        return Ok(Outcome::JoinedReport {
            reference: report.reference,
        });
    }
    let Some(iid) = incident_id else {
        return Err(IngestError::Other("nothing to join".into()));
    };
    let Some(inc) = crate::incidents::store::by_id(c, &iid)? else {
        return Err(IngestError::Other("threaded incident vanished".into()));
    };
    // The mail itself is the incident's message (mail_messages.incident_id); the trail says so.
    audit.push(Entry {
        actor: system(),
        action: Action::IncidentMailReceived,
        entity_type: "incident",
        entity_id: iid.clone(),
        organisation_id: Some(inc.organisation_id.clone()),
        before: None,
        after: Some(serde_json::json!({
            "mail_id": row.id,
            "from": row.from_addr.as_deref().map(mask_email),
            "attachments": m.attachments.len(),
            "id_collision": row.id_collision,
        })),
    });
    row.outcome = "joined_incident".into();
    row.incident_id = Some(iid);
    Ok(Outcome::JoinedIncident {
        reference: inc.reference,
    })
}

fn new_report(
    c: &mut DbConn,
    m: &ParsedMail,
    p: &Prepared,
    ctx: &Context,
    row: &mut NewMail,
    audit: &mut Vec<Entry>,
) -> Result<Outcome, IngestError> {
    let sender = m
        .from
        .as_ref()
        .and_then(|p| p.address.clone())
        .filter(|a| EmailAddress::parse(a).is_ok());
    let ackable = sender
        .as_deref()
        .map(|a| !parse::is_no_reply(a))
        .unwrap_or(false);
    let lang_text = format!("{} {}", m.subject, m.text);
    let report = NewReport {
        channel: "mailbox".into(),
        organisation_id: ctx.organisation_id.clone(),
        organisation_hint: None,
        description: description_scanned(m, ctx.max_description.max(200), &p.scans),
        received_via: if m.forwarded.is_empty() {
            None
        } else {
            Some("email".into())
        },
        received_on: None,
        data_kinds: data_kinds(&p.found),
        action_taken: None,
        contact_name: m
            .from
            .as_ref()
            .and_then(|p| p.name.clone())
            .map(|n| n.chars().take(200).collect()),
        contact_email: sender.clone(),
        contact_phone: None,
        may_contact: sender.is_some(),
        language: parse::language(&lang_text).into(),
        created_by: None,
        attachments: checked_attachments(m, &p.scans, &row.id),
        acknowledge: if ackable {
            ctx.acknowledge.clone().map(|mut a| {
                // The acknowledgement answers the reporter's mail: it threads under it.
                let mut refs = m.references.clone();
                refs.extend(m.message_id.iter().cloned());
                a.thread = crate::outbox::Thread::new(m.message_id.as_deref(), &refs);
                a
            })
        } else {
            None
        },
    };
    let created = crate::reports::store::insert_batch_deferred(
        c,
        std::slice::from_ref(&report),
        audit,
        ctx.signal.as_ref(),
    )?;
    let created = created
        .into_iter()
        .next()
        .ok_or_else(|| IngestError::Other("report not created".into()))?;
    row.outcome = "report".into();
    row.report_id = Some(created.id.clone());
    Ok(Outcome::Report {
        reference: created.reference,
        acknowledged: created.acknowledged,
        id_collision: row.id_collision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_from_lines() {
        assert_eq!(
            address_of("Meldpunt <Meldpunt@Gemeente.example>").as_deref(),
            Some("meldpunt@gemeente.example")
        );
        assert_eq!(address_of("x@y.nl").as_deref(), Some("x@y.nl"));
        assert_eq!(address_of("geen adres"), None);
    }

    #[test]
    fn description_keeps_forwarded_evidence_and_is_bounded() {
        let raw = std::fs::read(format!(
            "{}/tests/fixtures/mail/forwarded.eml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let m = parse::parse(&raw, &Limits::default()).unwrap();
        let d = description(&m, 10_000);
        assert!(d.contains("--- Doorgestuurd bericht (bewijs) ---"), "{d}");
        assert!(d.contains("Van: Afdeling Sociale Zaken <sociale.zaken@gemeente.example>"));
        assert!(d.contains("Aan: Klaas Klaassen <klaas@example.net>"));
        assert!(d.contains("Datum: 16-11-2026 16:45"), "{d}");
        let short = description(&m, 250);
        assert!(short.chars().count() <= 250);
        assert!(short.ends_with("bewaarde e-mail]"));
    }

    #[test]
    fn outcome_lines() {
        assert_eq!(
            Outcome::Quarantined { reason: "x".into() }.to_string(),
            "quarantined: x"
        );
        assert_eq!(Outcome::Duplicate.to_string(), "duplicate (already stored)");
    }
}
