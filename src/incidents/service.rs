//! Incident operations shared by the JSON API and the pages: each checks access, applies the
//! domain rules and writes the change with its audit record in one transaction.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::clock::{self, ClockStatus};
use super::closing::{self as rules, CloseInput};
use super::lifecycle::{self, State};
use super::model::{IncidentCreate, IncidentPatch};
use super::notes;
use super::store::{self, IncidentRow};
use crate::audit::{self, Entry};
use crate::auth::{Role, Staff};
use crate::db::{from_db, new_id, now, to_db, write_tx, DbConn};
use crate::error::{ApiError, DomainError, DomainResult};
use crate::orgs;
use crate::reports;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcessorView {
    pub name: Option<String>,
    pub aware_at: Option<DateTime<Utc>>,
    pub notice_at: Option<DateTime<Utc>>,
    pub contract_hours: Option<i32>,
    /// Whether the processor told us within the contract's hours (null: not enough known).
    pub on_time: Option<bool>,
    /// The latest moment the processor should have told us: its awareness + the contract's hours.
    pub notice_due_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FollowUpView {
    /// A provisional notification waits for its supplement (not yet filed).
    pub open: bool,
    /// The supplement is due by then (`clock.supplement_days` after the provisional filing).
    pub due_at: DateTime<Utc>,
    pub due_local: String,
    pub overdue: bool,
    /// When the supplement (or a withdrawal) was filed.
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// Whether the 72-hour clock still matters (the AP has not been notified, the breach not ruled out).
    pub running: bool,
    /// The deadline in Europe/Amsterdam, as people read it.
    pub deadline_local: String,
    /// The deadline as RFC 3339 with the Amsterdam offset.
    pub deadline_amsterdam: String,
    pub hours_left: f64,
    pub overdue: bool,
    pub label_nl: String,
    pub label_en: String,
}

/// The incident's owner.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct OwnerView {
    pub id: String,
    pub display_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: String,
    pub reference: String,
    pub organisation_id: String,
    pub title: String,
    pub description: String,
    #[schema(value_type = String)]
    pub state: State,
    pub state_label_nl: String,
    pub state_reason: Option<String>,
    /// The states this incident may move to now.
    #[schema(value_type = Vec<String>)]
    pub allowed_transitions: Vec<State>,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub breach_ended_at: Option<DateTime<Utc>>,
    pub discovered_at: Option<DateTime<Utc>>,
    pub became_aware_at: DateTime<Utc>,
    pub awareness_established_by: Option<String>,
    pub awareness_how: Option<String>,
    /// Why awareness is recorded later than the processor's notice.
    pub late_awareness_reason: Option<String>,
    /// When the 72 hours started: `became_aware_at`, or the processor's notice when that came first.
    pub clock_started_at: DateTime<Utc>,
    /// clock_started_at + 72 hours, UTC.
    pub ap_deadline: DateTime<Utc>,
    pub clock: ClockView,
    pub processor: ProcessorView,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The references of the linked reports.
    pub reports: Vec<String>,
    /// How many reports are linked.
    pub report_count: usize,
    /// Who works on it: a staff member of its organisation (null: nobody yet).
    pub owner: Option<OwnerView>,
    /// When the AP notification was filed; with `notified_within_72h` beside it.
    pub notified_at: Option<DateTime<Utc>>,
    pub notified_within_72h: Option<bool>,
    /// When a withdrawal (intrekking) of the AP notification was filed: the notification no longer
    /// stands (it stays on file at the AP as a notice).
    pub notification_withdrawn_at: Option<DateTime<Utc>>,
    /// The follow-up a provisional notification opened (its supplement), if any.
    pub follow_up: Option<FollowUpView>,
    pub closed_at: Option<DateTime<Utc>>,
    pub lessons_learned: Option<String>,
    /// Why an FG or admin closed while measures were still open.
    pub close_override_reason: Option<String>,
    /// When the retention job purged the evidence (attachments, contact details, free text).
    pub evidence_purged_at: Option<DateTime<Utc>>,
}

pub fn view(
    row: IncidentRow,
    report_refs: Vec<String>,
    owner: Option<OwnerView>,
    now: DateTime<Utc>,
) -> IncidentView {
    let f = row.facts();
    let state = row.state();
    let deadline = from_db(row.ap_deadline);
    let ClockStatus {
        deadline_local,
        hours_left,
        overdue,
        label_nl,
        label_en,
        ..
    } = clock::status(deadline, now);
    let clock_start = f.clock_start();
    let follow_up = match super::follow_up::follow_up(
        row.supplement_due_at.map(from_db),
        row.supplement_closed_at.map(from_db),
        now,
    ) {
        super::follow_up::FollowUp::None => None,
        super::follow_up::FollowUp::Open { due, overdue } => Some(FollowUpView {
            open: true,
            due_at: due,
            due_local: clock::local_display(due),
            overdue,
            closed_at: None,
        }),
        super::follow_up::FollowUp::Closed { due, closed } => Some(FollowUpView {
            open: false,
            due_at: due,
            due_local: clock::local_display(due),
            overdue: false,
            closed_at: Some(closed),
        }),
    };
    IncidentView {
        follow_up,
        notification_withdrawn_at: row.notification_withdrawn_at.map(from_db),
        clock_started_at: clock_start,
        late_awareness_reason: f.late_awareness_reason.clone(),
        processor: ProcessorView {
            on_time: f.processor_on_time(),
            notice_due_at: clock::processor_notice_due(
                f.processor_aware_at,
                f.processor_contract_hours,
            ),
            name: f.processor_name.clone(),
            aware_at: f.processor_aware_at,
            notice_at: f.processor_notice_at,
            contract_hours: f.processor_contract_hours,
        },
        clock: ClockView {
            running: state.clock_running(),
            deadline_local,
            deadline_amsterdam: clock::local_rfc3339(deadline),
            hours_left,
            overdue: overdue && state.clock_running(),
            label_nl,
            label_en,
        },
        id: row.id,
        reference: row.reference,
        organisation_id: row.organisation_id,
        title: f.title,
        description: f.description,
        state,
        state_label_nl: state.label_nl().into(),
        state_reason: row.state_reason,
        allowed_transitions: state.allowed().to_vec(),
        breach_started_at: f.breach_started_at,
        breach_ended_at: f.breach_ended_at,
        discovered_at: f.discovered_at,
        became_aware_at: f.became_aware_at,
        awareness_established_by: f.awareness_established_by,
        awareness_how: f.awareness_how,
        ap_deadline: deadline,
        created_at: from_db(row.created_at),
        updated_at: from_db(row.updated_at),
        version: row.version,
        report_count: report_refs.len(),
        reports: report_refs,
        owner,
        notified_at: row.notified_at.map(from_db),
        notified_within_72h: row
            .notified_at
            .map(|n| clock::notified_in_time(clock_start, from_db(n))),
        closed_at: row.closed_at.map(from_db),
        lessons_learned: row.lessons_learned,
        close_override_reason: row.close_override_reason,
        evidence_purged_at: row.evidence_purged_at.map(from_db),
    }
}

pub fn load_view(c: &mut DbConn, id: &str) -> DomainResult<IncidentView> {
    let row = store::by_id(c, id)?.ok_or(DomainError::NotFound)?;
    let refs = reports::store::for_incident(c, id)?
        .into_iter()
        .map(|r| r.reference)
        .collect();
    let owner = owners(c, row.owner_id.iter().cloned().collect())?
        .remove(row.owner_id.as_deref().unwrap_or_default());
    Ok(view(row, refs, owner, now()))
}

/// The owners named, by id (one query).
pub fn owners(
    c: &mut DbConn,
    ids: Vec<String>,
) -> DomainResult<std::collections::HashMap<String, OwnerView>> {
    Ok(crate::auth::store::display_names(c, &ids)?
        .into_iter()
        .map(|(id, display_name)| (id.clone(), OwnerView { id, display_name }))
        .collect())
}

/// Whose incidents the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerChoice {
    /// The caller's own ("Mijn incidenten").
    Me,
    /// Nobody's yet.
    Nobody,
    /// This user's (an id).
    User(String),
}

impl OwnerChoice {
    /// `me`, `none` or a user's id.
    pub fn parse(s: &str) -> OwnerChoice {
        match s.trim() {
            "me" => OwnerChoice::Me,
            "none" => OwnerChoice::Nobody,
            other => OwnerChoice::User(other.to_string()),
        }
    }
}

/// The longest search text taken.
pub const MAX_SEARCH_CHARS: usize = 200;
/// The largest "hours left" filter (a month).
pub const MAX_DUE_WITHIN_HOURS: i64 = 720;

/// What the incident list asks for (the API and the page).
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// One of the caller's organisations (slug); none: all of them.
    pub organisation: Option<String>,
    pub state: Option<State>,
    pub open_only: bool,
    pub owner: Option<OwnerChoice>,
    /// Text in the reference or title (never logged).
    pub q: Option<String>,
    /// Only running clocks with at most this many hours left (0: overdue ones).
    pub due_within_hours: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// A page of the incidents the caller may see, as the API shows them (with their reports' references
/// and owners), and the total. 404 for an organisation not theirs; 422 for a filter out of range.
pub fn list(
    c: &mut DbConn,
    staff: &Staff,
    r: &ListRequest,
) -> DomainResult<(Vec<IncidentView>, i64)> {
    let mut errs = vec![];
    let q = r.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS) {
        errs.push(crate::error::FieldError::bilingual(
            "q",
            format!("at most {MAX_SEARCH_CHARS} characters"),
            format!("hoogstens {MAX_SEARCH_CHARS} tekens"),
        ));
    }
    if r.due_within_hours
        .is_some_and(|h| !(0..=MAX_DUE_WITHIN_HOURS).contains(&h))
    {
        errs.push(crate::error::FieldError::bilingual(
            "due_within_hours",
            format!("from 0 to {MAX_DUE_WITHIN_HOURS}"),
            format!("van 0 tot en met {MAX_DUE_WITHIN_HOURS}"),
        ));
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs).into());
    }
    let mut org_ids = staff.org_ids();
    if let Some(slug) = &r.organisation {
        match orgs::store::by_slug(c, slug)? {
            Some(o) if org_ids.contains(&o.id) => org_ids = vec![o.id],
            _ => return Err(DomainError::NotFound),
        }
    }
    let t = now();
    let f = store::ListFilter {
        org_ids,
        state: r.state.map(|s| s.as_str().to_string()),
        open_only: r.open_only,
        owner: r.owner.as_ref().map(|o| match o {
            OwnerChoice::Me => store::OwnerFilter::User(staff.id.clone()),
            OwnerChoice::Nobody => store::OwnerFilter::Nobody,
            OwnerChoice::User(u) => store::OwnerFilter::User(u.clone()),
        }),
        q: q.map(str::to_string),
        due_before: r.due_within_hours.map(|h| t + chrono::Duration::hours(h)),
        limit: r.limit,
        offset: r.offset,
    };
    let (rows, total) = store::page(c, &f)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut refs: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (incident, reference) in reports::store::references_for(c, &ids)? {
        refs.entry(incident).or_default().push(reference);
    }
    let mut owner_ids: Vec<String> = rows.iter().filter_map(|r| r.owner_id.clone()).collect();
    owner_ids.sort();
    owner_ids.dedup();
    let owners = owners(c, owner_ids)?;
    let views = rows
        .into_iter()
        .map(|row| {
            let mine = refs.remove(&row.id).unwrap_or_default();
            let owner = row.owner_id.as_ref().and_then(|o| owners.get(o).cloned());
            view(row, mine, owner, t)
        })
        .collect();
    Ok((views, total))
}

/// The staff members who may own an incident of this organisation (any role in it, account
/// active), by name.
pub fn owner_candidates(c: &mut DbConn, org_id: &str) -> DomainResult<Vec<OwnerView>> {
    Ok(crate::auth::store::staff_of(c, org_id)?
        .into_iter()
        .map(|(id, display_name)| OwnerView { id, display_name })
        .collect())
}

/// Give the incident an owner, or none: a staff member of its organisation (422 naming `owner`
/// otherwise). Audited with before and after; the version goes up.
pub fn set_owner(c: &mut DbConn, staff: &Staff, id: &str, owner: Option<&str>) -> DomainResult<()> {
    let owner = owner.map(str::trim).filter(|o| !o.is_empty());
    write_tx(c, |c| -> DomainResult<()> {
        let mut row = visible(c, staff, id, true)?;
        if let Some(o) = owner {
            let may = crate::auth::store::staff_of(c, &row.organisation_id)?
                .iter()
                .any(|(uid, _)| uid == o);
            if !may {
                return Err(
                    ApiError::Validation(vec![crate::error::FieldError::bilingual(
                        "owner",
                        "not a staff member of the incident's organisation",
                        "geen medewerker van de organisatie van dit incident",
                    )])
                    .into(),
                );
            }
        }
        if row.owner_id.as_deref() == owner {
            return Ok(());
        }
        let before = serde_json::json!({"owner_id": row.owner_id});
        row.owner_id = owner.map(str::to_string);
        let t = now();
        store::save(c, &mut row, t)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentOwnerChanged,
                entity_type: "incident",
                entity_id: row.id.clone(),
                organisation_id: Some(row.organisation_id.clone()),
                before: Some(before),
                after: Some(serde_json::json!({"owner_id": row.owner_id})),
            }],
            t,
        )?;
        Ok(())
    })
}

/// Link reports to an incident inside the caller's transaction, with audit entries.
pub fn link_reports(
    c: &mut DbConn,
    staff: &Staff,
    inc: &IncidentRow,
    refs: &[String],
    at: DateTime<Utc>,
) -> DomainResult<Vec<Entry>> {
    if refs.is_empty() {
        return Ok(vec![]);
    }
    let mut wanted: Vec<String> = refs.iter().map(|r| r.trim().to_string()).collect();
    wanted.sort();
    wanted.dedup();
    let found = reports::store::by_references(c, &wanted)?;
    let mut entries = vec![];
    for (i, r) in wanted.iter().enumerate() {
        let row = found.iter().find(|f| &f.reference == r);
        let mut row = match row {
            Some(row)
                if row.organisation_id.as_deref() == Some(&inc.organisation_id)
                    || (row.organisation_id.is_none() && staff.is_admin) =>
            {
                row.clone()
            }
            _ => return Err(ApiError::field(&format!("reports[{i}]"), "unknown report").into()),
        };
        if let Some(other) = &row.incident_id {
            if other != &inc.id {
                return Err(ApiError::field(
                    &format!("reports[{i}]"),
                    "already linked to another incident",
                )
                .into());
            }
            continue;
        }
        let before = serde_json::json!({"incident_id": null, "status": row.status, "organisation_id": row.organisation_id});
        row.incident_id = Some(inc.id.clone());
        row.organisation_id = Some(inc.organisation_id.clone());
        row.status = crate::reports::model::ReportStatus::Linked;
        row.updated_at = to_db(at);
        reports::store::update(c, &row)?;
        entries.push(Entry {
            actor: staff.actor(),
            action: Action::IncidentReportLinked,
            entity_type: "incident",
            entity_id: inc.id.clone(),
            organisation_id: Some(inc.organisation_id.clone()),
            before: None,
            after: Some(serde_json::json!({"report": row.reference})),
        });
        entries.push(Entry {
            actor: staff.actor(),
            action: Action::ReportLinked,
            entity_type: "report",
            entity_id: row.id.clone(),
            organisation_id: Some(inc.organisation_id.clone()),
            before: Some(before),
            after: Some(serde_json::json!({"incident_id": inc.id, "status": "linked", "organisation_id": inc.organisation_id})),
        });
    }
    Ok(entries)
}

pub use super::access::visible;

/// An incident made of a processor's notice (a report of channel `processor`, issue 19) takes
/// the processor's name, awareness, notice time and contract hours from the earliest notice among
/// its reports, unless they are given; the organisation's awareness then defaults to the earliest
/// report's arrival (the notice's, or a report that came before it). `None`: no notice among them.
fn with_processor_notice(
    c: &mut DbConn,
    org_id: &str,
    input: &IncidentCreate,
) -> DomainResult<Option<IncidentCreate>> {
    if input.reports.is_empty()
        || input.processor_name.is_some()
        || input.processor_notice_at.is_some()
    {
        return Ok(None);
    }
    let Some(p) = reports::processor::for_references(c, &input.reports)?
        .into_iter()
        .filter(|p| p.controller_org_id == org_id)
        .min_by_key(|p| p.notice_at)
    else {
        return Ok(None);
    };
    let earliest = reports::store::by_references(c, &input.reports)?
        .iter()
        .filter(|r| r.organisation_id.as_deref() == Some(org_id))
        .map(|r| from_db(r.created_at))
        .min();
    Ok(Some(IncidentCreate {
        processor_name: Some(p.processor_name),
        processor_aware_at: input.processor_aware_at.or(Some(p.aware_at)),
        processor_notice_at: Some(p.notice_at),
        processor_contract_hours: input.processor_contract_hours.or(Some(p.contract_hours)),
        became_aware_at: input.became_aware_at.or(earliest),
        ..input.clone()
    }))
}

/// Open an incident (and link reports); returns its id.
pub fn create(
    c: &mut DbConn,
    staff: &Staff,
    input: &IncidentCreate,
    max_description: usize,
) -> DomainResult<String> {
    create_row(c, staff, input, max_description).map(|r| r.id)
}

/// As [`create`], returning the view of the incident as it stands after the COMMIT, built from the
/// row just written rather than read back (nothing else writes a new incident's row in its
/// transaction: no trigger on `incidents` changes it, and it has no owner yet); only the linked
/// reports' references, when any were named, are read (in their order by arrival).
pub fn create_view(
    c: &mut DbConn,
    staff: &Staff,
    input: &IncidentCreate,
    max_description: usize,
) -> DomainResult<IncidentView> {
    let row = create_row(c, staff, input, max_description)?;
    let refs = if input.reports.is_empty() {
        vec![]
    } else {
        reports::store::for_incident(c, &row.id)?
            .into_iter()
            .map(|r| r.reference)
            .collect()
    };
    debug_assert!(row.owner_id.is_none());
    Ok(view(row, refs, None, now()))
}

fn create_row(
    c: &mut DbConn,
    staff: &Staff,
    input: &IncidentCreate,
    max_description: usize,
) -> DomainResult<IncidentRow> {
    let org = orgs::store::by_slug(c, input.organisation.trim())?
        .filter(|o| staff.can_handle(&o.id))
        .ok_or_else(|| ApiError::field("organisation", "unknown organisation"))?;
    let t = now();
    let from_notice = with_processor_notice(c, &org.id, input)?;
    let input = from_notice.as_ref().unwrap_or(input);
    // Reports named: the earliest one's arrival is the proposed awareness (the pages ask to confirm).
    // (No reports named: nothing to look up; an `IN ()` query is parsed again on every call.)
    let arrivals: Vec<DateTime<Utc>> =
        if input.became_aware_at.is_none() && !input.reports.is_empty() {
            reports::store::by_references(c, &input.reports)?
                .iter()
                .filter(|r| r.organisation_id.as_deref().is_none_or(|o| o == org.id))
                .map(|r| from_db(r.created_at))
                .collect()
        } else {
            vec![]
        };
    let facts = input
        .facts(
            org.processor_hours,
            super::model::proposed_awareness(&arrivals),
            t,
        )
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let errs = facts.validate(t, max_description);
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs).into());
    }
    write_tx(c, |c| -> DomainResult<IncidentRow> {
        let reference = store::next_reference(c, &org.id, t)?;
        let row = IncidentRow::new(
            new_id(),
            org.id.clone(),
            reference,
            &facts,
            staff.id.clone(),
            t,
        );
        store::insert(c, &row)?;
        store::add_first_handler(c, &row.id, &staff.id)?;
        let mut entries = vec![Entry {
            actor: staff.actor(),
            action: Action::IncidentCreated,
            entity_type: "incident",
            entity_id: row.id.clone(),
            organisation_id: Some(org.id.clone()),
            before: None,
            after: Some(serde_json::json!({
                "reference": row.reference, "state": row.state, "facts": facts,
                "ap_deadline": facts.ap_deadline(),
            })),
        }];
        entries.extend(link_reports(c, staff, &row, &input.reports, t)?);
        audit::store::append(c, &entries, t)?;
        Ok(row)
    })
}

/// Change facts; `version`, when given, must match (409 otherwise).
pub fn update(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    p: &IncidentPatch,
    max_description: usize,
) -> DomainResult<()> {
    write_tx(c, |c| update_in(c, staff, id, p, max_description))
}

/// As [`update`], inside the caller's write transaction (the incident page saves the incident's
/// facts and the assessment facts together: see `assessment::service::record_all_facts`).
pub fn update_in(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    p: &IncidentPatch,
    max_description: usize,
) -> DomainResult<()> {
    {
        let mut row = visible(c, staff, id, true)?;
        if let Some(v) = p.version {
            if v != row.version {
                return Err(DomainError::Conflict(format!(
                    "the incident was changed meanwhile (version {} now, {} sent); reload it",
                    row.version, v
                )));
            }
        }
        let before = row.facts();
        let mut after = p.apply(&before);
        // A processor entered later gets the organisation's contract hours, as on creation.
        let processor = after.processor_name.is_some() || after.processor_notice_at.is_some();
        if processor
            && after.processor_contract_hours.is_none()
            && p.processor_contract_hours.is_none()
        {
            after.processor_contract_hours =
                orgs::store::by_id(c, &row.organisation_id)?.and_then(|o| o.processor_hours);
        }
        let t = now();
        let errs = after.validate(t, max_description);
        if !errs.is_empty() {
            return Err(ApiError::Validation(errs).into());
        }
        if let Some((b, a)) = before.diff(&after) {
            row.set_facts(&after);
            store::save(c, &mut row, t)?;
            audit::store::append(
                c,
                &[Entry {
                    actor: staff.actor(),
                    action: Action::IncidentUpdated,
                    entity_type: "incident",
                    entity_id: row.id.clone(),
                    organisation_id: Some(row.organisation_id.clone()),
                    before: Some(b),
                    after: Some(a),
                }],
                t,
            )?;
        }
        Ok(())
    }
}

/// Move to another state (409 when not allowed; 422 when a reason is required and missing).
/// Closing needs what [`transition_with`] takes; this form is for every other step.
pub fn transition(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    to: State,
    reason: Option<String>,
) -> DomainResult<()> {
    transition_with(c, staff, id, to, reason, &CloseInput::default())
}

/// Move to another state. Closing (`closed`) requires lessons learned and, while measures are
/// open, an FG's or admin's override with a reason (409 naming the open measures otherwise).
/// Reaching `notified` the first time records when; closing records when, reopening clears it.
pub fn transition_with(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    to: State,
    reason: Option<String>,
    close: &CloseInput,
) -> DomainResult<()> {
    if reason
        .as_ref()
        .map(|r| r.chars().count() > 5000)
        .unwrap_or(false)
    {
        return Err(ApiError::field("reason", "at most 5000 characters").into());
    }
    write_tx(c, |c| -> DomainResult<()> {
        let mut row = visible(c, staff, id, true)?;
        let from = row.state();
        lifecycle::check(from, to, reason.as_deref()).map_err(|e| match e {
            lifecycle::TransitionError::ReasonRequired { .. } => {
                ApiError::field("reason", &e.to_string()).into()
            }
            other => DomainError::Conflict(other.to_string()),
        })?;
        let t = now();
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let before = serde_json::json!({"state": row.state, "state_reason": row.state_reason,
            "closed_at": row.closed_at, "lessons_learned": row.lessons_learned,
            "close_override_reason": row.close_override_reason, "notified_at": row.notified_at});
        if to == State::Closed {
            let open = store::open_measures(c, &row.id)? as usize;
            let may_override = staff.has_role(&row.organisation_id, &[Role::Fg, Role::Admin]);
            let overridden = rules::check_close(open, close, may_override).map_err(|e| match e {
                rules::CloseRefusal::Invalid(p) => p.into(),
                rules::CloseRefusal::MeasuresOpen(n) => DomainError::Conflict(format!(
                    "{n} measure(s) still open: complete them, or an FG or admin closes with an override_reason"
                )),
                rules::CloseRefusal::OverrideNotAllowed => ApiError::Forbidden(
                    "only an FG or admin of the organisation may close with measures open".into(),
                )
                .into(),
            })?;
            row.lessons_learned = close
                .lessons_learned
                .as_deref()
                .map(|s| s.trim().to_string());
            row.close_override_reason = if overridden {
                close
                    .override_reason
                    .as_deref()
                    .map(|s| s.trim().to_string())
            } else {
                None
            };
        }
        if to.is_closed() {
            row.closed_at = Some(to_db(t));
        } else if from.is_closed() {
            row.closed_at = None;
        }
        if to == State::Notified && row.notified_at.is_none() {
            row.notified_at = Some(to_db(t));
        }
        row.state = to;
        row.state_reason = reason.clone();
        store::save(c, &mut row, t)?;
        let mut entries = vec![Entry {
            actor: staff.actor(),
            action: Action::IncidentStateChanged,
            entity_type: "incident",
            entity_id: row.id.clone(),
            organisation_id: Some(row.organisation_id.clone()),
            before: Some(before),
            after: Some(
                serde_json::json!({"state": row.state, "state_reason": reason,
                "closed_at": row.closed_at, "lessons_learned": row.lessons_learned,
                "close_override_reason": row.close_override_reason, "notified_at": row.notified_at}),
            ),
        }];
        // Reporters see their report as handled once the incident is closed.
        if to.is_closed() {
            for mut r in reports::store::for_incident(c, &row.id)? {
                if r.status != crate::reports::model::ReportStatus::Closed {
                    let b = serde_json::json!({"status": r.status});
                    r.status = crate::reports::model::ReportStatus::Closed;
                    r.updated_at = to_db(t);
                    reports::store::update(c, &r)?;
                    entries.push(Entry {
                        actor: staff.actor(),
                        action: Action::ReportClosed,
                        entity_type: "report",
                        entity_id: r.id.clone(),
                        organisation_id: r.organisation_id.clone(),
                        before: Some(b),
                        after: Some(serde_json::json!({"status": "closed"})),
                    });
                }
            }
        }
        audit::store::append(c, &entries, t)?;
        Ok(())
    })
}

/// Link further reports to an incident.
pub fn link(c: &mut DbConn, staff: &Staff, id: &str, refs: &[String]) -> DomainResult<()> {
    if refs.is_empty() || refs.len() > 1000 {
        return Err(ApiError::field("reports", "give 1 to 1000 report references").into());
    }
    write_tx(c, |c| -> DomainResult<()> {
        let mut row = visible(c, staff, id, true)?;
        let t = now();
        let entries = link_reports(c, staff, &row, refs, t)?;
        if !entries.is_empty() {
            store::save(c, &mut row, t)?;
            audit::store::append(c, &entries, t)?;
        }
        Ok(())
    })
}

/// Add a note to the incident's thread.
pub fn add_note(c: &mut DbConn, staff: &Staff, id: &str, body: &str) -> DomainResult<String> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::field("body", "1 to 10000 characters").into());
    }
    write_tx(c, |c| -> DomainResult<String> {
        let row = visible(c, staff, id, true)?;
        let note_id = notes::add(c, id, &staff.id, body)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentNoteAdded,
                entity_type: "incident",
                entity_id: row.id.clone(),
                organisation_id: Some(row.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({"note_id": note_id, "body": body})),
            }],
            now(),
        )?;
        Ok(note_id)
    })
}
