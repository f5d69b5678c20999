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
    /// Acts for a processor organisation (issue 19): submits its breach notices to the
    /// controllers it is linked to and follows them (`processors`), nothing else. Never counts
    /// as a role that may see an organisation's reports or incidents.
    Processor,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Handler => "handler",
            Role::Fg => "fg",
            Role::Admin => "admin",
            Role::Processor => "processor",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "handler" => Some(Role::Handler),
            "fg" => Some(Role::Fg),
            "admin" => Some(Role::Admin),
            "processor" => Some(Role::Processor),
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

    /// Organisations whose data this person may see (any effective staff role: a processor's
    /// role gives none).
    pub fn org_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .memberships
            .iter()
            .filter(|m| m.effective && m.role != Role::Processor)
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

    /// The processor organisations this person acts for (an effective "processor" role).
    pub fn processor_org_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .memberships
            .iter()
            .filter(|m| m.effective && m.role == Role::Processor)
            .map(|m| m.organisation_id.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Acts only for processors: no staff role anywhere, no installation administration (the
    /// pages send such a person to the processor's pages).
    pub fn processor_only(&self) -> bool {
        !self.is_admin
            && !self.memberships.is_empty()
            && self.memberships.iter().all(|m| m.role == Role::Processor)
    }

    pub fn two_factor_missing(&self) -> bool {
        self.memberships.iter().any(|m| !m.effective)
    }
}
