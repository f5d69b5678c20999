//! Storage of measures.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{measures, users};
use crate::db::Cached;
use crate::db::DbConn;

#[derive(Queryable, Insertable, AsChangeset, Debug, Clone, serde::Serialize)]
#[diesel(table_name = measures, treat_none_as_null = true)]
pub struct MeasureRow {
    pub id: String,
    pub incident_id: String,
    pub organisation_id: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub due_on: NaiveDate,
    pub status: String,
    pub evidence: Option<String>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

pub fn insert(c: &mut DbConn, row: &MeasureRow) -> QueryResult<()> {
    diesel::insert_into(measures::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

pub fn save(c: &mut DbConn, row: &MeasureRow) -> QueryResult<()> {
    diesel::update(measures::table.find(&row.id))
        .set(row)
        .execute_on(c)
        .map(|_| ())
}

pub fn by_id(c: &mut DbConn, id: &str) -> QueryResult<Option<MeasureRow>> {
    measures::table.find(id).first_on(c).optional()
}

pub fn for_incident(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<MeasureRow>> {
    measures::table
        .filter(measures::incident_id.eq(incident_id))
        .order((measures::due_on.asc(), measures::created_at.asc()))
        .load_on(c)
}

pub fn for_incidents(c: &mut DbConn, ids: &[String]) -> QueryResult<Vec<MeasureRow>> {
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let mut part: Vec<MeasureRow> = measures::table
            .filter(measures::incident_id.eq_any(chunk))
            .order((measures::due_on.asc(), measures::created_at.asc()))
            .load_on(c)?;
        out.append(&mut part);
    }
    Ok(out)
}

pub use crate::incidents::store::open_measures as open_count;

/// Open measures past their due date whose owner has not been reminded yet, locked for this
/// worker (others skip them; on SQLite the write lock serialises).
pub fn overdue_unreminded(
    c: &mut DbConn,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<MeasureRow>> {
    let q = measures::table
        .filter(measures::status.eq_any(["open", "in_progress"]))
        .filter(measures::due_on.lt(today))
        .filter(measures::reminder_sent_at.is_null())
        .filter(measures::owner_id.is_not_null())
        .order(measures::due_on.asc())
        .limit(limit);
    crate::db_run!(
        c,
        sqlite | c | q.load(c),
        pg | c | q.for_update().skip_locked().load(c),
    )
}

/// (e-mail, display name, language) of a user.
pub fn user_contact(c: &mut DbConn, id: &str) -> QueryResult<Option<(String, String, String)>> {
    users::table
        .find(id)
        .select((users::email, users::display_name, users::language))
        .first_on(c)
        .optional()
}
