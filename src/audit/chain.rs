//! The audit trail's hash chain: each record's hash covers its content and the previous hash,
//! so changing, removing or reordering any record breaks every hash after it.
//!
//! Hash schemes (the record's `scheme`):
//! - 1: plain SHA-256 (records written before issue 17). Anyone who can write the database could
//!   recompute such a chain after a change.
//! - 2: HMAC-SHA256 keyed with the audit key, derived from the key that also seals the two-factor
//!   secrets (`security.secret_key` or the key file): kept outside the database, so a database
//!   writer cannot recompute the chain. Once a scheme-2 record is in the chain, a scheme-1 record
//!   after it is a forgery (a downgrade).
//!
//! What a key cannot show (the last records removed and the head moved back, or the whole trail
//! replaced) the checkpoints written outside the database do (`super::checkpoint`).
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const SCHEME_PLAIN: i32 = 1;
pub const SCHEME_KEYED: i32 = 2;

static AUDIT_KEY: OnceLock<[u8; 32]> = OnceLock::new();

/// The audit key derived from the installation's secret key (never the secret itself).
pub fn derive_key(secret: &[u8; 32]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
    m.update(b"meldpunt audit chain v2");
    m.finalize().into_bytes().into()
}

/// Use the audit key derived from `secret` in this process (the first installed stays).
pub fn install_key(secret: &[u8; 32]) {
    let _ = AUDIT_KEY.set(derive_key(secret));
}

pub fn installed_key() -> Option<&'static [u8; 32]> {
    AUDIT_KEY.get()
}

/// Either hasher, fed the same serialisation.
enum Hasher {
    Plain(Sha256),
    Keyed(Hmac<Sha256>),
}

impl Hasher {
    fn new(key: Option<&[u8; 32]>) -> Hasher {
        match key {
            None => Hasher::Plain(Sha256::new()),
            Some(k) => {
                Hasher::Keyed(<Hmac<Sha256> as Mac>::new_from_slice(k).expect("any key length"))
            }
        }
    }
    fn update(&mut self, b: impl AsRef<[u8]>) {
        match self {
            Hasher::Plain(h) => Digest::update(h, b.as_ref()),
            Hasher::Keyed(h) => Mac::update(h, b.as_ref()),
        }
    }
    fn finish(self) -> String {
        match self {
            Hasher::Plain(h) => hex::encode(h.finalize()),
            Hasher::Keyed(h) => hex::encode(h.finalize().into_bytes()),
        }
    }
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub organisation_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub scheme: i32,
}

fn field(h: &mut Hasher, v: Option<&str>) {
    // Length-prefixed, with a distinct marker for "absent", so no two records serialise alike.
    match v {
        None => h.update(b"\x00"),
        Some(s) => {
            h.update(b"\x01");
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// The hash of a record given the hash before it: keyed (scheme 2) when `key` is given.
#[allow(clippy::too_many_arguments)]
pub fn compute_hash(
    key: Option<&[u8; 32]>,
    prev_hash: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    organisation_id: Option<&str>,
    before_json: Option<&str>,
    after_json: Option<&str>,
) -> String {
    let mut h = Hasher::new(key);
    field(&mut h, Some(prev_hash));
    h.update(seq.to_be_bytes());
    field(
        &mut h,
        Some(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
    );
    field(&mut h, Some(actor));
    field(&mut h, Some(action));
    field(&mut h, Some(entity_type));
    field(&mut h, Some(entity_id));
    field(&mut h, organisation_id);
    field(&mut h, before_json);
    field(&mut h, after_json);
    h.finish()
}

/// The hash a record should have under its scheme; `None` for a keyed record when no key is
/// installed.
pub fn hash_of_with(r: &Record, key: Option<&[u8; 32]>) -> Option<String> {
    let key = match r.scheme {
        SCHEME_PLAIN => None,
        _ => Some(key?),
    };
    Some(compute_hash(
        key,
        &r.prev_hash,
        r.seq,
        r.at,
        &r.actor,
        &r.action,
        &r.entity_type,
        &r.entity_id,
        r.organisation_id.as_deref(),
        r.before_json.as_deref(),
        r.after_json.as_deref(),
    ))
}

pub fn hash_of(r: &Record) -> Option<String> {
    hash_of_with(r, installed_key())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// A record's stored hash does not match its content.
    HashMismatch { seq: i64 },
    /// A record does not point at the hash of the record before it.
    PrevMismatch { seq: i64 },
    /// A sequence number is missing or out of order (a record was removed or inserted).
    Gap { expected: i64, found: i64 },
    /// The chain head says more records exist than were found (records removed at the end).
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// A record in the old, unkeyed scheme after keyed ones: written by someone without the key.
    Downgrade { seq: i64 },
    /// A keyed record, and no key to check it with (this instance has no `security.secret_key`).
    NoKey { seq: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::HashMismatch { seq } => {
                write!(
                    f,
                    "record {seq}: content does not match its hash (changed, or written with another key)"
                )
            }
            Break::Downgrade { seq } => write!(
                f,
                "record {seq}: unkeyed record after keyed ones (written without the key)"
            ),
            Break::NoKey { seq } => write!(
                f,
                "record {seq}: keyed, and no key to check it (configure security.secret_key or the key file)"
            ),
            Break::PrevMismatch { seq } => write!(
                f,
                "record {seq}: does not follow the previous record's hash"
            ),
            Break::Gap { expected, found } => {
                write!(f, "record {expected} missing (found {found} next)")
            }
            Break::HeadMismatch { head_seq, last_seq } => {
                write!(
                    f,
                    "chain head is at record {head_seq} but the log ends at record {last_seq}"
                )
            }
        }
    }
}

/// Incremental verifier: feed records in `seq` order.
pub struct Verifier {
    prev_hash: String,
    next_seq: i64,
    pub checked: u64,
    keyed_seen: bool,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            prev_hash: GENESIS.to_string(),
            next_seq: 1,
            checked: 0,
            keyed_seen: false,
        }
    }
}

impl Verifier {
    pub fn feed(&mut self, r: &Record) -> Result<(), Break> {
        if r.seq != self.next_seq {
            return Err(Break::Gap {
                expected: self.next_seq,
                found: r.seq,
            });
        }
        if r.prev_hash != self.prev_hash {
            return Err(Break::PrevMismatch { seq: r.seq });
        }
        if r.scheme == SCHEME_PLAIN && self.keyed_seen {
            return Err(Break::Downgrade { seq: r.seq });
        }
        match hash_of(r) {
            None => return Err(Break::NoKey { seq: r.seq }),
            Some(h) if h != r.hash => return Err(Break::HashMismatch { seq: r.seq }),
            Some(_) => {}
        }
        self.keyed_seen |= r.scheme != SCHEME_PLAIN;
        self.prev_hash = r.hash.clone();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// The hash of the last record fed (the genesis value before any).
    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }

    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), Break> {
        let last_seq = self.next_seq - 1;
        if head_seq != last_seq || head_hash != self.prev_hash {
            return Err(Break::HeadMismatch { head_seq, last_seq });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<Record> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = Record {
                    seq,
                    at: Utc
                        .with_ymd_and_hms(2026, 11, 1, 12, 0, seq as u32)
                        .unwrap(),
                    actor: "user:a".into(),
                    action: "incident.update".into(),
                    entity_type: "incident".into(),
                    entity_id: "i1".into(),
                    organisation_id: Some("o1".into()),
                    before_json: Some(format!("{{\"title\":\"v{}\"}}", seq - 1)),
                    after_json: Some(format!("{{\"title\":\"v{seq}\"}}")),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                    scheme: SCHEME_PLAIN,
                };
                r.hash = hash_of(&r).unwrap();
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[Record]) -> Result<(), Break> {
        let mut v = Verifier::default();
        for r in records {
            v.feed(r)?;
        }
        let last = records.last().unwrap();
        v.finish(last.seq, &last.hash)
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(()));
    }

    #[test]
    fn changed_content_is_found_at_that_record() {
        let mut c = chain(5);
        c[2].after_json = Some("{\"title\":\"forged\"}".into());
        assert_eq!(verify(&c), Err(Break::HashMismatch { seq: 3 }));
    }

    #[test]
    fn a_rehashed_forgery_breaks_the_next_link() {
        let mut c = chain(5);
        c[1].actor = "user:mallory".into();
        c[1].hash = hash_of(&c[1]).unwrap();
        assert_eq!(verify(&c), Err(Break::PrevMismatch { seq: 3 }));
    }

    #[test]
    fn removed_records_are_found() {
        let mut c = chain(5);
        c.remove(2);
        assert_eq!(
            verify(&c),
            Err(Break::Gap {
                expected: 3,
                found: 4
            })
        );
        let c = chain(5);
        let mut v = Verifier::default();
        for r in &c[..4] {
            v.feed(r).unwrap();
        }
        assert_eq!(
            v.finish(5, &c[4].hash),
            Err(Break::HeadMismatch {
                head_seq: 5,
                last_seq: 4
            })
        );
    }

    #[test]
    fn absent_and_empty_values_hash_differently() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let a = compute_hash(None, GENESIS, 1, at, "x", "y", "z", "w", None, None, None);
        let b = compute_hash(
            None,
            GENESIS,
            1,
            at,
            "x",
            "y",
            "z",
            "w",
            Some(""),
            None,
            None,
        );
        assert_ne!(a, b);
    }

    /// Re-key a plain chain from record `from` on (as an upgraded instance appends).
    fn keyed_from(mut c: Vec<Record>, from: usize, key: &[u8; 32]) -> Vec<Record> {
        for i in from..c.len() {
            c[i].prev_hash = if i == 0 {
                GENESIS.into()
            } else {
                c[i - 1].hash.clone()
            };
            c[i].scheme = SCHEME_KEYED;
            c[i].hash = hash_of_with(&c[i], Some(key)).unwrap();
        }
        c
    }

    #[test]
    fn a_keyed_chain_cannot_be_recomputed_without_the_key() {
        let key = derive_key(&[42u8; 32]);
        let c = keyed_from(chain(4), 2, &key);
        let verify_with = |c: &[Record], k: &[u8; 32]| -> Result<(), Break> {
            let mut prev = GENESIS.to_string();
            let mut seen = false;
            for r in c {
                if r.prev_hash != prev {
                    return Err(Break::PrevMismatch { seq: r.seq });
                }
                if r.scheme == SCHEME_PLAIN && seen {
                    return Err(Break::Downgrade { seq: r.seq });
                }
                seen |= r.scheme == SCHEME_KEYED;
                if hash_of_with(r, Some(k)).as_deref() != Some(r.hash.as_str()) {
                    return Err(Break::HashMismatch { seq: r.seq });
                }
                prev = r.hash.clone();
            }
            Ok(())
        };
        // The old plain records and the keyed ones after them verify (existing chains still do).
        assert_eq!(verify_with(&c, &key), Ok(()));
        // A forger without the key recomputes with another one: found at the changed record.
        let mut forged = c.clone();
        forged[2].actor = "user:mallory".into();
        let forged = keyed_from(forged, 2, &derive_key(&[1u8; 32]));
        assert_eq!(
            verify_with(&forged, &key),
            Err(Break::HashMismatch { seq: 3 })
        );
        // Or falls back to the unkeyed scheme: a downgrade.
        let mut down = c.clone();
        down[3].scheme = SCHEME_PLAIN;
        down[3].hash = hash_of_with(&down[3], None).unwrap();
        assert_eq!(verify_with(&down, &key), Err(Break::Downgrade { seq: 4 }));
        // The key is not the secret it comes from.
        assert_ne!(derive_key(&[42u8; 32]), [42u8; 32]);
    }
}
