//! What the pages and the API ask of the signals: one's choice of how to hear of new reports
//! (changed in one audited transaction), the counts in the staff's menu and the FG's worklist.
use crate::audit::Action;
use serde_json::json;

use super::rules::NewReports;
use super::store::{self, Awaiting};
use crate::audit::{self, Entry};
use crate::auth::{Role, Staff};
use crate::db::{now, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult};

/// One's own choice.
pub fn my_choice(c: &mut DbConn, staff: &Staff) -> DomainResult<NewReports> {
    Ok(store::preference(c, &staff.id)?)
}

/// Change one's own choice (`each` or `daily`); audited with before and after.
pub fn choose(c: &mut DbConn, staff: &Staff, value: &str) -> DomainResult<NewReports> {
    let choice = NewReports::parse(value.trim()).ok_or_else(|| {
        DomainError::field(
            "new_reports",
            "one of: each, daily",
            "Maak een keuze uit de lijst",
        )
    })?;
    write_tx(c, |c| -> DomainResult<NewReports> {
        let before = store::preference(c, &staff.id)?;
        if before == choice {
            return Ok(choice);
        }
        let t = now();
        store::set_preference(c, &staff.id, choice, to_db(t))?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::UserSignalsChanged,
                entity_type: "user",
                entity_id: staff.id.clone(),
                organisation_id: None,
                before: Some(json!({"new_reports": before.as_str()})),
                after: Some(json!({"new_reports": choice.as_str()})),
            }],
            t,
        )?;
        Ok(choice)
    })
}

/// The organisations where this person is an FG (and the role counts).
pub fn fg_orgs(staff: &Staff) -> Vec<String> {
    let mut v: Vec<String> = staff
        .memberships
        .iter()
        .filter(|m| m.effective && m.role == Role::Fg)
        .map(|m| m.organisation_id.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The counts in the staff's menu: new reports nobody has looked at (of the organisations one
/// handles; of none too for an installation administrator), and drafts waiting for one's sign-off
/// (`None` for someone who is nowhere an FG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub new_reports: i64,
    pub to_sign: Option<i64>,
}

pub fn counts(c: &mut DbConn, staff: &Staff) -> DomainResult<Counts> {
    let new_reports = store::untriaged(c, &staff.org_ids(), staff.is_admin)?;
    let fg = fg_orgs(staff);
    let to_sign = if fg.is_empty() {
        None
    } else {
        Some(store::awaiting_count(c, &fg)?)
    };
    Ok(Counts {
        new_reports,
        to_sign,
    })
}

/// The FG's worklist: the drafts of the organisations where one is an FG that wait for sign-off,
/// longest waiting first. Someone who is nowhere an FG is refused (403).
pub fn worklist(c: &mut DbConn, staff: &Staff) -> DomainResult<Vec<Awaiting>> {
    let fg = fg_orgs(staff);
    if fg.is_empty() {
        return Err(DomainError::denied(
            "fg_only",
            "only an organisation's FG has drafts to sign off",
        ));
    }
    Ok(store::awaiting(c, &fg)?)
}
