//! The append-only, hash-chained audit trail.
pub mod action;
pub mod chain;
pub mod checkpoint;
pub mod store;

pub use action::Action;

/// Who did something: shown in the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: String },
    Citizen,
    System(&'static str),
    Cli,
}

impl Actor {
    pub fn as_string(&self) -> String {
        match self {
            Actor::User { id } => format!("user:{id}"),
            Actor::Citizen => "citizen".into(),
            Actor::System(what) => format!("system:{what}"),
            Actor::Cli => "cli".into(),
        }
    }
}

/// One change to be recorded.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    pub action: Action,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub organisation_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}
