//! Who may see an incident: the one check every feature that works on an incident makes.
use super::store::{self, IncidentRow};
use crate::auth::Staff;
use crate::db::DbConn;
use crate::error::{DomainError, DomainResult};

/// Load an incident the caller may handle, or 404 (another organisation's incident does not exist).
pub fn visible(c: &mut DbConn, staff: &Staff, id: &str, lock: bool) -> DomainResult<IncidentRow> {
    let row = if lock {
        store::by_id_for_update(c, id)?
    } else {
        store::by_id(c, id)?
    };
    row.filter(|r| staff.can_handle(&r.organisation_id))
        .ok_or(DomainError::NotFound)
}
