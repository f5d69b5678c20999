//! Managing other people's accounts: the user list, deactivating and reactivating an account and
//! the password reset link sent by e-mail. One service for the API (`/api/v1/users/…`), the
//! administration pages and the CLI; every change audited in the same transaction.
//!
//! Who may: an installation administrator manages every account; an organisation's administrator
//! manages the accounts that have a role in an organisation they administer (not installation
//! administrators). The CLI runs as the installation (it has the database already).
use crate::audit::Action;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::secrets::{random_secret, sha256_hex};
use super::store::{self, UserRow};
use super::{Role, Staff};
use crate::audit::{self, Actor, Entry};
use crate::db::schema::{api_tokens, memberships, organisations, password_resets, users};
use crate::db::Cached;
use crate::db::{from_db, new_id, to_db, write_tx, DbConn};
use crate::error::{DomainError, DomainResult, FieldProblem};
use crate::outbox::NewMessage;

/// How long a password reset link works.
pub const RESET_HOURS: i64 = 24;

/// Who asks: a signed-in person (checked against what they administer) or the CLI.
#[derive(Clone, Copy)]
pub enum Manager<'a> {
    Staff(&'a Staff),
    Cli,
}

impl Manager<'_> {
    pub fn actor(&self) -> Actor {
        match self {
            Manager::Staff(s) => s.actor(),
            Manager::Cli => Actor::Cli,
        }
    }
    fn self_id(&self) -> Option<&str> {
        match self {
            Manager::Staff(s) => Some(&s.id),
            Manager::Cli => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserRoleView {
    pub organisation: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub active: bool,
    #[serde(with = "crate::serde_utc::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deactivated_at: Option<NaiveDateTime>,
    pub two_factor: bool,
    pub roles: Vec<UserRoleView>,
}

/// The organisations (id) this person administers.
fn administered(staff: &Staff) -> Vec<String> {
    staff
        .memberships
        .iter()
        .filter(|m| m.effective && m.role == Role::Admin)
        .map(|m| m.organisation_id.clone())
        .collect()
}

/// (user id, organisation id, slug, role) of every membership of these users.
fn roles_of(c: &mut DbConn, ids: &[String]) -> DomainResult<Vec<(String, String, String, String)>> {
    Ok(memberships::table
        .inner_join(organisations::table)
        .filter(memberships::user_id.eq_any(ids))
        .select((
            memberships::user_id,
            memberships::organisation_id,
            organisations::slug,
            memberships::role,
        ))
        .order((organisations::slug.asc(), memberships::role.asc()))
        .load_on(c)?)
}

fn may_manage(m: Manager, target: &UserRow, target_orgs: &[String]) -> bool {
    match m {
        Manager::Cli => true,
        Manager::Staff(s) if s.is_admin => true,
        Manager::Staff(s) => {
            let mine = administered(s);
            !target.is_admin && target_orgs.iter().any(|o| mine.contains(o))
        }
    }
}

/// The accounts this person manages, by e-mail address.
pub fn list(c: &mut DbConn, m: Manager) -> DomainResult<Vec<UserView>> {
    let rows: Vec<UserRow> = match m {
        Manager::Cli => users::table.order(users::email.asc()).load_on(c)?,
        Manager::Staff(s) if s.is_admin => users::table.order(users::email.asc()).load_on(c)?,
        Manager::Staff(s) => {
            let mine = administered(s);
            if mine.is_empty() {
                return Err(DomainError::denied(
                    "admins_only",
                    "only administrators see the list of users",
                ));
            }
            let ids: Vec<String> = memberships::table
                .filter(memberships::organisation_id.eq_any(&mine))
                .select(memberships::user_id)
                .distinct()
                .load_on(c)?;
            users::table
                .filter(users::id.eq_any(&ids))
                .filter(users::is_admin.eq(false))
                .order(users::email.asc())
                .load_on(c)?
        }
    };
    let ids: Vec<String> = rows.iter().map(|u| u.id.clone()).collect();
    let roles = roles_of(c, &ids)?;
    Ok(rows
        .into_iter()
        .map(|u| UserView {
            roles: roles
                .iter()
                .filter(|(uid, ..)| *uid == u.id)
                .filter_map(|(_, _, slug, r)| {
                    Role::parse(r).map(|role| UserRoleView {
                        organisation: slug.clone(),
                        role,
                    })
                })
                .collect(),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            active: u.deactivated_at.is_none(),
            deactivated_at: u.deactivated_at,
            two_factor: u.totp_enabled,
        })
        .collect())
}

/// The account, if this person manages it (else 404: who exists is not told).
fn target(c: &mut DbConn, m: Manager, user_id: &str) -> DomainResult<UserRow> {
    let u = store::user_by_id(c, user_id)?.ok_or(DomainError::NotFound)?;
    let orgs: Vec<String> = roles_of(c, std::slice::from_ref(&u.id))?
        .into_iter()
        .map(|(_, o, ..)| o)
        .collect();
    if !may_manage(m, &u, &orgs) {
        return Err(DomainError::NotFound);
    }
    Ok(u)
}

/// The account with this e-mail address, if this person manages it.
pub fn by_email(c: &mut DbConn, m: Manager, email: &str) -> DomainResult<UserRow> {
    let u = store::user_by_email(c, email)?.ok_or(DomainError::NotFound)?;
    target(c, m, &u.id)
}

fn entry(action: Action, user_id: &str, actor: Actor) -> Entry {
    Entry {
        actor,
        action,
        entity_type: "user",
        entity_id: user_id.into(),
        organisation_id: None,
        before: None,
        after: None,
    }
}

/// End every open reset link of a user.
fn end_resets(c: &mut DbConn, user_id: &str, t: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(Some(t)))
    .execute_on(c)
}

/// Deactivate an account: it can no longer sign in, and its sessions, API tokens and open reset
/// links end in the same transaction. Nobody deactivates themselves.
pub fn deactivate(
    c: &mut DbConn,
    m: Manager,
    user_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let u = target(c, m, user_id)?;
    if m.self_id() == Some(u.id.as_str()) {
        return Err(DomainError::refused(
            "own_account",
            "you cannot deactivate your own account",
        ));
    }
    if u.deactivated_at.is_some() {
        return Err(DomainError::refused(
            "deactivated_already",
            "the account is deactivated already",
        ));
    }
    let t = to_db(now);
    write_tx(c, |c| -> DomainResult<()> {
        diesel::update(users::table.find(&u.id))
            .set(users::deactivated_at.eq(Some(t)))
            .execute_on(c)?;
        store::delete_sessions_of(c, &u.id)?;
        let tokens = diesel::update(
            api_tokens::table
                .filter(api_tokens::user_id.eq(&u.id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(t)))
        .execute_on(c)?;
        end_resets(c, &u.id, t)?;
        let mut e = entry(Action::UserDeactivated, &u.id, m.actor());
        e.after = Some(serde_json::json!({"active": false, "api_tokens_revoked": tokens}));
        audit::store::append(c, &[e], now)?;
        Ok(())
    })
}

/// Reactivate an account. Its API tokens stay revoked (new ones are made when needed); failed
/// sign-ins are forgotten.
pub fn reactivate(
    c: &mut DbConn,
    m: Manager,
    user_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let u = target(c, m, user_id)?;
    if u.deactivated_at.is_none() {
        return Err(DomainError::refused(
            "active_already",
            "the account is active already",
        ));
    }
    write_tx(c, |c| -> DomainResult<()> {
        diesel::update(users::table.find(&u.id))
            .set(users::deactivated_at.eq(None::<NaiveDateTime>))
            .execute_on(c)?;
        store::reset_failures(c, &u.id)?;
        let mut e = entry(Action::UserReactivated, &u.id, m.actor());
        e.after = Some(serde_json::json!({"active": true}));
        audit::store::append(c, &[e], now)?;
        Ok(())
    })
}

/// Where the reset link leads and what its mail says.
pub struct ResetMail<'a> {
    pub templates: &'a crate::mail_templates::Templates,
    pub public_url: &'a str,
    pub mail_domain: &'a str,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResetSent {
    /// The address the link went to (through the outbox).
    pub sent_to: String,
    #[serde(with = "crate::serde_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
}

pub fn reset_path(token: &str) -> String {
    format!("/staff/password-reset/{token}")
}

/// Send a password reset link to the account's own address, through the outbox: it works once,
/// for [`RESET_HOURS`] hours; an earlier link of the same account stops working. The link itself
/// is in the e-mail only (stored hashed, never shown to the administrator).
pub fn send_reset(
    c: &mut DbConn,
    m: Manager,
    user_id: &str,
    mail: &ResetMail,
    now: DateTime<Utc>,
) -> DomainResult<ResetSent> {
    let u = target(c, m, user_id)?;
    if u.deactivated_at.is_some() {
        return Err(DomainError::refused(
            "account_deactivated",
            "the account is deactivated: reactivate it first",
        ));
    }
    let token = random_secret("mpr_");
    let t = to_db(now);
    let expires = to_db(now + Duration::hours(RESET_HOURS));
    let lang = if u.language == "en" { "en" } else { "nl" };
    let ctx = serde_json::json!({
        "name": u.display_name,
        "link": format!("{}{}", mail.public_url.trim_end_matches('/'), reset_path(&token)),
        "hours": RESET_HOURS,
        "expires": if lang == "en" {
            crate::locale::datetime_en(now + Duration::hours(RESET_HOURS))
        } else {
            crate::locale::datetime_nl(now + Duration::hours(RESET_HOURS))
        },
    });
    let (subject, body) = mail
        .templates
        .render("password_reset", lang, &ctx)
        .map_err(|e| DomainError::Internal(format!("password reset mail: {e}")))?;
    write_tx(c, |c| -> DomainResult<()> {
        end_resets(c, &u.id, t)?;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::id.eq(new_id()),
                password_resets::user_id.eq(&u.id),
                password_resets::token_hash.eq(sha256_hex(&token)),
                password_resets::created_by.eq(m.actor().as_string()),
                password_resets::created_at.eq(t),
                password_resets::expires_at.eq(expires),
            ))
            .execute_on(c)?;
        crate::outbox::enqueue(
            c,
            &NewMessage {
                kind: "password_reset".into(),
                dedupe_key: None,
                organisation_id: None,
                incident_id: None,
                to: u.email.clone(),
                subject,
                body_text: body,
                body_html: None,
                thread: Default::default(),
            },
            mail.mail_domain,
            now,
        )?;
        let mut e = entry(Action::UserPasswordResetSent, &u.id, m.actor());
        e.after = Some(serde_json::json!({"expires_at": from_db(expires)}));
        audit::store::append(c, &[e], now)?;
        Ok(())
    })?;
    Ok(ResetSent {
        sent_to: u.email,
        expires_at: expires,
    })
}

/// The account a reset link belongs to, while the link is unused, unexpired and the account active.
pub fn reset_owner(
    c: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> DomainResult<Option<UserRow>> {
    Ok(password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(sha256_hex(token.trim())))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(to_db(now)))
        .filter(users::deactivated_at.is_null())
        .select(users::all_columns)
        .first_on(c)
        .optional()?)
}

/// Why a reset link did not set a password.
#[derive(Debug, PartialEq, Eq)]
pub enum ResetRefused {
    /// Used, expired, replaced by a newer one, or never issued.
    LinkInvalid,
}

/// Set a new password through a reset link: the link is spent, every session of the account ends,
/// failed sign-ins and a lock are forgotten; audited as done by the account's owner.
pub fn complete_reset(
    c: &mut DbConn,
    token: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> DomainResult<Result<UserRow, ResetRefused>> {
    if let Some(p) = super::secrets::password_problem(new_password) {
        return Err(DomainError::Invalid(vec![FieldProblem::new(
            "new_password",
            p,
            "ten minste 12 tekens",
        )]));
    }
    let hash = super::secrets::hash_password(new_password)?;
    let t = to_db(now);
    let token_hash = sha256_hex(token.trim());
    write_tx(c, |c| -> DomainResult<Result<UserRow, ResetRefused>> {
        let Some(u) = reset_owner(c, token, now)? else {
            return Ok(Err(ResetRefused::LinkInvalid));
        };
        // Spend the link first: of two uses racing, one updates the row and the other finds none.
        let spent = diesel::update(
            password_resets::table
                .filter(password_resets::token_hash.eq(&token_hash))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(Some(t)))
        .execute_on(c)?;
        if spent != 1 {
            return Ok(Err(ResetRefused::LinkInvalid));
        }
        store::set_password(c, &u.id, &hash)?;
        store::delete_sessions_of(c, &u.id)?;
        store::reset_failures(c, &u.id)?;
        audit::store::append(
            c,
            &[entry(
                Action::UserPasswordReset,
                &u.id,
                Actor::User { id: u.id.clone() },
            )],
            now,
        )?;
        Ok(Ok(u))
    })
}

/// A new account as an administrator (API, page) or the CLI gives it.
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    /// Checked and hashed here; none: no password (the CLI giving an existing account a role
    /// never gets here).
    pub password: Option<String>,
    pub is_admin: bool,
    /// nl (default) or en.
    pub language: Option<String>,
    /// A first role: (organisation id, role).
    pub role: Option<(String, Role)>,
}

/// Create an account, with its first role if one is given, audited in the same transaction.
/// Installation administrators create any account; an organisation's administrator creates
/// accounts (no installation administrators), with a role only in an organisation they administer.
pub fn create_user(c: &mut DbConn, m: Manager, a: NewAccount) -> DomainResult<Staff> {
    if let Manager::Staff(s) = m {
        if !s.is_admin && administered(s).is_empty() {
            return Err(DomainError::denied(
                "admins_only",
                "only administrators create users",
            ));
        }
        if a.is_admin && !s.is_admin {
            return Err(DomainError::denied(
                "installation_admins_only",
                "only installation administrators create administrators",
            ));
        }
    }
    let mut errs =
        super::account::new_user_problems(&a.email, &a.display_name, a.password.as_deref());
    if let Some(l) = &a.language {
        if l != "nl" && l != "en" {
            errs.push(FieldProblem::new(
                "language",
                "nl or en",
                "Maak een keuze uit de lijst",
            ));
        }
    }
    if let (Manager::Staff(s), Some((org_id, _))) = (m, &a.role) {
        if !s.is_admin && !administered(s).contains(org_id) {
            errs.push(FieldProblem::new(
                "user_org",
                "unknown organisation",
                "Kies een organisatie",
            ));
        }
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let hash = match &a.password {
        Some(p) => Some(super::secrets::hash_password(p)?),
        None => None,
    };
    let now = crate::db::now();
    write_tx(c, |c| -> DomainResult<Staff> {
        let mut u = store::new_user(&a.email, &a.display_name, hash, a.is_admin);
        if let Some(l) = &a.language {
            u.language = l.clone();
        }
        store::insert_user(c, &u).map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                DomainError::field("email", "already in use", "Dit is al in gebruik")
            } else {
                e.into()
            }
        })?;
        let mut created = entry(Action::UserCreated, &u.id, m.actor());
        created.after = Some(serde_json::json!({"is_admin": u.is_admin}));
        let mut entries = vec![created];
        if let Some((org_id, role)) = &a.role {
            if store::add_membership(c, &u.id, org_id, *role)? {
                entries.push(Entry {
                    actor: m.actor(),
                    action: Action::MembershipAdded,
                    entity_type: "organisation",
                    entity_id: org_id.clone(),
                    organisation_id: Some(org_id.clone()),
                    before: None,
                    after: Some(serde_json::json!({"user_id": u.id, "role": role.as_str()})),
                });
            }
        }
        audit::store::append(c, &entries, now)?;
        Ok(store::staff(c, &u)?)
    })
}
