//! Administration (`/staff/admin`), for installation admins and organisation admins:
//! organisations and their settings, users and roles, and one's own API tokens. The same store
//! functions and audit entries as the JSON API (`orgs::routes`, `auth::routes`).

mod organisations;
mod overview;
mod shared;
mod tokens;
mod users;

pub use organisations::{
    contact_update, org_create, org_page, org_update, retention_update, role_add, role_remove,
};
pub use overview::page;
pub use tokens::{token_create, token_revoke};
pub use users::{user_act, user_create, users_page};
