//! Password login with the per-account throttle and lock and the second factor: one function
//! for the JSON API and the login page, so the two cannot drift apart.
use crate::audit::Action;
use actix_web::cookie::{time, Cookie, SameSite};
use serde_json::json;

use super::extract::SESSION_COOKIE;
use super::secrets::{dummy_verify, verify_password};
use super::throttle::{self, Gate, Policy};
use super::{store, totp, Staff};
use crate::audit::{self, Actor, Entry};
use crate::db::{from_db, now, write_tx, DbConn};
use crate::error::DomainResult;
use crate::privacy::mask_email;
use crate::state::AppState;

/// Why a login did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown address, no password set, wrong password or wrong second-factor code.
    Wrong,
    /// The password was right; two-factor login is on and no code was given.
    CodeNeeded,
    /// Too many failures: wait this many seconds (`locked`: the account is locked for a while).
    Throttled { retry_after: i64, locked: bool },
}

/// Check a login and open a session: the same rules as `POST /api/v1/auth/login` (the per-account
/// throttle and lock, two-factor code or a recovery code, a failure recorded and a lock audited),
/// built on the same store functions. Returns the staff member and the session cookie's value.
///
/// `code` is the authenticator app's six digits, or else a recovery code.
pub fn authenticate(
    c: &mut DbConn,
    policy: &Policy,
    session_hours: i64,
    email: &str,
    password: &str,
    code: Option<&str>,
) -> DomainResult<Result<(Staff, String), LoginFailure>> {
    let t = now();
    let user = match store::user_by_email(c, email)? {
        Some(u) if u.password_hash.is_some() && u.deactivated_at.is_none() => u,
        _ => {
            dummy_verify(password);
            return Ok(Err(LoginFailure::Wrong));
        }
    };
    // One atomic step decides whether this try may be made and counts it as a failure in
    // advance (a success resets the count): tries racing in parallel each see the count the
    // others left, so no more than the policy's tries are ever evaluated.
    let user_id = user.id.clone();
    let reserved = write_tx(c, |c| -> DomainResult<Result<i32, LoginFailure>> {
        let row = store::user_for_update(c, &user_id)?;
        let (failed, lock) = throttle::effective(
            policy,
            row.failed_logins,
            row.last_failed_at.map(from_db),
            store::locked_until(&row),
            t,
        );
        match throttle::gate(policy, failed, row.last_failed_at.map(from_db), lock, t) {
            Gate::Open => {}
            Gate::Wait(s) => {
                return Ok(Err(LoginFailure::Throttled {
                    retry_after: s.max(1),
                    locked: false,
                }))
            }
            Gate::Locked(until) => {
                return Ok(Err(LoginFailure::Throttled {
                    retry_after: (until - t).num_seconds().max(1),
                    locked: true,
                }))
            }
        }
        let n = failed + 1;
        store::record_failure(c, &user_id, n, t, None)?;
        Ok(Ok(n))
    })?;
    let n = match reserved {
        Ok(n) => n,
        Err(refused) => return Ok(Err(refused)),
    };
    let mut ok = verify_password(password, user.password_hash.as_deref().unwrap_or(""));
    if ok && user.totp_enabled {
        let code: Option<String> = code
            .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect())
            .filter(|c: &String| !c.is_empty());
        let secret = user
            .totp_plain()
            .map_err(|e| crate::error::DomainError::Internal(format!("two-factor secret: {e}")))?;
        ok = match (code, &secret) {
            (None, _) => {
                // The password was right: this try does not count as a failure.
                store::uncount_failure(c, &user.id)?;
                return Ok(Err(LoginFailure::CodeNeeded));
            }
            (Some(code), Some(secret)) if code.chars().all(|c| c.is_ascii_digit()) => {
                totp::check(secret, &code, t.timestamp() as u64)
            }
            (Some(code), _) => store::use_recovery_code(c, &user.id, &code.to_lowercase())?,
        };
    }
    if !ok {
        // The failure is counted already; reaching the threshold locks the account, audited in
        // the same transaction.
        let lock = throttle::lock_after_failures(policy, n, t);
        tracing::warn!(user = %mask_email(&user.email), failures = n, locked = lock.is_some(), "failed login");
        if let Some(until) = lock {
            write_tx(c, |c| -> DomainResult<()> {
                store::record_failure(c, &user.id, n, t, Some(until))?;
                audit::store::append(
                    c,
                    &[Entry {
                        actor: Actor::System("auth"),
                        action: Action::UserLocked,
                        entity_type: "user",
                        entity_id: user.id.clone(),
                        organisation_id: None,
                        before: None,
                        after: Some(json!({"failures": n})),
                    }],
                    t,
                )?;
                Ok(())
            })?;
        }
        return Ok(Err(LoginFailure::Wrong));
    }
    store::reset_failures(c, &user.id)?;
    let token = store::create_session(c, &user.id, session_hours)?;
    Ok(Ok((store::staff(c, &user)?, token)))
}

/// Sign out: the session with this token ends (an unknown token: nothing to end).
pub fn sign_out(c: &mut DbConn, token: &str) -> DomainResult<()> {
    Ok(store::delete_session(c, token)?)
}

/// The session cookie. `Lax`, so a link from an e-mail (a clock alert) opens the page signed in;
/// state-changing requests are protected by the CSRF token (pages) or need a JSON body (API).
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.cookie_secure())
        .max_age(time::Duration::hours(state.settings.security.session_hours))
        .finish()
}
