//! Incidents: the breach as the organisation handles it, against the 72-hour clock.
pub mod access;
pub mod clock;
pub mod closing;
pub mod escalation;
pub mod follow_up;
pub mod lifecycle;
pub mod model;
pub mod next_steps;
pub mod notes;
pub mod routes;
pub mod service;
pub mod store;
