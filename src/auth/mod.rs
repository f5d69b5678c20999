//! Staff accounts: password login, sessions, API tokens, two-factor login, roles per organisation.
pub mod account;
pub mod admin;
pub mod extract;
pub mod login;
pub mod routes;
pub mod sealing;
pub mod secrets;
pub mod store;
pub mod throttle;
pub mod totp;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Handler,
    Fg,
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Handler => "handler",
            Role::Fg => "fg",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "handler" => Some(Role::Handler),
            "fg" => Some(Role::Fg),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Membership {
    pub organisation_id: String,
    pub organisation_slug: String,
    pub role: Role,
    /// False while the organisation requires two-factor login and the user has not turned it on.
    pub effective: bool,
}

/// The signed-in staff member, with the organisations they may act for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Staff {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub totp_enabled: bool,
    pub memberships: Vec<Membership>,
}

impl Staff {
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor::User {
            id: self.id.clone(),
        }
    }

    /// Organisations whose data this person may see (any effective role).
    pub fn org_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .memberships
            .iter()
            .filter(|m| m.effective)
            .map(|m| m.organisation_id.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn has_role(&self, org_id: &str, roles: &[Role]) -> bool {
        self.memberships
            .iter()
            .any(|m| m.effective && m.organisation_id == org_id && roles.contains(&m.role))
    }

    /// May see and work on this organisation's incidents and reports.
    pub fn can_handle(&self, org_id: &str) -> bool {
        self.has_role(org_id, &[Role::Handler, Role::Fg, Role::Admin])
    }

    pub fn two_factor_missing(&self) -> bool {
        self.memberships.iter().any(|m| !m.effective)
    }
}
