//! A report that came from a processor's notice (channel `processor`, issue 19): who sent it,
//! when the processor became aware and when its notice arrived, the contract's hours. Read here
//! for the inbox, the report page and an incident made of the report; written by `processors`.
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{organisations, processor_notice_reports, processor_notices, reports};
use crate::db::{from_db, DbConn};

/// The processor's facts of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessorFacts {
    pub report_id: String,
    pub report_reference: String,
    pub controller_org_id: String,
    pub notice_id: String,
    pub notice_reference: String,
    pub processor_org_id: String,
    pub processor_name: String,
    pub aware_at: DateTime<Utc>,
    /// When the notice reached the controller: the report's arrival.
    pub notice_at: DateTime<Utc>,
    pub contract_hours: i32,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    i32,
);

fn load(
    c: &mut DbConn,
    by_id: Option<&[String]>,
    by_ref: Option<&[String]>,
) -> QueryResult<Vec<ProcessorFacts>> {
    // A boxed query belongs to one backend: one body per backend, on the concrete connection.
    let rows: Vec<Row> = crate::db_run!(c, |c| {
        let mut q = processor_notice_reports::table
            .inner_join(reports::table)
            .inner_join(processor_notices::table.inner_join(organisations::table))
            .select((
                processor_notice_reports::report_id,
                reports::reference,
                processor_notice_reports::controller_org_id,
                processor_notices::id,
                processor_notices::reference,
                processor_notices::processor_org_id,
                organisations::name,
                processor_notices::aware_at,
                reports::created_at,
                processor_notice_reports::contract_hours,
            ))
            .into_boxed();
        if let Some(ids) = by_id {
            q = q.filter(processor_notice_reports::report_id.eq_any(ids.to_vec()));
        }
        if let Some(refs) = by_ref {
            q = q.filter(reports::reference.eq_any(refs.to_vec()));
        }
        q.load(c)?
    });
    Ok(rows
        .into_iter()
        .map(|r| ProcessorFacts {
            report_id: r.0,
            report_reference: r.1,
            controller_org_id: r.2,
            notice_id: r.3,
            notice_reference: r.4,
            processor_org_id: r.5,
            processor_name: r.6,
            aware_at: from_db(r.7),
            notice_at: from_db(r.8),
            contract_hours: r.9,
        })
        .collect())
}

/// The processor facts of those of these reports (by id) that came from a processor.
pub fn for_reports(c: &mut DbConn, report_ids: &[String]) -> QueryResult<Vec<ProcessorFacts>> {
    if report_ids.is_empty() {
        return Ok(vec![]);
    }
    load(c, Some(report_ids), None)
}

/// The same by the reports' references.
pub fn for_references(c: &mut DbConn, refs: &[String]) -> QueryResult<Vec<ProcessorFacts>> {
    if refs.is_empty() {
        return Ok(vec![]);
    }
    load(c, None, Some(refs))
}
