//! Remediation: the measures taken after a breach (description, owner, due date, status,
//! evidence), reminders to owners of overdue measures, and the rule that an incident does not
//! close while measures are open unless an FG or admin overrides with a reason.
//!
//! `rules` is pure (no web, no database); `service` holds the audited operations; `routes` the API.
pub mod reminders;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
