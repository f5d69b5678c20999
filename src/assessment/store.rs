//! Storage of an incident's facts versions, the assessments computed from them and the
//! decisions people took. JSON is kept as text so both backends store it alike.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{incident_assessments, incident_decisions, incident_facts};
use crate::db::Cached;
use crate::db::DbConn;

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = incident_facts)]
pub struct FactsRow {
    pub incident_id: String,
    pub version: i64,
    pub facts_json: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = incident_assessments)]
pub struct AssessmentRow {
    pub id: String,
    pub incident_id: String,
    pub facts_version: i64,
    pub severity_json: String,
    pub proposal_json: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = incident_decisions)]
pub struct DecisionRow {
    pub id: String,
    pub incident_id: String,
    pub assessment_id: String,
    pub outcome: String,
    pub exception: Option<String>,
    pub reasons: String,
    pub reason_for_difference: Option<String>,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
}

/// The newest facts version of an incident.
pub fn latest_facts(c: &mut DbConn, incident_id: &str) -> QueryResult<Option<FactsRow>> {
    incident_facts::table
        .filter(incident_facts::incident_id.eq(incident_id))
        .order(incident_facts::version.desc())
        .first_on(c)
        .optional()
}

pub fn insert_facts(c: &mut DbConn, row: &FactsRow) -> QueryResult<()> {
    diesel::insert_into(incident_facts::table)
        .values(row)
        .execute_on(c)?;
    Ok(())
}

pub fn insert_assessment(c: &mut DbConn, row: &AssessmentRow) -> QueryResult<()> {
    diesel::insert_into(incident_assessments::table)
        .values(row)
        .execute_on(c)?;
    Ok(())
}

/// The newest assessment (of the newest facts version).
pub fn latest_assessment(c: &mut DbConn, incident_id: &str) -> QueryResult<Option<AssessmentRow>> {
    incident_assessments::table
        .filter(incident_assessments::incident_id.eq(incident_id))
        .order((
            incident_assessments::facts_version.desc(),
            incident_assessments::created_at.desc(),
            incident_assessments::id.desc(),
        ))
        .first_on(c)
        .optional()
}

/// Every assessment, oldest first.
pub fn assessments(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<AssessmentRow>> {
    incident_assessments::table
        .filter(incident_assessments::incident_id.eq(incident_id))
        .order((
            incident_assessments::facts_version.asc(),
            incident_assessments::created_at.asc(),
            incident_assessments::id.asc(),
        ))
        .load_on(c)
}

pub fn insert_decision(c: &mut DbConn, row: &DecisionRow) -> QueryResult<()> {
    diesel::insert_into(incident_decisions::table)
        .values(row)
        .execute_on(c)?;
    Ok(())
}

/// The newest decision on an incident.
pub fn latest_decision(c: &mut DbConn, incident_id: &str) -> QueryResult<Option<DecisionRow>> {
    incident_decisions::table
        .filter(incident_decisions::incident_id.eq(incident_id))
        .order((
            incident_decisions::decided_at.desc(),
            incident_decisions::id.desc(),
        ))
        .first_on(c)
        .optional()
}

/// For many incidents at once (the register): the newest facts, assessment and decision of each,
/// in three queries per 500 incidents instead of three per incident. Same order as the single
/// lookups above: the last row per incident wins.
pub struct Latest {
    pub facts: std::collections::HashMap<String, FactsRow>,
    pub assessments: std::collections::HashMap<String, AssessmentRow>,
    pub decisions: std::collections::HashMap<String, DecisionRow>,
}

pub fn latest_for(c: &mut DbConn, incident_ids: &[String]) -> QueryResult<Latest> {
    let mut out = Latest {
        facts: Default::default(),
        assessments: Default::default(),
        decisions: Default::default(),
    };
    for chunk in incident_ids.chunks(500) {
        let facts: Vec<FactsRow> = incident_facts::table
            .filter(incident_facts::incident_id.eq_any(chunk))
            .order((incident_facts::incident_id, incident_facts::version.asc()))
            .load_on(c)?;
        for f in facts {
            out.facts.insert(f.incident_id.clone(), f);
        }
        let assessments: Vec<AssessmentRow> = incident_assessments::table
            .filter(incident_assessments::incident_id.eq_any(chunk))
            .order((
                incident_assessments::incident_id,
                incident_assessments::facts_version.asc(),
                incident_assessments::created_at.asc(),
                incident_assessments::id.asc(),
            ))
            .load_on(c)?;
        for a in assessments {
            out.assessments.insert(a.incident_id.clone(), a);
        }
        let decisions: Vec<DecisionRow> = incident_decisions::table
            .filter(incident_decisions::incident_id.eq_any(chunk))
            .order((
                incident_decisions::incident_id,
                incident_decisions::decided_at.asc(),
                incident_decisions::id.asc(),
            ))
            .load_on(c)?;
        for d in decisions {
            out.decisions.insert(d.incident_id.clone(), d);
        }
    }
    Ok(out)
}
