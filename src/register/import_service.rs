//! Storing an imported breach register (issue 19 point 1): every row of [`super::import::parse`]
//! becomes an incident with its original dates, facts, decision and measures, marked imported with
//! the source file's SHA-256, in one transaction with its audit records. A dry run stores nothing.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::import::{self, ImportedRow, Mapping};
use crate::assessment::facts::Facts;
use crate::assessment::service::record_facts_in;
use crate::assessment::store::{insert_decision, DecisionRow};
use crate::audit::{self, Entry};
use crate::auth::{Role, Staff};
use crate::db::schema::incident_imports;
use crate::db::Cached;
use crate::db::{new_id, now, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult, FieldProblem};
use crate::incidents::model::Facts as IncidentFacts;
use crate::incidents::store::{self as istore, IncidentRow};
use crate::remediation::store::{self as mstore, MeasureRow};

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub dry_run: bool,
    /// SHA-256 of the file as received (hex).
    pub source_sha256: String,
    /// The mapping used: target field → column of the file.
    #[schema(value_type = Object)]
    pub mapping: Mapping,
    /// Every row as it is (or, in a dry run, would be) stored.
    pub rows: Vec<ImportedRow>,
    /// The new incidents' references, in the order of the rows (empty in a dry run).
    pub references: Vec<String>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Only the organisation's handlers and administrators import; others who can see it get 403.
pub fn may_import(staff: &Staff, org_id: &str) -> DomainResult<()> {
    if !staff.can_handle(org_id) {
        return Err(DomainError::NotFound);
    }
    if staff.has_role(org_id, &[Role::Handler, Role::Admin]) {
        Ok(())
    } else {
        Err(DomainError::denied(
            "import_handlers_only",
            "only the organisation's handlers and administrators import a register",
        ))
    }
}

fn refusal(problems: Vec<import::Problem>) -> DomainError {
    DomainError::Invalid(
        problems
            .into_iter()
            .map(|p| FieldProblem {
                field: p.field,
                message: format!("line {}: {}", p.line, p.message),
                message_nl: format!("regel {}: {}", p.line, p.message_nl),
            })
            .collect(),
    )
}

/// Whether incident `id` came from an imported register.
pub fn is_imported(c: &mut DbConn, id: &str) -> QueryResult<bool> {
    incident_imports::table
        .find(id)
        .count()
        .get_result_on::<i64>(c)
        .map(|n| n > 0)
}

/// Import (or with `dry_run` only check) a breach register in CSV or `.xlsx` into organisation
/// `org_id`; the file's problems as the API's 422.
pub fn import_register(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    bytes: &[u8],
    mapping: &Mapping,
    dry_run: bool,
) -> DomainResult<ImportOutcome> {
    import_checked(c, staff, org_id, bytes, mapping, dry_run)?.map_err(refusal)
}

/// [`import_register`] with the file's problems as they are (line, field, English and Dutch), for
/// the page that lists them; the outer error is the refusal of the person or the file as a whole
/// (not allowed, imported before).
pub fn import_checked(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    bytes: &[u8],
    mapping: &Mapping,
    dry_run: bool,
) -> DomainResult<Result<ImportOutcome, Vec<import::Problem>>> {
    may_import(staff, org_id)?;
    let t = now();
    let rows = match import::parse(bytes, mapping, t) {
        Ok(r) => r,
        Err(p) => return Ok(Err(p)),
    };
    let headers = match import::headers(bytes) {
        Ok(h) => h,
        Err(p) => return Ok(Err(p)),
    };
    let used = import::effective_mapping(&headers, mapping);
    let sha = sha256_hex(bytes);
    let already: i64 = incident_imports::table
        .filter(incident_imports::organisation_id.eq(org_id))
        .filter(incident_imports::source_sha256.eq(&sha))
        .count()
        .get_result_on(c)?;
    if already > 0 {
        return Err(DomainError::Conflict(
            "this file was imported into this organisation before".into(),
        ));
    }
    if dry_run {
        return Ok(Ok(ImportOutcome {
            dry_run,
            source_sha256: sha,
            mapping: used,
            rows,
            references: vec![],
        }));
    }
    let references = write_tx(c, |c| -> DomainResult<Vec<String>> {
        let mut refs = Vec::with_capacity(rows.len());
        let mut audit_entries = vec![];
        for r in &rows {
            let (id, reference) = store_row(c, staff, org_id, r, &sha, t)?;
            audit_entries.push(Entry {
                actor: staff.actor(),
                action: Action::IncidentImported,
                entity_type: "incident",
                entity_id: id,
                organisation_id: Some(org_id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "reference": reference, "source_sha256": sha, "source_line": r.line,
                    "row": r,
                })),
            });
            refs.push(reference);
        }
        audit_entries.push(Entry {
            actor: staff.actor(),
            action: Action::RegisterImported,
            entity_type: "organisation",
            entity_id: org_id.to_string(),
            organisation_id: Some(org_id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "source_sha256": sha, "rows": rows.len(), "references": refs, "mapping": used,
            })),
        });
        audit::store::append(c, &audit_entries, t)?;
        Ok(refs)
    })?;
    Ok(Ok(ImportOutcome {
        dry_run,
        source_sha256: sha,
        mapping: used,
        rows,
        references,
    }))
}

fn store_row(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    r: &ImportedRow,
    sha: &str,
    t: DateTime<Utc>,
) -> DomainResult<(String, String)> {
    let reference = istore::next_reference(c, org_id, t)?;
    let facts = IncidentFacts {
        title: r.title.clone(),
        description: r.description.clone(),
        breach_started_at: None,
        breach_ended_at: None,
        discovered_at: r.discovered_at,
        became_aware_at: r.became_aware_at,
        awareness_established_by: None,
        awareness_how: None,
        processor_name: None,
        processor_aware_at: None,
        processor_notice_at: None,
        processor_contract_hours: None,
        late_awareness_reason: r.late_awareness_reason.clone(),
    };
    let mut row = IncidentRow::new(
        new_id(),
        org_id.to_string(),
        reference.clone(),
        &facts,
        staff.id.clone(),
        t,
    );
    // `import::row` accepted only a known state.
    row.state = crate::incidents::lifecycle::State::parse(&r.state).ok_or_else(|| {
        DomainError::field(
            "state",
            &format!("unknown state `{}`", r.state),
            &format!("onbekende toestand `{}`", r.state),
        )
    })?;
    row.notified_at = r.notified_at.map(to_db);
    row.closed_at = r.closed_at.map(to_db);
    row.lessons_learned = r.lessons_learned.clone();
    row.close_override_reason = r.close_override_reason.clone();
    row.notification_withdrawn_at = r.notification_withdrawn_at.map(to_db);
    istore::insert(c, &row)?;
    diesel::insert_into(incident_imports::table)
        .values((
            incident_imports::incident_id.eq(&row.id),
            incident_imports::organisation_id.eq(org_id),
            incident_imports::source_sha256.eq(sha),
            incident_imports::source_line.eq(r.line as i64),
            incident_imports::ap_number.eq(&r.ap_number),
            incident_imports::people_informed_at.eq(r.people_informed_at.map(to_db)),
            incident_imports::imported_by.eq(&staff.id),
            incident_imports::imported_at.eq(to_db(t)),
        ))
        .execute_on(c)?;
    let facts = match (&r.facts, &r.decision) {
        (Some(f), _) => Some(f.clone()),
        (None, Some(_)) => Some(Facts::default()),
        (None, None) => None,
    };
    let assessment = match facts {
        Some(f) => Some(record_facts_in(c, staff, &row, f)?),
        None => None,
    };
    if let (Some(d), Some(a)) = (&r.decision, &assessment) {
        insert_decision(
            c,
            &DecisionRow {
                id: new_id(),
                incident_id: row.id.clone(),
                assessment_id: a.assessment_id.clone(),
                outcome: d.outcome.clone(),
                exception: d.exception.clone(),
                reasons: d.reasons.clone(),
                reason_for_difference: d.reason_for_difference.clone(),
                decided_by: staff.id.clone(),
                decided_at: to_db(d.decided_at),
            },
        )?;
    }
    for m in &r.measures {
        let finished = matches!(m.status.as_str(), "done" | "cancelled");
        mstore::insert(
            c,
            &MeasureRow {
                id: new_id(),
                incident_id: row.id.clone(),
                organisation_id: org_id.to_string(),
                description: m.description.clone(),
                // No owner: nobody is reminded of a measure from the old register.
                owner_id: None,
                due_on: m.due_on,
                status: m.status.clone(),
                evidence: None,
                reminder_sent_at: None,
                completed_at: if finished {
                    r.closed_at.map(to_db)
                } else {
                    None
                },
                created_by: staff.id.clone(),
                created_at: to_db(t),
                updated_at: to_db(t),
                version: 1,
            },
        )?;
    }
    Ok((row.id, reference))
}

/// `meldpunt register import`: the same checks and service as the API, on behalf of a named staff
/// member; problems are printed by line and field (exit code 1), nothing is stored then.
pub fn cli_import(
    c: &mut DbConn,
    org_slug: &str,
    user_email: &str,
    mapping: Option<&std::path::Path>,
    file: &std::path::Path,
    dry_run: bool,
    out: &mut impl std::io::Write,
) -> anyhow::Result<i32> {
    let Some(u) = crate::auth::store::user_by_email(c, user_email)? else {
        writeln!(out, "error: --as: no staff member {user_email}")?;
        return Ok(2);
    };
    let staff = crate::auth::store::staff(c, &u)?;
    let Some(org) = crate::orgs::store::by_slug(c, org_slug)? else {
        writeln!(out, "error: --org: no organisation {org_slug}")?;
        return Ok(2);
    };
    let mapping: Mapping = match mapping {
        None => Mapping::new(),
        Some(p) => serde_json::from_slice(&std::fs::read(p)?)
            .map_err(|e| anyhow::anyhow!("--mapping: a JSON object of field → column: {e}"))?,
    };
    let bytes = std::fs::read(file)?;
    match import_register(c, &staff, &org.id, &bytes, &mapping, dry_run) {
        Ok(o) => {
            for (i, r) in o.rows.iter().enumerate() {
                writeln!(
                    out,
                    "line {}: {} {} | {} | aware {} | notified {} | closed {}",
                    r.line,
                    o.references
                        .get(i)
                        .map(String::as_str)
                        .unwrap_or("(dry run)"),
                    r.state,
                    r.title,
                    r.became_aware_at.to_rfc3339(),
                    r.notified_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    r.closed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                )?;
            }
            writeln!(
                out,
                "{} row(s) {} (source SHA-256 {})",
                o.rows.len(),
                if dry_run {
                    "checked, nothing stored"
                } else {
                    "imported"
                },
                o.source_sha256
            )?;
            Ok(0)
        }
        Err(DomainError::Invalid(errs)) => {
            for e in errs {
                writeln!(out, "error: {}: {}", e.field, e.message)?;
            }
            writeln!(out, "nothing imported")?;
            Ok(1)
        }
        Err(e) => {
            writeln!(out, "error: {e}")?;
            Ok(1)
        }
    }
}
