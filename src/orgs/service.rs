//! Organisation changes shared by the API and the admin pages.
use crate::audit::{self, Entry};
use crate::auth::{store as auth_store, Role, Staff};
use crate::db::{now, DbConn};
use crate::error::{ApiError, ApiResult};

/// Give or take a role in an organisation, audited; run inside the caller's write transaction,
/// after the caller has checked that `staff` may manage `org_id`'s members.
pub fn change_membership(
    c: &mut DbConn,
    staff: &Staff,
    org_id: &str,
    email: &str,
    role: Role,
    add: bool,
) -> ApiResult<()> {
    let user = auth_store::user_by_email(c, email)?
        .ok_or_else(|| ApiError::field("email", "no such user"))?;
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
                actor: staff.actor(),
                action: if add {
                    "membership.added"
                } else {
                    "membership.removed"
                }
                .into(),
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
pub async fn directory(
    state: &crate::state::AppState,
) -> crate::error::ApiResult<crate::state::SlugIds> {
    if let Some(v) = state.orgs.fresh() {
        return Ok(v);
    }
    let rows = state.db(|c| Ok(super::store::all(c)?)).await?;
    let v = std::sync::Arc::new(rows.into_iter().map(|o| (o.slug, o.id)).collect::<Vec<_>>());
    state.orgs.put(v.clone());
    Ok(v)
}

/// The organisation a new report goes to (API and report form alike): slug → organisation id. No
/// slug: the only organisation if there is exactly one, else none.
pub async fn resolve_for_report(
    state: &crate::state::AppState,
    slug: Option<&str>,
) -> ApiResult<Option<String>> {
    let dir = directory(state).await?;
    match slug {
        Some(s) if !s.trim().is_empty() => dir
            .iter()
            .find(|(slug, _)| slug == s.trim())
            .map(|(_, id)| Some(id.clone()))
            .ok_or_else(|| ApiError::field("organisation", "unknown organisation")),
        _ => Ok(if dir.len() == 1 {
            Some(dir[0].1.clone())
        } else {
            None
        }),
    }
}
