//! The durable outbox: e-mails are rows first, delivered by workers that claim them.
//!
//! Guarantee: a row is claimed by one worker at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
//! the single write lock), sent, and marked `sent` in its own commit right after the SMTP server
//! accepted it. A worker that dies before the server accepted leaves the row claimed; when the
//! lease runs out any worker takes it up again, so nothing is lost. The one edge: a worker that dies
//! after the server accepted but before the mark commits (a window of one local UPDATE) makes the
//! message go out again after the lease — with the same Message-ID, so receiving systems can drop
//! the copy. Delivery is therefore at-least-once, and exactly-once except at that edge.
pub mod store;
pub mod transport;
pub mod worker;

pub use store::{enqueue, NewMessage};
