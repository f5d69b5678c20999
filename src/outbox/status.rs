//! Where an outbox message stands. Stored as TEXT (the column's CHECK constraint names the same
//! strings); the row holds the enum (`outbox::store`). No diesel here: the mapping is
//! `db::text`'s.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for a worker (again, after a transient failure).
    Queued,
    /// Claimed by a worker under a lease.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
}

pub const ALL: [OutboxStatus; 4] = [
    OutboxStatus::Queued,
    OutboxStatus::Sending,
    OutboxStatus::Sent,
    OutboxStatus::Failed,
];

impl OutboxStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxStatus> {
        ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
