//! The audit trail's hash chain: each record's hash covers its content and the previous hash,
//! so changing, removing or reordering any record breaks every hash after it.
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

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
}

fn field(h: &mut Sha256, v: Option<&str>) {
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

/// The hash of a record given the hash before it.
#[allow(clippy::too_many_arguments)]
pub fn compute_hash(
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
    let mut h = Sha256::new();
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
    hex::encode(h.finalize())
}

pub fn hash_of(r: &Record) -> String {
    compute_hash(
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
    )
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
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::HashMismatch { seq } => {
                write!(f, "record {seq}: content does not match its hash")
            }
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
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            prev_hash: GENESIS.to_string(),
            next_seq: 1,
            checked: 0,
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
        if hash_of(r) != r.hash {
            return Err(Break::HashMismatch { seq: r.seq });
        }
        self.prev_hash = r.hash.clone();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
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
                };
                r.hash = hash_of(&r);
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
        c[1].hash = hash_of(&c[1]);
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
        let a = compute_hash(GENESIS, 1, at, "x", "y", "z", "w", None, None, None);
        let b = compute_hash(GENESIS, 1, at, "x", "y", "z", "w", Some(""), None, None);
        assert_ne!(a, b);
    }
}
