//! Organisation changes for the API, the admin pages and the CLI: each one function, in one
//! transaction with its audit record.
use super::store::{self, OrgRow};
use super::{Organisation, OrganisationInput};
use crate::audit::Action;
use crate::audit::{self, Actor, Entry};
use crate::auth::admin::Manager;
use crate::auth::{store as auth_store, Role, Staff};
use crate::db::{is_unique_violation, now, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult};

fn org_json(o: &OrgRow) -> serde_json::Value {
    serde_json::to_value(Organisation::from(o.clone())).unwrap_or_default()
}

fn slug_in_use(e: diesel::result::Error) -> DomainError {
    if is_unique_violation(&e) {
        DomainError::field("slug", "already in use", "Dit is al in gebruik")
    } else {
        e.into()
    }
}

/// A new organisation (installation administrators and the CLI), audited with the whole row.
pub fn create(c: &mut DbConn, m: Manager, input: &OrganisationInput) -> DomainResult<OrgRow> {
    if let Manager::Staff(s) = m {
        if !s.is_admin {
            return Err(DomainError::denied(
                "installation_admins_only",
                "only installation administrators create organisations",
            ));
        }
    }
    input.validate(true)?;
    let row = OrgRow::new_from(input);
    let t = now();
    write_tx(c, |c| -> DomainResult<()> {
        store::insert(c, &row).map_err(slug_in_use)?;
        audit::store::append(
            c,
            &[Entry {
                actor: m.actor(),
                action: Action::OrganisationCreated,
                entity_type: "organisation",
                entity_id: row.id.clone(),
                organisation_id: Some(row.id.clone()),
                before: None,
                after: Some(org_json(&row)),
            }],
            t,
        )?;
        Ok(())
    })?;
    Ok(row)
}

/// The organisation with this slug if this person may see it (a member, or an installation
/// administrator); else not found.
pub fn visible(c: &mut DbConn, staff: &Staff, slug: &str) -> DomainResult<OrgRow> {
    store::by_slug(c, slug)?
        .filter(|o| staff.is_admin || staff.memberships.iter().any(|m| m.organisation_id == o.id))
        .ok_or(DomainError::NotFound)
}

/// Change an organisation's settings (its admins and installation administrators), audited
/// with the row before and after. `clear_hours`: no processor hours given means none (a form
/// sends every field; the API leaves absent fields as they are).
pub fn update(
    c: &mut DbConn,
    staff: &Staff,
    slug: &str,
    input: &OrganisationInput,
    clear_hours: bool,
) -> DomainResult<OrgRow> {
    input.validate(false)?;
    write_tx(c, |c| -> DomainResult<OrgRow> {
        let mut row = visible(c, staff, slug)?;
        if !(staff.is_admin || staff.has_role(&row.id, &[Role::Admin])) {
            return Err(DomainError::denied(
                "org_admins_only",
                "only the organisation's admins change its settings",
            ));
        }
        let before = org_json(&row);
        row.apply(input);
        if clear_hours {
            row.processor_hours = input.processor_hours;
        }
        let t = now();
        row.updated_at = to_db(t);
        store::update(c, &row).map_err(slug_in_use)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::OrganisationUpdated,
                entity_type: "organisation",
                entity_id: row.id.clone(),
                organisation_id: Some(row.id.clone()),
                before: Some(before),
                after: Some(org_json(&row)),
            }],
            t,
        )?;
        Ok(row)
    })
}

/// Give or take a role in the organisation with this slug (its admins and installation
/// administrators), audited when it changed anything.
pub fn change_member(
    c: &mut DbConn,
    staff: &Staff,
    slug: &str,
    email: &str,
    role: Role,
    add: bool,
) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        let org = visible(c, staff, slug)?;
        if !(staff.is_admin || staff.has_role(&org.id, &[Role::Admin])) {
            return Err(DomainError::denied(
                "org_admins_only",
                "only the organisation's admins manage its members",
            ));
        }
        change_membership(c, staff.actor(), &org.id, email, role, add)
    })
}

/// Give a role in an organisation to the account with this address (the CLI), audited when it
/// changed anything.
pub fn add_role(
    c: &mut DbConn,
    actor: Actor,
    org_id: &str,
    email: &str,
    role: Role,
) -> DomainResult<()> {
    write_tx(c, |c| {
        change_membership(c, actor, org_id, email, role, true)
    })
}

/// Give or take a role, audited when it changed anything; inside the caller's transaction, after
/// the caller has checked who may.
pub(crate) fn change_membership(
    c: &mut DbConn,
    actor: Actor,
    org_id: &str,
    email: &str,
    role: Role,
    add: bool,
) -> DomainResult<()> {
    let user = auth_store::user_by_email(c, email)?.ok_or_else(|| {
        DomainError::field(
            "email",
            "no such user",
            "Er is geen gebruiker met dit e-mailadres",
        )
    })?;
    let changed = if add {
        auth_store::add_membership(c, &user.id, org_id, role)?
    } else {
        auth_store::remove_membership(c, &user.id, org_id, role)? > 0
    };
    if changed {
        let m = serde_json::json!({"user_id": user.id, "role": role.as_str()});
        audit::store::append(
            c,
            &[Entry {
                actor,
                action: if add {
                    Action::MembershipAdded
                } else {
                    Action::MembershipRemoved
                },
                entity_type: "organisation",
                entity_id: org_id.to_string(),
                organisation_id: Some(org_id.to_string()),
                before: if add { None } else { Some(m.clone()) },
                after: if add { Some(m) } else { None },
            }],
            now(),
        )?;
    }
    Ok(())
}

/// (slug, id) of every organisation, cached briefly: the public intake resolves them on every report.
pub async fn directory(state: &crate::state::AppState) -> DomainResult<crate::state::SlugIds> {
    if let Some(v) = state.orgs.fresh() {
        return Ok(v);
    }
    let rows = state.service(|c| Ok(super::store::all(c)?)).await?;
    let v = std::sync::Arc::new(rows.into_iter().map(|o| (o.slug, o.id)).collect::<Vec<_>>());
    state.orgs.put(v.clone());
    Ok(v)
}

/// The organisation a new report goes to (API and report form alike): slug → organisation id. No
/// slug: the only organisation if there is exactly one, else none.
pub async fn resolve_for_report(
    state: &crate::state::AppState,
    slug: Option<&str>,
) -> DomainResult<Option<String>> {
    let dir = directory(state).await?;
    match slug {
        Some(s) if !s.trim().is_empty() => dir
            .iter()
            .find(|(slug, _)| slug == s.trim())
            .map(|(_, id)| Some(id.clone()))
            .ok_or_else(|| {
                DomainError::field(
                    "organisation",
                    "unknown organisation",
                    "Kies een organisatie uit de lijst",
                )
            }),
        _ => Ok(if dir.len() == 1 {
            Some(dir[0].1.clone())
        } else {
            None
        }),
    }
}
