//! Queries of the processors' links, notices and supplements. The reports a notice became are
//! stored by `reports::store`; their processor facts are read by `reports::processor`.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    incidents, processing_activities, processor_links, processor_notice_reports, processor_notices,
    processor_supplements, reports, users,
};
use crate::db::{Cached, DbConn};

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = processor_links)]
pub struct LinkRow {
    pub id: String,
    pub processor_org_id: String,
    pub controller_org_id: String,
    pub contract_hours: i32,
    /// JSON list of processing activity ids (the controller's).
    pub activity_ids: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = processor_notices, treat_none_as_default_value = false)]
pub struct NoticeRow {
    pub id: String,
    pub reference: String,
    pub processor_org_id: String,
    pub submitted_by: String,
    pub description: String,
    pub aware_at: NaiveDateTime,
    pub breach_started_at: Option<NaiveDateTime>,
    pub data_categories: String,
    pub special_categories: String,
    pub person_groups: String,
    pub people_min: Option<i64>,
    pub people_max: Option<i64>,
    pub records_approx: Option<i64>,
    pub measures: String,
    pub contact_phone: Option<String>,
    pub language: String,
    pub submitted_at: NaiveDateTime,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = processor_notice_reports)]
pub struct NoticeReportRow {
    pub report_id: String,
    pub notice_id: String,
    pub controller_org_id: String,
    pub contract_hours: i32,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = processor_supplements)]
pub struct SupplementRow {
    pub id: String,
    pub notice_id: String,
    pub body: String,
    pub added_by: String,
    pub added_at: NaiveDateTime,
}

// --- links ----------------------------------------------------------------------------------

pub fn insert_link(c: &mut DbConn, row: &LinkRow) -> QueryResult<()> {
    diesel::insert_into(processor_links::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

pub fn link_by_id(c: &mut DbConn, id: &str) -> QueryResult<Option<LinkRow>> {
    processor_links::table.find(id).first_on(c).optional()
}

pub fn link_between(
    c: &mut DbConn,
    processor_org_id: &str,
    controller_org_id: &str,
) -> QueryResult<Option<LinkRow>> {
    processor_links::table
        .filter(processor_links::processor_org_id.eq(processor_org_id))
        .filter(processor_links::controller_org_id.eq(controller_org_id))
        .first_on(c)
        .optional()
}

/// Every link, oldest first (the caller filters what a person may see).
pub fn all_links(c: &mut DbConn) -> QueryResult<Vec<LinkRow>> {
    processor_links::table
        .order((processor_links::created_at.asc(), processor_links::id.asc()))
        .load_on(c)
}

/// The links of these processors or controllers, oldest first.
pub fn links_touching(c: &mut DbConn, org_ids: &[String]) -> QueryResult<Vec<LinkRow>> {
    if org_ids.is_empty() {
        return Ok(vec![]);
    }
    processor_links::table
        .filter(
            processor_links::processor_org_id
                .eq_any(org_ids)
                .or(processor_links::controller_org_id.eq_any(org_ids)),
        )
        .order((processor_links::created_at.asc(), processor_links::id.asc()))
        .load_on(c)
}

pub fn delete_link(c: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(processor_links::table.find(id)).execute_on(c)
}

/// The processing activities of `org_id` among `ids`: (id, name).
pub fn activities_of(
    c: &mut DbConn,
    org_id: &str,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .filter(processing_activities::id.eq_any(ids))
        .select((processing_activities::id, processing_activities::name))
        .load_on(c)
}

/// Every processing activity of `org_id`: (id, name), by name.
pub fn all_activities_of(c: &mut DbConn, org_id: &str) -> QueryResult<Vec<(String, String)>> {
    processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .order((
            processing_activities::name.asc(),
            processing_activities::id.asc(),
        ))
        .select((processing_activities::id, processing_activities::name))
        .load_on(c)
}

// --- notices --------------------------------------------------------------------------------

pub fn insert_notice(c: &mut DbConn, row: &NoticeRow) -> QueryResult<()> {
    diesel::insert_into(processor_notices::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

pub fn insert_notice_report(c: &mut DbConn, row: &NoticeReportRow) -> QueryResult<()> {
    diesel::insert_into(processor_notice_reports::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

pub fn notice_by_reference(c: &mut DbConn, reference: &str) -> QueryResult<Option<NoticeRow>> {
    processor_notices::table
        .filter(processor_notices::reference.eq(reference))
        .first_on(c)
        .optional()
}

pub fn notice_by_id(c: &mut DbConn, id: &str) -> QueryResult<Option<NoticeRow>> {
    processor_notices::table.find(id).first_on(c).optional()
}

/// The notices of these processors, newest first: a page and the total.
pub fn notices_of(
    c: &mut DbConn,
    processor_org_ids: &[String],
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<NoticeRow>, i64)> {
    if processor_org_ids.is_empty() {
        return Ok((vec![], 0));
    }
    let rows = processor_notices::table
        .filter(processor_notices::processor_org_id.eq_any(processor_org_ids))
        .order((
            processor_notices::submitted_at.desc(),
            processor_notices::id.desc(),
        ))
        .limit(limit)
        .offset(offset)
        .load_on(c)?;
    let total = processor_notices::table
        .filter(processor_notices::processor_org_id.eq_any(processor_org_ids))
        .count()
        .get_result_on(c)?;
    Ok((rows, total))
}

/// Where a notice went: per controller, its report (reference, status) and whether the report's
/// incident is closed (`None`: no incident).
#[derive(Debug, Clone)]
pub struct Delivered {
    pub notice_id: String,
    pub controller_org_id: String,
    pub contract_hours: i32,
    pub report_id: String,
    pub report_reference: String,
    pub report_status: String,
    pub incident_closed: Option<bool>,
}

pub fn delivered(c: &mut DbConn, notice_ids: &[String]) -> QueryResult<Vec<Delivered>> {
    if notice_ids.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(NoticeReportRow, String, String, Option<String>)> =
        processor_notice_reports::table
            .inner_join(reports::table)
            .filter(processor_notice_reports::notice_id.eq_any(notice_ids))
            .select((
                (
                    processor_notice_reports::report_id,
                    processor_notice_reports::notice_id,
                    processor_notice_reports::controller_org_id,
                    processor_notice_reports::contract_hours,
                ),
                reports::reference,
                reports::status,
                reports::incident_id,
            ))
            .order(reports::reference.asc())
            .load_on(c)?;
    let incident_ids: Vec<String> = rows.iter().filter_map(|r| r.3.clone()).collect();
    let states: Vec<(String, String)> = if incident_ids.is_empty() {
        vec![]
    } else {
        incidents::table
            .filter(incidents::id.eq_any(&incident_ids))
            .select((incidents::id, incidents::state))
            .load_on(c)?
    };
    Ok(rows
        .into_iter()
        .map(|(nr, reference, status, incident)| Delivered {
            incident_closed: incident.and_then(|i| {
                states.iter().find(|(id, _)| *id == i).map(|(_, s)| {
                    crate::incidents::lifecycle::State::parse(s).is_some_and(|s| s.is_closed())
                })
            }),
            notice_id: nr.notice_id,
            controller_org_id: nr.controller_org_id,
            contract_hours: nr.contract_hours,
            report_id: nr.report_id,
            report_reference: reference,
            report_status: status,
        })
        .collect())
}

// --- supplements ----------------------------------------------------------------------------

pub fn insert_supplement(c: &mut DbConn, row: &SupplementRow) -> QueryResult<()> {
    diesel::insert_into(processor_supplements::table)
        .values(row)
        .execute_on(c)
        .map(|_| ())
}

/// A notice's supplements, oldest first, with the name of who added each.
pub fn supplements(c: &mut DbConn, notice_id: &str) -> QueryResult<Vec<(SupplementRow, String)>> {
    processor_supplements::table
        .inner_join(users::table.on(users::id.eq(processor_supplements::added_by)))
        .filter(processor_supplements::notice_id.eq(notice_id))
        .order((
            processor_supplements::added_at.asc(),
            processor_supplements::id.asc(),
        ))
        .select((processor_supplements::all_columns, users::display_name))
        .load_on(c)
}
