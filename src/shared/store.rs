//! Queries of the links between a shared incident and the controllers' incidents made of it.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{incidents, processor_links, shared_incident_links};
use crate::db::{Cached, DbConn};

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = shared_incident_links)]
pub struct LinkRow {
    pub controller_incident_id: String,
    pub shared_incident_id: String,
    pub controller_org_id: String,
    /// The shared organisation's notice to the controller: its 72 hours start here.
    pub notified_at: NaiveDateTime,
    /// The version of the shared incident's facts the controller's incident took over last.
    pub facts_version_taken: i64,
    /// The shared incident's title, description and times as last taken over (JSON).
    pub details_taken: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(c: &mut DbConn, row: &LinkRow) -> QueryResult<()> {
    diesel::insert_into(shared_incident_links::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

/// The links of a shared incident, in the order they were made.
pub fn of_shared(c: &mut DbConn, shared_incident_id: &str) -> QueryResult<Vec<LinkRow>> {
    shared_incident_links::table
        .filter(shared_incident_links::shared_incident_id.eq(shared_incident_id))
        .order((
            shared_incident_links::created_at.asc(),
            shared_incident_links::controller_incident_id.asc(),
        ))
        .load_on(c)
}

/// The link of a controller's incident (none: it was not made of a shared incident).
pub fn of_controller_incident(
    c: &mut DbConn,
    controller_incident_id: &str,
) -> QueryResult<Option<LinkRow>> {
    shared_incident_links::table
        .find(controller_incident_id)
        .first_on(c)
        .optional()
}

pub fn set_notified_at(
    c: &mut DbConn,
    controller_incident_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(shared_incident_links::table.find(controller_incident_id))
        .set(shared_incident_links::notified_at.eq(at))
        .execute_on(c)
}

/// What a controller's incident took over last: the facts version and the details (JSON).
pub fn set_taken(
    c: &mut DbConn,
    controller_incident_id: &str,
    version: i64,
    details: &str,
) -> QueryResult<usize> {
    diesel::update(shared_incident_links::table.find(controller_incident_id))
        .set((
            shared_incident_links::facts_version_taken.eq(version),
            shared_incident_links::details_taken.eq(details),
        ))
        .execute_on(c)
}

/// The controllers (organisation id, contract hours) a processor organisation is linked to.
pub fn controllers_of(c: &mut DbConn, processor_org_id: &str) -> QueryResult<Vec<(String, i32)>> {
    processor_links::table
        .filter(processor_links::processor_org_id.eq(processor_org_id))
        .select((
            processor_links::controller_org_id,
            processor_links::contract_hours,
        ))
        .order(processor_links::controller_org_id.asc())
        .load_on(c)
}

/// Whether the incident is linked as a controller's part of a shared incident (then it is no
/// shared incident itself).
pub fn is_controller_part(c: &mut DbConn, incident_id: &str) -> QueryResult<bool> {
    Ok(of_controller_incident(c, incident_id)?.is_some())
}

/// An incident as the shared team's list shows it: id, reference, state, AP deadline and when
/// the AP was notified.
pub type Summary = (String, String, String, NaiveDateTime, Option<NaiveDateTime>);

/// The incidents' reference, state and AP deadline (for the shared team's list).
pub fn summaries(c: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Summary>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    incidents::table
        .filter(incidents::id.eq_any(ids))
        .select((
            incidents::id,
            incidents::reference,
            incidents::state,
            incidents::ap_deadline,
            incidents::notified_at,
        ))
        .load_on(c)
}

/// The facts (JSON) of one version of an incident's facts.
pub fn facts_version(
    c: &mut DbConn,
    incident_id: &str,
    version: i64,
) -> QueryResult<Option<String>> {
    use crate::db::schema::incident_facts;
    incident_facts::table
        .filter(incident_facts::incident_id.eq(incident_id))
        .filter(incident_facts::version.eq(version))
        .select(incident_facts::facts_json)
        .first_on(c)
        .optional()
}
