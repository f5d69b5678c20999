//! Notification operations shared by the API and the CLI: drafts (the AP answer set, the letters and
//! e-mails), the FG's sign-off bound to the SHA-256 of the exact rendered content, recording the
//! filing at the AP, recipients and campaigns. Every change is audited in its transaction.
//!
//! The sign-off is checked again — the content rendered anew and hashed — on every read and before
//! every filing or campaign: a change of facts, settings or templates that changes the content
//! voids it, and the void is written to the audit trail with both hashes.
use crate::audit::Action;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ap::{
    self, ApDraft, ApSource, DecisionPart, DraftInput, IncidentPart, InformedPart, NoticeKind,
    OrgPart,
};
use super::letters::{self, LetterCtx, RecipientCtx};
use super::lifecycle::{self, DraftKind, DraftStatus, KindProblem, Purpose, Refused, Step};
use super::parts::{Part, PartName};
use super::phases::{self, Filed};
use super::render::{sha256_hex, NoticeTemplates, TemplateError};
use super::store::{self, DraftRow, RecipientRow, SettingsRow};
use crate::assessment::decision::{Exception, Outcome};
use crate::assessment::facts::Facts;
use crate::assessment::severity::Severity;
use crate::assessment::store as astore;
use crate::audit::{self, Actor, Entry};
use crate::auth::{Role, Staff};
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::FieldProblem;
use crate::error::{parse_stored, ApiError, ApiResult, FieldError};
use crate::incidents::access::visible;
use crate::incidents::lifecycle::State;
use crate::incidents::store::IncidentRow;
use crate::orgs::store as org_store;
use crate::signals::rules::Waiting;

/// What the operations need from the configuration.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub template_dir: Option<PathBuf>,
    /// Days within which a provisional notification is to be supplemented (`clock.supplement_days`).
    pub supplement_days: i64,
    /// Where the staff's e-mails link to (a draft waits for the FG, a draft was rejected); none:
    /// nobody is told.
    pub links: Option<crate::signals::Links>,
}

/// The operations' context from the running configuration (the API and the pages alike).
pub fn ctx(state: &crate::state::AppState) -> Ctx {
    Ctx {
        template_dir: state.settings.notifications.template_dir(),
        supplement_days: state.settings.clock.supplement_days,
        links: Some(crate::signals::Links::from_settings(&state.settings)),
    }
}

impl Default for Ctx {
    fn default() -> Ctx {
        Ctx {
            template_dir: None,
            supplement_days: phases::DEFAULT_SUPPLEMENT_DAYS,
            links: None,
        }
    }
}

pub fn template_error(e: TemplateError) -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        "template",
        format!("{}: {}", e.template, e.message),
    )])
}

/// The AP notifications recorded as filed on this incident.
fn filed_on(c: &mut DbConn, incident_id: &str) -> ApiResult<Vec<Filed>> {
    Ok(store::drafts(c, incident_id)?
        .into_iter()
        .filter(|d| d.status == DraftStatus::Filed)
        .filter_map(|d| {
            Some(Filed {
                kind: d.kind.notice_kind()?,
                ap_number: d.ap_number?,
            })
        })
        .collect())
}

/// A supplement or withdrawal refers to a filing recorded on this incident, or to an AP number
/// from before Meldpunt stated as such (422 naming `earlier_ap_number` otherwise). `complete`: the
/// number is required (at filing); while drafting an absent one stays on the blocking list.
fn check_earlier(
    c: &mut DbConn,
    incident_id: &str,
    kind: DraftKind,
    input: &DraftInput,
    complete: bool,
) -> ApiResult<()> {
    let Some(kind) = kind.notice_kind() else {
        return Ok(());
    };
    if !kind.refers_to_earlier() {
        return Ok(());
    }
    let filed = filed_on(c, incident_id)?;
    phases::check_reference(
        kind,
        input.earlier_ap_number.as_deref(),
        input.earlier_before_meldpunt.unwrap_or(false),
        &filed,
        complete,
    )
    .map_err(|p| vec![p].into())
}

/// The organisation's part of every notice: its row plus the notice settings.
pub fn org_part(c: &mut DbConn, org_id: &str) -> ApiResult<(String, OrgPart, SettingsRow)> {
    let o = org_store::by_id(c, org_id)?.ok_or(ApiError::NotFound)?;
    let s = store::settings(c, org_id)?.unwrap_or_else(|| SettingsRow {
        organisation_id: org_id.to_string(),
        updated_at: to_db(now()),
        ..Default::default()
    });
    Ok((
        o.slug.clone(),
        OrgPart {
            name: o.name,
            address: o.address,
            kvk_number: o.kvk_number,
            fg_name: o.fg_name,
            fg_email: o.fg_email,
            fg_phone: o.fg_phone,
            fg_registration_number: o.fg_registration_number,
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
            website: s.website.clone(),
            signatory_name: s.signatory_name.clone(),
            signatory_function: s.signatory_function.clone(),
            salutation_nl: s.salutation_nl.clone(),
            salutation_en: s.salutation_en.clone(),
        },
        s,
    ))
}

fn incident_part(inc: &IncidentRow) -> IncidentPart {
    let f = inc.facts();
    let clock_start = f.clock_start();
    IncidentPart {
        reference: inc.reference.clone(),
        title: f.title,
        description: f.description,
        breach_started_at: f.breach_started_at,
        breach_ended_at: f.breach_ended_at,
        discovered_at: f.discovered_at,
        // The AP's "aware since": when the 72 hours started (the processor's notice if that came first).
        became_aware_at: clock_start,
        awareness_how: f.awareness_how,
        processor_name: f.processor_name,
    }
}

/// The incident's latest assessment facts, severity and decision.
fn assessment(
    c: &mut DbConn,
    incident_id: &str,
) -> ApiResult<(Option<Facts>, Option<Severity>, Option<DecisionPart>)> {
    let facts = match astore::latest_facts(c, incident_id)? {
        Some(r) => Some(parse_stored::<Facts>("facts", &r.facts_json)?),
        None => None,
    };
    let severity = match astore::latest_assessment(c, incident_id)? {
        Some(r) => Some(parse_stored::<Severity>("severity", &r.severity_json)?),
        None => None,
    };
    let decision = match astore::latest_decision(c, incident_id)? {
        Some(d) => Some(DecisionPart {
            outcome: Outcome::parse(&d.outcome)
                .ok_or_else(|| ApiError::Internal("stored decision outcome".into()))?,
            exception: d.exception.as_deref().and_then(Exception::parse),
            reasons: d.reasons,
        }),
        None => None,
    };
    Ok((facts, severity, decision))
}

/// Who were told up to `at` (AP form chapter 10): recipients of the incident's campaigns per
/// channel, and its public notice while it stands.
pub fn informed(c: &mut DbConn, incident_id: &str, at: DateTime<Utc>) -> ApiResult<InformedPart> {
    let mut out = InformedPart::default();
    for (channel, ok, failed) in store::informed_counts(c, incident_id, to_db(at))? {
        match channel.as_str() {
            "email" => {
                out.by_email += ok;
                out.email_failed += failed;
            }
            _ => out.by_letter += ok + failed,
        }
    }
    out.public_notice_at = store::public_notice_windows(c, incident_id)?
        .into_iter()
        .map(|(p, w)| (from_db(p), w.map(from_db)))
        .filter(|(p, w)| *p <= at && w.map(|w| w > at).unwrap_or(true))
        .map(|(p, _)| p)
        .min();
    Ok(out)
}

/// The columns of the recipient list beyond the required four (from the first recipient).
pub fn extra_columns(c: &mut DbConn, incident_id: &str) -> ApiResult<Vec<String>> {
    Ok(match store::first_recipient(c, incident_id)? {
        Some(r) => {
            let m: std::collections::BTreeMap<String, String> =
                parse_stored("recipient extra", &r.extra_json)?;
            m.into_keys().collect()
        }
        None => vec![],
    })
}

/// The exact content a draft stands for now, its hash, and what blocks its sign-off.
pub struct Rendered {
    pub content: String,
    /// The parts of a letter or notice draft (none for the AP), whose text form is `content`.
    pub parts: Vec<Part>,
    pub sha256: String,
    pub blocking: Vec<FieldProblem>,
    pub ap: Option<ApDraft>,
}

impl Rendered {
    /// A letter or notice draft: the content is the parts' text form.
    fn of_parts(parts: Vec<Part>, blocking: Vec<FieldProblem>) -> Rendered {
        let content = super::parts::to_text(&parts);
        Rendered {
            sha256: sha256_hex(&content),
            content,
            parts,
            blocking,
            ap: None,
        }
    }
}

/// Render a draft now (`at` decides "after the 72 hours" for the AP draft).
pub fn render_draft(
    c: &mut DbConn,
    ctx: &Ctx,
    inc: &IncidentRow,
    d: &DraftRow,
    at: DateTime<Utc>,
) -> ApiResult<Rendered> {
    let input: DraftInput = parse_stored("draft input", &d.input_json)?;
    let (slug, org, _) = org_part(c, &inc.organisation_id)?;
    let (facts, severity, decision) = assessment(c, &inc.id)?;
    let t = NoticeTemplates::for_org(ctx.template_dir.as_deref(), &slug).map_err(template_error)?;
    if let Some(kind) = d.kind.notice_kind() {
        let part = incident_part(inc);
        let informed = informed(c, &inc.id, at)?;
        let draft = ap::build(&ApSource {
            kind,
            input: &input,
            incident: &part,
            facts: facts.as_ref(),
            severity: severity.as_ref(),
            decision: decision.as_ref(),
            org: &org,
            informed: &informed,
            at,
        });
        let content = t.render("ap_draft", &draft).map_err(template_error)?;
        Ok(Rendered {
            sha256: sha256_hex(&content),
            content,
            parts: vec![],
            blocking: draft.blocking.clone(),
            ap: Some(draft),
        })
    } else if d.kind.is_public() {
        // A public notice (Art. 34(3)(c)): the page text in both languages, no recipient.
        let mut parts = vec![];
        for lang in ["nl", "en"] {
            let common = letters::common(lang, &org, &inc.reference, facts.as_ref(), &input);
            for name in d.kind.parts() {
                let text = t
                    .render(&format!("{}.{lang}", name.as_str()), &common)
                    .map_err(template_error)?;
                parts.push(Part::new(*name, lang, text));
            }
        }
        let blocking = letters::missing(&input, &org);
        Ok(Rendered::of_parts(parts, blocking))
    } else {
        let extra = extra_columns(c, &inc.id)?;
        let mut parts = vec![];
        // Exactly the languages that go out: English only once every English text is there
        // (until then English readers get the Dutch letter, and the FG sees that here).
        let langs = letters::languages(&input);
        if langs.len() == 1 {
            parts.push(Part::new(
                PartName::EnglishMissing,
                "nl",
                "De Engelse teksten zijn nog niet (alle) ingevuld: ontvangers met taal Engels \
                 krijgen de Nederlandse brief en e-mail.",
            ));
            parts.push(Part::new(
                PartName::EnglishMissing,
                "en",
                "The English texts are not (all) filled in: recipients whose language is \
                 English get the Dutch letter and e-mail.",
            ));
        }
        for lang in langs.iter().copied() {
            let common = letters::common(lang, &org, &inc.reference, facts.as_ref(), &input);
            let sample = letters::sample_recipient(lang, &extra, &common.salutation);
            let lc = LetterCtx {
                common: &common,
                recipient: &sample,
            };
            for name in d.kind.parts() {
                let text = t
                    .render(&format!("{}.{lang}", name.as_str()), &lc)
                    .map_err(template_error)?;
                parts.push(Part::new(*name, lang, text));
            }
        }
        let blocking = letters::missing(&input, &org);
        Ok(Rendered::of_parts(parts, blocking))
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingView {
    pub ap_number: String,
    pub filed_at: DateTime<Utc>,
    pub filed_at_local: String,
    pub within_72_hours: bool,
    /// "gemeld op … (binnen de 72 uur)".
    pub label_nl: String,
    pub label_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApprovalView {
    /// pending, approved (valid), rejected, void (content changed after sign-off), filed.
    pub state: DraftStatus,
    pub valid: bool,
    /// The hash the FG approved (or rejected).
    pub approved_sha256: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DraftView {
    pub id: String,
    pub incident_id: String,
    /// ap or communication.
    pub purpose: Purpose,
    pub kind: DraftKind,
    #[schema(value_type = Object)]
    pub input: DraftInput,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The exact content the FG signs off, and its SHA-256 (send this hash to approve).
    pub content: String,
    pub content_sha256: String,
    /// The content of a letter or notice draft as its parts (template, language, text); none
    /// for the AP, whose content is the answer set (`answers`).
    pub parts: Vec<Part>,
    #[schema(value_type = Object)]
    pub answers: Option<ApDraft>,
    /// What must be put right before sign-off.
    #[schema(value_type = Vec<Object>)]
    pub blocking: Vec<FieldProblem>,
    pub approval: ApprovalView,
    pub filing: Option<FilingView>,
}

pub fn filing_view(inc: &IncidentRow, d: &DraftRow) -> Option<FilingView> {
    let (num, at) = (d.ap_number.clone()?, from_db(d.filed_at?));
    let within = ap::within_72_hours(inc.facts().clock_start(), at);
    let local = crate::incidents::clock::local_display(at);
    let local_en = crate::incidents::clock::local_display_en(at);
    Some(FilingView {
        label_nl: format!(
            "gemeld bij de AP op {local} onder nummer {num} ({} de 72 uur)",
            if within { "binnen" } else { "na" }
        ),
        label_en: format!(
            "notified to the AP at {local_en} as number {num} ({} the 72 hours)",
            if within { "within" } else { "after" }
        ),
        ap_number: num,
        filed_at: at,
        filed_at_local: local,
        within_72_hours: within,
    })
}

fn view(inc: &IncidentRow, d: &DraftRow, r: Rendered) -> ApiResult<DraftView> {
    let valid = d.status.signed_off() && d.content_sha256.as_deref() == Some(r.sha256.as_str());
    Ok(DraftView {
        id: d.id.clone(),
        incident_id: d.incident_id.clone(),
        purpose: d.kind.purpose(),
        kind: d.kind,
        input: parse_stored("draft input", &d.input_json)?,
        created_by: d.created_by.clone(),
        created_at: from_db(d.created_at),
        content: r.content,
        content_sha256: r.sha256,
        parts: r.parts,
        answers: r.ap,
        blocking: r.blocking,
        approval: ApprovalView {
            state: d.status,
            // A filed notification stays as filed, whatever changed since.
            valid: valid || d.status.is_final(),
            approved_sha256: d.content_sha256.clone(),
            decided_by: d.decided_by.clone(),
            decided_at: d.decided_at.map(from_db),
            remarks: d.remarks.clone(),
        },
        filing: filing_view(inc, d),
    })
}

/// The moment a draft's content is judged at: its filing time once filed, else now.
fn moment(d: &DraftRow) -> DateTime<Utc> {
    d.filed_at.map(from_db).unwrap_or_else(now)
}

fn signal_of<'a>(
    staff: &'a Staff,
    inc: &'a IncidentRow,
    d: &'a DraftRow,
    why: Waiting,
) -> crate::signals::mail::DraftSignal<'a> {
    crate::signals::mail::DraftSignal {
        draft_id: &d.id,
        incident_id: &inc.id,
        incident_reference: &inc.reference,
        organisation_id: &inc.organisation_id,
        kind: d.kind.as_str(),
        by: &staff.id,
        why,
    }
}

/// Inside the write transaction that made a draft wait for sign-off: e-mail the organisation's
/// FGs (not the one who made the change).
fn tell_fgs(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    inc: &IncidentRow,
    d: &DraftRow,
    why: Waiting,
) -> ApiResult<()> {
    if let Some(links) = &ctx.links {
        crate::signals::mail::signoff_requested(c, &signal_of(staff, inc, d, why), links, now())?;
    }
    Ok(())
}

/// The content rendered now is not what the FG signed off, and that changes the draft's status
/// (an approval becomes void; a filed notification keeps what was filed).
fn changed_since_signoff(d: &DraftRow, r: &Rendered) -> bool {
    d.content_sha256.as_deref() != Some(r.sha256.as_str()) && d.status.content_changed() != d.status
}

/// Inside a write transaction: an approved draft whose content changed becomes void, audited with
/// both hashes. Returns the current rendering.
fn recheck(
    c: &mut DbConn,
    ctx: &Ctx,
    actor: Actor,
    inc: &IncidentRow,
    d: &mut DraftRow,
    at: DateTime<Utc>,
) -> ApiResult<Rendered> {
    let r = render_draft(c, ctx, inc, d, at)?;
    if changed_since_signoff(d, &r) {
        let t = now();
        let before = d.status;
        d.status = d.status.content_changed();
        d.updated_at = to_db(t);
        // It waits for the FG again, from now (see `signals`).
        d.awaiting_since = Some(to_db(t));
        store::save_draft(c, d)?;
        audit::store::append(
            c,
            &[Entry {
                actor,
                action: Action::NoticeApprovalVoided,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(serde_json::json!({
                    "draft_id": d.id, "status": before, "content_sha256": d.content_sha256,
                })),
                after: Some(serde_json::json!({
                    "draft_id": d.id, "status": d.status, "content_sha256": r.sha256,
                    "reason": "the rendered content changed after sign-off (facts, settings or template)",
                })),
            }],
            t,
        )?;
    }
    Ok(r)
}

/// Record a void in its own transaction (so that the refusal that follows does not roll it back).
pub fn settle(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    at: Option<DateTime<Utc>>,
) -> ApiResult<()> {
    write_tx(c, |c| -> ApiResult<()> {
        let inc = visible(c, staff, incident_id, true)?;
        if let Some(mut d) = store::draft(c, &inc.id, id)? {
            let at = at.unwrap_or_else(|| moment(&d));
            recheck(c, ctx, staff.actor(), &inc, &mut d, at)?;
        }
        Ok(())
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    /// ap (the answer set for the AP's form) or communication (letter and e-mail to the people).
    pub purpose: String,
    /// For ap: initial_complete, initial_provisional, supplement or withdrawal.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub input: DraftInput,
}

fn entry(staff: &Staff, inc: &IncidentRow, action: Action, after: serde_json::Value) -> Entry {
    Entry {
        actor: staff.actor(),
        action,
        entity_type: "incident",
        entity_id: inc.id.clone(),
        organisation_id: Some(inc.organisation_id.clone()),
        before: None,
        after: Some(after),
    }
}

pub fn create_draft(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    input: NewDraft,
) -> ApiResult<DraftView> {
    // A public notice is a communication (same sign-off, same settings) of its own kind.
    let kind =
        DraftKind::requested(&input.purpose, input.kind.as_deref()).map_err(|p| match p {
            KindProblem::KindMissing => ApiError::field("kind", "required for an AP notification"),
            KindProblem::KindUnknown => ApiError::field(
                "kind",
                "one of initial_complete, initial_provisional, supplement, withdrawal",
            ),
            KindProblem::Purpose => ApiError::field("purpose", "ap, communication or public"),
        })?;
    draft_new(c, ctx, staff, incident_id, kind, input.input)
}

/// Draft a notification of this kind: it waits for the FG's sign-off (the FGs are told).
pub fn draft_new(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    kind: DraftKind,
    input: DraftInput,
) -> ApiResult<DraftView> {
    let di = input.clean();
    let ps = di.validate();
    if !ps.is_empty() {
        return Err(ps.into());
    }
    write_tx(c, |c| -> ApiResult<DraftView> {
        let inc = visible(c, staff, incident_id, true)?;
        check_earlier(c, &inc.id, kind, &di, false)?;
        let t = now();
        let row = DraftRow {
            id: new_id(),
            incident_id: inc.id.clone(),
            organisation_id: inc.organisation_id.clone(),
            purpose: kind.purpose(),
            kind,
            input_json: serde_json::to_string(&di)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            // It waits for the FG's sign-off.
            status: DraftStatus::Pending,
            content_sha256: None,
            decided_by: None,
            decided_at: None,
            remarks: None,
            ap_number: None,
            filed_at: None,
            filed_by: None,
            created_by: staff.id.clone(),
            created_at: to_db(t),
            updated_at: to_db(t),
            awaiting_since: Some(to_db(t)),
        };
        // A template that does not render is refused before anything is stored.
        let r = render_draft(c, ctx, &inc, &row, t)?;
        store::insert_draft(c, &row)?;
        // It waits for the FG's sign-off: the organisation's FGs are told.
        tell_fgs(c, ctx, staff, &inc, &row, Waiting::New)?;
        audit::store::append(
            c,
            &[entry(
                staff,
                &inc,
                Action::NoticeDrafted,
                serde_json::json!({"draft_id": row.id, "purpose": row.purpose, "kind": row.kind,
                    "content_sha256": r.sha256}),
            )],
            t,
        )?;
        view(&inc, &row, r)
    })
}

/// Change what the drafter added; an approval of other content becomes void.
pub fn update_draft(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    input: DraftInput,
) -> ApiResult<DraftView> {
    let di = input.clean();
    let ps = di.validate();
    if !ps.is_empty() {
        return Err(ps.into());
    }
    write_tx(c, |c| -> ApiResult<DraftView> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut d = store::draft(c, &inc.id, id)?.ok_or(ApiError::NotFound)?;
        // Changed after the FG rejected it: offered for sign-off again.
        let status = match lifecycle::next(d.kind, d.status, Step::Edit) {
            Ok(s) => s,
            Err(_) => {
                return Err(ApiError::refused(
                    "filed",
                    "this notification was filed; draft a supplement instead",
                ))
            }
        };
        check_earlier(c, &inc.id, d.kind, &di, false)?;
        let before: serde_json::Value = parse_stored("draft input", &d.input_json)?;
        let status_before = d.status;
        d.input_json = serde_json::to_string(&di).map_err(|e| ApiError::Internal(e.to_string()))?;
        d.updated_at = to_db(now());
        if status != d.status {
            d.status = status;
            d.awaiting_since = Some(to_db(now()));
        }
        store::save_draft(c, &d)?;
        let r = recheck(c, ctx, staff.actor(), &inc, &mut d, now())?;
        // Offered again, or a sign-off void by this change: the FGs are told.
        if d.status != status_before {
            match d.status {
                DraftStatus::Pending => tell_fgs(c, ctx, staff, &inc, &d, Waiting::AfterRejection)?,
                DraftStatus::Void => {
                    tell_fgs(c, ctx, staff, &inc, &d, Waiting::ChangedAfterSignoff)?
                }
                _ => {}
            }
        }
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::NoticeDraftUpdated,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(
                    serde_json::json!({"draft_id": d.id, "input": before, "status": status_before}),
                ),
                after: Some(
                    serde_json::json!({"draft_id": d.id, "input": di, "content_sha256": r.sha256,
                        "status": d.status}),
                ),
            }],
            now(),
        )?;
        view(&inc, &d, r)
    })
}

/// Read one draft: rendered anew; a sign-off of other content is voided (and audited) now.
pub fn load_draft(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
) -> ApiResult<DraftView> {
    let inc = visible(c, staff, incident_id, false)?;
    let d = store::draft(c, &inc.id, id)?.ok_or(ApiError::NotFound)?;
    let r = render_draft(c, ctx, &inc, &d, moment(&d))?;
    if changed_since_signoff(&d, &r) {
        return write_tx(c, |c| -> ApiResult<DraftView> {
            let inc = visible(c, staff, incident_id, true)?;
            let mut d = store::draft(c, &inc.id, id)?.ok_or(ApiError::NotFound)?;
            let r = recheck(c, ctx, Actor::System("notice-check"), &inc, &mut d, now())?;
            view(&inc, &d, r)
        });
    }
    view(&inc, &d, r)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationsView {
    /// The incident's state now.
    pub state: String,
    /// The first filing of an initial notification: notified at …, within / after 72 hours.
    pub notified: Option<FilingView>,
    pub drafts: Vec<DraftView>,
}

pub fn list(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
) -> ApiResult<NotificationsView> {
    let inc = visible(c, staff, incident_id, false)?;
    let rows = store::drafts(c, &inc.id)?;
    let mut drafts = vec![];
    for d in &rows {
        drafts.push(load_draft(c, ctx, staff, incident_id, &d.id)?);
    }
    let notified = rows
        .iter()
        .filter(|d| d.kind.is_initial() && d.status == DraftStatus::Filed)
        .filter_map(|d| filing_view(&inc, d))
        .min_by_key(|f| f.filed_at);
    Ok(NotificationsView {
        state: inc.state.as_str().into(),
        notified,
        drafts,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The SHA-256 of the content the FG read (`content_sha256` of the draft as shown).
    #[serde(default)]
    pub content_sha256: Option<String>,
    #[serde(default)]
    pub remarks: Option<String>,
}

/// The FG approves (`approve`) or rejects the content with this hash.
pub fn decide(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    approve: bool,
    input: Decision,
) -> ApiResult<DraftView> {
    let remarks = input
        .remarks
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if remarks
        .as_ref()
        .map(|r| r.chars().count() > 10_000)
        .unwrap_or(false)
    {
        return Err(ApiError::field("remarks", "at most 10000 characters"));
    }
    if !approve && remarks.is_none() {
        return Err(ApiError::field(
            "remarks",
            "say why the content is rejected",
        ));
    }
    let Some(hash) = input.content_sha256.map(|h| h.trim().to_ascii_lowercase()) else {
        return Err(ApiError::field(
            "content_sha256",
            "send the SHA-256 of the content you read (content_sha256 of the draft)",
        ));
    };
    settle(c, ctx, staff, incident_id, id, None)?;
    write_tx(c, |c| -> ApiResult<DraftView> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut d = store::draft(c, &inc.id, id)?.ok_or(ApiError::NotFound)?;
        if !staff.has_role(&inc.organisation_id, &[Role::Fg]) {
            return Err(ApiError::denied(
                "fg_only",
                "only the organisation's FG signs off notifications",
            ));
        }
        let (_, _, settings) = org_part(c, &inc.organisation_id)?;
        if approve && d.created_by == staff.id && !settings.allow_self_signoff {
            return Err(ApiError::denied(
                "own_draft",
                "you drafted this notification: another FG must approve it (or the organisation allows self sign-off)",
            ));
        }
        let step = if approve { Step::Approve } else { Step::Reject };
        let status = match lifecycle::next(d.kind, d.status, step) {
            Ok(s) => s,
            Err(_) => {
                return Err(ApiError::refused(
                    "filed",
                    "this notification was already filed",
                ))
            }
        };
        let t = now();
        let r = recheck(c, ctx, staff.actor(), &inc, &mut d, t)?;
        if r.sha256 != hash {
            return Err(ApiError::refused(
                "stale",
                format!(
                    "the content changed since you read it (now {}, you read {hash}): read it again before signing off",
                    r.sha256
                ),
            ));
        }
        if approve && !r.blocking.is_empty() {
            return Err(r.blocking.into());
        }
        let before = serde_json::json!({"draft_id": d.id, "status": d.status, "content_sha256": d.content_sha256});
        d.status = status;
        d.content_sha256 = Some(r.sha256.clone());
        d.decided_by = Some(staff.id.clone());
        d.decided_at = Some(to_db(t));
        d.remarks = remarks.clone();
        d.updated_at = to_db(t);
        store::save_draft(c, &d)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: if approve {
                    Action::NoticeApproved
                } else {
                    Action::NoticeRejected
                },
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(before),
                after: Some(serde_json::json!({"draft_id": d.id, "status": d.status,
                    "content_sha256": r.sha256, "remarks": remarks})),
            }],
            t,
        )?;
        if let (false, Some(links), Some(text)) = (approve, &ctx.links, &remarks) {
            crate::signals::mail::draft_rejected(
                c,
                &signal_of(staff, &inc, &d, Waiting::New),
                &d.created_by,
                text,
                links,
                t,
            )?;
        }
        view(&inc, &d, r)
    })
}

/// Inside a write transaction: the draft's approval is valid for its content now, or a 409 that says
/// why (never approved, rejected, or voided by a change — recorded).
pub fn require_valid_approval(
    c: &mut DbConn,
    ctx: &Ctx,
    actor: Actor,
    inc: &IncidentRow,
    d: &mut DraftRow,
    at: DateTime<Utc>,
) -> ApiResult<Rendered> {
    let r = recheck(c, ctx, actor, inc, d, at)?;
    match d.status.may_go_out() {
        Ok(_) => Ok(r),
        Err(Refused::Void) => Err(ApiError::refused(
            "void",
            format!(
                "the FG's sign-off is void: the content changed after it was approved (approved {}, now {}); the FG must sign off again",
                d.content_sha256.clone().unwrap_or_default(),
                r.sha256
            ),
        )),
        Err(Refused::Rejected) => Err(ApiError::refused(
            "rejected",
            "the FG rejected this content: change it and ask for sign-off again",
        )),
        Err(Refused::Filed) => Err(ApiError::refused("filed", "already filed")),
        Err(Refused::NotSigned | Refused::NotAp) => Err(ApiError::refused(
            "not_signed",
            "not signed off by the FG yet: nothing is filed or sent without a valid sign-off",
        )),
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingInput {
    /// The AP's notification number (meldingsnummer).
    #[serde(default)]
    pub ap_number: Option<String>,
    /// When it was filed at the AP.
    #[serde(default)]
    pub filed_at: Option<DateTime<Utc>>,
}

/// Record that the signed-off answer set was filed at the AP. An initial notification moves the
/// incident to `notified` (through the incident service, audited).
pub fn record_filing(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    id: &str,
    input: FilingInput,
) -> ApiResult<DraftView> {
    let num = input
        .ap_number
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let mut errs = vec![];
    match &num {
        None => errs.push(FieldError::new(
            "ap_number",
            "the AP's notification number is required",
        )),
        Some(n) if n.chars().count() > 100 => {
            errs.push(FieldError::new("ap_number", "at most 100 characters"))
        }
        _ => {}
    }
    let t = now();
    match input.filed_at {
        None => errs.push(FieldError::new("filed_at", "when was it filed at the AP")),
        Some(f) if f > t + chrono::Duration::minutes(5) => {
            errs.push(FieldError::new("filed_at", "lies in the future"))
        }
        _ => {}
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    let (num, filed_at) = (num.unwrap_or_default(), input.filed_at.unwrap_or(t));
    settle(c, ctx, staff, incident_id, id, Some(filed_at))?;
    write_tx(c, |c| -> ApiResult<DraftView> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut d = store::draft(c, &inc.id, id)?.ok_or(ApiError::NotFound)?;
        if !d.kind.takes(Step::File) {
            return Err(ApiError::refused(
                "only_ap_filed",
                "only AP notifications are filed",
            ));
        }
        if filed_at < inc.facts().clock_start() {
            return Err(ApiError::field(
                "filed_at",
                "lies before the moment of awareness",
            ));
        }
        let input: DraftInput = parse_stored("draft input", &d.input_json)?;
        check_earlier(c, &inc.id, d.kind, &input, true)?;
        // A complete notification is never filed while an answer Art. 33(3) requires is missing
        // (named first: more useful than "not signed off").
        let now_r = render_draft(c, ctx, &inc, &d, filed_at)?;
        if d.kind == DraftKind::InitialComplete && !now_r.blocking.is_empty() {
            return Err(now_r.blocking.into());
        }
        let r = require_valid_approval(c, ctx, staff.actor(), &inc, &mut d, filed_at)?;
        d.status = lifecycle::next(d.kind, d.status, Step::File)
            .map_err(|e| ApiError::Internal(format!("filing refused after sign-off: {e:?}")))?;
        d.ap_number = Some(num.clone());
        d.filed_at = Some(to_db(filed_at));
        d.filed_by = Some(staff.id.clone());
        d.updated_at = to_db(t);
        store::save_draft(c, &d)?;
        let f = filing_view(&inc, &d).ok_or_else(|| ApiError::Internal("filing".into()))?;
        audit::store::append(
            c,
            &[entry(
                staff,
                &inc,
                Action::NoticeFiled,
                serde_json::json!({"draft_id": d.id, "kind": d.kind, "ap_number": num,
                    "filed_at": filed_at, "within_72_hours": f.within_72_hours,
                    "content_sha256": r.sha256}),
            )],
            t,
        )?;
        if d.kind.is_initial() {
            let reason = Some(f.label_nl.clone());
            let state = inc.state();
            if state == State::Assessed {
                crate::incidents::service::transition(
                    c,
                    staff,
                    &inc.id,
                    State::NotificationPending,
                    None,
                )?;
            }
            if matches!(state, State::Assessed | State::NotificationPending) {
                crate::incidents::service::transition(c, staff, &inc.id, State::Notified, reason)?;
            } else if state.clock_running() {
                return Err(ApiError::refused(
                    "assess_first",
                    format!(
                        "the incident is {}: assess it before recording a notification",
                        state.as_str()
                    ),
                ));
            }
            // The register counts from the filing time, not from when it was recorded here.
            if let Some(mut row) = crate::incidents::store::by_id_for_update(c, &inc.id)? {
                let at = to_db(filed_at);
                if row.notified_at.map(|n| at < n).unwrap_or(true) {
                    let before = serde_json::json!({"notified_at": row.notified_at});
                    row.notified_at = Some(at);
                    crate::incidents::store::save(c, &mut row, t)?;
                    crate::audit::store::append(
                        c,
                        &[crate::audit::Entry {
                            actor: staff.actor(),
                            action: Action::IncidentNotifiedAt,
                            entity_type: "incident",
                            entity_id: row.id.clone(),
                            organisation_id: Some(row.organisation_id.clone()),
                            before: Some(before),
                            after: Some(serde_json::json!({"notified_at": row.notified_at})),
                        }],
                        t,
                    )?;
                }
            }
        }
        if let Some(kind) = d.kind.notice_kind() {
            phase_effects(c, ctx, staff, &inc.id, kind, &d.id, filed_at, t)?;
        }
        let inc = visible(c, staff, incident_id, false)?;
        view(&inc, &d, r)
    })
}

/// Inside the filing's transaction: what a filing of this kind changes on the incident, audited.
/// A provisional notification opens a follow-up (a supplement due in `supplement_days`); a
/// supplement closes it; a withdrawal records that the notification was withdrawn (and closes the
/// follow-up: a withdrawn notification is not supplemented).
#[allow(clippy::too_many_arguments)]
fn phase_effects(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    kind: NoticeKind,
    draft_id: &str,
    filed_at: DateTime<Utc>,
    t: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(mut row) = crate::incidents::store::by_id_for_update(c, incident_id)? else {
        return Err(ApiError::NotFound);
    };
    let snapshot = |r: &IncidentRow| {
        serde_json::json!({
            "supplement_due_at": r.supplement_due_at,
            "supplement_closed_at": r.supplement_closed_at,
            "notification_withdrawn_at": r.notification_withdrawn_at,
        })
    };
    let before = snapshot(&row);
    let open = row.supplement_due_at.is_some() && row.supplement_closed_at.is_none();
    let action = match kind {
        NoticeKind::InitialProvisional => {
            row.supplement_due_at =
                Some(to_db(phases::supplement_due(filed_at, ctx.supplement_days)));
            row.supplement_closed_at = None;
            Action::IncidentFollowUpOpened
        }
        NoticeKind::Supplement if open => {
            row.supplement_closed_at = Some(to_db(filed_at));
            Action::IncidentFollowUpClosed
        }
        NoticeKind::Withdrawal => {
            row.notification_withdrawn_at = Some(to_db(filed_at));
            if open {
                row.supplement_closed_at = Some(to_db(filed_at));
            }
            Action::IncidentNotificationWithdrawn
        }
        _ => return Ok(()),
    };
    let after = snapshot(&row);
    crate::incidents::store::save(c, &mut row, t)?;
    let mut after = after;
    after["draft_id"] = serde_json::json!(draft_id);
    audit::store::append(
        c,
        &[Entry {
            actor: staff.actor(),
            action,
            entity_type: "incident",
            entity_id: row.id.clone(),
            organisation_id: Some(row.organisation_id.clone()),
            before: Some(before),
            after: Some(after),
        }],
        t,
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    pub allow_self_signoff: Option<bool>,
    /// The organisation's privacy statement (linked from the public pages); "" clears it.
    pub privacy_url: Option<String>,
    /// The organisation's contact page (linked from the public pages); "" clears it.
    pub contact_url: Option<String>,
    /// The organisation's accessibility statement (linked from the public pages); "" clears it.
    pub accessibility_url: Option<String>,
    /// Who signs the letters, and their function ("Teamleider Privacy").
    pub signatory_name: Option<String>,
    pub signatory_function: Option<String>,
    /// The neutral salutation when a recipient has none of their own (default
    /// "Geachte heer/mevrouw," and "Dear Sir or Madam,").
    pub salutation_nl: Option<String>,
    pub salutation_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    pub organisation_id: String,
    pub organisation_slug: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    pub allow_self_signoff: bool,
    pub privacy_url: Option<String>,
    pub contact_url: Option<String>,
    pub accessibility_url: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_function: Option<String>,
    pub salutation_nl: Option<String>,
    pub salutation_en: Option<String>,
}

fn settings_view(slug: &str, s: &SettingsRow) -> SettingsView {
    SettingsView {
        organisation_id: s.organisation_id.clone(),
        organisation_slug: slug.to_string(),
        contact_email: s.contact_email.clone(),
        contact_phone: s.contact_phone.clone(),
        website: s.website.clone(),
        allow_self_signoff: s.allow_self_signoff,
        privacy_url: s.privacy_url.clone(),
        contact_url: s.contact_url.clone(),
        accessibility_url: s.accessibility_url.clone(),
        signatory_name: s.signatory_name.clone(),
        signatory_function: s.signatory_function.clone(),
        salutation_nl: s.salutation_nl.clone(),
        salutation_en: s.salutation_en.clone(),
    }
}

/// The organisation a settings path names: its slug (every API path's style) or, for clients of
/// the first version, its id.
pub fn settings_org_id(c: &mut DbConn, slug_or_id: &str) -> ApiResult<String> {
    if let Some(o) = org_store::by_slug(c, slug_or_id)? {
        return Ok(o.id);
    }
    Ok(org_store::by_id(c, slug_or_id)?
        .ok_or(ApiError::NotFound)?
        .id)
}

pub fn get_settings(c: &mut DbConn, staff: &Staff, org: &str) -> ApiResult<SettingsView> {
    let org_id = settings_org_id(c, org)?;
    if !staff.can_handle(&org_id) && !staff.is_admin {
        return Err(ApiError::NotFound);
    }
    let (slug, _, s) = org_part(c, &org_id)?;
    Ok(settings_view(&slug, &s))
}

/// A web address for the public pages: empty, or http(s) with a host, at most 300 characters.
fn valid_link(v: &str) -> bool {
    v.is_empty()
        || (v.chars().count() <= 300
            && url::Url::parse(v)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .unwrap_or(false))
}

/// An organisation's admin (or an installation admin) sets the notice settings.
pub fn put_settings(
    c: &mut DbConn,
    staff: &Staff,
    org: &str,
    input: SettingsInput,
) -> ApiResult<SettingsView> {
    let org_id = settings_org_id(c, org)?;
    let org_id = org_id.as_str();
    if !staff.can_handle(org_id) && !staff.is_admin {
        return Err(ApiError::NotFound);
    }
    if !staff.is_admin && !staff.has_role(org_id, &[Role::Admin]) {
        return Err(ApiError::denied(
            "admins_only",
            "only the organisation's admins change its settings",
        ));
    }
    let mut errs = vec![];
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string());
    let (email, phone, web) = (
        clean(input.contact_email),
        clean(input.contact_phone),
        clean(input.website),
    );
    let links = [
        ("privacy_url", clean(input.privacy_url)),
        ("contact_url", clean(input.contact_url)),
        ("accessibility_url", clean(input.accessibility_url)),
    ];
    if let Some(e) = email.as_ref().filter(|e| !e.is_empty()) {
        if crate::input::EmailAddress::parse(e).is_err() {
            errs.push(FieldError::bilingual(
                "contact_email",
                "not an e-mail address",
                "dit is geen e-mailadres",
            ));
        }
    }
    let (sig_name, sig_function, sal_nl, sal_en) = (
        clean(input.signatory_name),
        clean(input.signatory_function),
        clean(input.salutation_nl),
        clean(input.salutation_en),
    );
    for (n, v) in [("contact_phone", &phone), ("website", &web)] {
        if v.as_ref().map(|s| s.chars().count() > 300).unwrap_or(false) {
            errs.push(FieldError::bilingual(
                n,
                "at most 300 characters",
                "ten hoogste 300 tekens",
            ));
        }
    }
    for (n, v) in &links {
        if !v.as_deref().map(valid_link).unwrap_or(true) {
            errs.push(FieldError::bilingual(
                *n,
                "a web address starting with https:// (at most 300 characters)",
                "een webadres dat begint met https:// (ten hoogste 300 tekens)",
            ));
        }
    }
    for (n, v) in [
        ("signatory_name", &sig_name),
        ("signatory_function", &sig_function),
        ("salutation_nl", &sal_nl),
        ("salutation_en", &sal_en),
    ] {
        if let Some(v) = v {
            if v.chars().count() > 120 || v.chars().any(char::is_control) {
                errs.push(FieldError::bilingual(
                    n,
                    "one line of at most 120 characters",
                    "één regel van ten hoogste 120 tekens",
                ));
            }
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    write_tx(c, |c| -> ApiResult<SettingsView> {
        let (slug, _, mut s) = org_part(c, org_id)?;
        let before = serde_json::to_value(settings_view(&slug, &s)).unwrap_or_default();
        let set = |cur: &mut Option<String>, v: Option<String>| {
            if let Some(v) = v {
                *cur = (!v.is_empty()).then_some(v);
            }
        };
        set(&mut s.contact_email, email);
        set(&mut s.contact_phone, phone);
        set(&mut s.website, web);
        let [(_, privacy), (_, contact), (_, access)] = links;
        set(&mut s.privacy_url, privacy);
        set(&mut s.contact_url, contact);
        set(&mut s.accessibility_url, access);
        set(&mut s.signatory_name, sig_name);
        set(&mut s.signatory_function, sig_function);
        set(&mut s.salutation_nl, sal_nl);
        set(&mut s.salutation_en, sal_en);
        if let Some(b) = input.allow_self_signoff {
            s.allow_self_signoff = b;
        }
        let t = now();
        s.updated_at = to_db(t);
        store::save_settings(c, &s)?;
        let v = settings_view(&slug, &s);
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::OrganisationNoticeSettingsChanged,
                entity_type: "organisation",
                entity_id: org_id.to_string(),
                organisation_id: Some(org_id.to_string()),
                before: Some(before),
                after: Some(serde_json::to_value(&v).unwrap_or_default()),
            }],
            t,
        )?;
        Ok(v)
    })
}

/// A recipient as the templates see them.
/// `default_salutation`: the organisation's neutral one in the letter's language, for a
/// recipient without their own.
pub fn recipient_ctx(r: &RecipientRow, default_salutation: &str) -> ApiResult<RecipientCtx> {
    let extra: std::collections::BTreeMap<String, String> =
        parse_stored("recipient extra", &r.extra_json)?;
    Ok(RecipientCtx {
        name: r.name.clone(),
        email: r.email.clone().unwrap_or_default(),
        postal_address: r.postal_address.clone().unwrap_or_default(),
        salutation: Some(letters::salutation_of(&extra))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_salutation.to_string()),
        extra,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub recipient_id: String,
    pub language: String,
    pub email_subject: Option<String>,
    pub email_body: Option<String>,
    pub letter_html: Option<String>,
}

/// What one recipient would get from a communication draft.
pub fn preview(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    draft_id: &str,
    recipient_id: &str,
) -> ApiResult<Preview> {
    let inc = visible(c, staff, incident_id, false)?;
    let d = store::draft(c, &inc.id, draft_id)?.ok_or(ApiError::NotFound)?;
    if !d.kind.is_letters() {
        return Err(ApiError::refused(
            "only_letters",
            "only letters and e-mails have a preview per recipient",
        ));
    }
    let r = store::recipient(c, &inc.id, recipient_id)?
        .ok_or_else(|| ApiError::field("recipient", "no such recipient for this incident"))?;
    let input: DraftInput = parse_stored("draft input", &d.input_json)?;
    let (slug, org, _) = org_part(c, &inc.organisation_id)?;
    let (facts, _, _) = assessment(c, &inc.id)?;
    let t = NoticeTemplates::for_org(ctx.template_dir.as_deref(), &slug).map_err(template_error)?;
    // The one language this recipient gets.
    let lang = letters::language_for(&r.language, &input).to_string();
    let common = letters::common(&lang, &org, &inc.reference, facts.as_ref(), &input);
    let rc = recipient_ctx(&r, &common.salutation)?;
    let lc = LetterCtx {
        common: &common,
        recipient: &rc,
    };
    let (subject, body) = if r.email.is_some() {
        (
            Some(
                t.render(&format!("email_subject.{lang}"), &lc)
                    .map_err(template_error)?
                    .trim()
                    .to_string(),
            ),
            Some(
                t.render(&format!("email_body.{lang}"), &lc)
                    .map_err(template_error)?,
            ),
        )
    } else {
        (None, None)
    };
    let letter = if r.email.is_none() {
        Some(
            t.render(&format!("letter.{lang}"), &lc)
                .map_err(template_error)?,
        )
    } else {
        None
    };
    Ok(Preview {
        recipient_id: r.id,
        language: lang,
        email_subject: subject,
        email_body: body,
        letter_html: letter,
    })
}
