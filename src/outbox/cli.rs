//! `meldpunt outbox work`: outbox workers without the web service, for more delivery capacity
//! (several such processes, also on other machines against one PostgreSQL).
use std::sync::Arc;

use tokio::sync::watch;

use super::transport::Mailer;
use super::worker::Worker;
use crate::config::Settings;
use crate::db;

/// Run `workers` outbox workers until SIGTERM or Ctrl-C; a claimed batch is finished first.
pub fn work(settings: &Settings, workers: usize) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let pool = db::build_pool(
            &settings.database.url,
            (workers as u32 + 2).max(4),
            settings.database.synchronous_full,
        )?;
        {
            let p = pool.clone();
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                let mut c = p.get()?;
                db::run_migrations(&mut c)?;
                Ok(())
            })
            .await??;
        }
        let mailer = Mailer::from_settings(&settings.mail)?;
        let (stop, rx) = watch::channel(false);
        let tasks: Vec<_> = (0..workers.max(1))
            .map(|_| {
                let w = Arc::new(Worker::new(
                    pool.clone(),
                    mailer.clone(),
                    settings.mail.from.clone(),
                    settings.outbox.clone(),
                ));
                tokio::spawn(w.run(rx.clone()))
            })
            .collect();
        println!(
            "outbox: {} worker(s) delivering (batch {}, lease {} s); stop with SIGTERM or Ctrl-C",
            tasks.len(),
            settings.outbox.batch_size,
            settings.outbox.lease_seconds
        );
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        let _ = stop.send(true);
        for t in tasks {
            let _ = t.await;
        }
        println!("outbox: stopped");
        Ok(0)
    })
}
