//! `meldpunt mail ingest FILE…`: `.eml` files, mbox files and `-` for stdin; one line per message.
//! `meldpunt mail rescan`: attachments not scanned at intake, scanned again; one line per attachment.
use std::io::{BufReader, Read, Write};

use super::service::{self, Context};
use crate::config::Settings;
use crate::db::DbConn;

/// The messages in one input: an mbox (starts with a `From ` line) or a single message.
pub fn split_messages(data: Vec<u8>) -> Vec<Vec<u8>> {
    if data.starts_with(b"From ") {
        mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(&data[..]))
            .filter_map(|m| m.ok())
            .map(|m| m.unwrap_contents())
            .collect()
    } else {
        vec![data]
    }
}

/// Messages per transaction, and bytes: a poll or a command-line run is stored in batches this
/// large at most.
pub const BATCH_MESSAGES: usize = 50;
pub const BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Split messages into consecutive batches of at most [`BATCH_MESSAGES`] messages and (unless a
/// single message is larger) [`BATCH_BYTES`] bytes.
pub fn batches<T: AsRef<[u8]>>(msgs: &[T]) -> Vec<&[T]> {
    let mut out = vec![];
    let (mut start, mut bytes) = (0, 0usize);
    for (i, m) in msgs.iter().enumerate() {
        let n = m.as_ref().len();
        if i > start && (i - start >= BATCH_MESSAGES || bytes + n > BATCH_BYTES) {
            out.push(&msgs[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += n;
    }
    if start < msgs.len() {
        out.push(&msgs[start..]);
    }
    out
}

/// Resolve `--org` (or `mailbox.organisation`) to an id; `Err` is the message for the user.
pub fn organisation(
    conn: &mut DbConn,
    settings: &Settings,
    slug: Option<&str>,
) -> anyhow::Result<Result<Option<String>, String>> {
    let slug = slug
        .map(str::to_string)
        .or_else(|| Some(settings.mailbox.organisation.clone()))
        .filter(|s| !s.trim().is_empty());
    match slug {
        None => Ok(Ok(None)),
        Some(s) => Ok(crate::orgs::store::by_slug(conn, s.trim())?
            .map(|o| Some(o.id))
            .ok_or_else(|| format!("org: no organisation {s:?}"))),
    }
}

/// Ingest every message of every file; returns the exit code (0, or 1 when a file could not be
/// read or a message could not be stored at all).
pub fn ingest_files(
    conn: &mut DbConn,
    settings: &Settings,
    org: Option<String>,
    files: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let mut code = 0;
    for f in files {
        let data = if f == "-" {
            let mut v = vec![];
            std::io::stdin().read_to_end(&mut v)?;
            v
        } else {
            match std::fs::read(f) {
                Ok(v) => v,
                Err(e) => {
                    writeln!(out, "{f}: cannot read: {e}")?;
                    code = 1;
                    continue;
                }
            }
        };
        let name = if f == "-" { "stdin" } else { f.as_str() };
        let ctx = Context::from_settings(settings, org.clone(), "cli");
        let msgs = split_messages(data);
        let many = msgs.len() > 1;
        let label = |i: usize| {
            if many {
                format!("{name}#{}", i + 1)
            } else {
                name.to_string()
            }
        };
        // A batch at a time in one transaction (a savepoint per message), bounded in count and
        // bytes; each line is printed once its batch is committed.
        let mut i = 0;
        for batch in batches(&msgs) {
            let raws: Vec<&[u8]> = batch.iter().map(|m| m.as_slice()).collect();
            match service::ingest_batch(conn, &raws, &ctx) {
                Ok(results) => {
                    for r in results {
                        match r {
                            Ok(r) => writeln!(out, "{}: {}", label(i), r.outcome)?,
                            Err(e) => {
                                writeln!(out, "{}: NOT STORED: {e}", label(i))?;
                                code = 1;
                            }
                        }
                        i += 1;
                    }
                }
                Err(e) => {
                    for _ in batch {
                        writeln!(out, "{}: NOT STORED: {e}", label(i))?;
                        i += 1;
                    }
                    code = 1;
                }
            }
        }
    }
    Ok(code)
}

/// Rescan what clamd could not scan at intake; returns the exit code (0; 1 when clamd did not
/// answer and messages are left waiting; 2 when no clamd is configured).
pub fn rescan(
    conn: &mut DbConn,
    settings: &Settings,
    limit: usize,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Some(target) = super::clamav::Target::parse(&settings.mailbox.clamd_socket) else {
        writeln!(out, "error: mailbox.clamd_socket is not set")?;
        return Ok(2);
    };
    let run = super::rescan::run(conn, &target, &service::limits(settings), limit)?;
    for d in &run.done {
        writeln!(out, "{d}")?;
    }
    if let Some(e) = run.stopped {
        let left = super::rescan::waiting(conn)?;
        writeln!(out, "stopped: {e}; {left} message(s) still waiting")?;
        return Ok(1);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_bounded_by_count_and_bytes() {
        let msgs: Vec<Vec<u8>> = (0..120).map(|_| vec![b'x'; 10]).collect();
        let b = batches(&msgs);
        assert_eq!(
            b.iter().map(|b| b.len()).collect::<Vec<_>>(),
            vec![50, 50, 20]
        );
        let big: Vec<Vec<u8>> = (0..3).map(|_| vec![b'x'; BATCH_BYTES - 1]).collect();
        assert_eq!(batches(&big).len(), 3);
        let none: Vec<Vec<u8>> = vec![];
        assert!(batches(&none).is_empty());
    }
}
