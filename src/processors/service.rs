//! The processors' changes and views, shared by the API and the pages. Each change (a link made
//! or removed, a notice, a supplement) is one function that checks who may make it, writes it and
//! its audit records in one transaction, and tells the people it concerns through the outbox in
//! that transaction.
//!
//! Who may do what:
//! - a link: the installation administrators and the controller's admins make and remove it; the
//!   controller's staff and the processor's accounts see it;
//! - a notice, its status and its supplements: the processor's accounts (role `processor` in the
//!   processor's organisation), for their own processor's notices only; the status says where the
//!   notice stands at each controller and nothing of the controller's incident;
//! - the notice behind a report: whoever may see the report (the controller's staff).
use crate::audit::Action;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::model::{self, LinkInput, NewNotice, NoticeInput, NoticeStatus, SupplementInput};
use super::rules;
use super::store::{self, LinkRow, NoticeReportRow, NoticeRow, SupplementRow};
use crate::audit::{self, Entry};
use crate::auth::{Role, Staff};
use crate::db::{from_db, new_id, now, reserve_counter, to_db, write_tx, DbConn};
use crate::error::{ApiError, DomainError, DomainResult, FieldError, FieldProblem};
use crate::orgs::store::{self as org_store, OrgRow};
use crate::reports::model::NewReport;
use crate::signals::Links;

/// An organisation as the views name it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgRef {
    pub slug: String,
    pub name: String,
}

impl From<&OrgRow> for OrgRef {
    fn from(o: &OrgRow) -> Self {
        OrgRef {
            slug: o.slug.clone(),
            name: o.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityRef {
    pub id: String,
    pub name: String,
}

/// A processor's link to a controller.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: String,
    pub processor: OrgRef,
    pub controller: OrgRef,
    /// Hours the agreement gives the processor to tell the controller.
    pub contract_hours: i32,
    /// The controller's processing activities the agreement concerns.
    pub activities: Vec<ActivityRef>,
    pub created_at: DateTime<Utc>,
    /// Whether the caller may remove the link (an installation administrator or the
    /// controller's admin).
    pub may_remove: bool,
}

/// Where a notice stands at one controller.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ControllerStatus {
    pub organisation: OrgRef,
    pub status: NoticeStatus,
    /// The contract's hours for this controller.
    pub contract_hours: i32,
    /// The latest moment the notice was due (awareness + the contract's hours).
    pub due_at: DateTime<Utc>,
    /// The notice came later than the contract allows.
    pub late: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupplementView {
    pub added_at: DateTime<Utc>,
    /// The name of who added it.
    pub added_by: String,
    pub text: String,
}

/// A notice as its processor sees it: what it sent, where it stands at each controller, what it added.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub reference: String,
    pub processor: OrgRef,
    /// When the notice reached the controllers.
    pub submitted_at: DateTime<Utc>,
    pub aware_at: DateTime<Utc>,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub description: String,
    pub data_categories: Vec<String>,
    pub special_categories: Vec<String>,
    pub person_groups: Vec<String>,
    pub people_min: Option<i64>,
    pub people_max: Option<i64>,
    pub records: Option<i64>,
    pub measures: String,
    pub contact_phone: Option<String>,
    pub language: String,
    pub controllers: Vec<ControllerStatus>,
    pub supplements: Vec<SupplementView>,
}

/// A notice in the processor's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeSummary {
    pub reference: String,
    pub processor: OrgRef,
    pub submitted_at: DateTime<Utc>,
    pub aware_at: DateTime<Utc>,
    pub controllers: Vec<ControllerStatus>,
    pub supplements: usize,
}

/// Who sent a notice, for the controller's questions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sender {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// The processor's notice behind one of the controller's reports, for the controller's staff.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportNoticeView {
    /// The controller's report.
    pub report: String,
    /// The processor's reference of its notice.
    pub notice: String,
    pub processor: OrgRef,
    pub sent_by: Sender,
    /// When the processor became aware.
    pub aware_at: DateTime<Utc>,
    /// When the notice reached the controller (the report's arrival).
    pub notice_at: DateTime<Utc>,
    pub contract_hours: i32,
    pub due_at: DateTime<Utc>,
    /// notice − awareness > the contract's hours.
    pub late: bool,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub description: String,
    pub data_categories: Vec<String>,
    pub special_categories: Vec<String>,
    pub person_groups: Vec<String>,
    pub people_min: Option<i64>,
    pub people_max: Option<i64>,
    pub records: Option<i64>,
    pub measures: String,
    pub language: String,
    /// The other controllers the notice also went to (their names only).
    pub also_sent_to: Vec<String>,
    pub supplements: Vec<SupplementView>,
}

// --- who acts -------------------------------------------------------------------------------

/// Someone without a processor's role asks for a processor's route: 403 with a code the pages say.
fn not_a_processor() -> DomainError {
    DomainError::denied(
        "processor_only",
        "only a processor's accounts (role processor) submit and follow notices",
    )
}

/// The processor organisations the person acts for, by name.
pub fn my_processors(c: &mut DbConn, staff: &Staff) -> DomainResult<Vec<OrgRow>> {
    let ids = staff.processor_org_ids();
    if ids.is_empty() {
        return Err(not_a_processor());
    }
    Ok(org_store::by_ids(c, &ids)?)
}

/// The processor the person acts for: the one named (slug), or their only one.
pub fn acting_for(c: &mut DbConn, staff: &Staff, slug: Option<&str>) -> DomainResult<OrgRow> {
    let mine = my_processors(c, staff)?;
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => mine.into_iter().find(|o| o.slug == s).ok_or_else(|| {
            DomainError::Invalid(vec![FieldProblem::new(
                "processor",
                "not a processor you act for",
                "U werkt niet voor deze verwerker.",
            )])
        }),
        None if mine.len() == 1 => Ok(mine.into_iter().next().unwrap_or_else(|| unreachable!())),
        None => Err(DomainError::Invalid(vec![FieldProblem::new(
            "processor",
            "required: you act for several processors",
            "Kies voor welke verwerker u meldt.",
        )])),
    }
}

/// The controllers a processor is linked to, by name, with the link.
pub fn controllers_of(c: &mut DbConn, processor: &OrgRow) -> DomainResult<Vec<(LinkRow, OrgRow)>> {
    let links: Vec<LinkRow> = store::links_touching(c, std::slice::from_ref(&processor.id))?
        .into_iter()
        .filter(|l| l.processor_org_id == processor.id)
        .collect();
    let ids: Vec<String> = links.iter().map(|l| l.controller_org_id.clone()).collect();
    let orgs = org_store::by_ids(c, &ids)?;
    Ok(orgs
        .into_iter()
        .filter_map(|o| {
            links
                .iter()
                .find(|l| l.controller_org_id == o.id)
                .cloned()
                .map(|l| (l, o))
        })
        .collect())
}

// --- links ----------------------------------------------------------------------------------

fn may_manage_link(staff: &Staff, controller_org_id: &str) -> bool {
    staff.is_admin || staff.has_role(controller_org_id, &[Role::Admin])
}

fn may_see_link(staff: &Staff, l: &LinkRow) -> bool {
    staff.is_admin
        || staff.can_handle(&l.controller_org_id)
        || staff.has_role(&l.processor_org_id, &[Role::Processor])
}

fn link_views(c: &mut DbConn, staff: &Staff, rows: Vec<LinkRow>) -> DomainResult<Vec<LinkView>> {
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|l| [l.processor_org_id.clone(), l.controller_org_id.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let orgs = org_store::by_ids(c, &ids)?;
    let org = |id: &str| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(OrgRef::from)
            .unwrap_or(OrgRef {
                slug: String::new(),
                name: String::new(),
            })
    };
    let mut out = vec![];
    for l in rows {
        let wanted: Vec<String> = serde_json::from_str(&l.activity_ids).unwrap_or_default();
        let named = store::activities_of(c, &l.controller_org_id, &wanted)?;
        out.push(LinkView {
            activities: wanted
                .iter()
                .filter_map(|id| {
                    named
                        .iter()
                        .find(|(a, _)| a == id)
                        .map(|(id, name)| ActivityRef {
                            id: id.clone(),
                            name: name.clone(),
                        })
                })
                .collect(),
            may_remove: may_manage_link(staff, &l.controller_org_id),
            processor: org(&l.processor_org_id),
            controller: org(&l.controller_org_id),
            contract_hours: l.contract_hours,
            created_at: from_db(l.created_at),
            id: l.id,
        });
    }
    out.sort_by(|a, b| {
        (&a.controller.name, &a.processor.name).cmp(&(&b.controller.name, &b.processor.name))
    });
    Ok(out)
}

/// The links the person may see: all for an installation administrator; else those of the
/// controllers they work for and of the processors they act for.
pub fn links(c: &mut DbConn, staff: &Staff) -> DomainResult<Vec<LinkView>> {
    let rows = if staff.is_admin {
        store::all_links(c)?
    } else {
        let mut ids = staff.org_ids();
        ids.extend(staff.processor_org_ids());
        store::links_touching(c, &ids)?
            .into_iter()
            .filter(|l| may_see_link(staff, l))
            .collect()
    };
    link_views(c, staff, rows)
}

/// The controllers whose links this person may make: every organisation for an installation
/// administrator, else those they are admin of. Empty: they may make none.
pub fn manageable_controllers(c: &mut DbConn, staff: &Staff) -> DomainResult<Vec<OrgRow>> {
    if staff.is_admin {
        return Ok(org_store::all(c)?);
    }
    let ids: Vec<String> = staff
        .memberships
        .iter()
        .filter(|m| m.effective && m.role == Role::Admin)
        .map(|m| m.organisation_id.clone())
        .collect();
    Ok(org_store::by_ids(c, &ids)?)
}

/// Link a processor to a controller under an agreement, audited. 403 unless an installation
/// administrator or the controller's admin; 409 when they are linked already.
pub fn create_link(c: &mut DbConn, staff: &Staff, input: &LinkInput) -> DomainResult<LinkView> {
    let denied = || {
        DomainError::denied(
            "link_admin_only",
            "only installation administrators and the controller's admins link processors",
        )
    };
    // Someone who may link no controller at all learns nothing, not even which organisations exist.
    if !staff.is_admin && manageable_controllers(c, staff)?.is_empty() {
        return Err(denied());
    }
    let mut errs = input.check();
    let unknown = |f: &str| {
        FieldError::bilingual(
            f,
            "unknown organisation",
            "Deze organisatie kennen we niet.",
        )
    };
    let mut org =
        |field: &str, slug: &str, errs: &mut Vec<FieldError>| -> DomainResult<Option<OrgRow>> {
            if slug.trim().is_empty() {
                return Ok(None);
            }
            let o = org_store::by_slug(c, slug.trim())?;
            if o.is_none() {
                errs.push(unknown(field));
            }
            Ok(o)
        };
    let processor = org("processor", &input.processor, &mut errs)?;
    let controller = org("controller", &input.controller, &mut errs)?;
    if controller
        .as_ref()
        .is_some_and(|ctl| !may_manage_link(staff, &ctl.id))
    {
        return Err(denied());
    }
    if let (Some(p), Some(ctl)) = (&processor, &controller) {
        if p.id == ctl.id {
            errs.push(FieldError::bilingual(
                "processor",
                "must differ from the controller",
                "Een organisatie kan niet haar eigen verwerker zijn.",
            ));
        }
    }
    let hours = input
        .contract_hours
        .or(controller.as_ref().and_then(|o| o.processor_hours));
    if hours.is_none() && controller.is_some() && input.contract_hours.is_none() {
        errs.push(FieldError::bilingual(
            "contract_hours",
            "required: the organisation sets no default hours for processors",
            "Vul in binnen hoeveel uur de verwerker een datalek moet melden.",
        ));
    }
    let mut activities: Vec<String> = input
        .activities
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    activities.dedup();
    if let Some(ctl) = &controller {
        let known = store::activities_of(c, &ctl.id, &activities)?;
        for (i, a) in input.activities.iter().enumerate() {
            if !a.trim().is_empty() && !known.iter().any(|(id, _)| id == a.trim()) {
                errs.push(FieldError::bilingual(
                    format!("activities[{i}]"),
                    "not a processing activity of the controller",
                    "Deze verwerking staat niet in het register van de organisatie.",
                ));
            }
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs).into());
    }
    let (Some(processor), Some(controller), Some(hours)) = (processor, controller, hours) else {
        return Err(DomainError::Internal(
            "link input checked incompletely".into(),
        ));
    };
    let t = now();
    let row = LinkRow {
        id: new_id(),
        processor_org_id: processor.id.clone(),
        controller_org_id: controller.id.clone(),
        contract_hours: hours,
        activity_ids: serde_json::to_string(&activities).unwrap_or_else(|_| "[]".into()),
        created_by: staff.id.clone(),
        created_at: to_db(t),
    };
    write_tx(c, |c| -> DomainResult<()> {
        if store::link_between(c, &processor.id, &controller.id)?.is_some() {
            return Err(DomainError::refused(
                "already_linked",
                "the processor is linked to this controller already; remove the link to change it",
            ));
        }
        store::insert_link(c, &row)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::ProcessorLinkCreated,
                entity_type: "processor_link",
                entity_id: row.id.clone(),
                organisation_id: Some(controller.id.clone()),
                before: None,
                after: Some(link_json(&row)),
            }],
            t,
        )?;
        Ok(())
    })?;
    Ok(link_views(c, staff, vec![row])?.remove(0))
}

fn link_json(l: &LinkRow) -> serde_json::Value {
    serde_json::json!({
        "processor_org_id": l.processor_org_id,
        "controller_org_id": l.controller_org_id,
        "contract_hours": l.contract_hours,
        "activity_ids": serde_json::from_str::<serde_json::Value>(&l.activity_ids).unwrap_or_default(),
    })
}

/// Remove a link, audited. 404 for a link the person may not see; 403 for one they may see but
/// not manage. Notices sent before stay, with the hours they were judged by.
pub fn remove_link(c: &mut DbConn, staff: &Staff, id: &str) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        let row = store::link_by_id(c, id)?
            .filter(|l| may_see_link(staff, l))
            .ok_or(DomainError::NotFound)?;
        if !may_manage_link(staff, &row.controller_org_id) {
            return Err(DomainError::denied(
                "link_admin_only",
                "only installation administrators and the controller's admins remove a link",
            ));
        }
        store::delete_link(c, &row.id)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::ProcessorLinkRemoved,
                entity_type: "processor_link",
                entity_id: row.id.clone(),
                organisation_id: Some(row.controller_org_id.clone()),
                before: Some(link_json(&row)),
                after: None,
            }],
            now(),
        )?;
        Ok(())
    })
}

// --- notices --------------------------------------------------------------------------------

fn list_json<T: Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn keys(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Send a breach notice to the controllers named (each linked to the processor): one report in
/// each one's inbox, its handlers told as of any report, the contract's hours judged; audited for
/// the processor and for each controller. Every field is checked first, all failures named.
pub fn submit(
    c: &mut DbConn,
    staff: &Staff,
    input: &NoticeInput,
    max_description: usize,
    links: &Links,
) -> DomainResult<NoticeView> {
    let processor = acting_for(c, staff, input.processor.as_deref())?;
    let t = now();
    let checked = input.validate(t, max_description);
    let mut errs = checked.as_ref().err().cloned().unwrap_or_default();
    let linked = controllers_of(c, &processor)?;
    // Each controller named must be one the processor is linked to: an unknown organisation and
    // one not linked read alike.
    let mut targets: Vec<(LinkRow, OrgRow)> = vec![];
    for (i, slug) in input.controllers.iter().enumerate() {
        let slug = slug.trim();
        if slug.is_empty() {
            continue;
        }
        match linked.iter().find(|(_, o)| o.slug == slug) {
            Some(t) if !targets.iter().any(|(l, _)| l.id == t.0.id) => targets.push(t.clone()),
            Some(_) => {}
            None => errs.push(FieldError::bilingual(
                format!("controllers[{i}]"),
                "not a controller this processor is linked to",
                "Uw organisatie is voor deze organisatie geen verwerker in Meldpunt.",
            )),
        }
    }
    let notice = match checked {
        Ok(n) if errs.is_empty() => n,
        _ => return Err(ApiError::Validation(errs).into()),
    };
    let id = write_tx(c, |c| {
        store_notice(c, staff, &processor, &targets, &notice, links)
    })?;
    view_notice(c, &id)
}

fn store_notice(
    c: &mut DbConn,
    staff: &Staff,
    processor: &OrgRow,
    targets: &[(LinkRow, OrgRow)],
    n: &NewNotice,
    links: &Links,
) -> DomainResult<String> {
    let batch: Vec<NewReport> = targets
        .iter()
        .map(|(_, ctl)| NewReport {
            channel: "processor".into(),
            organisation_id: Some(ctl.id.clone()),
            organisation_hint: Some(processor.name.clone()),
            description: n.description.clone(),
            received_via: None,
            received_on: None,
            data_kinds: n.report_data_kinds(),
            action_taken: None,
            contact_name: None,
            contact_email: None,
            contact_phone: None,
            may_contact: false,
            language: n.language.clone(),
            created_by: Some(staff.id.clone()),
            attachments: vec![],
            acknowledge: None,
        })
        .collect();
    // The reports (audited as received) and the handlers' e-mails, as for any report.
    let created = crate::reports::store::insert_batch(c, &batch, Some(links))?;
    let arrived = created
        .first()
        .map(|r| r.created_at)
        .unwrap_or_else(|| to_db(now()));
    let t = from_db(arrived);
    let row = NoticeRow {
        id: new_id(),
        reference: model::reference(
            t.year(),
            reserve_counter(c, "processor_notice", t.year(), 1)?,
        ),
        processor_org_id: processor.id.clone(),
        submitted_by: staff.id.clone(),
        description: n.description.clone(),
        aware_at: to_db(n.aware_at),
        breach_started_at: n.breach_started_at.map(to_db),
        data_categories: list_json(&n.data_categories),
        special_categories: list_json(&n.special_categories),
        person_groups: list_json(&n.person_groups),
        people_min: n.people_min,
        people_max: n.people_max,
        records_approx: n.records,
        measures: n.measures.clone(),
        contact_phone: n.contact_phone.clone(),
        language: n.language.clone(),
        submitted_at: arrived,
    };
    store::insert_notice(c, &row)?;
    let mut entries = vec![];
    let mut sent = vec![];
    for ((link, ctl), report) in targets.iter().zip(&created) {
        store::insert_notice_report(
            c,
            &NoticeReportRow {
                report_id: report.id.clone(),
                notice_id: row.id.clone(),
                controller_org_id: ctl.id.clone(),
                contract_hours: link.contract_hours,
            },
        )?;
        let judged = rules::judge(n.aware_at, t, link.contract_hours);
        sent.push(serde_json::json!({"controller_org_id": ctl.id, "report": report.reference}));
        entries.push(Entry {
            actor: staff.actor(),
            action: Action::ReportProcessorNotice,
            entity_type: "report",
            entity_id: report.id.clone(),
            organisation_id: Some(ctl.id.clone()),
            before: None,
            after: Some(serde_json::json!({
                "notice": row.reference,
                "processor_org_id": processor.id,
                "processor_aware_at": n.aware_at,
                "notice_at": t,
                "contract_hours": link.contract_hours,
                "due_at": judged.due_at,
                "late": judged.late,
            })),
        });
    }
    // The trail records what was sent and to whom, not the texts.
    entries.insert(
        0,
        Entry {
            actor: staff.actor(),
            action: Action::ProcessorNoticeSubmitted,
            entity_type: "processor_notice",
            entity_id: row.id.clone(),
            organisation_id: Some(processor.id.clone()),
            before: None,
            after: Some(serde_json::json!({
                "reference": row.reference,
                "aware_at": n.aware_at,
                "submitted_at": t,
                "data_categories": n.data_categories,
                "special_categories": n.special_categories,
                "person_groups": n.person_groups,
                "people_min": n.people_min,
                "people_max": n.people_max,
                "records": n.records,
                "sent_to": sent,
            })),
        },
    );
    audit::store::append(c, &entries, t)?;
    tracing::info!(notice = %row.reference, controllers = targets.len(), "processor notice received");
    Ok(row.id)
}

fn controller_statuses(
    c: &mut DbConn,
    rows: &[NoticeRow],
) -> DomainResult<Vec<(String, Vec<ControllerStatus>)>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let delivered = store::delivered(c, &ids)?;
    let mut org_ids: Vec<String> = delivered
        .iter()
        .map(|d| d.controller_org_id.clone())
        .collect();
    org_ids.sort();
    org_ids.dedup();
    let orgs = org_store::by_ids(c, &org_ids)?;
    Ok(rows
        .iter()
        .map(|n| {
            let mut v: Vec<ControllerStatus> = delivered
                .iter()
                .filter(|d| d.notice_id == n.id)
                .filter_map(|d| {
                    let org = orgs.iter().find(|o| o.id == d.controller_org_id)?;
                    let j = rules::judge(
                        from_db(n.aware_at),
                        from_db(n.submitted_at),
                        d.contract_hours,
                    );
                    Some(ControllerStatus {
                        organisation: OrgRef::from(org),
                        status: NoticeStatus::of(&d.report_status, d.incident_closed),
                        contract_hours: d.contract_hours,
                        due_at: j.due_at,
                        late: j.late,
                    })
                })
                .collect();
            v.sort_by(|a, b| a.organisation.name.cmp(&b.organisation.name));
            (n.id.clone(), v)
        })
        .collect())
}

fn supplement_views(c: &mut DbConn, notice_id: &str) -> DomainResult<Vec<SupplementView>> {
    Ok(store::supplements(c, notice_id)?
        .into_iter()
        .map(|(s, name)| SupplementView {
            added_at: from_db(s.added_at),
            added_by: name,
            text: s.body,
        })
        .collect())
}

fn view_notice(c: &mut DbConn, id: &str) -> DomainResult<NoticeView> {
    let n = store::notice_by_id(c, id)?.ok_or(DomainError::NotFound)?;
    let processor = org_store::by_id(c, &n.processor_org_id)?.ok_or(DomainError::NotFound)?;
    let controllers = controller_statuses(c, std::slice::from_ref(&n))?
        .pop()
        .map(|(_, v)| v)
        .unwrap_or_default();
    let supplements = supplement_views(c, &n.id)?;
    Ok(NoticeView {
        reference: n.reference,
        processor: OrgRef::from(&processor),
        submitted_at: from_db(n.submitted_at),
        aware_at: from_db(n.aware_at),
        breach_started_at: n.breach_started_at.map(from_db),
        description: n.description,
        data_categories: keys(&n.data_categories),
        special_categories: keys(&n.special_categories),
        person_groups: keys(&n.person_groups),
        people_min: n.people_min,
        people_max: n.people_max,
        records: n.records_approx,
        measures: n.measures,
        contact_phone: n.contact_phone,
        language: n.language,
        controllers,
        supplements,
    })
}

/// The notice (by reference) of a processor the person acts for; 404 for any other.
fn own_notice(c: &mut DbConn, staff: &Staff, reference: &str) -> DomainResult<NoticeRow> {
    let mine = staff.processor_org_ids();
    if mine.is_empty() {
        return Err(not_a_processor());
    }
    store::notice_by_reference(c, reference.trim())?
        .filter(|n| mine.contains(&n.processor_org_id))
        .ok_or(DomainError::NotFound)
}

/// One of the person's processor's notices, with its status at each controller.
pub fn notice(c: &mut DbConn, staff: &Staff, reference: &str) -> DomainResult<NoticeView> {
    let n = own_notice(c, staff, reference)?;
    view_notice(c, &n.id)
}

/// A page of the notices of the processors the person acts for, newest first, and the total.
pub fn notices(
    c: &mut DbConn,
    staff: &Staff,
    limit: i64,
    offset: i64,
) -> DomainResult<(Vec<NoticeSummary>, i64)> {
    let procs = my_processors(c, staff)?;
    let ids: Vec<String> = procs.iter().map(|o| o.id.clone()).collect();
    let (rows, total) = store::notices_of(c, &ids, limit, offset)?;
    let mut statuses = controller_statuses(c, &rows)?;
    let mut out = vec![];
    for n in rows {
        let controllers = statuses
            .iter_mut()
            .find(|(id, _)| *id == n.id)
            .map(|(_, v)| std::mem::take(v))
            .unwrap_or_default();
        let supplements = store::supplements(c, &n.id)?.len();
        out.push(NoticeSummary {
            processor: procs
                .iter()
                .find(|o| o.id == n.processor_org_id)
                .map(OrgRef::from)
                .unwrap_or(OrgRef {
                    slug: String::new(),
                    name: String::new(),
                }),
            reference: n.reference,
            submitted_at: from_db(n.submitted_at),
            aware_at: from_db(n.aware_at),
            controllers,
            supplements,
        });
    }
    Ok((out, total))
}

/// Add to a notice: appended to the report at each controller, audited for the processor and
/// each controller, the controllers' handlers told.
pub fn supplement(
    c: &mut DbConn,
    staff: &Staff,
    reference: &str,
    input: &SupplementInput,
    links: &Links,
) -> DomainResult<SupplementView> {
    let n = own_notice(c, staff, reference)?;
    let text = input.validate().map_err(ApiError::Validation)?;
    let t = now();
    let row = SupplementRow {
        id: new_id(),
        notice_id: n.id.clone(),
        body: text.clone(),
        added_by: staff.id.clone(),
        added_at: to_db(t),
    };
    write_tx(c, |c| -> DomainResult<()> {
        store::insert_supplement(c, &row)?;
        let delivered = store::delivered(c, std::slice::from_ref(&n.id))?;
        let mut entries = vec![Entry {
            actor: staff.actor(),
            action: Action::ProcessorNoticeSupplemented,
            entity_type: "processor_notice",
            entity_id: n.id.clone(),
            organisation_id: Some(n.processor_org_id.clone()),
            before: None,
            after: Some(serde_json::json!({"supplement": row.id, "chars": text.chars().count()})),
        }];
        for d in &delivered {
            entries.push(Entry {
                actor: staff.actor(),
                action: Action::ReportSupplemented,
                entity_type: "report",
                entity_id: d.report_id.clone(),
                organisation_id: Some(d.controller_org_id.clone()),
                before: None,
                after: Some(serde_json::json!({"notice": n.reference, "supplement": row.id})),
            });
        }
        audit::store::append(c, &entries, t)?;
        signal_supplement(c, &row.id, &delivered, links, t)?;
        Ok(())
    })?;
    tracing::info!(notice = %n.reference, "processor notice supplemented");
    Ok(SupplementView {
        added_at: t,
        added_by: staff.display_name.clone(),
        text,
    })
}

/// Tell each controller's handlers (those who hear of new reports at once) that a processor added
/// to the notice behind one of their reports: our text, the report's reference and a link.
fn signal_supplement(
    c: &mut DbConn,
    supplement_id: &str,
    delivered: &[store::Delivered],
    links: &Links,
    t: DateTime<Utc>,
) -> DomainResult<()> {
    let mut orgs: Vec<String> = delivered
        .iter()
        .map(|d| d.controller_org_id.clone())
        .collect();
    orgs.sort();
    orgs.dedup();
    let handlers = crate::signals::store::handlers_told_at_once(c, &orgs)?;
    let mut msgs = vec![];
    for d in delivered {
        for (_, rc) in handlers.iter().filter(|(o, _)| *o == d.controller_org_id) {
            let ctx = serde_json::json!({
                "name": rc.name,
                "reference": d.report_reference,
                "received": crate::signals::rules::local_time(t, &rc.lang),
                "link": format!("{}/staff/reports/{}", links.public_url.trim_end_matches('/'), d.report_reference),
            });
            let (subject, body) = crate::mail_templates::templates()
                .render("processor_supplement", &rc.lang, &ctx)
                .map_err(|e| DomainError::Internal(format!("mail template: {e}")))?;
            msgs.push(crate::outbox::NewMessage {
                kind: "processor_supplement".into(),
                dedupe_key: Some(format!(
                    "processor_supplement:{supplement_id}:{}:{}",
                    d.report_id, rc.user_id
                )),
                organisation_id: Some(d.controller_org_id.clone()),
                incident_id: None,
                to: rc.email.clone(),
                subject,
                body_text: body,
                body_html: None,
                thread: Default::default(),
            });
        }
    }
    if !msgs.is_empty() {
        crate::outbox::store::enqueue_batch(c, &msgs, &links.mail_domain, t)?;
    }
    Ok(())
}

// --- the controller's side ------------------------------------------------------------------

/// The processor's notice behind a report, for whoever may see the report. `None`: the report did
/// not come from a processor. 404: no such report, or not theirs.
pub fn for_report(
    c: &mut DbConn,
    staff: &Staff,
    report_reference: &str,
) -> DomainResult<Option<ReportNoticeView>> {
    let report = crate::reports::store::by_reference(c, report_reference.trim())?
        .filter(|r| crate::reports::service::staff_may_see(staff, r))
        .ok_or(DomainError::NotFound)?;
    let Some(f) = crate::reports::processor::for_reports(c, std::slice::from_ref(&report.id))?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let n = store::notice_by_id(c, &f.notice_id)?.ok_or(DomainError::NotFound)?;
    let processor = org_store::by_id(c, &f.processor_org_id)?.ok_or(DomainError::NotFound)?;
    let sender = crate::auth::store::user_by_id(c, &n.submitted_by)?;
    let others: Vec<String> = store::delivered(c, std::slice::from_ref(&n.id))?
        .into_iter()
        .filter(|d| d.report_id != report.id)
        .map(|d| d.controller_org_id)
        .collect();
    let mut also: Vec<String> = org_store::by_ids(c, &others)?
        .into_iter()
        .map(|o| o.name)
        .collect();
    also.sort();
    let j = rules::judge(f.aware_at, f.notice_at, f.contract_hours);
    Ok(Some(ReportNoticeView {
        report: report.reference,
        notice: n.reference.clone(),
        processor: OrgRef::from(&processor),
        sent_by: Sender {
            name: sender
                .as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            email: sender.map(|u| u.email).unwrap_or_default(),
            phone: n.contact_phone.clone(),
        },
        aware_at: f.aware_at,
        notice_at: f.notice_at,
        contract_hours: f.contract_hours,
        due_at: j.due_at,
        late: j.late,
        breach_started_at: n.breach_started_at.map(from_db),
        description: n.description.clone(),
        data_categories: keys(&n.data_categories),
        special_categories: keys(&n.special_categories),
        person_groups: keys(&n.person_groups),
        people_min: n.people_min,
        people_max: n.people_max,
        records: n.records_approx,
        measures: n.measures.clone(),
        language: n.language.clone(),
        also_sent_to: also,
        supplements: supplement_views(c, &n.id)?,
    }))
}

/// Whether each of these reports (ids) came from a processor, and if so whether its notice was
/// late: (report id, processor name, late). For the inbox's list.
pub fn lateness(
    c: &mut DbConn,
    report_ids: &[String],
) -> DomainResult<Vec<(String, String, bool)>> {
    Ok(crate::reports::processor::for_reports(c, report_ids)?
        .into_iter()
        .map(|f| {
            let late = rules::judge(f.aware_at, f.notice_at, f.contract_hours).late;
            (f.report_id, f.processor_name, late)
        })
        .collect())
}
