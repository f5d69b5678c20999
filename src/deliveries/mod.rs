//! Deliveries to inform (issue 19, point 3): an organisation that receives data under a delivery
//! agreement (the processing register's recipients, e.g. SVB or GGD) is listed on an incident as
//! an organisation to inform under the agreement's breach clause, with the moment it must be told
//! by (the clause's hours from the incident's awareness, or a moment given) and the record of when
//! and how it was told. Every change is audited on the incident.
//!
//! - [`model`]: what an entry is and when it is due, overdue or was told late (pure);
//! - [`store`]: the queries;
//! - [`service`]: the changes, each in one transaction with its audit record;
//! - [`routes`]: the API.
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
