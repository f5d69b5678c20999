//! `meldpunt mail ingest FILE…`: `.eml` files, mbox files and `-` for stdin; one line per message.
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
        for (i, raw) in msgs.iter().enumerate() {
            let label = if many {
                format!("{name}#{}", i + 1)
            } else {
                name.to_string()
            };
            match service::ingest_or_quarantine(conn, raw, &ctx) {
                Ok(r) => writeln!(out, "{label}: {}", r.outcome)?,
                Err(e) => {
                    writeln!(out, "{label}: NOT STORED: {e}")?;
                    code = 1;
                }
            }
        }
    }
    Ok(code)
}
