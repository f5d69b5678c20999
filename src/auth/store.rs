//! Queries for users, memberships, sessions, API tokens, recovery and setup codes.
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::secrets::{random_secret, sha256_hex};
use super::{Membership, Role, Staff};
use crate::db::schema::{
    api_tokens, memberships, organisations, recovery_codes, sessions, setup_codes, users,
};
use crate::db::Cached;
use crate::db::{from_db, new_id, to_db, DbConn};

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub failed_logins: i32,
    pub last_failed_at: Option<NaiveDateTime>,
    pub locked_until: Option<NaiveDateTime>,
    pub language: String,
    pub created_at: NaiveDateTime,
    /// Set while the account is deactivated: no sign-in, no session, no API token works.
    pub deactivated_at: Option<NaiveDateTime>,
}

impl UserRow {
    /// The two-factor secret in the clear (stored sealed), if any.
    pub fn totp_plain(&self) -> anyhow::Result<Option<String>> {
        self.totp_secret
            .as_deref()
            .map(super::sealing::open)
            .transpose()
    }
}

pub fn normalise_email(e: &str) -> String {
    e.trim().to_lowercase()
}

pub fn user_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(normalise_email(email)))
        .first_on(conn)
        .optional()
}

pub fn user_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table.find(id).first_on(conn).optional()
}

pub fn user_count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result_on(conn)
}

pub fn new_user(
    email: &str,
    display_name: &str,
    password_hash: Option<String>,
    is_admin: bool,
) -> UserRow {
    UserRow {
        id: new_id(),
        email: normalise_email(email),
        display_name: display_name.trim().to_string(),
        password_hash,
        is_admin,
        totp_secret: None,
        totp_enabled: false,
        failed_logins: 0,
        last_failed_at: None,
        locked_until: None,
        language: "nl".into(),
        created_at: to_db(crate::db::now()),
        deactivated_at: None,
    }
}

pub fn insert_user(conn: &mut DbConn, u: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(u)
        .execute_on(conn)
        .map(|_| ())
}

pub fn add_membership(
    conn: &mut DbConn,
    user_id: &str,
    org_id: &str,
    role: Role,
) -> QueryResult<bool> {
    let exists: i64 = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::organisation_id.eq(org_id))
        .filter(memberships::role.eq(role.as_str()))
        .count()
        .get_result_on(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(memberships::table)
        .values((
            memberships::user_id.eq(user_id),
            memberships::organisation_id.eq(org_id),
            memberships::role.eq(role.as_str()),
            memberships::created_at.eq(to_db(crate::db::now())),
        ))
        .execute_on(conn)?;
    Ok(true)
}

pub fn remove_membership(
    conn: &mut DbConn,
    user_id: &str,
    org_id: &str,
    role: Role,
) -> QueryResult<usize> {
    diesel::delete(
        memberships::table
            .filter(memberships::user_id.eq(user_id))
            .filter(memberships::organisation_id.eq(org_id))
            .filter(memberships::role.eq(role.as_str())),
    )
    .execute_on(conn)
}

/// Everyone with a role in an organisation: (user id, email, display name, role).
pub fn members_of(
    conn: &mut DbConn,
    org_id: &str,
) -> QueryResult<Vec<(String, String, String, String)>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::organisation_id.eq(org_id))
        .select((
            users::id,
            users::email,
            users::display_name,
            memberships::role,
        ))
        .order((users::email.asc(), memberships::role.asc()))
        .load_on(conn)
}

/// The people who may work on an organisation's incidents: a staff role in it, the account active, and
/// two-factor login on where the organisation requires it. (user id, display name), by name.
pub fn staff_of(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<(String, String, bool, bool)> = memberships::table
        .inner_join(users::table)
        .inner_join(organisations::table)
        .filter(memberships::organisation_id.eq(org_id))
        // A processor's role gives no access to the organisation's incidents.
        .filter(memberships::role.ne(Role::Processor.as_str()))
        .filter(users::deactivated_at.is_null())
        .select((
            users::id,
            users::display_name,
            users::totp_enabled,
            organisations::require_2fa,
        ))
        .order((users::display_name.asc(), users::id.asc()))
        .load_on(conn)?;
    let mut out: Vec<(String, String)> = rows
        .into_iter()
        .filter(|(_, _, totp, required)| *totp || !*required)
        .map(|(id, name, ..)| (id, name))
        .collect();
    out.dedup();
    Ok(out)
}

/// Display names by user id (for owners shown in lists).
pub fn display_names(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load_on(conn)
}

/// The staff view of a user: memberships with the organisation's slug, and whether each counts
/// (an organisation that requires two-factor login withholds its data until it is on).
pub fn staff(conn: &mut DbConn, u: &UserRow) -> QueryResult<Staff> {
    let rows: Vec<(String, String, String, bool)> = memberships::table
        .inner_join(organisations::table)
        .filter(memberships::user_id.eq(&u.id))
        .select((
            memberships::organisation_id,
            organisations::slug,
            memberships::role,
            organisations::require_2fa,
        ))
        .load_on(conn)?;
    let memberships = rows
        .into_iter()
        .filter_map(|(org, slug, role, req)| {
            Role::parse(&role).map(|role| Membership {
                organisation_id: org,
                organisation_slug: slug,
                role,
                effective: !req || u.totp_enabled,
            })
        })
        .collect();
    Ok(Staff {
        id: u.id.clone(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        is_admin: u.is_admin,
        totp_enabled: u.totp_enabled,
        memberships,
    })
}

/// The user's row, locked until the transaction ends (PostgreSQL: `FOR UPDATE`; SQLite: the
/// write transaction holds the database's write lock already).
pub fn user_for_update(conn: &mut DbConn, id: &str) -> QueryResult<UserRow> {
    crate::db_run!(
        conn,
        sqlite | c | users::table.find(id).first(c),
        pg | c | users::table.find(id).for_update().first(c),
    )
}

pub fn record_failure(
    conn: &mut DbConn,
    user_id: &str,
    failed: i32,
    at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::failed_logins.eq(failed),
            users::last_failed_at.eq(Some(to_db(at))),
            users::locked_until.eq(locked_until.map(to_db)),
        ))
        .execute_on(conn)
        .map(|_| ())
}

/// Take back one failure counted in advance (the try turned out not to be a failed guess).
pub fn uncount_failure(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::failed_logins.gt(0)),
    )
    .set(users::failed_logins.eq(users::failed_logins - 1))
    .execute_on(conn)
    .map(|_| ())
}

pub fn reset_failures(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::failed_logins.eq(0),
            users::last_failed_at.eq(None::<NaiveDateTime>),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute_on(conn)
        .map(|_| ())
}

pub fn set_password(conn: &mut DbConn, user_id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(Some(hash)))
        .execute_on(conn)
        .map(|_| ())
}

/// Store (sealed, see [`super::sealing`]) or clear a user's two-factor secret.
pub fn set_totp(
    conn: &mut DbConn,
    user_id: &str,
    secret: Option<&str>,
    enabled: bool,
) -> QueryResult<()> {
    let sealed = match secret {
        Some(s) => Some(
            super::sealing::seal(s)
                .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?,
        ),
        None => None,
    };
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(sealed),
            users::totp_enabled.eq(enabled),
        ))
        .execute_on(conn)
        .map(|_| ())
}

// --- sessions -------------------------------------------------------------------------------

/// Create a session; returns the cookie value (shown once, stored hashed).
pub fn create_session(conn: &mut DbConn, user_id: &str, hours: i64) -> QueryResult<String> {
    let token = random_secret("mps_");
    let now = crate::db::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(new_id()),
            sessions::token_hash.eq(sha256_hex(&token)),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(to_db(now)),
            sessions::expires_at.eq(to_db(now + Duration::hours(hours))),
        ))
        .execute_on(conn)?;
    Ok(token)
}

pub fn user_for_session(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<UserRow>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(sha256_hex(token)))
        .filter(sessions::expires_at.gt(to_db(now)))
        .filter(users::deactivated_at.is_null())
        .select(users::all_columns)
        .first_on(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(sha256_hex(token))))
        .execute_on(conn)
        .map(|_| ())
}

pub fn delete_sessions_of(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)))
        .execute_on(conn)
        .map(|_| ())
}

// --- API tokens -----------------------------------------------------------------------------

#[derive(Queryable, Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    #[serde(with = "crate::serde_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::serde_utc::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<NaiveDateTime>,
    #[serde(with = "crate::serde_utc::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<NaiveDateTime>,
}

/// Create an API token; returns (id, the secret shown once).
pub fn create_token(conn: &mut DbConn, user_id: &str, name: &str) -> QueryResult<(String, String)> {
    let token = random_secret("mpt_");
    let id = new_id();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(sha256_hex(&token)),
            api_tokens::created_at.eq(to_db(crate::db::now())),
        ))
        .execute_on(conn)?;
    Ok((id, token))
}

/// The user of an active token. Stamps the token's `last_used_at`, at most once a minute: a stamp
/// is a write (on SQLite a job of the writer), which a client sending many requests should not
/// pay on each of them.
pub fn user_for_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<UserRow>> {
    let hash = sha256_hex(token);
    let found: Option<(String, Option<NaiveDateTime>, UserRow)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(&hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::deactivated_at.is_null())
        .select((api_tokens::id, api_tokens::last_used_at, users::all_columns))
        .first_on(conn)
        .optional()?;
    let Some((id, last_used, user)) = found else {
        return Ok(None);
    };
    let t = to_db(crate::db::now());
    if last_used.is_none_or(|l| (t - l).num_seconds().abs() >= TOKEN_STAMP_SECONDS) {
        crate::db::write_tx(conn, |c| {
            diesel::update(api_tokens::table.find(&id))
                .set(api_tokens::last_used_at.eq(Some(t)))
                .execute_on(c)
        })?;
    }
    Ok(Some(user))
}

/// How old a token's `last_used_at` may grow before a use stamps it again.
pub const TOKEN_STAMP_SECONDS: i64 = 60;

pub fn tokens_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<TokenInfo>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::created_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .order(api_tokens::created_at.desc())
        .load_on(conn)
}

pub fn revoke_token(conn: &mut DbConn, user_id: &str, token_id: &str) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(token_id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(to_db(crate::db::now()))))
    .execute_on(conn)
}

// --- recovery codes -------------------------------------------------------------------------

/// Replace a user's recovery codes with ten new ones; returns them (shown once).
pub fn new_recovery_codes(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute_on(conn)?;
    let codes: Vec<String> = (0..10).map(|_| super::secrets::short_code()).collect();
    for c in &codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(new_id()),
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(sha256_hex(c)),
            ))
            .execute_on(conn)?;
    }
    Ok(codes)
}

/// Use a recovery code once. True when it was valid and unused.
pub fn use_recovery_code(conn: &mut DbConn, user_id: &str, code: &str) -> QueryResult<bool> {
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(sha256_hex(code.trim())))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(to_db(crate::db::now()))))
    .execute_on(conn)?;
    Ok(n == 1)
}

// --- setup codes ----------------------------------------------------------------------------

pub fn create_setup_code(conn: &mut DbConn, hours: i64) -> QueryResult<String> {
    let code = random_secret("setup_");
    let now = crate::db::now();
    diesel::insert_into(setup_codes::table)
        .values((
            setup_codes::code_hash.eq(sha256_hex(&code)),
            setup_codes::created_at.eq(to_db(now)),
            setup_codes::expires_at.eq(to_db(now + Duration::hours(hours))),
        ))
        .execute_on(conn)?;
    Ok(code)
}

/// Consume a setup code: true when it existed, was unused and had not expired.
pub fn use_setup_code(conn: &mut DbConn, code: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(
        setup_codes::table
            .filter(setup_codes::code_hash.eq(sha256_hex(code.trim())))
            .filter(setup_codes::used_at.is_null())
            .filter(setup_codes::expires_at.gt(to_db(now))),
    )
    .set(setup_codes::used_at.eq(Some(to_db(now))))
    .execute_on(conn)?;
    Ok(n == 1)
}

/// Whether a setup code can still be used (known, unused, not expired); nothing is spent.
pub fn setup_code_usable(conn: &mut DbConn, code: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let n: i64 = setup_codes::table
        .filter(setup_codes::code_hash.eq(sha256_hex(code.trim())))
        .filter(setup_codes::used_at.is_null())
        .filter(setup_codes::expires_at.gt(to_db(now)))
        .count()
        .get_result_on(conn)?;
    Ok(n == 1)
}

pub fn locked_until(u: &UserRow) -> Option<DateTime<Utc>> {
    u.locked_until.map(from_db)
}
