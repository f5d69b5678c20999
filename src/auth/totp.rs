//! Time-based one-time passwords (RFC 6238) for two-factor login with an authenticator app.
use totp_rs::{Algorithm, Secret, TOTP};

fn build(secret_b32: &str, account: &str) -> anyhow::Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("bad TOTP secret: {e:?}"))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Meldpunt".into()),
        account.to_string(),
    )
    .map_err(|e| anyhow::anyhow!("TOTP: {e}"))
}

pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

pub fn otpauth_url(secret_b32: &str, account: &str) -> anyhow::Result<String> {
    Ok(build(secret_b32, account)?.get_url())
}

/// Check a code for the moment `unix_time` (one step of skew either way is accepted).
pub fn check(secret_b32: &str, code: &str, unix_time: u64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    match build(secret_b32, "x") {
        Ok(t) => t.check(&code, unix_time),
        Err(_) => false,
    }
}

pub fn code_at(secret_b32: &str, unix_time: u64) -> anyhow::Result<String> {
    Ok(build(secret_b32, "x")?.generate(unix_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_check_within_one_step() {
        let s = new_secret();
        let t = 1_790_000_000;
        let c = code_at(&s, t).unwrap();
        assert!(check(&s, &c, t));
        assert!(check(&s, &c, t + 30));
        assert!(!check(&s, &c, t + 120));
        assert!(!check(&s, "000000x", t));
        assert!(otpauth_url(&s, "fg@example.nl")
            .unwrap()
            .starts_with("otpauth://totp/"));
    }
}
