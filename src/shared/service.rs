//! Every change of a shared incident's links — a split, a controller's notice moment, a change of
//! the shared facts taken over — in one transaction with its audit records, and who may see what.
//!
//! Access stays per organisation. The shared team (staff of the shared incident's organisation)
//! splits and sees the list of linked incidents: each controller, the state, the clock — not the
//! controllers' letters, recipients or facts. A controller's staff see their own incident (the
//! ordinary incident routes) and its link to the shared incident: the notice moment and a change
//! of the shared facts offered to them; never the shared incident nor another controller's part.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rules::{self, Candidate, Refused};
use super::store::{self, LinkRow};
use crate::assessment::facts::Facts;
use crate::assessment::service::record_facts_in;
use crate::assessment::store as facts_store;
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::{parse_stored, ApiError, DomainError, DomainResult};
use crate::incidents::access::visible;
use crate::incidents::clock;
use crate::incidents::lifecycle::State;
use crate::incidents::model::{Facts as IncidentFacts, IncidentPatch};
use crate::incidents::store::{self as incident_store, IncidentRow};
use crate::orgs::store as org_store;

/// `POST /api/v1/incidents/{id}/split`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitInput {
    /// The controllers (slugs) the breach affects, among those the shared organisation is linked
    /// to as processor.
    pub controllers: Vec<String>,
    /// When the shared organisation told them (RFC 3339); default: now.
    #[serde(default)]
    pub notified_at: Option<DateTime<Utc>>,
}

/// `PUT /api/v1/incidents/{id}/shared-origin/notified-at`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// When the shared organisation told this controller (RFC 3339).
    pub notified_at: DateTime<Utc>,
}

/// `POST /api/v1/incidents/{id}/shared-origin/accept`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The version of the shared facts offered (as shown); 409 when it changed meanwhile.
    pub version: i64,
    /// The shared incident's version offered (as shown), required when its details (title,
    /// description, times) changed; 409 when it changed meanwhile.
    #[serde(default)]
    pub incident_version: Option<i64>,
}

/// `POST /api/v1/incidents/{id}/shared-origin/decline`: the controller keeps its own facts.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    /// The version of the shared facts offered (as shown); 409 when it changed meanwhile.
    pub version: i64,
    /// The shared incident's version offered (as shown), required when its details changed.
    #[serde(default)]
    pub incident_version: Option<i64>,
    /// Why the change does not hold for this controller (required, at most 2,000 characters); in
    /// the audit trail of both incidents, so the shared team can read it.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One controller's part of a shared incident as the shared team sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedView {
    pub controller: String,
    pub controller_name: String,
    pub incident_id: String,
    pub reference: String,
    #[schema(value_type = String)]
    pub state: State,
    pub state_label_nl: String,
    pub notified_at: DateTime<Utc>,
    pub ap_deadline: DateTime<Utc>,
    pub deadline_local: String,
    pub deadline_local_en: String,
    /// The 72 hours still matter (the AP not yet notified, the breach not ruled out).
    pub clock_running: bool,
    pub overdue: bool,
    pub hours_left: f64,
    pub clock_label_nl: String,
    pub clock_label_en: String,
    pub ap_notified_at: Option<DateTime<Utc>>,
    /// The version of the shared facts this part took over last, and whether a later one waits.
    pub facts_version_taken: i64,
    pub change_offered: bool,
}

/// A controller the shared organisation is linked to, and whether it has its part already.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub controller: String,
    pub controller_name: String,
    pub contract_hours: i32,
    pub split: bool,
}

/// `GET /api/v1/incidents/{id}/linked`: the shared team's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedView {
    pub incident_id: String,
    pub reference: String,
    pub organisation: String,
    /// The version of the shared incident's facts (0: none recorded).
    pub facts_version: i64,
    /// Whether this incident may be split (it is no controller's part itself, and is open).
    pub may_split: bool,
    pub candidates: Vec<CandidateView>,
    pub linked: Vec<LinkedView>,
}

/// A field of the shared facts that changed: the controller's answer now and the one offered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    #[schema(value_type = Object)]
    pub yours: serde_json::Value,
    #[schema(value_type = Object)]
    pub offered: serde_json::Value,
}

/// A change of the shared facts offered to a controller's part.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    /// The version of the shared facts offered (send it back to accept).
    pub version: i64,
    /// The shared incident's version offered (send it back to accept).
    pub incident_version: i64,
    /// The assessment facts changed.
    pub changes: Vec<FieldChange>,
    /// The incident's details changed (title, description, the breach's times).
    pub details: Vec<FieldChange>,
}

/// `GET /api/v1/incidents/{id}/shared-origin`: a controller's view of where its part came from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OriginView {
    pub incident_id: String,
    /// The shared organisation (its name) and the shared incident's reference.
    pub shared_organisation: String,
    pub shared_reference: String,
    pub notified_at: DateTime<Utc>,
    pub ap_deadline: DateTime<Utc>,
    pub deadline_local: String,
    pub deadline_local_en: String,
    pub contract_hours: Option<i32>,
    /// Whether the shared organisation told this controller within the contract's hours.
    pub notice_on_time: Option<bool>,
    pub facts_version_taken: i64,
    pub offer: Option<OfferView>,
}

fn refused(r: Refused) -> DomainError {
    match r {
        Refused::Invalid(ps) => ps.into(),
        Refused::AlreadySplit { field, slug } => DomainError::refused_with(
            "shared_already_split",
            format!("{field}: the incident was already split to {slug}"),
            vec![("controller", slug)],
        ),
    }
}

fn latest_facts(c: &mut DbConn, incident_id: &str) -> DomainResult<(i64, Facts)> {
    Ok(match facts_store::latest_facts(c, incident_id)? {
        Some(f) => (f.version, parse_stored("facts", &f.facts_json)?),
        None => (0, Facts::default()),
    })
}

fn facts_at(c: &mut DbConn, incident_id: &str, version: i64) -> DomainResult<Facts> {
    if version == 0 {
        return Ok(Facts::default());
    }
    match store::facts_version(c, incident_id, version)? {
        Some(json) => Ok(parse_stored("facts", &json)?),
        None => Ok(Facts::default()),
    }
}

/// The shared incident, checked: the caller handles its organisation, and it is no controller's
/// part itself (404 otherwise: to a controller's staff a shared incident does not exist).
fn shared_incident(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    lock: bool,
) -> DomainResult<IncidentRow> {
    let row = visible(c, staff, id, lock)?;
    if store::is_controller_part(c, id)? {
        return Err(DomainError::refused(
            "shared_is_part",
            "this incident is a controller's part of a shared incident; split the shared incident",
        ));
    }
    Ok(row)
}

/// Split a shared incident to the controllers it affects: an incident of each controller's own,
/// with the shared incident's description and times, the shared organisation as its processor,
/// its own 72 hours from `notified_at`, and the shared facts taken over (marked "from the shared
/// incident"). Returns the controllers' incident ids in the order named.
pub fn split(
    c: &mut DbConn,
    staff: &Staff,
    shared_id: &str,
    input: &SplitInput,
    mail: &crate::signals::Links,
    max_description: usize,
) -> DomainResult<Vec<String>> {
    write_tx(c, |c| -> DomainResult<Vec<String>> {
        let shared = shared_incident(c, staff, shared_id, true)?;
        if shared.state().is_closed() {
            return Err(DomainError::refused(
                "shared_closed",
                "the shared incident is closed: reopen it before splitting",
            ));
        }
        let shared_org =
            org_store::by_id(c, &shared.organisation_id)?.ok_or(DomainError::NotFound)?;
        let links = store::controllers_of(c, &shared.organisation_id)?;
        let mut known = vec![];
        for slug in &input.controllers {
            if let Some(o) = org_store::by_slug(c, slug.trim())? {
                known.push(Candidate {
                    linked: links.iter().any(|(id, _)| *id == o.id),
                    org_id: o.id,
                    slug: o.slug,
                });
            }
        }
        let already: Vec<String> = store::of_shared(c, shared_id)?
            .into_iter()
            .map(|l| l.controller_org_id)
            .collect();
        let chosen = rules::choose(&input.controllers, &known, &already).map_err(refused)?;
        let t = now();
        let sf = shared.facts();
        let (version, shared_facts) = latest_facts(c, shared_id)?;
        let from = rules::source(&shared.reference);
        let mut ids = vec![];
        let mut entries = vec![];
        for org_id in &chosen {
            let hours = links
                .iter()
                .find(|(id, _)| id == org_id)
                .map(|(_, h)| *h)
                .unwrap_or(0);
            let clk = rules::controller_clock(sf.clock_start(), hours, input.notified_at, t)
                .map_err(|p| DomainError::from(vec![p]))?;
            let facts = IncidentFacts {
                title: sf.title.clone(),
                description: sf.description.clone(),
                breach_started_at: sf.breach_started_at,
                breach_ended_at: sf.breach_ended_at,
                discovered_at: sf.discovered_at.filter(|d| *d <= clk.notified_at),
                became_aware_at: clk.notified_at,
                awareness_established_by: None,
                awareness_how: Some(format!(
                    "Melding van {} (gedeeld incident {})",
                    shared_org.name, shared.reference
                )),
                processor_name: Some(shared_org.name.clone()),
                processor_aware_at: Some(sf.clock_start()),
                processor_notice_at: Some(clk.notified_at),
                processor_contract_hours: Some(hours),
                late_awareness_reason: None,
            };
            let errs = facts.validate(t, max_description);
            if !errs.is_empty() {
                return Err(ApiError::Validation(errs).into());
            }
            let reference = incident_store::next_reference(c, org_id, t)?;
            let row = IncidentRow::new(
                crate::db::new_id(),
                org_id.clone(),
                reference,
                &facts,
                staff.id.clone(),
                t,
            );
            incident_store::insert(c, &row)?;
            store::insert(
                c,
                &LinkRow {
                    controller_incident_id: row.id.clone(),
                    shared_incident_id: shared.id.clone(),
                    controller_org_id: org_id.clone(),
                    notified_at: to_db(clk.notified_at),
                    facts_version_taken: version,
                    details_taken: details_of(&shared).to_json(),
                    created_by: staff.id.clone(),
                    created_at: to_db(t),
                },
            )?;
            entries.push(Entry {
                actor: staff.actor(),
                action: Action::IncidentCreated,
                entity_type: "incident",
                entity_id: row.id.clone(),
                organisation_id: Some(org_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "reference": row.reference, "state": row.state, "facts": facts,
                    "ap_deadline": facts.ap_deadline(),
                    "shared_incident": shared.reference,
                    "shared_organisation_id": shared.organisation_id,
                })),
            });
            if version > 0 {
                record_facts_in(c, staff, &row, rules::inherit(&shared_facts, &from))?;
            }
            // The controller's handlers hear of it at once: its 72 hours run.
            crate::signals::mail::shared_part(
                c,
                &crate::signals::mail::SharedPartSignal {
                    incident_id: &row.id,
                    reference: &row.reference,
                    organisation_id: org_id,
                    from: &shared_org.name,
                    deadline: facts.ap_deadline(),
                    by: &staff.id,
                },
                mail,
                t,
            )?;
            ids.push(row.id);
        }
        entries.push(Entry {
            actor: staff.actor(),
            action: Action::IncidentSplit,
            entity_type: "incident",
            entity_id: shared.id.clone(),
            organisation_id: Some(shared.organisation_id.clone()),
            before: None,
            after: Some(serde_json::json!({
                "controllers": chosen, "incidents": ids, "facts_version": version,
                "notified_at": input.notified_at.unwrap_or(t),
            })),
        });
        audit::store::append(c, &entries, t)?;
        Ok(ids)
    })
}

/// The shared team's list: every linked incident with its controller, state and clock, and the
/// controllers it may still be split to.
pub fn linked(c: &mut DbConn, staff: &Staff, shared_id: &str) -> DomainResult<SharedView> {
    let shared = shared_incident(c, staff, shared_id, false)?;
    let org = org_store::by_id(c, &shared.organisation_id)?.ok_or(DomainError::NotFound)?;
    let links = store::of_shared(c, shared_id)?;
    let (version, _) = latest_facts(c, shared_id)?;
    let ids: Vec<String> = links
        .iter()
        .map(|l| l.controller_incident_id.clone())
        .collect();
    let summaries = store::summaries(c, &ids)?;
    let controllers = store::controllers_of(c, &shared.organisation_id)?;
    let mut org_ids: Vec<String> = controllers.iter().map(|(id, _)| id.clone()).collect();
    org_ids.extend(links.iter().map(|l| l.controller_org_id.clone()));
    org_ids.sort();
    org_ids.dedup();
    let orgs = org_store::by_ids(c, &org_ids)?;
    let name = |id: &str| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| (o.slug.clone(), o.name.clone()))
            .unwrap_or_default()
    };
    let t = now();
    let mut linked = vec![];
    for l in &links {
        let Some((_, reference, state, deadline, notified)) = summaries
            .iter()
            .find(|s| s.0 == l.controller_incident_id)
            .cloned()
        else {
            continue;
        };
        let state = State::parse(&state).unwrap_or(State::New);
        let deadline = from_db(deadline);
        let st = clock::status(deadline, t);
        let (slug, cname) = name(&l.controller_org_id);
        linked.push(LinkedView {
            controller: slug,
            controller_name: cname,
            incident_id: l.controller_incident_id.clone(),
            reference,
            state,
            state_label_nl: state.label_nl().into(),
            notified_at: from_db(l.notified_at),
            ap_deadline: deadline,
            deadline_local: st.deadline_local,
            deadline_local_en: st.deadline_local_en,
            clock_running: state.clock_running(),
            overdue: st.overdue && state.clock_running(),
            hours_left: st.hours_left,
            clock_label_nl: st.label_nl,
            clock_label_en: st.label_en,
            ap_notified_at: notified.map(from_db),
            facts_version_taken: l.facts_version_taken,
            change_offered: offer(c, l, &shared)?.is_some(),
        });
    }
    let mut candidates: Vec<CandidateView> = controllers
        .iter()
        .map(|(id, hours)| {
            let (slug, cname) = name(id);
            CandidateView {
                controller: slug,
                controller_name: cname,
                contract_hours: *hours,
                split: links.iter().any(|l| &l.controller_org_id == id),
            }
        })
        .collect();
    candidates.sort_by(|a, b| a.controller_name.cmp(&b.controller_name));
    Ok(SharedView {
        incident_id: shared.id.clone(),
        reference: shared.reference.clone(),
        organisation: org.name,
        facts_version: version,
        may_split: !shared.state().is_closed(),
        candidates,
        linked,
    })
}

/// The link of a controller's part the caller may see (404 otherwise, and for an incident made
/// of no shared incident).
fn own_part(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    lock: bool,
) -> DomainResult<(IncidentRow, LinkRow, IncidentRow)> {
    let inc = visible(c, staff, id, lock)?;
    let link = store::of_controller_incident(c, id)?.ok_or(DomainError::NotFound)?;
    let shared =
        incident_store::by_id(c, &link.shared_incident_id)?.ok_or(DomainError::NotFound)?;
    Ok((inc, link, shared))
}

/// A change of the shared incident waiting for a controller's part.
struct Pending {
    /// The shared facts: the latest version, the one taken over last, the fields changed.
    version: i64,
    old: Facts,
    new: Facts,
    fields: Vec<String>,
    /// The shared incident's details: its version, as taken over last, now, the fields changed.
    incident_version: i64,
    details_new: rules::Details,
    details: Vec<&'static str>,
}

fn details_of(row: &IncidentRow) -> rules::Details {
    let f = row.facts();
    rules::Details {
        title: f.title,
        description: f.description,
        breach_started_at: f.breach_started_at,
        breach_ended_at: f.breach_ended_at,
        discovered_at: f.discovered_at,
    }
}

fn offer(c: &mut DbConn, link: &LinkRow, shared: &IncidentRow) -> DomainResult<Option<Pending>> {
    let (version, new) = latest_facts(c, &shared.id)?;
    let old = if version > link.facts_version_taken {
        facts_at(c, &shared.id, link.facts_version_taken)?
    } else {
        new.clone()
    };
    // A new version that changes no value (a fact confirmed, say) offers nothing.
    let fields = rules::changed_fields(&old, &new);
    let details_new = details_of(shared);
    let details = rules::Details::parse(&link.details_taken).changed(&details_new);
    if fields.is_empty() && details.is_empty() {
        return Ok(None);
    }
    Ok(Some(Pending {
        version,
        old,
        new,
        fields,
        incident_version: shared.version,
        details_new,
        details,
    }))
}

/// A controller's view of its part: the shared organisation's notice, its clock, and a change of
/// the shared facts waiting for it.
pub fn origin(c: &mut DbConn, staff: &Staff, id: &str) -> DomainResult<OriginView> {
    let (inc, link, shared) = own_part(c, staff, id, false)?;
    let shared_org = org_store::by_id(c, &shared.organisation_id)?.ok_or(DomainError::NotFound)?;
    let f = inc.facts();
    let deadline = from_db(inc.ap_deadline);
    let offer = match offer(c, &link, &shared)? {
        None => None,
        Some(p) => {
            let (_, mine) = latest_facts(c, id)?;
            let (mine, new_v) = (
                serde_json::to_value(&mine).unwrap_or_default(),
                serde_json::to_value(&p.new).unwrap_or_default(),
            );
            let changes = p
                .fields
                .iter()
                .map(|k| FieldChange {
                    yours: mine.get(k).cloned().unwrap_or_default(),
                    offered: new_v.get(k).cloned().unwrap_or_default(),
                    field: k.clone(),
                })
                .collect();
            let own = details_of(&inc);
            let details = p
                .details
                .iter()
                .map(|k| FieldChange {
                    field: k.to_string(),
                    yours: own.get(k),
                    offered: p.details_new.get(k),
                })
                .collect();
            Some(OfferView {
                version: p.version,
                incident_version: p.incident_version,
                changes,
                details,
            })
        }
    };
    Ok(OriginView {
        incident_id: inc.id.clone(),
        shared_organisation: shared_org.name,
        shared_reference: shared.reference,
        notified_at: from_db(link.notified_at),
        ap_deadline: deadline,
        deadline_local: clock::local_display(deadline),
        deadline_local_en: clock::local_display_en(deadline),
        contract_hours: f.processor_contract_hours,
        notice_on_time: f.processor_on_time(),
        facts_version_taken: link.facts_version_taken,
        offer,
    })
}

/// The controller's staff correct when the shared organisation told them: the incident's
/// awareness and processor's notice move with it (through the incident's own update, audited as
/// such), and so does its 72-hour deadline.
pub fn set_notified_at(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    input: &NoticeInput,
    max_description: usize,
) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        let (inc, link, shared) = own_part(c, staff, id, true)?;
        let hours = inc.processor_contract_hours.unwrap_or(0);
        let clk = rules::controller_clock(
            shared.facts().clock_start(),
            hours,
            Some(input.notified_at),
            now(),
        )
        .map_err(|p| DomainError::from(vec![p]))?;
        let at = clk.notified_at;
        if link.notified_at == to_db(at) {
            return Ok(());
        }
        let patch = IncidentPatch {
            became_aware_at: Some(at),
            processor_notice_at: Some(Some(at)),
            ..Default::default()
        };
        crate::incidents::service::update(c, staff, id, &patch, max_description).map_err(|e| {
            match e {
                DomainError::Invalid(ps) => DomainError::Invalid(
                    ps.into_iter()
                        .map(|p| crate::error::FieldProblem {
                            field: "notified_at".into(),
                            ..p
                        })
                        .collect(),
                ),
                other => other,
            }
        })?;
        store::set_notified_at(c, id, to_db(at))?;
        let t = now();
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentSharedNoticeChanged,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(serde_json::json!({"notified_at": from_db(link.notified_at)})),
                after: Some(serde_json::json!({"notified_at": at, "ap_deadline": clk.deadline})),
            }],
            t,
        )?;
        Ok(())
    })
}

/// A controller's staff take over the change of the shared incident offered: each changed field
/// becomes the shared value ("from the shared incident"), the rest stays theirs. The details
/// (title, description, the breach's times) go through the incident's own update, the facts
/// through the assessment's own service as a new facts version (so a sign-off of a draft made of
/// the earlier content is void, as after any change).
/// The change offered to this controller's incident, as the person saw it (locked): refused when
/// there is none, or when it changed since they saw it.
fn offered(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    version: i64,
    incident_version: Option<i64>,
) -> DomainResult<(IncidentRow, LinkRow, IncidentRow, Pending)> {
    let (inc, link, shared) = own_part(c, staff, id, true)?;
    let Some(p) = offer(c, &link, &shared)? else {
        return Err(DomainError::refused(
            "shared_no_offer",
            "no change of the shared incident waits for this incident",
        ));
    };
    let stale = version != p.version
        || (!p.details.is_empty() && incident_version != Some(p.incident_version));
    if stale {
        return Err(DomainError::refused_with(
            "shared_offer_stale",
            format!(
                "version, incident_version: the shared incident changed meanwhile (now version {}, incident_version {}); reload",
                p.version, p.incident_version
            ),
            vec![("version", p.version.to_string())],
        ));
    }
    Ok((inc, link, shared, p))
}

/// Decline the change offered: this controller keeps its own facts and details, and is not
/// offered this change again (a later change of the shared incident is offered as usual). The
/// reason is in the audit trail of the controller's incident and of the shared incident.
pub fn decline(c: &mut DbConn, staff: &Staff, id: &str, input: &DeclineInput) -> DomainResult<i64> {
    let reason = rules::decline_reason(input.reason.as_deref()).map_err(|p| vec![p])?;
    write_tx(c, |c| -> DomainResult<i64> {
        let (inc, link, shared, p) = offered(c, staff, id, input.version, input.incident_version)?;
        store::set_taken(c, id, p.version, &p.details_new.to_json())?;
        let after = serde_json::json!({
            "shared_facts_version": p.version, "fields": p.fields, "details": p.details,
            "reason": reason,
        });
        audit::store::append(
            c,
            &[
                Entry {
                    actor: staff.actor(),
                    action: Action::IncidentSharedChangeDeclined,
                    entity_type: "incident",
                    entity_id: inc.id.clone(),
                    organisation_id: Some(inc.organisation_id.clone()),
                    before: Some(
                        serde_json::json!({"shared_facts_version": link.facts_version_taken}),
                    ),
                    after: Some(after.clone()),
                },
                Entry {
                    actor: staff.actor(),
                    action: Action::IncidentSharedChangeDeclined,
                    entity_type: "incident",
                    entity_id: shared.id.clone(),
                    organisation_id: Some(shared.organisation_id.clone()),
                    before: None,
                    after: Some(serde_json::json!({
                        "controller_incident": inc.reference,
                        "controller_organisation_id": inc.organisation_id,
                        "shared_facts_version": p.version, "fields": p.fields,
                        "details": p.details, "reason": reason,
                    })),
                },
            ],
            now(),
        )?;
        Ok(p.version)
    })
}

pub fn accept(
    c: &mut DbConn,
    staff: &Staff,
    id: &str,
    input: &AcceptInput,
    max_description: usize,
) -> DomainResult<i64> {
    write_tx(c, |c| -> DomainResult<i64> {
        let (inc, link, shared, p) = offered(c, staff, id, input.version, input.incident_version)?;
        let from = rules::source(&shared.reference);
        if !p.details.is_empty() {
            let d = &p.details_new;
            let has = |f: &str| p.details.contains(&f);
            let patch = IncidentPatch {
                title: has("title").then(|| d.title.clone()),
                description: has("description").then(|| d.description.clone()),
                breach_started_at: has("breach_started_at").then_some(d.breach_started_at),
                breach_ended_at: has("breach_ended_at").then_some(d.breach_ended_at),
                discovered_at: has("discovered_at").then_some(d.discovered_at),
                ..Default::default()
            };
            crate::incidents::service::update(c, staff, id, &patch, max_description)?;
        }
        let mut facts_version = None;
        if !p.fields.is_empty() {
            let (_, mine) = latest_facts(c, id)?;
            let taken = rules::take_change(&mine, &p.old, &p.new, &from);
            facts_version = Some(record_facts_in(c, staff, &inc, taken)?.facts_version);
        }
        store::set_taken(c, id, p.version, &p.details_new.to_json())?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::IncidentSharedChangeAccepted,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(serde_json::json!({"shared_facts_version": link.facts_version_taken})),
                after: Some(serde_json::json!({
                    "shared_facts_version": p.version, "fields": p.fields,
                    "details": p.details, "facts_version": facts_version,
                })),
            }],
            now(),
        )?;
        Ok(p.version)
    })
}
