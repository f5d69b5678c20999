//! Notifications (issue 5): the answer set for the AP's notification form in the form's order, the
//! letters and e-mails to the people affected, the FG's sign-off bound to the SHA-256 of the exact
//! rendered content, recording the filing at the AP, recipients from CSV and campaigns through the
//! outbox (throttled, pausable).
//!
//! Pure modules: [`lifecycle`] (a draft's kinds, statuses, steps and allowed actions), [`parts`] (the
//! rendered parts of letters and notices), [`ap`] (the answer set), [`letters`] (what the letter says), [`recipients`] (CSV
//! parsing and validation), [`phases`] (supplements, withdrawals, the follow-up of a provisional
//! notification), [`render`] (templates, hashing). Database and HTTP: [`store`],
//! [`service`], [`campaign`], [`routes`], [`pdf`] (the PDFs).
pub mod address;
pub mod ap;
pub mod campaign;
pub mod cli;
pub mod letters;
pub mod lifecycle;
pub mod parts;
pub mod pdf;
pub mod phases;
pub mod public;
pub mod recipients;
pub mod render;
pub mod routes;
pub mod service;
pub mod split;
pub mod store;
