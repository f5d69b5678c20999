//! The staff's notes thread on an incident (audited like every other change).
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{incident_notes, users};
use crate::db::Cached;
use crate::db::{new_id, now, to_db, DbConn};

#[derive(Queryable, Debug, Clone, serde::Serialize)]
pub struct Note {
    pub id: String,
    pub author_name: String,
    pub body: String,
    #[serde(with = "crate::serde_utc")]
    pub created_at: NaiveDateTime,
}

pub fn add(
    conn: &mut DbConn,
    incident_id: &str,
    author_id: &str,
    body: &str,
) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(incident_notes::table)
        .values((
            incident_notes::id.eq(&id),
            incident_notes::incident_id.eq(incident_id),
            incident_notes::author_id.eq(author_id),
            incident_notes::body.eq(body),
            incident_notes::created_at.eq(to_db(now())),
        ))
        .execute_on(conn)?;
    Ok(id)
}

pub fn list(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<Note>> {
    incident_notes::table
        .inner_join(users::table)
        .filter(incident_notes::incident_id.eq(incident_id))
        .select((
            incident_notes::id,
            users::display_name,
            incident_notes::body,
            incident_notes::created_at,
        ))
        .order(incident_notes::created_at.asc())
        .load_on(conn)
}
