//! One's own account: change the password, turn two-factor login on (secret → confirm with a code
//! → recovery codes, shown once) and off. Shared by the API (`/api/v1/me/…`) and the account page;
//! each change audited.
use super::{secrets, store, totp, Staff};
use crate::audit::{self, Actor, Entry};
use crate::db::{now, write_tx, DbConn};
use crate::error::{ApiError, ApiResult, FieldError};

fn audit_user(action: &str, user_id: &str, actor: Actor) -> Entry {
    Entry {
        actor,
        action: action.into(),
        entity_type: "user",
        entity_id: user_id.into(),
        organisation_id: None,
        before: None,
        after: None,
    }
}

pub const MIN_PASSWORD: usize = 12;

/// What is wrong with a new account's e-mail address, name and password, field by field.
pub fn new_user_problems(email: &str, display_name: &str, password: &str) -> Vec<FieldError> {
    let mut errs = vec![];
    if crate::input::EmailAddress::parse(email).is_err() {
        errs.push(FieldError::new("email", "not an e-mail address"));
    }
    if let Some(p) = secrets::password_problem(password) {
        errs.push(FieldError::new("password", p));
    }
    if display_name.trim().is_empty() {
        errs.push(FieldError::new("display_name", "required"));
    }
    errs
}

/// Change the password: the current one must match; the new one has at least 12 characters and
/// differs from it. Every session of the person ends (a page gives its user a new one).
pub fn change_password(c: &mut DbConn, staff: &Staff, current: &str, new: &str) -> ApiResult<()> {
    let user = store::user_by_id(c, &staff.id)?.ok_or(ApiError::NotFound)?;
    let ok = user
        .password_hash
        .as_deref()
        .map(|h| secrets::verify_password(current, h))
        .unwrap_or(false);
    if !ok {
        return Err(ApiError::Validation(vec![FieldError::bilingual(
            "current_password",
            "the current password is not right",
            "het huidige wachtwoord klopt niet",
        )]));
    }
    if new.chars().count() < MIN_PASSWORD || new.chars().count() > 1000 {
        return Err(ApiError::Validation(vec![FieldError::bilingual(
            "new_password",
            "at least 12 characters",
            "ten minste 12 tekens",
        )]));
    }
    if new == current {
        return Err(ApiError::Validation(vec![FieldError::bilingual(
            "new_password",
            "choose a password that differs from the current one",
            "kies een ander wachtwoord dan het huidige",
        )]));
    }
    let hash = secrets::hash_password(new).map_err(|e| ApiError::Internal(e.to_string()))?;
    write_tx(c, |c| -> ApiResult<()> {
        store::set_password(c, &staff.id, &hash)?;
        store::delete_sessions_of(c, &staff.id)?;
        audit::store::append(
            c,
            &[audit_user(
                "user.password_changed",
                &staff.id,
                staff.actor(),
            )],
            now(),
        )?;
        Ok(())
    })?;
    Ok(())
}

/// Start turning two-factor login on: a new secret (not yet in force) and its otpauth URL.
pub fn begin_totp(c: &mut DbConn, staff: &Staff) -> ApiResult<(String, String)> {
    if staff.totp_enabled {
        return Err(ApiError::Conflict(
            "two-factor login is already on; turn it off first".into(),
        ));
    }
    let secret = totp::new_secret();
    let url = totp::otpauth_url(&secret, &staff.email)?;
    store::set_totp(c, &staff.id, Some(&secret), false)?;
    Ok((secret, url))
}

/// The secret being set up (begun, not yet confirmed), if any.
pub fn pending_totp(c: &mut DbConn, staff: &Staff) -> ApiResult<Option<String>> {
    let user = store::user_by_id(c, &staff.id)?.ok_or(ApiError::NotFound)?;
    if user.totp_enabled {
        return Ok(None);
    }
    user.totp_plain()
        .map_err(|e| ApiError::Internal(format!("two-factor secret: {e}")))
}

/// Confirm with a code from the app: two-factor login is on; returns the recovery codes.
pub fn confirm_totp(c: &mut DbConn, staff: &Staff, code: &str) -> ApiResult<Vec<String>> {
    let secret = pending_totp(c, staff)?
        .ok_or_else(|| ApiError::Conflict("start with POST /api/v1/me/totp".into()))?;
    let t = now();
    if !totp::check(&secret, code, t.timestamp() as u64) {
        return Err(ApiError::Validation(vec![FieldError::bilingual(
            "code",
            "the code does not match; check the app and the clock",
            "de code klopt niet; kijk in de app en of de klok van uw telefoon goed staat",
        )]));
    }
    write_tx(c, |c| -> ApiResult<Vec<String>> {
        store::set_totp(c, &staff.id, Some(&secret), true)?;
        let codes = store::new_recovery_codes(c, &staff.id)?;
        audit::store::append(
            c,
            &[audit_user("user.totp_enabled", &staff.id, staff.actor())],
            t,
        )?;
        Ok(codes)
    })
}

/// Turn two-factor login off, with a current code from the app.
pub fn disable_totp(c: &mut DbConn, staff: &Staff, code: &str) -> ApiResult<()> {
    let user = store::user_by_id(c, &staff.id)?.ok_or(ApiError::NotFound)?;
    let t = now();
    let secret = user
        .totp_plain()
        .map_err(|e| ApiError::Internal(format!("two-factor secret: {e}")))?;
    let ok = match (&secret, user.totp_enabled) {
        (Some(s), true) => totp::check(s, code, t.timestamp() as u64),
        _ => return Err(ApiError::Conflict("two-factor login is not on".into())),
    };
    if !ok {
        return Err(ApiError::Validation(vec![FieldError::bilingual(
            "code",
            "the code does not match",
            "de code klopt niet",
        )]));
    }
    write_tx(c, |c| -> ApiResult<()> {
        store::set_totp(c, &staff.id, None, false)?;
        audit::store::append(
            c,
            &[audit_user("user.totp_disabled", &staff.id, staff.actor())],
            t,
        )?;
        Ok(())
    })
}

/// Whether the first-run page may be shown: no user yet and the code usable.
pub fn setup_open(c: &mut DbConn, code: &str) -> ApiResult<bool> {
    Ok(store::user_count(c)? == 0 && store::setup_code_usable(c, code, now())?)
}

/// First run: the one-time setup code (spent here) makes the first installation administrator.
/// `password_hash` is already hashed (slow; done outside the transaction). Audited.
pub fn first_admin(
    c: &mut DbConn,
    code: &str,
    email: &str,
    display_name: &str,
    password_hash: String,
) -> ApiResult<Staff> {
    write_tx(c, |c| -> ApiResult<Staff> {
        let t = now();
        if store::user_count(c)? > 0 || !store::use_setup_code(c, code, t)? {
            return Err(ApiError::Forbidden("invalid or used setup code".into()));
        }
        let u = store::new_user(email, display_name, Some(password_hash), true);
        store::insert_user(c, &u)?;
        audit::store::append(
            c,
            &[Entry {
                after: Some(serde_json::json!({"is_admin": true})),
                ..audit_user("user.created", &u.id, Actor::System("setup"))
            }],
            t,
        )?;
        Ok(store::staff(c, &u)?)
    })
}
