//! Processors report in (issue 19, point 3; GDPR Art. 33(2)).
//!
//! A processor (an education bureau, a payroll provider, a printing house) must tell the
//! controller of a breach without undue delay, within the hours its processing agreement sets. Its
//! accounts hold the role `processor` in the processor's organisation: a role, not a kind of
//! organisation, because a role gives nothing by default (every staff check asks for handler, FG
//! or admin), so the processor's accounts see nothing of Meldpunt but their own notices, while the
//! organisation itself may also be a controller with its own staff.
//!
//! - [`model`]: links, notices and supplements as submitted, and what makes them valid (pure);
//! - [`rules`]: the contract's hours — when a notice is late (pure);
//! - [`store`]: the queries;
//! - [`service`]: every change (a link made or removed, a notice, a supplement) in one transaction
//!   with its audit records, and who may see what;
//! - [`routes`]: the API.
//!
//! A notice becomes one report (channel `processor`) in each affected controller's inbox through
//! `reports::store`, which tells the controller's handlers as for any report; the report's
//! processor facts are read back by `reports::processor` (for the inbox and for an incident made
//! of the report).
pub mod model;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
