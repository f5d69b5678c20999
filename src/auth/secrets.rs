//! Passwords (argon2id) and random secrets stored only as SHA-256 hashes.
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spend the same time as a real verification, so unknown accounts cannot be told apart by timing.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
    let _ = verify_password(password, h);
}

/// Password policy: long enough to matter, not absurdly long.
pub fn password_problem(password: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < 12 {
        Some("at least 12 characters")
    } else if n > 256 {
        Some("at most 256 characters")
    } else {
        None
    }
}

/// A random secret with a prefix, e.g. `mpt_…` for API tokens, URL-safe.
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Constant-time comparison of two hex digests.
pub fn same_digest(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Short human-typable code, e.g. recovery codes `abcd-efgh-ijkl`.
pub fn short_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let mut out = String::new();
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_wrong_ones_do_not() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_hashes_compare() {
        let a = random_secret("mpt_");
        assert!(a.starts_with("mpt_") && a.len() > 40);
        assert_ne!(a, random_secret("mpt_"));
        assert!(same_digest(&sha256_hex(&a), &sha256_hex(&a)));
        assert!(!same_digest(&sha256_hex(&a), &sha256_hex("b")));
        assert_eq!(short_code().len(), 14);
        assert_eq!(password_problem("short"), Some("at least 12 characters"));
    }
}
