//! Outbox workers. Any number may run, in any number of instances: each claims its own rows.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use futures_util::stream::{self, StreamExt};
use tokio::sync::watch;

use super::store::{self, OutboxRow};
use super::transport::Mailer;
use crate::config::OutboxSettings;
use crate::db::{now, DbPool};
use crate::privacy::mask_email;

pub struct Worker {
    pub id: String,
    pub pool: DbPool,
    pub mailer: Mailer,
    pub from: String,
    pub settings: OutboxSettings,
}

impl Worker {
    pub fn new(pool: DbPool, mailer: Mailer, from: String, settings: OutboxSettings) -> Worker {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        Worker {
            id: format!("{host}:{}:{}", std::process::id(), crate::db::new_id()),
            pool,
            mailer,
            from,
            settings,
        }
    }

    /// Claim and deliver one batch; returns how many rows were claimed.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let pool = self.pool.clone();
        let (id, n, lease) = (
            self.id.clone(),
            self.settings.batch_size.max(1),
            chrono::Duration::seconds(self.settings.lease_seconds.max(1)),
        );
        let rows = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<OutboxRow>> {
            let mut c = pool.get()?;
            Ok(store::claim(&mut c, &id, n, lease, now())?)
        })
        .await??;
        let count = rows.len();
        stream::iter(rows)
            .for_each_concurrent(self.settings.concurrency.max(1), |row| async move {
                if let Err(e) = self.deliver(row).await {
                    tracing::error!(error = %e, "outbox: recording a delivery failed");
                }
            })
            .await;
        Ok(count)
    }

    async fn deliver(&self, row: OutboxRow) -> anyhow::Result<()> {
        let (pool, id, worker) = (self.pool.clone(), row.id.clone(), self.id.clone());
        let lease = chrono::Duration::seconds(self.settings.lease_seconds.max(1));
        let held = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let mut c = pool.get()?;
            Ok(store::renew(&mut c, &id, &worker, lease, now())?)
        })
        .await??;
        if !held {
            tracing::warn!(id = %row.id, "outbox: claim lost before sending; another worker took it up");
            return Ok(());
        }
        let result = self.mailer.send(&self.from, &row).await;
        let pool = self.pool.clone();
        let worker = self.id.clone();
        let max_attempts = self.settings.max_attempts;
        let base = self.settings.backoff_base_seconds;
        let to = mask_email(&row.to_addr);
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut c = pool.get()?;
            match result {
                Ok(resp) => {
                    let n = store::mark_sent(&mut c, &row.id, &worker, &resp, now())?;
                    if n == 0 {
                        tracing::warn!(id = %row.id, "outbox: claim lost before marking sent");
                    } else {
                        tracing::info!(id = %row.id, kind = %row.kind, to = %to, "outbox: sent");
                    }
                }
                Err(e) => {
                    let retry = if e.permanent || row.attempts >= max_attempts {
                        None
                    } else {
                        Some(store::backoff(base, row.attempts))
                    };
                    tracing::warn!(id = %row.id, to = %to, attempts = row.attempts, permanent = e.permanent,
                        retry = retry.is_some(), error = %e.message, "outbox: delivery failed");
                    store::mark_failed(&mut c, &row.id, &worker, &e.message, retry, now())?;
                }
            }
            Ok(())
        })
        .await?
    }

    /// Poll until `stop` turns true; a claimed batch is finished before stopping.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let idle = StdDuration::from_millis(self.settings.poll_interval_ms.max(10));
        loop {
            if *stop.borrow() {
                break;
            }
            let claimed = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "outbox: poll failed");
                    0
                }
            };
            if claimed == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(idle) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}
