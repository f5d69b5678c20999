//! Queries of the deliveries to inform.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{incident_deliveries, processing_activities};
use crate::db::{Cached, DbConn};

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = incident_deliveries, treat_none_as_default_value = false)]
pub struct DeliveryRow {
    pub id: String,
    pub incident_id: String,
    pub recipient: String,
    pub activity_id: Option<String>,
    pub agreement: String,
    pub clause_hours: Option<i32>,
    pub due_at: NaiveDateTime,
    pub told_at: Option<NaiveDateTime>,
    pub told_how: Option<String>,
    pub told_by: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(c: &mut DbConn, row: &DeliveryRow) -> QueryResult<()> {
    diesel::insert_into(incident_deliveries::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

/// An incident's entries, by due moment.
pub fn for_incident(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<DeliveryRow>> {
    incident_deliveries::table
        .filter(incident_deliveries::incident_id.eq(incident_id))
        .order((
            incident_deliveries::due_at.asc(),
            incident_deliveries::id.asc(),
        ))
        .load_on(c)
}

pub fn by_id(c: &mut DbConn, incident_id: &str, id: &str) -> QueryResult<Option<DeliveryRow>> {
    incident_deliveries::table
        .filter(incident_deliveries::incident_id.eq(incident_id))
        .filter(incident_deliveries::id.eq(id))
        .first_on(c)
        .optional()
}

/// Record the telling, once: false when it was told already.
pub fn mark_told(
    c: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    how: &str,
    by: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        incident_deliveries::table
            .filter(incident_deliveries::id.eq(id))
            .filter(incident_deliveries::told_at.is_null()),
    )
    .set((
        incident_deliveries::told_at.eq(Some(at)),
        incident_deliveries::told_how.eq(Some(how)),
        incident_deliveries::told_by.eq(Some(by)),
    ))
    .execute_on(c)?;
    Ok(n == 1)
}

pub fn delete(c: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(incident_deliveries::table.filter(incident_deliveries::id.eq(id))).execute_on(c)
}

/// The name of a processing activity of `org_id`, if it is one.
pub fn activity_name(c: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<String>> {
    processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .filter(processing_activities::id.eq(id))
        .select(processing_activities::name)
        .first_on(c)
        .optional()
}
