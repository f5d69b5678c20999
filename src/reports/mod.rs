//! Intake of reports: citizens (form, API), the mailbox, staff and processors.
pub mod ack_limits;
pub mod attachments;
pub mod intake;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
