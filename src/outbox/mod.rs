//! The durable outbox: e-mails are rows first, delivered by workers that claim them.
//!
//! Guarantee: a row is claimed by one worker at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
//! the single write lock), in batches under a lease. Each message's outcome is committed before its
//! connection sends the next one, so a crash leaves at most one message per connection accepted but
//! unwritten. Every worker writes a heartbeat (`outbox_workers`); the claims of a worker silent for
//! the takeover time, or past their lease, are taken up by another worker, and a worker does not
//! start a send unless its own heartbeat is younger than three quarters of the takeover time. Those
//! in-doubt messages go out again with the same Message-ID: delivery is at-least-once, and
//! exactly-once except at that edge (README: "The outbox: what 'never twice' means exactly").
pub mod cli;
pub mod metrics;
pub mod status;
pub mod store;
pub mod transport;
pub mod worker;

pub use status::OutboxStatus;
pub use store::{enqueue, NewMessage, Thread};
