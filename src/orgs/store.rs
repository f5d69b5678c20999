use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Organisation, OrganisationInput};
use crate::db::schema::organisations;
use crate::db::Cached;
use crate::db::{new_id, now, to_db, DbConn};

#[derive(Queryable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = organisations)]
pub struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub kvk_number: Option<String>,
    pub address: Option<String>,
    pub fg_name: Option<String>,
    pub fg_email: Option<String>,
    pub fg_phone: Option<String>,
    pub fg_registration_number: Option<String>,
    pub processor_hours: Option<i32>,
    pub require_2fa: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<OrgRow> for Organisation {
    fn from(r: OrgRow) -> Self {
        Organisation {
            id: r.id,
            slug: r.slug,
            name: r.name,
            kvk_number: r.kvk_number,
            address: r.address,
            fg_name: r.fg_name,
            fg_email: r.fg_email,
            fg_phone: r.fg_phone,
            fg_registration_number: r.fg_registration_number,
            processor_hours: r.processor_hours,
            require_2fa: r.require_2fa,
        }
    }
}

impl OrgRow {
    pub fn apply(&mut self, i: &OrganisationInput) {
        if let Some(v) = &i.slug {
            self.slug = v.clone();
        }
        if let Some(v) = &i.name {
            self.name = v.trim().to_string();
        }
        macro_rules! opt {
            ($f:ident) => {
                if let Some(v) = &i.$f {
                    self.$f = if v.trim().is_empty() {
                        None
                    } else {
                        Some(v.trim().to_string())
                    };
                }
            };
        }
        opt!(kvk_number);
        opt!(address);
        opt!(fg_name);
        opt!(fg_email);
        opt!(fg_phone);
        opt!(fg_registration_number);
        if let Some(h) = i.processor_hours {
            self.processor_hours = Some(h);
        }
        if let Some(b) = i.require_2fa {
            self.require_2fa = b;
        }
    }

    pub fn new_from(i: &OrganisationInput) -> OrgRow {
        let t = to_db(now());
        let mut row = OrgRow {
            id: new_id(),
            slug: String::new(),
            name: String::new(),
            kvk_number: None,
            address: None,
            fg_name: None,
            fg_email: None,
            fg_phone: None,
            fg_registration_number: None,
            processor_hours: None,
            require_2fa: false,
            created_at: t,
            updated_at: t,
        };
        row.apply(i);
        row
    }
}

pub fn by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<OrgRow>> {
    organisations::table
        .filter(organisations::slug.eq(slug))
        .first_on(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrgRow>> {
    organisations::table.find(id).first_on(conn).optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<OrgRow>> {
    organisations::table
        .order(organisations::name.asc())
        .load_on(conn)
}

pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<OrgRow>> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .order(organisations::name.asc())
        .load_on(conn)
}

pub fn insert(conn: &mut DbConn, row: &OrgRow) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute_on(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &OrgRow) -> QueryResult<()> {
    diesel::update(organisations::table.find(&row.id))
        .set(row)
        .execute_on(conn)
        .map(|_| ())
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    organisations::table.count().get_result_on(conn)
}
