//! What the administration pages share: the organisations one administers, the role choices,
//! what a page is shown again with.
use crate::auth::{Role, Staff};
use crate::db::DbConn;
use crate::error::{DomainError, DomainResult};
use crate::orgs::store::{self as org_store, OrgRow};
use crate::web::kit::{web as pages, Lang};
use crate::web::staff::form::{Form, Shown};
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(super) const ROLES: [Role; 4] = [Role::Handler, Role::Fg, Role::Admin, Role::Processor];

pub(super) fn may_admin_org(staff: &Staff, org: &OrgRow) -> bool {
    staff.is_admin || staff.has_role(&org.id, &[Role::Admin])
}

/// The organisations this person administers.
pub(super) fn admin_orgs(c: &mut DbConn, staff: &Staff) -> DomainResult<Vec<OrgRow>> {
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

/// An organisation this person administers, or 404.
pub(super) fn admin_org(c: &mut DbConn, staff: &Staff, slug: &str) -> DomainResult<OrgRow> {
    org_store::by_slug(c, slug)?
        .filter(|o| may_admin_org(staff, o))
        .ok_or(DomainError::NotFound)
}

pub(super) fn role_options(lang: Lang, chosen: &str) -> Vec<Value> {
    let w = pages();
    ROLES
        .iter()
        .map(|r| json!({"value": r.as_str(), "label": w.t(lang, &format!("staff_role_{}", r.as_str())), "selected": chosen == r.as_str()}))
        .collect()
}

#[derive(Default)]
pub(super) struct Extra {
    pub(super) errors: Shown,
    pub(super) typed: HashMap<String, String>,
    pub(super) new_token: Option<(String, String)>,
    pub(super) status: Option<StatusCode>,
    pub(super) fresh_csrf: Option<(String, Cookie<'static>)>,
}

pub(super) fn typed_of(f: &Form, keys: &[&str]) -> HashMap<String, String> {
    keys.iter()
        .map(|k| (k.to_string(), f.get(k).trim().to_string()))
        .collect()
}
