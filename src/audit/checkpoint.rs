//! Signed checkpoints of the audit chain, written outside the database: the record count and the
//! head hash at a moment, signed with the audit key (HMAC-SHA256). The keyed chain shows a record
//! changed by someone without the key; a checkpoint also shows what the chain alone cannot: the last
//! records removed with the head moved back (tail truncation), and the whole trail replaced (reset).
//!
//! The service appends one line of JSON to `[audit] checkpoint_file` every `checkpoint_seconds`
//! when the chain has grown, and logs the same line (target `audit_checkpoint`), so a log collector
//! (journald, syslog) keeps a second copy. `meldpunt audit verify` checks the chain against the
//! latest correctly signed line.
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::store;
use crate::db::DbConn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub at: DateTime<Utc>,
    pub seq: i64,
    pub head: String,
    pub sig: String,
}

fn mac(key: &[u8; 32], at: DateTime<Utc>, seq: i64, head: &str) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    m.update(b"meldpunt audit checkpoint\x00");
    m.update(&at.timestamp_micros().to_be_bytes());
    m.update(&seq.to_be_bytes());
    m.update(head.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

impl Checkpoint {
    pub fn new(key: &[u8; 32], at: DateTime<Utc>, seq: i64, head: String) -> Checkpoint {
        let sig = mac(key, at, seq, &head);
        Checkpoint { at, seq, head, sig }
    }

    pub fn signed_by(&self, key: &[u8; 32]) -> bool {
        let expected = mac(key, self.at, self.seq, &self.head);
        same_digest(&expected, &self.sig)
    }
}

/// Compares two hex digests in time independent of where they differ.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Append a checkpoint to the file (created with its folder if needed) and flush it to disk.
pub fn append(path: &Path, cp: &Checkpoint) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{}", serde_json::to_string(cp)?)?;
    f.sync_all()?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Latest {
    /// The last line with a valid signature.
    pub checkpoint: Option<Checkpoint>,
    /// Lines that do not parse or whose signature does not match (written by someone without the
    /// key, or under another key).
    pub bad_lines: usize,
}

/// The latest correctly signed checkpoint in the file (none when the file does not exist).
pub fn latest(path: &Path, key: &[u8; 32]) -> anyhow::Result<Latest> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Latest::default()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Latest::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Checkpoint>(line) {
            Ok(cp) if cp.signed_by(key) => {
                if out.checkpoint.as_ref().is_none_or(|c| cp.seq >= c.seq) {
                    out.checkpoint = Some(cp);
                }
            }
            _ => out.bad_lines += 1,
        }
    }
    Ok(out)
}

/// What a checkpoint shows about the chain in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Records at the end were removed: the checkpoint saw `checkpoint_seq`, the chain ends before.
    TailTruncated { checkpoint_seq: i64, head_seq: i64 },
    /// The record the checkpoint saw last has another hash now: the chain up to it was rewritten.
    Rewritten { seq: i64 },
    /// The trail was replaced: every record in it is younger than the checkpoint.
    Reset { checkpoint_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::TailTruncated {
                checkpoint_seq,
                head_seq,
            } => write!(
                f,
                "TAIL TRUNCATED: the checkpoint saw {checkpoint_seq} record(s), the chain now ends at record {head_seq}"
            ),
            Finding::Rewritten { seq } => write!(
                f,
                "REWRITTEN: record {seq} does not have the hash the checkpoint recorded"
            ),
            Finding::Reset {
                checkpoint_seq,
                head_seq,
            } => write!(
                f,
                "RESET: the trail was replaced (the checkpoint saw {checkpoint_seq} record(s); the {head_seq} now present are all younger than it)"
            ),
        }
    }
}

/// Compare the chain in the database with a checkpoint.
pub fn check(conn: &mut DbConn, cp: &Checkpoint) -> diesel::QueryResult<Option<Finding>> {
    let (head_seq, _) = store::head(conn)?;
    let replaced = match store::first_at(conn)? {
        None => head_seq < cp.seq || cp.seq > 0,
        Some(first) => first > cp.at,
    };
    if cp.seq == 0 {
        return Ok(None);
    }
    let at_cp = store::hash_at(conn, cp.seq)?;
    Ok(match at_cp {
        _ if replaced => Some(Finding::Reset {
            checkpoint_seq: cp.seq,
            head_seq,
        }),
        None => Some(Finding::TailTruncated {
            checkpoint_seq: cp.seq,
            head_seq,
        }),
        Some(_) if head_seq < cp.seq => Some(Finding::TailTruncated {
            checkpoint_seq: cp.seq,
            head_seq,
        }),
        Some((hash, _)) if hash != cp.head => Some(Finding::Rewritten { seq: cp.seq }),
        Some(_) => None,
    })
}

/// Write a checkpoint when the chain moved since `last` (the head seen last time); returns the
/// head now.
pub fn write_if_moved(
    conn: &mut DbConn,
    path: &Path,
    key: &[u8; 32],
    last: Option<&(i64, String)>,
    now: DateTime<Utc>,
) -> anyhow::Result<(i64, String)> {
    let head = store::head(conn)?;
    if let Some((seq, hash)) = last {
        // Never sign a chain that does not extend what was signed before: the next checkpoint
        // would hide a truncation, a rewrite or a reset.
        let cp = Checkpoint {
            at: now,
            seq: *seq,
            head: hash.clone(),
            sig: String::new(),
        };
        if let Some(f) = check(conn, &cp)? {
            anyhow::bail!("the audit chain does not extend the last checkpoint: {f}");
        }
    }
    if last != Some(&head) {
        let cp = Checkpoint::new(key, now, head.0, head.1.clone());
        append(path, &cp)?;
        tracing::info!(target: "audit_checkpoint", checkpoint = %serde_json::to_string(&cp)?, "audit checkpoint");
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_correctly_signed_lines_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.jsonl");
        let key = [9u8; 32];
        let t = Utc::now();
        append(&path, &Checkpoint::new(&key, t, 5, "aa".into())).unwrap();
        append(&path, &Checkpoint::new(&key, t, 7, "bb".into())).unwrap();
        // A forged line (another key) claiming a shorter chain is not believed.
        append(&path, &Checkpoint::new(&[1u8; 32], t, 3, "cc".into())).unwrap();
        let l = latest(&path, &key).unwrap();
        assert_eq!(l.checkpoint.unwrap().seq, 7);
        assert_eq!(l.bad_lines, 1);
        let mut cp = Checkpoint::new(&key, t, 7, "bb".into());
        cp.seq = 6;
        assert!(!cp.signed_by(&key), "a changed count breaks the signature");
    }
}
