//! The durable outbox: e-mails are rows first, delivered by workers that claim them.
//!
//! Guarantee: a row is claimed by one worker at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
//! the single write lock), in batches under a lease. The worker sends the batch and writes its
//! outcomes in one commit (and, when half its lease is gone, writes what it has and renews the rest;
//! every send times out a quarter lease before the claim ends), so a row is never sent by two workers
//! at once. A worker that dies loses nothing: its rows are taken up again after the lease. The edge:
//! messages the SMTP server accepted since the dead worker's last commit — at most one batch — go
//! out again after the lease, with the same Message-ID. Delivery is therefore at-least-once, and
//! exactly-once except at that edge.
pub mod cli;
pub mod metrics;
pub mod store;
pub mod transport;
pub mod worker;

pub use store::{enqueue, NewMessage};
