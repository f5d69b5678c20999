//! Intake of reports: citizens (form, API), the mailbox, staff and processors.
/// One attachments module for the form, the API and the mailbox; kept here by name.
pub use crate::attachments;
pub mod ack_limits;
pub mod answers;
pub mod intake;
pub mod model;
pub mod processor;
pub mod reply;
pub mod routes;
pub mod service;
pub mod store;
