//! The registers: the processing register (Art. 30 GDPR: `activities`), the breach register
//! (Art. 33(5): `breaches`, with `stats`), and `retention` of both.
//!
//! `activities`, `stats` and the rules in `retention` are pure; `service` holds the audited
//! database operations; `routes` the JSON API. The staff pages are in `web::staff::registers`.
pub mod activities;
pub mod breaches;
pub mod import;
pub mod import_service;
pub mod retention;
pub mod routes;
pub mod service;
pub mod stats;
