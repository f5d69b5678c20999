//! Storing reports durably before answering. On SQLite one thread gathers every report waiting and
//! stores them as one job of the database's [`Writer`] (group commit: one transaction, one fsync
//! serves many reports and the other writes of the same moment). On PostgreSQL each request writes
//! in its own transaction through the pool.
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

use tokio::sync::oneshot;

use super::model::NewReport;
use super::store::{self, Created};
use crate::db::{write_tx, DbPool, Writer};
use crate::error::{ApiError, ApiResult};
use crate::signals::Links;

type Reply = oneshot::Sender<Result<Created, ApiError>>;

pub struct Intake {
    writer: Option<SyncSender<(NewReport, Reply)>>,
    pool: DbPool,
    discard: bool,
    /// Tell the organisation's handlers of each report (see `signals`); none: nobody is told.
    signal: Option<Links>,
}

const MAX_BATCH: usize = 512;

impl Intake {
    /// Direct writes through the pool (PostgreSQL).
    pub fn pooled(pool: DbPool, signal: Option<Links>) -> Intake {
        Intake {
            writer: None,
            pool,
            discard: false,
            signal,
        }
    }

    /// Validate and answer but store nothing: only for the `intake_http` benchmark, which measures
    /// the HTTP path with storage switched off.
    pub fn discard(pool: DbPool) -> Intake {
        Intake {
            writer: None,
            pool,
            discard: true,
            signal: None,
        }
    }

    /// A thread handing the waiting reports to `writer` in batches (SQLite).
    pub fn group_commit(pool: DbPool, writer: Arc<Writer>, signal: Option<Links>) -> Intake {
        let (tx, rx) = sync_channel(16_384);
        let s = signal.clone();
        std::thread::Builder::new()
            .name("report-writer".into())
            .spawn(move || writer_loop(&writer, rx, s))
            .expect("spawn report writer");
        Intake {
            writer: Some(tx),
            pool,
            discard: false,
            signal,
        }
    }

    pub async fn submit(&self, report: NewReport) -> ApiResult<Created> {
        if self.discard {
            let _ = report;
            return Ok(Created {
                id: crate::db::new_id(),
                reference: super::model::reference(2026, 0),
                follow_up_token: crate::auth::secrets::random_secret("mpf_"),
                created_at: crate::db::to_db(crate::db::now()),
                acknowledged: false,
            });
        }
        match &self.writer {
            Some(w) => {
                let (tx, rx) = oneshot::channel();
                match w.try_send((report, tx)) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        return Err(ApiError::TooManyRequests {
                            detail: "too many reports at once; try again shortly".into(),
                            retry_after: 1,
                        })
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        return Err(ApiError::Unavailable("report writer stopped".into()))
                    }
                }
                rx.await
                    .map_err(|_| ApiError::Unavailable("report writer stopped".into()))?
            }
            None => {
                let pool = self.pool.clone();
                let signal = self.signal.clone();
                actix_web::web::block(move || -> ApiResult<Created> {
                    let mut conn = pool.get()?;
                    let mut v = write_tx(&mut conn, |c| {
                        store::insert_batch(c, std::slice::from_ref(&report), signal.as_ref())
                    })?;
                    Ok(v.remove(0))
                })
                .await?
            }
        }
    }
}

fn writer_loop(writer: &Writer, rx: Receiver<(NewReport, Reply)>, signal: Option<Links>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let reports: Vec<NewReport> = jobs.iter().map(|(r, _)| r.clone()).collect();
        match writer.run(|c| store::insert_batch(c, &reports, signal.as_ref())) {
            Ok(created) => {
                for ((_, reply), c) in jobs.into_iter().zip(created) {
                    let _ = reply.send(Ok(c));
                }
            }
            Err(e) => {
                // One bad report must not fail the others: retry each on its own.
                tracing::warn!(error = %e, batch = jobs.len(), "batch insert failed; retrying singly");
                for (r, reply) in jobs {
                    let res = writer
                        .run(|c| store::insert_batch(c, std::slice::from_ref(&r), signal.as_ref()))
                        .map(|mut v| v.remove(0))
                        .map_err(|e: diesel::result::Error| {
                            if crate::error::db_unavailable(&e) {
                                ApiError::Unavailable(format!("database: storing report: {e}"))
                            } else {
                                ApiError::Internal(format!("storing report: {e}"))
                            }
                        });
                    let _ = reply.send(res);
                }
            }
        }
    }
}
