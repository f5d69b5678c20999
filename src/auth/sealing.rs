//! Secrets that must be read back (the two-factor secrets) are kept encrypted in the database
//! (XChaCha20-Poly1305) with a key that is not in the database: `security.secret_key` (base64 of
//! 32 bytes; the same on every instance), or else a key file created on first start
//! (`security.key_file`, mode 0600). Each sealed value names its key by a short fingerprint, so a
//! value sealed under another key is reported as such instead of failing as a wrong code.
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::Settings;

struct Key {
    cipher: XChaCha20Poly1305,
    id: String,
}

static KEY: OnceLock<Key> = OnceLock::new();

const PREFIX: &str = "v1";

fn key_id(key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(key)[..4])
}

fn decode_key(b64: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|e| anyhow::anyhow!("security.secret_key is not base64: {e}"))?;
    bytes.try_into().map_err(|_| {
        anyhow::anyhow!("security.secret_key must be 32 bytes (base64 of 32 random bytes)")
    })
}

/// The key from the settings, or from the key file (created with a new random key if missing).
pub fn key_from_settings(s: &Settings) -> anyhow::Result<[u8; 32]> {
    if !s.security.secret_key.trim().is_empty() {
        return decode_key(&s.security.secret_key);
    }
    let path = std::path::Path::new(&s.security.key_file);
    if path.exists() {
        return decode_key(&std::fs::read_to_string(path)?);
    }
    if crate::db::Backend::from_url(&s.database.url) == crate::db::Backend::Postgres {
        tracing::warn!(
            "no security.secret_key configured: a key file is created for this instance; \
             several instances on one database need the same MELDPUNT__SECURITY__SECRET_KEY"
        );
    }
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Written whole to a file of our own, then linked into place: a process started at the same
    // moment never reads a half-written key, and of two new keys the first linked wins.
    let tmp = path.with_extension(format!("new-{}", std::process::id()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        writeln!(f, "{}", STANDARD.encode(key))?;
        f.sync_all()?;
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            decode_key(&std::fs::read_to_string(path)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Use `key` for this process (the first installed key stays).
pub fn install(key: [u8; 32]) {
    let _ = KEY.set(Key {
        cipher: XChaCha20Poly1305::new((&key).into()),
        id: key_id(&key),
    });
}

fn key() -> anyhow::Result<&'static Key> {
    KEY.get()
        .ok_or_else(|| anyhow::anyhow!("no secret key installed (sealing::install at start)"))
}

/// `v1:<key id>:<base64 of nonce ‖ ciphertext>`.
pub fn seal(plain: &str) -> anyhow::Result<String> {
    let k = key()?;
    let mut nonce = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut nonce);
    let ct = k
        .cipher
        .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(format!("{PREFIX}:{}:{}", k.id, STANDARD.encode(out)))
}

/// The plain value of a sealed one. A value stored before sealing existed (no prefix) is
/// returned as it is.
pub fn open(stored: &str) -> anyhow::Result<String> {
    let Some(rest) = stored.strip_prefix("v1:") else {
        return Ok(stored.to_string());
    };
    let (id, b64) = rest
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("malformed sealed value"))?;
    let k = key()?;
    if id != k.id {
        anyhow::bail!(
            "sealed with key {id}, this instance has key {}: configure the same security.secret_key everywhere",
            k.id
        );
    }
    let raw = STANDARD.decode(b64)?;
    if raw.len() < 24 {
        anyhow::bail!("malformed sealed value");
    }
    let (nonce, ct) = raw.split_at(24);
    let plain = k
        .cipher
        .decrypt(XNonce::from_slice(nonce), ct)
        .map_err(|_| anyhow::anyhow!("sealed value does not decrypt (tampered or another key)"))?;
    Ok(String::from_utf8(plain)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_keeps_legacy_values() {
        install([7u8; 32]);
        let s = seal("JBSWY3DPEHPK3PXP").unwrap();
        assert!(s.starts_with("v1:"));
        assert!(!s.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            s,
            seal("JBSWY3DPEHPK3PXP").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(open(&s).unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(open("JBSWY3DPEHPK3PXP").unwrap(), "JBSWY3DPEHPK3PXP");
        // Tampering is detected.
        let mut t = s.clone();
        let last = t.pop().unwrap();
        t.push(if last == 'A' { 'B' } else { 'A' });
        assert!(open(&t).is_err());
        // Another key's value says so.
        let other = format!("v1:deadbeef:{}", s.rsplit(':').next().unwrap());
        assert!(open(&other).unwrap_err().to_string().contains("deadbeef"));
    }
}
