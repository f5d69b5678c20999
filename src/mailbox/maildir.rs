//! A Maildir folder read as a mailbox (for a local MTA delivering into it).
//!
//! Several workers may poll the same folder: a worker claims a message by renaming it from `new/`
//! to `cur/<name>:2,` (rename is atomic: whoever renames first owns it), stores it, then marks it
//! seen by renaming to `cur/<name>:2,S`. A message left claimed but unseen (its worker died) is
//! taken up again after `STALE`; storing it twice is harmless (the Message-ID and content hash
//! make the second a duplicate).
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::service::{self, Context, Ingested};
use crate::db::DbConn;

const STALE: Duration = Duration::from_secs(600);

/// The base name of a Maildir file without its `:2,…` info.
fn base(name: &str) -> &str {
    name.split(':').next().unwrap_or(name)
}

/// Files this worker has claimed: moved from new/ (or stale unseen ones in cur/).
fn claim(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let cur = dir.join("cur");
    std::fs::create_dir_all(&cur)?;
    let mut claimed = vec![];
    if let Ok(rd) = std::fs::read_dir(dir.join("new")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let to = cur.join(format!("{}:2,", base(&name)));
            // Someone else renamed it first: not ours.
            if std::fs::rename(e.path(), &to).is_ok() {
                claimed.push(to);
            }
        }
    }
    for e in std::fs::read_dir(&cur)?.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let unseen = name
            .split_once(":2,")
            .map(|(_, flags)| !flags.contains('S'))
            .unwrap_or(false);
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map(|age| age > STALE)
            .unwrap_or(false);
        if unseen && old && !claimed.contains(&e.path()) {
            // Touch by renaming to a fresh claim name, so only one worker retakes it.
            let to = cur.join(format!("{}:2,", base(&name)));
            let tmp = cur.join(format!("{}.retake-{}:2,", base(&name), std::process::id()));
            if std::fs::rename(e.path(), &tmp).is_ok() {
                let _ = filetime_now(&tmp);
                if std::fs::rename(&tmp, &to).is_ok() {
                    claimed.push(to);
                }
            }
        }
    }
    Ok(claimed)
}

fn filetime_now(p: &Path) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new().append(true).open(p)?;
    f.set_modified(std::time::SystemTime::now())
}

/// Read every new message once; returns (file name, result) per message handled. The messages
/// are stored a batch at a time in one transaction (a savepoint each); a file is marked seen only
/// after its batch is committed.
pub fn poll_once(
    conn: &mut DbConn,
    dir: &Path,
    ctx: &Context,
) -> std::io::Result<Vec<(String, Result<Ingested, String>)>> {
    let mut out = vec![];
    let mut read: Vec<(PathBuf, String, Vec<u8>)> = vec![];
    for path in claim(dir)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match std::fs::read(&path) {
            Ok(r) => read.push((path, name, r)),
            Err(e) => out.push((name, Err(format!("cannot read: {e}")))),
        }
    }
    let raws: Vec<&[u8]> = read.iter().map(|(_, _, r)| r.as_slice()).collect();
    let mut at = 0;
    for batch in super::cli::batches(&raws) {
        let files = &read[at..at + batch.len()];
        at += batch.len();
        match service::ingest_batch(conn, batch, ctx) {
            Ok(results) => {
                for ((path, name, _), r) in files.iter().zip(results) {
                    if r.is_ok() {
                        let seen = path.with_file_name(format!("{}:2,S", base(name)));
                        std::fs::rename(path, &seen)?;
                    }
                    // Not stored at all: stays claimed and unseen, retried after STALE.
                    out.push((name.clone(), r));
                }
            }
            // Nothing of the batch stored (database down): all stay claimed and unseen.
            Err(e) => {
                for (_, name, _) in files {
                    out.push((name.clone(), Err(e.to_string())));
                }
            }
        }
    }
    Ok(out)
}

/// Poll `dir` every `every` until `stop`.
pub async fn run(
    pool: crate::db::DbPool,
    dir: PathBuf,
    ctx: Context,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let (pool, dir2, ctx2) = (pool.clone(), dir.clone(), ctx.clone());
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
            let mut c = pool.get()?;
            let done = poll_once(&mut c, &dir2, &ctx2)?;
            for (name, r) in &done {
                match r {
                    Ok(i) => tracing::info!(file = %name, outcome = %crate::assessment::detect::mask(&i.outcome.to_string()), "maildir: message taken in"),
                    Err(e) => tracing::warn!(file = %name, error = %e, "maildir: message not stored"),
                }
            }
            Ok(done.len())
        })
        .await;
        match res {
            Ok(Ok(_)) => crate::monitoring::mailbox_polled("maildir"),
            Ok(Err(e)) => tracing::error!(error = %e, "maildir poll failed"),
            Err(_) => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
