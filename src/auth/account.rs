//! One's own account: change the password, turn two-factor login on (secret → confirm with a code
//! → recovery codes, shown once) and off. Shared by the API (`/api/v1/me/…`) and the account page;
//! each change audited.
use super::{secrets, store, totp, Staff};
use crate::audit::Action;
use crate::audit::{self, Actor, Entry};
use crate::db::{now, write_tx, DbConn};
use crate::error::{DomainError, DomainResult, FieldProblem};

fn audit_user(action: Action, user_id: &str, actor: Actor) -> Entry {
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

pub const MIN_PASSWORD: usize = 12;

/// What is wrong with a new account's e-mail address, name and password (when one is given),
/// field by field, in English and Dutch.
pub fn new_user_problems(
    email: &str,
    display_name: &str,
    password: Option<&str>,
) -> Vec<FieldProblem> {
    let mut errs = vec![];
    if crate::input::EmailAddress::parse(email).is_err() {
        errs.push(FieldProblem::new(
            "email",
            "not an e-mail address",
            "Vul een geldig e-mailadres in",
        ));
    }
    if let Some(p) = password.and_then(secrets::password_problem) {
        let nl = if p.starts_with("at least") {
            "Het wachtwoord moet minstens 12 tekens hebben"
        } else {
            "Dit is te lang"
        };
        errs.push(FieldProblem::new("password", p, nl));
    }
    if display_name.trim().is_empty() {
        errs.push(FieldProblem::new("display_name", "required", "Vul dit in"));
    }
    errs
}

/// Change the password: the current one must match; the new one has at least 12 characters and
/// differs from it. Every session of the person ends (a page gives its user a new one).
pub fn change_password(
    c: &mut DbConn,
    staff: &Staff,
    current: &str,
    new: &str,
) -> DomainResult<()> {
    let user = store::user_by_id(c, &staff.id)?.ok_or(DomainError::NotFound)?;
    let ok = user
        .password_hash
        .as_deref()
        .map(|h| secrets::verify_password(current, h))
        .unwrap_or(false);
    if !ok {
        return Err(DomainError::Invalid(vec![FieldProblem::new(
            "current_password",
            "the current password is not right",
            "het huidige wachtwoord klopt niet",
        )]));
    }
    if new.chars().count() < MIN_PASSWORD || new.chars().count() > 1000 {
        return Err(DomainError::Invalid(vec![FieldProblem::new(
            "new_password",
            "at least 12 characters",
            "ten minste 12 tekens",
        )]));
    }
    if new == current {
        return Err(DomainError::Invalid(vec![FieldProblem::new(
            "new_password",
            "choose a password that differs from the current one",
            "kies een ander wachtwoord dan het huidige",
        )]));
    }
    let hash = secrets::hash_password(new)?;
    write_tx(c, |c| -> DomainResult<()> {
        store::set_password(c, &staff.id, &hash)?;
        store::delete_sessions_of(c, &staff.id)?;
        audit::store::append(
            c,
            &[audit_user(
                Action::UserPasswordChanged,
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
pub fn begin_totp(c: &mut DbConn, staff: &Staff) -> DomainResult<(String, String)> {
    if staff.totp_enabled {
        return Err(DomainError::Conflict(
            "two-factor login is already on; turn it off first".into(),
        ));
    }
    let secret = totp::new_secret();
    let url = totp::otpauth_url(&secret, &staff.email)?;
    store::set_totp(c, &staff.id, Some(&secret), false)?;
    Ok((secret, url))
}

/// The secret being set up (begun, not yet confirmed), if any.
pub fn pending_totp(c: &mut DbConn, staff: &Staff) -> DomainResult<Option<String>> {
    let user = store::user_by_id(c, &staff.id)?.ok_or(DomainError::NotFound)?;
    if user.totp_enabled {
        return Ok(None);
    }
    user.totp_plain()
        .map_err(|e| DomainError::Internal(format!("two-factor secret: {e}")))
}

/// Confirm with a code from the app: two-factor login is on; returns the recovery codes.
pub fn confirm_totp(c: &mut DbConn, staff: &Staff, code: &str) -> DomainResult<Vec<String>> {
    let secret = pending_totp(c, staff)?
        .ok_or_else(|| DomainError::Conflict("start with POST /api/v1/me/totp".into()))?;
    let t = now();
    if !totp::check(&secret, code, t.timestamp() as u64) {
        return Err(DomainError::Invalid(vec![FieldProblem::new(
            "code",
            "the code does not match; check the app and the clock",
            "de code klopt niet; kijk in de app en of de klok van uw telefoon goed staat",
        )]));
    }
    write_tx(c, |c| -> DomainResult<Vec<String>> {
        store::set_totp(c, &staff.id, Some(&secret), true)?;
        let codes = store::new_recovery_codes(c, &staff.id)?;
        audit::store::append(
            c,
            &[audit_user(
                Action::UserTotpEnabled,
                &staff.id,
                staff.actor(),
            )],
            t,
        )?;
        Ok(codes)
    })
}

/// Turn two-factor login off, with a current code from the app.
pub fn disable_totp(c: &mut DbConn, staff: &Staff, code: &str) -> DomainResult<()> {
    let user = store::user_by_id(c, &staff.id)?.ok_or(DomainError::NotFound)?;
    let t = now();
    let secret = user
        .totp_plain()
        .map_err(|e| DomainError::Internal(format!("two-factor secret: {e}")))?;
    let ok = match (&secret, user.totp_enabled) {
        (Some(s), true) => totp::check(s, code, t.timestamp() as u64),
        _ => return Err(DomainError::Conflict("two-factor login is not on".into())),
    };
    if !ok {
        return Err(DomainError::Invalid(vec![FieldProblem::new(
            "code",
            "the code does not match",
            "de code klopt niet",
        )]));
    }
    write_tx(c, |c| -> DomainResult<()> {
        store::set_totp(c, &staff.id, None, false)?;
        audit::store::append(
            c,
            &[audit_user(
                Action::UserTotpDisabled,
                &staff.id,
                staff.actor(),
            )],
            t,
        )?;
        Ok(())
    })
}

/// Whether the first-run page may be shown: no user yet and the code usable.
pub fn setup_open(c: &mut DbConn, code: &str) -> DomainResult<bool> {
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
) -> DomainResult<Staff> {
    write_tx(c, |c| -> DomainResult<Staff> {
        let t = now();
        if store::user_count(c)? > 0 || !store::use_setup_code(c, code, t)? {
            return Err(DomainError::denied(
                "setup_code_invalid",
                "invalid or used setup code",
            ));
        }
        let u = store::new_user(email, display_name, Some(password_hash), true);
        store::insert_user(c, &u)?;
        audit::store::append(
            c,
            &[Entry {
                after: Some(serde_json::json!({"is_admin": true})),
                ..audit_user(Action::UserCreated, &u.id, Actor::System("setup"))
            }],
            t,
        )?;
        Ok(store::staff(c, &u)?)
    })
}

/// A new API token of one's own, audited; the token itself is shown once (returned here, stored
/// hashed). Its name has 1 to 100 characters.
pub fn create_token(
    c: &mut DbConn,
    user_id: &str,
    actor: Actor,
    name: &str,
) -> DomainResult<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::field(
            "name",
            "1 to 100 characters",
            "Geef de sleutel een naam van 1 tot 100 tekens",
        ));
    }
    write_tx(c, |c| -> DomainResult<(String, String)> {
        let (id, token) = store::create_token(c, user_id, name)?;
        audit::store::append(
            c,
            &[Entry {
                after: Some(serde_json::json!({"token_id": id, "name": name})),
                ..audit_user(Action::UserTokenCreated, user_id, actor)
            }],
            now(),
        )?;
        Ok((id, token))
    })
}

/// Revoke one of one's own API tokens, audited; another's token is not found.
pub fn revoke_token(c: &mut DbConn, staff: &Staff, token_id: &str) -> DomainResult<()> {
    write_tx(c, |c| -> DomainResult<()> {
        if store::revoke_token(c, &staff.id, token_id)? == 0 {
            return Err(DomainError::NotFound);
        }
        audit::store::append(
            c,
            &[Entry {
                after: Some(serde_json::json!({"token_id": token_id})),
                ..audit_user(Action::UserTokenRevoked, &staff.id, staff.actor())
            }],
            now(),
        )?;
        Ok(())
    })
}
