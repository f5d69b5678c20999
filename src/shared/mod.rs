//! One breach, several controllers (issue 19, point 2).
//!
//! A shared-service organisation (one team working for several municipalities, each its own
//! controller) is a processor linked to each controller (`processors`). A breach it handles that
//! touches the residents of several of them is one incident of the shared organisation, split to
//! the controllers it affects: each gets an ordinary incident of its own — its own 72 hours from
//! the shared organisation's notice to it (Art. 33(2)), its own facts (taken over from the shared
//! incident, marked so, overridable), decision, FG sign-off, AP notification, letters and register
//! entry — linked to the shared incident.
//!
//! - [`rules`]: which controllers may be chosen, each controller's clock, facts taken over (pure);
//! - [`store`]: the links' queries;
//! - [`service`]: the split, the notice moment, a change taken over — each in one transaction
//!   with its audit records — and who may see what;
//! - [`routes`]: the API.
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
