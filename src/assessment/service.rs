//! Assessment operations, shared by the API (and later the pages): record facts (each change a new
//! version with its severity and proposal), read the latest assessment with its history, and record
//! a person's decision against the latest proposal — each change audited in its transaction.
//! Access as for the incident itself. The rules are in `facts`, `severity` and `decision`.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::{self, Choice, Exception, Outcome, Proposal};
use super::facts::Facts;
use super::severity::{self, Band, Severity};
use super::store::{self, AssessmentRow, DecisionRow, FactsRow};
use super::FieldProblem;
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::{parse_stored, to_json, DomainError, DomainResult};
use crate::incidents::access::visible;

const MAX_REASON_CHARS: usize = 10_000;

/// The domain's problems as the API's error; the API calls the reason for a difference
/// `reason_for_difference`.
fn problems(mut ps: Vec<FieldProblem>) -> DomainError {
    for p in ps.iter_mut().filter(|p| p.field == "difference_reason") {
        p.field = "reason_for_difference".into();
    }
    ps.into()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssessmentResult {
    pub facts_version: i64,
    pub assessment_id: String,
    #[schema(value_type = Object)]
    pub facts: Facts,
    #[schema(value_type = Object)]
    pub severity: Severity,
    #[schema(value_type = Object)]
    pub proposal: Proposal,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryItem {
    pub version: i64,
    pub assessment_id: String,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub band: Band,
    #[schema(value_type = String)]
    pub outcome: Outcome,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub assessment_id: String,
    pub outcome: String,
    pub exception: Option<String>,
    pub reasons: String,
    pub reason_for_difference: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl From<DecisionRow> for DecisionView {
    fn from(r: DecisionRow) -> Self {
        DecisionView {
            id: r.id,
            assessment_id: r.assessment_id,
            outcome: r.outcome,
            exception: r.exception,
            reasons: r.reasons,
            reason_for_difference: r.reason_for_difference,
            decided_by: r.decided_by,
            decided_at: from_db(r.decided_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssessmentView {
    /// Null until facts are recorded.
    pub facts_version: Option<i64>,
    pub assessment_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub facts: Option<Facts>,
    #[schema(value_type = Option<Object>)]
    pub severity: Option<Severity>,
    #[schema(value_type = Option<Object>)]
    pub proposal: Option<Proposal>,
    /// Every assessment, oldest first.
    pub history: Vec<HistoryItem>,
    /// The latest decision, if any.
    pub decision: Option<DecisionView>,
}

/// Validate and store a new facts version with its assessment and audit entry.
pub fn record_facts(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    facts: Facts,
) -> DomainResult<AssessmentResult> {
    write_tx(c, |c| -> DomainResult<AssessmentResult> {
        let inc = visible(c, staff, id, true)?;
        record_facts_in(c, staff, &inc, facts)
    })
}

/// The incident page's one facts form: the incident's own facts (times, description, processor)
/// and, when they changed, the assessment facts, saved together in one transaction, each with its
/// own audit record — or neither. The patch's version guards the whole form against a change made
/// meanwhile (409).
pub fn record_all_facts(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    patch: &crate::incidents::model::IncidentPatch,
    facts: Option<Facts>,
    max_description: usize,
) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        crate::incidents::service::update_in(c, staff, id, patch, max_description)?;
        if let Some(f) = facts {
            let inc = visible(c, staff, id, true)?;
            record_facts_in(c, staff, &inc, f)?;
        }
        Ok(())
    })
}

/// As [`record_facts`], inside the caller's write transaction, for an incident it has loaded
/// (and locked) after checking access.
pub fn record_facts_in(
    c: &mut DbConn,
    staff: &Staff,
    inc: &crate::incidents::store::IncidentRow,
    facts: Facts,
) -> DomainResult<AssessmentResult> {
    let id = inc.id.as_str();
    {
        // Facts that contradict each other never reach a proposal.
        let proposal = decision::propose_checked(&facts).map_err(problems)?;
        let sev = severity::assess(&facts);
        let prev = store::latest_facts(c, id)?;
        let version = prev.as_ref().map(|p| p.version).unwrap_or(0) + 1;
        let before: Option<serde_json::Value> = match &prev {
            Some(p) => Some(parse_stored("facts", &p.facts_json)?),
            None => None,
        };
        let t = now();
        let facts_json = to_json(&facts)?;
        store::insert_facts(
            c,
            &FactsRow {
                incident_id: id.to_string(),
                version,
                facts_json,
                created_by: staff.id.clone(),
                created_at: to_db(t),
            },
        )?;
        let assessment_id = new_id();
        store::insert_assessment(
            c,
            &AssessmentRow {
                id: assessment_id.clone(),
                incident_id: id.to_string(),
                facts_version: version,
                severity_json: to_json(&sev)?,
                proposal_json: to_json(&proposal)?,
                created_at: to_db(t),
            },
        )?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentFactsRecorded,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before,
                after: Some(
                    serde_json::to_value(&facts)
                        .map_err(|e| DomainError::Internal(format!("serialise facts: {e}")))?,
                ),
            }],
            t,
        )?;
        Ok(AssessmentResult {
            facts_version: version,
            assessment_id,
            facts,
            severity: sev,
            proposal,
        })
    }
}

pub fn load_assessment(c: &mut DbConn, staff: &Staff, id: &str) -> DomainResult<AssessmentView> {
    visible(c, staff, id, false)?;
    let facts = match store::latest_facts(c, id)? {
        Some(f) => Some((f.version, parse_stored::<Facts>("facts", &f.facts_json)?)),
        None => None,
    };
    let rows = store::assessments(c, id)?;
    let mut history = Vec::with_capacity(rows.len());
    for r in &rows {
        let p: Proposal = parse_stored("proposal", &r.proposal_json)?;
        history.push(HistoryItem {
            version: r.facts_version,
            assessment_id: r.id.clone(),
            created_at: from_db(r.created_at),
            band: p.severity_band,
            outcome: p.outcome,
        });
    }
    let latest = rows.last();
    let (severity, proposal) = match latest {
        Some(r) => (
            Some(parse_stored::<Severity>("severity", &r.severity_json)?),
            Some(parse_stored::<Proposal>("proposal", &r.proposal_json)?),
        ),
        None => (None, None),
    };
    let decision = store::latest_decision(c, id)?.map(DecisionView::from);
    Ok(AssessmentView {
        facts_version: facts.as_ref().map(|f| f.0),
        assessment_id: latest.map(|r| r.id.clone()),
        facts: facts.map(|f| f.1),
        severity,
        proposal,
        history,
        decision,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// register_only, notify_ap, notify_ap_and_data_subjects or notify_ap_and_public_communication.
    #[schema(value_type = String)]
    pub outcome: Outcome,
    /// An Art. 34(3) exception: a, b or c.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub exception: Option<Exception>,
    /// Why this decision (required).
    #[serde(default)]
    pub reasons: Option<String>,
    /// Required when the decision differs from the proposal.
    #[serde(default)]
    pub reason_for_difference: Option<String>,
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub fn record_decision(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    input: DecisionInput,
) -> DomainResult<DecisionView> {
    let reasons = clean(input.reasons);
    let diff = clean(input.reason_for_difference);
    let mut errs = vec![];
    match &reasons {
        None => errs.push(FieldProblem::new(
            "reasons",
            "give the reasons for the decision",
            "Geef de redenen voor het besluit",
        )),
        Some(r) if r.chars().count() > MAX_REASON_CHARS => errs.push(FieldProblem::new(
            "reasons",
            format!("at most {MAX_REASON_CHARS} characters"),
            "Dit is te lang",
        )),
        _ => {}
    }
    if diff
        .as_ref()
        .map(|d| d.chars().count() > MAX_REASON_CHARS)
        .unwrap_or(false)
    {
        errs.push(FieldProblem::new(
            "reason_for_difference",
            format!("at most {MAX_REASON_CHARS} characters"),
            "Dit is te lang",
        ));
    }
    write_tx(c, |c| -> DomainResult<DecisionView> {
        let inc = visible(c, staff, id, true)?;
        let Some(assessment) = store::latest_assessment(c, id)? else {
            return Err(DomainError::Conflict(
                "no facts recorded yet: record the facts before deciding".into(),
            ));
        };
        let facts_row = store::latest_facts(c, id)?
            .ok_or_else(|| DomainError::Internal("assessment without facts".into()))?;
        let facts: Facts = parse_stored("facts", &facts_row.facts_json)?;
        let proposal: Proposal = parse_stored("proposal", &assessment.proposal_json)?;
        let chosen = Choice {
            outcome: input.outcome,
            exception: input.exception,
        };
        if let Err(ps) = decision::check_choice(&facts, &proposal, &chosen, diff.as_deref()) {
            if let DomainError::Invalid(more) = problems(ps) {
                errs.extend(more);
            }
        }
        if !errs.is_empty() {
            return Err(DomainError::Invalid(errs));
        }
        let t = now();
        let row = DecisionRow {
            id: new_id(),
            incident_id: id.to_string(),
            assessment_id: assessment.id.clone(),
            outcome: chosen.outcome.as_str().to_string(),
            exception: chosen.exception.map(|e| e.as_str().to_string()),
            reasons: reasons.unwrap_or_default(),
            reason_for_difference: diff,
            decided_by: staff.id.clone(),
            decided_at: to_db(t),
        };
        store::insert_decision(c, &row)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentDecisionRecorded,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "decision_id": row.id,
                    "assessment_id": row.assessment_id,
                    "facts_version": assessment.facts_version,
                    "outcome": row.outcome,
                    "exception": row.exception,
                    "proposed_outcome": proposal.outcome,
                    "proposed_exception": proposal.exception,
                    "differs_from_proposal": decision::differs_needs_reason(&proposal, &chosen),
                    "reasons": row.reasons,
                    "reason_for_difference": row.reason_for_difference,
                })),
            }],
            t,
        )?;
        Ok(DecisionView::from(row))
    })
}
