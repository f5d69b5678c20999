//! Outbox workers. Any number may run, in any number of instances: each claims its own rows.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use tokio::sync::{watch, Mutex};

use super::store::{self, OutboxRow, Outcome};
use super::transport::{Mailer, SendError};
use crate::config::OutboxSettings;
use crate::db::{now, DbPool};
use crate::privacy::mask_email;

/// A claimed batch while it is delivered.
struct Batch {
    /// The end of this worker's lease on the rows it holds.
    until: DateTime<Utc>,
    /// Claimed rows not yet sent or failed.
    held: HashSet<String>,
    /// Outcomes not yet written.
    outcomes: Vec<(String, Outcome)>,
}

pub struct Worker {
    pub id: String,
    pub pool: DbPool,
    pub mailer: Mailer,
    pub from: String,
    pub settings: OutboxSettings,
    /// When this worker's heartbeat was last written (ms since the epoch; 0: never).
    beat_ms: AtomicI64,
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
            beat_ms: AtomicI64::new(0),
        }
    }

    fn takeover(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.settings.takeover_seconds.max(1))
    }

    /// Is this worker's heartbeat recent enough that no other worker takes up its claims? Sends
    /// stop a quarter of the takeover time before the others may start on the same rows.
    fn alive(&self) -> bool {
        let last = self.beat_ms.load(Ordering::Acquire);
        let margin = self.takeover().num_milliseconds() * 3 / 4;
        last > 0 && now().timestamp_millis() - last < margin
    }

    /// Write the heartbeat now; true when written.
    async fn beat(&self) -> bool {
        let (pool, id, t) = (self.pool.clone(), self.id.clone(), now());
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut c = pool.get()?;
            Ok(store::beat(&mut c, &id, t)?)
        })
        .await;
        match res {
            Ok(Ok(())) => {
                self.beat_ms
                    .fetch_max(t.timestamp_millis(), Ordering::AcqRel);
                true
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "outbox: heartbeat not written");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "outbox: heartbeat task failed");
                false
            }
        }
    }

    /// Claim and deliver one batch; returns how many rows were claimed.
    ///
    /// One commit claims the batch. Each message's outcome is committed before its connection
    /// sends the next one (outcomes that arrive while a commit runs share the next commit), so a
    /// crash leaves at most one message per connection accepted but not written. Before each send the worker checks its lease (known locally: it set it); with
    /// less than half of it left it writes the outcomes so far and renews the claim on the rows it
    /// still holds in one commit, and it gives every send a timeout that ends a quarter lease before
    /// the claim does, so no send is still under way when another worker may take the row up.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let pool = self.pool.clone();
        let (id, n, lease, takeover) = (
            self.id.clone(),
            self.settings.batch_size.max(1),
            self.lease(),
            self.takeover(),
        );
        let claimed_at = now();
        let rows = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<OutboxRow>> {
            let mut c = pool.get()?;
            Ok(store::claim(&mut c, &id, n, lease, takeover, claimed_at)?)
        })
        .await??;
        // The claim wrote this worker's heartbeat.
        self.beat_ms
            .fetch_max(claimed_at.timestamp_millis(), Ordering::AcqRel);
        let count = rows.len();
        if count == 0 {
            return Ok(0);
        }
        let batch = Mutex::new(Batch {
            until: claimed_at + lease,
            held: rows.iter().map(|r| r.id.clone()).collect(),
            outcomes: Vec::with_capacity(count),
        });
        let commit = Mutex::new(());
        stream::iter(rows)
            .for_each_concurrent(self.settings.concurrency.max(1), |row| {
                let (batch, commit) = (&batch, &commit);
                async move {
                    if let Err(e) = self.deliver(row, batch, commit).await {
                        tracing::error!(error = %e, "outbox: recording a delivery failed");
                    }
                }
            })
            .await;
        let mut b = batch.into_inner();
        self.settle(&mut b, false).await?;
        Ok(count)
    }

    fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.settings.lease_seconds.max(1))
    }

    /// Write the outcomes gathered so far and, with `renew`, extend the claim on the rows still
    /// held (dropping those whose claim was lost).
    async fn settle(&self, b: &mut Batch, renew: bool) -> anyhow::Result<()> {
        let outcomes = std::mem::take(&mut b.outcomes);
        let ids: Vec<String> = if renew {
            b.held.iter().cloned().collect()
        } else {
            vec![]
        };
        if outcomes.is_empty() && ids.is_empty() {
            return Ok(());
        }
        let (pool, worker, lease, t) = (self.pool.clone(), self.id.clone(), self.lease(), now());
        let n_out = outcomes.len();
        let (marked, held) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut c = pool.get()?;
            Ok(store::settle(&mut c, &worker, &outcomes, &ids, lease, t)?)
        })
        .await??;
        if marked < n_out {
            tracing::warn!(
                lost = n_out - marked,
                "outbox: claims lost before the outcome was written"
            );
        }
        if renew {
            let lost = b.held.len() - held.len();
            if lost > 0 {
                tracing::warn!(
                    lost,
                    "outbox: claims lost before sending; another worker took them up"
                );
            }
            b.held = held.into_iter().collect();
            b.until = t + lease;
        }
        Ok(())
    }

    /// Send one claimed message and commit its outcome. `commit` is taken before `batch` wherever
    /// both are held: one commit at a time, and a message's outcome is committed before this returns.
    async fn deliver(
        &self,
        row: OutboxRow,
        batch: &Mutex<Batch>,
        commit: &Mutex<()>,
    ) -> anyhow::Result<()> {
        let lease = self.lease();
        if !self.alive() && !self.beat().await {
            // Others may already count this worker dead and take the row up: do not send it.
            batch.lock().await.held.remove(&row.id);
            tracing::warn!(id = %row.id, "outbox: heartbeat not written; message left to other workers");
            return Ok(());
        }
        let renew = {
            let b = batch.lock().await;
            b.held.contains(&row.id) && b.until - now() < lease / 2
        };
        if renew {
            let _one = commit.lock().await;
            let mut b = batch.lock().await;
            if b.held.contains(&row.id) && b.until - now() < lease / 2 {
                self.settle(&mut b, true).await?;
            }
        }
        let deadline = {
            let b = batch.lock().await;
            if !b.held.contains(&row.id) {
                tracing::warn!(id = %row.id, "outbox: claim lost before sending; another worker took it up");
                return Ok(());
            }
            b.until - lease / 4
        };
        let budget = (deadline - now())
            .to_std()
            .unwrap_or(StdDuration::from_millis(1));
        let result = match tokio::time::timeout(budget, self.mailer.send(&self.from, &row)).await {
            Ok(r) => r,
            Err(_) => Err(SendError {
                permanent: false,
                message: format!("no answer from the SMTP server within {budget:?}"),
            }),
        };
        let to = mask_email(&row.to_addr);
        let outcome = match result {
            Ok(resp) => {
                tracing::info!(id = %row.id, kind = %row.kind, to = %to, "outbox: sent");
                super::metrics::outbox_delivery(&row.kind, super::metrics::Delivery::Sent);
                Outcome::Sent(resp)
            }
            Err(e) => {
                let retry = if e.permanent || row.attempts >= self.settings.max_attempts {
                    None
                } else {
                    Some(store::backoff(
                        self.settings.backoff_base_seconds,
                        row.attempts,
                    ))
                };
                tracing::warn!(id = %row.id, to = %to, attempts = row.attempts, permanent = e.permanent,
                    retry = retry.is_some(), error = %e.message, "outbox: delivery failed");
                super::metrics::outbox_delivery(
                    &row.kind,
                    if retry.is_some() {
                        super::metrics::Delivery::Retried
                    } else {
                        super::metrics::Delivery::Failed
                    },
                );
                Outcome::Failed {
                    error: e.message,
                    retry_in: retry,
                }
            }
        };
        {
            let mut b = batch.lock().await;
            b.held.remove(&row.id);
            b.outcomes.push((row.id, outcome));
        }
        // Commit it (with whatever others gathered meanwhile) before this connection goes on; if
        // the commit before this one took it along, there is nothing left to write.
        let _one = commit.lock().await;
        let outcomes = std::mem::take(&mut batch.lock().await.outcomes);
        self.write_outcomes(outcomes).await
    }

    /// Commit outcomes (the batch is not held meanwhile: others add theirs for the next commit).
    async fn write_outcomes(&self, outcomes: Vec<(String, Outcome)>) -> anyhow::Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let (pool, worker, lease, t) = (self.pool.clone(), self.id.clone(), self.lease(), now());
        let n_out = outcomes.len();
        let (marked, _) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut c = pool.get()?;
            Ok(store::settle(&mut c, &worker, &outcomes, &[], lease, t)?)
        })
        .await??;
        if marked < n_out {
            tracing::warn!(
                lost = n_out - marked,
                "outbox: claims lost before the outcome was written"
            );
        }
        Ok(())
    }

    /// Poll until `stop` turns true; a claimed batch is finished before stopping. A heartbeat is
    /// written every `heartbeat_seconds` meanwhile, and removed on stopping.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let idle = StdDuration::from_millis(self.settings.poll_interval_ms.max(10));
        let heart = {
            let me = self.clone();
            let mut stop = stop.clone();
            let every = StdDuration::from_secs(self.settings.heartbeat_seconds.max(1));
            tokio::spawn(async move {
                while !*stop.borrow() {
                    me.beat().await;
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = stop.changed() => {}
                    }
                }
            })
        };
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
        // The heartbeat loop ends at its next wake-up (it watches `stop` too); awaited so that no
        // beat lands after the row is removed.
        let _ = heart.await;
        let (pool, id) = (self.pool.clone(), self.id.clone());
        let retired = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut c = pool.get()?;
            Ok(store::retire(&mut c, &id)?)
        })
        .await;
        if !matches!(retired, Ok(Ok(()))) {
            tracing::warn!("outbox: heartbeat row not removed on stopping");
        }
    }
}
