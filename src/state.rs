//! The application state lives with the HTTP plumbing ([`crate::http::state`]); kept here by name.
pub use crate::http::state::{AppState, OrgDirectory, Served, ServedOrg, SlugIds};
