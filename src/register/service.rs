//! Register operations shared by the API and the pages: the processing register (with import,
//! export and linking incidents to activities, which proposes derived facts), the breach register
//! and the retention policy. Every change is audited in its transaction; access is by organisation
//! (another organisation's register does not exist for the caller: 404).
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::activities::{Activity, LegalBasis, RowProblem};
use super::breaches::{Entry, Filter, MeasureSummary, Timeliness};
use crate::assessment::derive::{self, Source};
use crate::assessment::facts::Facts;
use crate::assessment::service::{record_facts_in, AssessmentResult};
use crate::assessment::{detect, store as astore};
use crate::audit::{self, Entry as AuditEntry};
use crate::auth::Staff;
use crate::db::schema::{
    incident_activities, incidents, processing_activities, retention_policies,
};
use crate::db::Cached;
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::{parse_stored, ApiError, ApiResult};
use crate::incidents::access::visible;
use crate::incidents::store::IncidentRow;
use crate::remediation::rules::{is_overdue, MeasureStatus};
use crate::remediation::service::today_nl;

#[derive(Queryable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = processing_activities)]
pub struct ActivityRow {
    pub id: String,
    pub organisation_id: String,
    pub name: String,
    pub purposes: String,
    pub legal_basis: String,
    pub data_categories: String,
    pub special_categories: String,
    pub person_groups: String,
    pub recipients: String,
    pub processors: String,
    pub retention: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub version: i64,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain values serialise")
}

impl ActivityRow {
    pub fn activity(&self) -> ApiResult<Activity> {
        Ok(Activity {
            name: self.name.clone(),
            purposes: self.purposes.clone(),
            legal_basis: LegalBasis::parse(&self.legal_basis)
                .ok_or_else(|| ApiError::Internal("stored legal basis".into()))?,
            data_categories: parse_stored("data categories", &self.data_categories)?,
            special_categories: parse_stored("special categories", &self.special_categories)?,
            person_groups: parse_stored("person groups", &self.person_groups)?,
            recipients: self.recipients.clone(),
            processors: self.processors.clone(),
            retention: self.retention.clone(),
        })
    }

    fn set(&mut self, a: &Activity) {
        self.name = a.name.clone();
        self.purposes = a.purposes.clone();
        self.legal_basis = a.legal_basis.as_str().into();
        self.data_categories = json(&a.data_categories);
        self.special_categories = json(&a.special_categories);
        self.person_groups = json(&a.person_groups);
        self.recipients = a.recipients.clone();
        self.processors = a.processors.clone();
        self.retention = a.retention.clone();
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub id: String,
    pub organisation_id: String,
    pub version: i64,
    #[serde(flatten)]
    pub activity: Activity,
    pub updated_at: DateTime<Utc>,
}

fn activity_view(r: ActivityRow) -> ApiResult<ActivityView> {
    Ok(ActivityView {
        activity: r.activity()?,
        id: r.id,
        organisation_id: r.organisation_id,
        version: r.version,
        updated_at: from_db(r.updated_at),
    })
}

/// The organisation, if the caller may work for it; 404 otherwise.
pub fn own_org(staff: &Staff, org_id: &str) -> ApiResult<()> {
    if staff.can_handle(org_id) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

fn audit_entry(
    staff: &Staff,
    action: Action,
    entity_type: &'static str,
    entity_id: &str,
    org: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditEntry {
    AuditEntry {
        actor: staff.actor(),
        action,
        entity_type,
        entity_id: entity_id.into(),
        organisation_id: Some(org.into()),
        before,
        after,
    }
}

pub fn list_activities(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
) -> ApiResult<Vec<ActivityView>> {
    own_org(staff, org_id)?;
    let rows: Vec<ActivityRow> = processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .order(processing_activities::name.asc())
        .load_on(c)?;
    rows.into_iter().map(activity_view).collect()
}

/// A page of the organisation's processing activities by name, and how many there are.
pub fn activities_page(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<ActivityView>, i64)> {
    own_org(staff, org_id)?;
    let rows: Vec<ActivityRow> = processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .order((
            processing_activities::name.asc(),
            processing_activities::id.asc(),
        ))
        .limit(limit)
        .offset(offset)
        .load_on(c)?;
    let total: i64 = processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .count()
        .get_result_on(c)?;
    Ok((
        rows.into_iter()
            .map(activity_view)
            .collect::<ApiResult<Vec<_>>>()?,
        total,
    ))
}

pub fn get_activity(c: &mut DbConn, staff: &Staff, id: &str) -> ApiResult<ActivityView> {
    let row: ActivityRow = processing_activities::table
        .find(id)
        .first_on(c)
        .optional()?
        .ok_or(ApiError::NotFound)?;
    own_org(staff, &row.organisation_id)?;
    activity_view(row)
}

fn name_taken(c: &mut DbConn, org_id: &str, name: &str, except: Option<&str>) -> ApiResult<bool> {
    let rows: Vec<(String, String)> = processing_activities::table
        .filter(processing_activities::organisation_id.eq(org_id))
        .select((processing_activities::id, processing_activities::name))
        .load_on(c)?;
    Ok(rows
        .iter()
        .any(|(id, n)| n.to_lowercase() == name.to_lowercase() && Some(id.as_str()) != except))
}

pub fn create_activity(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    a: Activity,
) -> ApiResult<ActivityView> {
    own_org(staff, org_id)?;
    let a = a.normalised();
    a.validate().map_err(ApiError::from)?;
    write_tx(c, |c| -> ApiResult<ActivityView> {
        if name_taken(c, org_id, &a.name, None)? {
            return Err(ApiError::field(
                "name",
                "an activity with this name exists already",
            ));
        }
        let t = to_db(now());
        let mut row = ActivityRow {
            id: new_id(),
            organisation_id: org_id.into(),
            name: String::new(),
            purposes: String::new(),
            legal_basis: String::new(),
            data_categories: String::new(),
            special_categories: String::new(),
            person_groups: String::new(),
            recipients: String::new(),
            processors: String::new(),
            retention: String::new(),
            created_at: t,
            updated_at: t,
            version: 1,
        };
        row.set(&a);
        diesel::insert_into(processing_activities::table)
            .values(&row)
            .execute_on(c)?;
        audit::store::append(
            c,
            &[audit_entry(
                staff,
                Action::ActivityCreated,
                "processing_activity",
                &row.id,
                org_id,
                None,
                Some(serde_json::to_value(&a).unwrap_or_default()),
            )],
            from_db(t),
        )?;
        activity_view(row)
    })
}

pub fn update_activity(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    version: i64,
    a: Activity,
) -> ApiResult<ActivityView> {
    let a = a.normalised();
    a.validate().map_err(ApiError::from)?;
    write_tx(c, |c| -> ApiResult<ActivityView> {
        let mut row: ActivityRow = processing_activities::table
            .find(id)
            .first_on(c)
            .optional()?
            .ok_or(ApiError::NotFound)?;
        own_org(staff, &row.organisation_id)?;
        if row.version != version {
            return Err(ApiError::Conflict(format!(
                "the activity was changed by someone else (version {} now, {version} given)",
                row.version
            )));
        }
        if name_taken(c, &row.organisation_id, &a.name, Some(id))? {
            return Err(ApiError::field(
                "name",
                "an activity with this name exists already",
            ));
        }
        let before = serde_json::to_value(row.activity()?).unwrap_or_default();
        row.set(&a);
        row.version += 1;
        let t = now();
        row.updated_at = to_db(t);
        diesel::update(processing_activities::table.find(id))
            .set(&row)
            .execute_on(c)?;
        let org = row.organisation_id.clone();
        audit::store::append(
            c,
            &[audit_entry(
                staff,
                Action::ActivityChanged,
                "processing_activity",
                id,
                &org,
                Some(before),
                Some(serde_json::to_value(&a).unwrap_or_default()),
            )],
            t,
        )?;
        activity_view(row)
    })
}

pub fn delete_activity(c: &mut DbConn, staff: &Staff, id: &str) -> ApiResult<()> {
    write_tx(c, |c| -> ApiResult<()> {
        let row: ActivityRow = processing_activities::table
            .find(id)
            .first_on(c)
            .optional()?
            .ok_or(ApiError::NotFound)?;
        own_org(staff, &row.organisation_id)?;
        let linked: i64 = incident_activities::table
            .filter(incident_activities::activity_id.eq(id))
            .count()
            .get_result_on(c)?;
        if linked > 0 {
            return Err(ApiError::Conflict(format!(
                "{linked} incident(s) are linked to this activity; unlink them first so the register stays complete"
            )));
        }
        diesel::delete(processing_activities::table.find(id)).execute_on(c)?;
        audit::store::append(
            c,
            &[audit_entry(
                staff,
                Action::ActivityDeleted,
                "processing_activity",
                id,
                &row.organisation_id,
                Some(serde_json::to_value(row.activity()?).unwrap_or_default()),
                None,
            )],
            now(),
        )?;
        Ok(())
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
}

/// The refusal of an import: every bad row, nothing imported.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportRefused {
    pub problems: Vec<RowProblem>,
}

/// Import parsed activities: new names are added, existing names (case-insensitive) replaced.
/// One transaction: all or nothing.
pub fn import_activities(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    items: Vec<Activity>,
) -> ApiResult<ImportOutcome> {
    own_org(staff, org_id)?;
    write_tx(c, |c| -> ApiResult<ImportOutcome> {
        let existing: Vec<ActivityRow> = processing_activities::table
            .filter(processing_activities::organisation_id.eq(org_id))
            .load_on(c)?;
        let t = now();
        let (mut created, mut updated) = (0, 0);
        for a in &items {
            if let Some(mut row) = existing
                .iter()
                .find(|r| r.name.to_lowercase() == a.name.to_lowercase())
                .cloned()
            {
                if row.activity()? == *a {
                    continue;
                }
                row.set(a);
                row.version += 1;
                row.updated_at = to_db(t);
                diesel::update(processing_activities::table.find(&row.id))
                    .set(&row)
                    .execute_on(c)?;
                updated += 1;
            } else {
                let mut row = ActivityRow {
                    id: new_id(),
                    organisation_id: org_id.into(),
                    name: String::new(),
                    purposes: String::new(),
                    legal_basis: String::new(),
                    data_categories: String::new(),
                    special_categories: String::new(),
                    person_groups: String::new(),
                    recipients: String::new(),
                    processors: String::new(),
                    retention: String::new(),
                    created_at: to_db(t),
                    updated_at: to_db(t),
                    version: 1,
                };
                row.set(a);
                diesel::insert_into(processing_activities::table)
                    .values(&row)
                    .execute_on(c)?;
                created += 1;
            }
        }
        audit::store::append(
            c,
            &[audit_entry(
                staff,
                Action::ActivitiesImported,
                "organisation",
                org_id,
                org_id,
                None,
                Some(
                    serde_json::json!({"created": created, "updated": updated, "names": items.iter().map(|a| &a.name).collect::<Vec<_>>()}),
                ),
            )],
            t,
        )?;
        Ok(ImportOutcome { created, updated })
    })
}

/// What linking or re-deriving did to the facts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeriveOutcome {
    pub activity_ids: Vec<String>,
    /// The new facts version with its assessment, or null when the proposal changed nothing.
    #[schema(value_type = Option<Object>)]
    pub assessment: Option<AssessmentResult>,
}

fn sources(c: &mut DbConn, inc: &IncidentRow) -> ApiResult<(Vec<String>, Vec<Source>)> {
    let rows: Vec<ActivityRow> = processing_activities::table
        .inner_join(incident_activities::table)
        .filter(incident_activities::incident_id.eq(&inc.id))
        .select(processing_activities::all_columns)
        .order(processing_activities::name.asc())
        .load_on(c)?;
    let ids = rows.iter().map(|r| r.id.clone()).collect();
    let mut out = vec![];
    for r in &rows {
        out.push(r.activity()?.as_source());
    }
    for rep in crate::reports::store::for_incident(c, &inc.id)? {
        // What the citizen ticked ("welke gegevens zag u?").
        let ticked: Vec<String> = serde_json::from_str(&rep.data_kinds).unwrap_or_default();
        let s = derive::from_citizen_kinds(
            format!("aangevinkt door de melder in melding {}", rep.reference),
            &ticked,
        );
        if !s.general_data.is_empty() || !s.special_categories.is_empty() {
            out.push(s);
        }
        let cats = detect::propose_categories(&detect::find(&rep.description));
        if !cats.is_empty() {
            out.push(Source {
                label: format!("{} in melding {}", detect::SOURCE_NL, rep.reference),
                general_data: cats,
                ..Source::default()
            });
        }
    }
    Ok((ids, out))
}

fn rederive(c: &mut DbConn, staff: &Staff, inc: &IncidentRow) -> ApiResult<DeriveOutcome> {
    let (ids, srcs) = sources(c, inc)?;
    let current: Facts = match astore::latest_facts(c, &inc.id)? {
        Some(f) => parse_stored("facts", &f.facts_json)?,
        None => Facts::default(),
    };
    let proposed = derive::propose(&current, &srcs);
    let assessment = if proposed != current {
        Some(record_facts_in(c, staff, inc, proposed)?)
    } else {
        None
    };
    Ok(DeriveOutcome {
        activity_ids: ids,
        assessment,
    })
}

/// Set the activities an incident concerns (same organisation only) and propose its data and
/// people categories from them and from its reports, as derived facts.
pub fn link_activities(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    activity_ids: &[String],
) -> ApiResult<DeriveOutcome> {
    if activity_ids.len() > 200 {
        return Err(ApiError::field("activity_ids", "at most 200 activities"));
    }
    write_tx(c, |c| -> ApiResult<DeriveOutcome> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut wanted: Vec<String> = activity_ids.to_vec();
        wanted.sort();
        wanted.dedup();
        let found: Vec<String> = processing_activities::table
            .filter(processing_activities::id.eq_any(&wanted))
            .filter(processing_activities::organisation_id.eq(&inc.organisation_id))
            .select(processing_activities::id)
            .load_on(c)?;
        if let Some(missing) = wanted.iter().find(|w| !found.contains(w)) {
            return Err(ApiError::field(
                "activity_ids",
                &format!("no processing activity {missing} in this incident's organisation"),
            ));
        }
        let before: Vec<String> = incident_activities::table
            .filter(incident_activities::incident_id.eq(&inc.id))
            .select(incident_activities::activity_id)
            .order(incident_activities::activity_id.asc())
            .load_on(c)?;
        if before != wanted {
            diesel::delete(
                incident_activities::table.filter(incident_activities::incident_id.eq(&inc.id)),
            )
            .execute_on(c)?;
            for a in &wanted {
                diesel::insert_into(incident_activities::table)
                    .values((
                        incident_activities::incident_id.eq(&inc.id),
                        incident_activities::activity_id.eq(a),
                    ))
                    .execute_on(c)?;
            }
            audit::store::append(
                c,
                &[audit_entry(
                    staff,
                    Action::IncidentActivitiesLinked,
                    "incident",
                    &inc.id,
                    &inc.organisation_id,
                    Some(serde_json::json!({"activity_ids": before})),
                    Some(serde_json::json!({"activity_ids": wanted})),
                )],
                now(),
            )?;
        }
        rederive(c, staff, &inc)
    })
}

/// Propose derived facts again from the linked activities and reports.
pub fn derive_facts(c: &mut DbConn, staff: &Staff, incident_id: &str) -> ApiResult<DeriveOutcome> {
    write_tx(c, |c| -> ApiResult<DeriveOutcome> {
        let inc = visible(c, staff, incident_id, true)?;
        rederive(c, staff, &inc)
    })
}

pub fn linked_activities(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
) -> ApiResult<Vec<ActivityView>> {
    let inc = visible(c, staff, incident_id, false)?;
    let rows: Vec<ActivityRow> = processing_activities::table
        .inner_join(incident_activities::table)
        .filter(incident_activities::incident_id.eq(&inc.id))
        .select(processing_activities::all_columns)
        .order(processing_activities::name.asc())
        .load_on(c)?;
    rows.into_iter().map(activity_view).collect()
}

fn people_text(f: &Facts) -> Option<String> {
    use crate::assessment::facts::PeopleCount;
    f.people.value().map(|p| match p {
        PeopleCount::Exact { n } => n.to_string(),
        PeopleCount::Range {
            min,
            max: Some(max),
        } => format!("{min}–{max}"),
        PeopleCount::Range { min, max: None } => format!("≥ {min}"),
    })
}

/// The register entries the caller may see, filtered, newest awareness first.
pub fn register(c: &mut DbConn, staff: &Staff, f: &Filter) -> ApiResult<Vec<Entry>> {
    f.validate()
        .map_err(|(field, msg)| ApiError::field(field, &msg))?;
    let orgs = match &f.organisation {
        Some(o) => {
            own_org(staff, o)?;
            vec![o.clone()]
        }
        None => staff.org_ids(),
    };
    let rows: Vec<IncidentRow> = crate::db_run!(c, |c| {
        let mut q = incidents::table
            .filter(incidents::organisation_id.eq_any(&orgs))
            .filter(incidents::state.ne("not_a_breach"))
            .order(incidents::became_aware_at.desc())
            .into_boxed();
        let tz = chrono_tz::Europe::Amsterdam;
        let local_midnight = |d: chrono::NaiveDate| {
            use chrono::TimeZone;
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .map(|t| to_db(t.with_timezone(&Utc)))
        };
        if let Some(from) = f.from.and_then(local_midnight) {
            q = q.filter(incidents::became_aware_at.ge(from));
        }
        if let Some(to) = f.to.and_then(|d| d.succ_opt()).and_then(local_midnight) {
            q = q.filter(incidents::became_aware_at.lt(to));
        }
        // Every entry, however many (the register, its exports and statistics are never cut short);
        // what belongs to them is read 500 incidents at a time.
        q.then_order_by(incidents::id.desc()).load(c)?
    });
    let org_names: std::collections::HashMap<String, String> =
        crate::orgs::store::by_ids(c, &orgs)?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut measures: std::collections::HashMap<String, Vec<_>> = Default::default();
    for m in crate::remediation::store::for_incidents(c, &ids)? {
        measures.entry(m.incident_id.clone()).or_default().push(m);
    }
    let mut latest = astore::latest_for(c, &ids)?;
    let today = today_nl(now());
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let facts: Option<Facts> = match latest.facts.remove(&r.id) {
            Some(fr) => Some(parse_stored("facts", &fr.facts_json)?),
            None => None,
        };
        let (band, score, proposal) = match latest.assessments.remove(&r.id) {
            Some(a) => {
                let sev: crate::assessment::severity::Severity =
                    parse_stored("severity", &a.severity_json)?;
                let prop: crate::assessment::decision::Proposal =
                    parse_stored("proposal", &a.proposal_json)?;
                (
                    Some(sev.band.as_str().to_string()),
                    Some(sev.score),
                    Some(prop.outcome.as_str().to_string()),
                )
            }
            None => (None, None, None),
        };
        let decision = latest.decisions.remove(&r.id);
        let mine = measures.remove(&r.id).unwrap_or_default();
        let summaries: Vec<MeasureSummary> = mine
            .iter()
            .map(|m| {
                let st = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Open);
                MeasureSummary {
                    description: m.description.clone(),
                    status: m.status.clone(),
                    due_on: m.due_on,
                    overdue: is_overdue(st, m.due_on, today),
                }
            })
            .collect();
        let open = mine
            .iter()
            .filter(|m| {
                MeasureStatus::parse(&m.status)
                    .map(|s| s.is_open())
                    .unwrap_or(true)
            })
            .count();
        let aware = from_db(r.became_aware_at);
        let start = crate::incidents::clock::clock_start(aware, r.processor_notice_at.map(from_db));
        let notified = r.notified_at.map(from_db);
        let keys = |v: Vec<&'static str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        let entry = Entry {
            incident_id: r.id.clone(),
            reference: r.reference.clone(),
            organisation: org_names
                .get(&r.organisation_id)
                .cloned()
                .unwrap_or_default(),
            organisation_id: r.organisation_id.clone(),
            title: r.title.clone(),
            state: r.state.as_str().into(),
            became_aware_at: aware,
            late_awareness_reason: r.late_awareness_reason.clone(),
            ap_deadline: from_db(r.ap_deadline),
            notified_at: notified,
            timeliness: Timeliness::of(start, notified),
            notification_withdrawn_at: r.notification_withdrawn_at.map(from_db),
            hours_to_notification: notified
                .map(|n| ((n - start).num_minutes() as f64 / 6.0).round() / 10.0),
            kind: facts
                .as_ref()
                .and_then(|f| f.kind.value().map(|k| k.as_str().to_string())),
            nature: facts
                .as_ref()
                .map(|f| keys(f.nature.items().iter().map(|n| n.as_str()).collect()))
                .unwrap_or_default(),
            data_categories: facts
                .as_ref()
                .map(|f| keys(f.general_data.items().iter().map(|n| n.as_str()).collect()))
                .unwrap_or_default(),
            special_categories: facts
                .as_ref()
                .map(|f| {
                    keys(
                        f.special_categories
                            .items()
                            .iter()
                            .map(|n| n.as_str())
                            .collect(),
                    )
                })
                .unwrap_or_default(),
            groups: facts
                .as_ref()
                .map(|f| keys(f.groups.items().iter().map(|n| n.as_str()).collect()))
                .unwrap_or_default(),
            people: facts.as_ref().and_then(people_text),
            consequences: facts
                .as_ref()
                .map(|f| {
                    keys(
                        f.consequences_people
                            .items()
                            .iter()
                            .map(|n| n.as_str())
                            .collect(),
                    )
                })
                .unwrap_or_default(),
            severity_band: band,
            severity_score: score,
            proposal,
            decision: decision.as_ref().map(|d| d.outcome.clone()),
            decision_exception: decision.as_ref().and_then(|d| d.exception.clone()),
            decision_reasons: decision.as_ref().map(|d| d.reasons.clone()),
            decision_reason_for_difference: decision
                .as_ref()
                .and_then(|d| d.reason_for_difference.clone()),
            decided_at: decision.as_ref().map(|d| from_db(d.decided_at)),
            measures: summaries,
            open_measures: open,
            lessons_learned: r.lessons_learned.clone(),
            closed_at: r.closed_at.map(from_db),
            close_override_reason: r.close_override_reason.clone(),
            evidence_purged_at: r.evidence_purged_at.map(from_db),
        };
        if f.matches(&entry) {
            out.push(entry);
        }
    }
    Ok(out)
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct RetentionPolicy {
    /// Years the register entry is kept after closing (1–100; default 5).
    pub register_years: i32,
    /// Days after closing before the evidence is purged (0–36500; default 90).
    pub evidence_grace_days: i32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            register_years: 5,
            evidence_grace_days: 90,
        }
    }
}

pub fn policy_of(c: &mut DbConn, org_id: &str) -> ApiResult<RetentionPolicy> {
    let row: Option<(i32, i32)> = retention_policies::table
        .find(org_id)
        .select((
            retention_policies::register_years,
            retention_policies::evidence_grace_days,
        ))
        .first_on(c)
        .optional()?;
    Ok(row
        .map(|(y, d)| RetentionPolicy {
            register_years: y,
            evidence_grace_days: d,
        })
        .unwrap_or_default())
}

pub fn get_policy(c: &mut DbConn, staff: &Staff, org_id: &str) -> ApiResult<RetentionPolicy> {
    // Installation administrators manage every organisation's settings without a role in it.
    if !staff.is_admin {
        own_org(staff, org_id)?;
    }
    policy_of(c, org_id)
}

/// Set the retention policy: organisation admins (or installation admins) only.
pub fn set_policy(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    p: RetentionPolicy,
) -> ApiResult<RetentionPolicy> {
    if !staff.is_admin {
        own_org(staff, org_id)?;
    }
    if !(staff.is_admin || staff.has_role(org_id, &[crate::auth::Role::Admin])) {
        return Err(ApiError::Forbidden(
            "only an admin of the organisation sets its retention".into(),
        ));
    }
    if !(1..=100).contains(&p.register_years) {
        return Err(ApiError::field("register_years", "1 to 100 years"));
    }
    if !(0..=36_500).contains(&p.evidence_grace_days) {
        return Err(ApiError::field("evidence_grace_days", "0 to 36500 days"));
    }
    write_tx(c, |c| -> ApiResult<RetentionPolicy> {
        let before = policy_of(c, org_id)?;
        let t = now();
        diesel::delete(retention_policies::table.find(org_id)).execute_on(c)?;
        diesel::insert_into(retention_policies::table)
            .values((
                retention_policies::organisation_id.eq(org_id),
                retention_policies::register_years.eq(p.register_years),
                retention_policies::evidence_grace_days.eq(p.evidence_grace_days),
                retention_policies::updated_at.eq(to_db(t)),
            ))
            .execute_on(c)?;
        audit::store::append(
            c,
            &[audit_entry(
                staff,
                Action::RetentionPolicySet,
                "organisation",
                org_id,
                org_id,
                Some(serde_json::to_value(before).unwrap_or_default()),
                Some(serde_json::to_value(p).unwrap_or_default()),
            )],
            t,
        )?;
        Ok(p)
    })
}

/// The id of the organisation with this slug, if the caller may work for it; 404 otherwise.
/// An organisation whose settings this person may see: any with a role, every one for an
/// installation administrator.
pub fn settings_org_by_slug(c: &mut DbConn, staff: &Staff, slug: &str) -> ApiResult<String> {
    let org = crate::orgs::store::by_slug(c, slug)?.ok_or(ApiError::NotFound)?;
    if !staff.is_admin {
        own_org(staff, &org.id)?;
    }
    Ok(org.id)
}

pub fn org_by_slug(c: &mut DbConn, staff: &Staff, slug: &str) -> ApiResult<String> {
    let org = crate::orgs::store::by_slug(c, slug)?.ok_or(ApiError::NotFound)?;
    own_org(staff, &org.id)?;
    Ok(org.id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_a_citizen_can_tick_is_read_by_the_derivation() {
        // The form's list and the derivation's table must not drift apart.
        assert_eq!(
            crate::assessment::derive::tests::KINDS,
            crate::reports::model::DATA_KINDS
        );
        for k in crate::reports::model::DATA_KINDS {
            let s = crate::assessment::derive::from_citizen_kinds(String::new(), &[k.to_string()]);
            assert_eq!(
                s.general_data.is_empty() && s.special_categories.is_empty(),
                k == "unknown",
                "{k}"
            );
        }
    }
}
