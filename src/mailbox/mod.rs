//! The meldpunt mailbox: e-mail as an intake channel.
//!
//! - [`parse`]: what a raw message contains and what kind it is (pure; no web or database code).
//! - [`service`]: taking one message in — report, reply joined to a report or incident, auto-reply,
//!   bounce (marks our outbox row failed), own mail, duplicate or quarantine — in one transaction.
//! - [`store`]: the `mail_messages` table. Raw messages are kept as bytes in `mail_messages.raw`
//!   (BLOB on SQLite, BYTEA on PostgreSQL), also when quarantined.
//! - [`routes`]: `POST /api/v1/mail` (raw upload), `GET /api/v1/mail/quarantine`.
//! - [`maildir`], [`imap`]: pollers; [`cli`]: `meldpunt mail ingest`, `meldpunt mail rescan`.
//! - [`rescan`]: attachments not scanned at intake (clamd unreachable) scanned again.
pub mod clamav;
pub mod cli;
pub mod imap;
pub mod maildir;
pub mod parse;
pub mod replies;
pub mod rescan;
pub mod routes;
pub mod service;
pub mod store;

use crate::config::Settings;
use crate::db::DbPool;

pub use store::organisation_id;

/// The Maildir and IMAP pollers configured in `[mailbox]`.
pub fn spawn_workers(
    pool: &DbPool,
    settings: &Settings,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = vec![];
    let every = std::time::Duration::from_secs(settings.mailbox.poll_seconds.max(1));
    if !settings.mailbox.maildir.trim().is_empty() {
        let (pool, settings, stop) = (pool.clone(), settings.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let p = pool.clone();
            let slug = settings.mailbox.organisation.clone();
            let org = match tokio::task::spawn_blocking(move || store::organisation_id(&p, &slug))
                .await
            {
                Ok(Ok(o)) => o,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "maildir poller not started");
                    return;
                }
                Err(_) => return,
            };
            let dir = std::path::PathBuf::from(settings.mailbox.maildir.trim());
            let ctx = service::Context::from_settings(
                &settings,
                org,
                &format!("maildir:{}", dir.display()),
            );
            maildir::run(pool, dir, ctx, every, stop).await
        }));
    }
    // Attachments that clamd could not scan at intake are scanned again once it answers.
    if let Some(target) = clamav::Target::parse(&settings.mailbox.clamd_socket) {
        tasks.push(tokio::spawn(rescan::worker(
            pool.clone(),
            target,
            service::limits(settings),
            every,
            stop.clone(),
        )));
    }
    for account in &settings.mailbox.imap {
        let (pool, settings, stop, account) = (
            pool.clone(),
            settings.clone(),
            stop.clone(),
            account.clone(),
        );
        tasks.push(tokio::spawn(async move {
            imap::run(pool, settings, account, every, stop).await
        }));
    }
    Ok(tasks)
}
