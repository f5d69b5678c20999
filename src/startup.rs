//! Build the application from Settings: database, migrations, HTTP server, background workers.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpServer};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::db::{self, Backend, DbPool};
use crate::error::ApiError;
use crate::incidents::escalation::Escalator;
use crate::outbox::transport::Mailer;
use crate::outbox::worker::Worker;
use crate::reports::intake::Intake;
use crate::state::{AppState, OrgDirectory};

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    metrics_server: Option<Server>,
    pub state: AppState,
    pub mailer: Mailer,
    server: Server,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Connect, migrate and build the pool. Returns the pool and the names of migrations applied.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<(DbPool, Vec<String>)> {
    let url = &settings.database.url;
    let mut conn = db::connect(url)?;
    let applied = db::run_migrations(&mut conn)?;
    let pool = db::build_pool(
        url,
        settings.database.pool_size.max(2),
        settings.database.synchronous_full,
    )?;
    Ok((pool, applied))
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.server.bind)?;
        let metrics = match settings.metrics.bind.trim() {
            "" => None,
            addr => Some(TcpListener::bind(addr)?),
        };
        Self::build_with_listeners(settings, listener, metrics).await
    }

    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        Self::build_with_listeners(settings, listener, None).await
    }

    /// As [`Application::build_with_listener`], with a second listener serving only `/metrics`.
    pub async fn build_with_listeners(
        mut settings: Settings,
        listener: TcpListener,
        metrics_listener: Option<TcpListener>,
    ) -> anyhow::Result<Application> {
        // Without a configured public address, links point at the address actually bound (not :0).
        settings.server.public_url = settings.public_url_or(&listener.local_addr()?.to_string());
        let backend = Backend::from_url(&settings.database.url);
        let secret = crate::auth::sealing::key_from_settings(&settings)?;
        crate::auth::sealing::install(secret);
        crate::audit::chain::install_key(&secret);
        let s = settings.clone();
        let (pool, applied) = tokio::task::spawn_blocking(move || prepare_database(&s)).await??;
        for m in &applied {
            tracing::info!(migration = %m, "applied migration");
        }
        let signal_links = crate::signals::Links::from_settings(&settings);
        let writer = match backend {
            Backend::Sqlite => Some(db::Writer::open(
                &settings.database.url,
                settings.database.synchronous_full,
            )?),
            Backend::Postgres => None,
        };
        let intake = match &writer {
            Some(w) => Intake::group_commit(pool.clone(), w.clone(), Some(signal_links.clone())),
            None => Intake::pooled(pool.clone(), Some(signal_links.clone())),
        };
        let state = AppState {
            pool: pool.clone(),
            settings: Arc::new(settings.clone()),
            backend,
            orgs: Arc::new(OrgDirectory::default()),
            limits: Arc::new(crate::http::ratelimit::Limiters::new(
                &settings.limits,
                &settings.server.trusted_proxies,
            )?),
            writer,
        };
        let mailer = Mailer::from_settings(&settings.mail)?;
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = vec![];
        if settings.outbox.enabled {
            let w = Arc::new(Worker::new(
                pool.clone(),
                mailer.clone(),
                settings.mail.from.clone(),
                settings.outbox.clone(),
            ));
            tasks.push(tokio::spawn(w.run(stop_rx.clone())));
        }
        if settings.clock.enabled {
            tasks.push(tokio::spawn(clock_loop(
                pool.clone(),
                settings.clone(),
                stop_rx.clone(),
            )));
        }
        if settings.audit.checkpoint_seconds > 0 {
            tasks.push(tokio::spawn(checkpoint_loop(
                pool.clone(),
                settings.clone(),
                stop_rx.clone(),
            )));
        }
        tasks.extend(crate::mailbox::spawn_workers(&pool, &settings, &stop_rx)?);
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let intake = web::Data::new(intake);
        // The recorder is installed before the first request or delivery is counted.
        crate::monitoring::handle();
        let (metrics_port, metrics_server) = match metrics_listener {
            Some(l) => {
                let p = l.local_addr()?.port();
                let d = data.clone();
                let srv = HttpServer::new(move || {
                    App::new()
                        .app_data(d.clone())
                        .route("/metrics", web::get().to(crate::ops::metrics_open))
                        .default_service(web::to(|| async {
                            Err::<actix_web::HttpResponse, _>(ApiError::NotFound)
                        }))
                })
                .workers(1)
                .shutdown_timeout(5)
                .listen(l)?
                .run();
                (Some(p), Some(srv))
            }
            None => (None, None),
        };
        let workers = if settings.server.workers == 0 {
            num_workers()
        } else {
            settings.server.workers
        };
        let hsts = settings.server.public_url.starts_with("https://");
        let server = HttpServer::new(move || {
            let mut headers = DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "no-referrer"))
                .add(("X-Frame-Options", "DENY"))
                .add((
                    "Content-Security-Policy",
                    // No inline scripts or styles, nothing from elsewhere (closed networks).
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                     form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                ))
                .add(("Cache-Control", "no-store"));
            if hsts {
                // Reached over https: browsers keep to https for a year.
                headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
            }
            App::new()
                .app_data(data.clone())
                .app_data(intake.clone())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| {
                            ApiError::BadRequest(format!(
                                "query: {}",
                                crate::input::unquote(&e.to_string())
                            ))
                            .into()
                        }),
                )
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|e, _| {
                            ApiError::BadRequest(format!(
                                "path: {}",
                                crate::input::unquote(&e.to_string())
                            ))
                            .into()
                        }),
                )
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    use futures_util::future::{ready, Either};
                    // The input boundary for addresses: control characters in the path or the
                    // query string are refused before any handler sees them.
                    match crate::web::control_chars_refusal(req.request()) {
                        Some(resp) => Either::Left(ready(Ok(req.into_response(resp)))),
                        None => Either::Right(srv.call(req)),
                    }
                })
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    // Public pages name the organisations served: read them (briefly cached)
                    // before a page that is not the API renders.
                    let state = (!req.path().starts_with("/api/")
                        && !req.path().starts_with("/static/"))
                    .then(|| req.app_data::<web::Data<AppState>>().cloned())
                    .flatten();
                    let fut = srv.call(req);
                    async move {
                        if let Some(state) = state.filter(|s| s.served_stale()) {
                            if let Err(e) = crate::web::refresh_served(&state).await {
                                tracing::warn!(error = %e, "organisations served not read");
                            }
                        }
                        fut.await
                    }
                })
                .wrap(
                    actix_web::middleware::ErrorHandlers::new()
                        .default_handler(crate::web::html_error_page),
                )
                .wrap(headers)
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    use futures_util::FutureExt;
                    // Durations by route pattern, never by the path asked (no personal data).
                    let started = std::time::Instant::now();
                    let method = req.method().to_string();
                    srv.call(req).map(move |res| {
                        if let Ok(r) = &res {
                            crate::monitoring::http_request(
                                &method,
                                r.request().match_pattern().as_deref(),
                                r.status().as_u16(),
                                started.elapsed().as_secs_f64(),
                            );
                        }
                        res
                    })
                })
                .wrap(TracingLogger::<crate::telemetry::PrivateRootSpan>::new())
                .configure(crate::ops::configure)
                .configure(crate::auth::routes::configure)
                .configure(crate::orgs::routes::configure)
                .configure(crate::reports::routes::configure)
                .configure(crate::incidents::routes::configure)
                .configure(crate::assessment::routes::configure)
                .configure(crate::shared::routes::configure)
                .configure(crate::remediation::routes::configure)
                .configure(crate::register::routes::configure)
                .configure(crate::notifications::routes::configure)
                .configure(crate::mailbox::routes::configure)
                .configure(crate::signals::routes::configure)
                .configure(crate::processors::routes::configure)
                .configure(crate::deliveries::routes::configure)
                .configure(crate::web::configure)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::NotFound)
                }))
        })
        .workers(workers)
        .shutdown_timeout(20)
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            metrics_port,
            metrics_server,
            state,
            mailer,
            server,
            stop,
            tasks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics address, when one was given.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serve until the server stops (SIGINT/SIGTERM: graceful), then stop the background workers
    /// after their current batch.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|s| {
            let h = s.handle();
            (tokio::spawn(s), h)
        });
        let res = self.server.await;
        if let Some((task, h)) = metrics {
            h.stop(true).await;
            let _ = task.await;
        }
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        res
    }
}

fn num_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

async fn clock_loop(pool: DbPool, settings: Settings, mut stop: watch::Receiver<bool>) {
    let templates = crate::mail_templates::templates();
    let every = std::time::Duration::from_secs(settings.clock.interval_seconds.max(1));
    loop {
        let (pool, settings) = (pool.clone(), settings.clone());
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
            let mut c = pool.get()?;
            let domain = settings.mail_domain();
            let queued = Escalator {
                hours: &settings.clock.escalation_hours,
                templates,
                public_url: &settings.server.public_url,
                mail_domain: &domain,
            }
            .run(&mut c, db::now())?
                + crate::remediation::reminders::Reminder {
                    templates,
                    public_url: &settings.server.public_url,
                    mail_domain: &domain,
                }
                .run(&mut c, db::now())?
                + crate::signals::digest::run(
                    &mut c,
                    &crate::signals::Links::from_settings(&settings),
                    settings.clock.digest_hour,
                    db::now(),
                )?;
            // The daily retention run: the first instance to claim the day does it.
            let t = db::now();
            let day = t.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive();
            if crate::register::retention::claim_day(&mut c, "retention", day, t)? {
                let sum = crate::register::retention::run(&mut c, t)?;
                crate::register::retention::finish_day(&mut c, "retention", day, db::now(), &sum)?;
            }
            Ok(queued)
        })
        .await;
        match res {
            Ok(Ok(n)) if n > 0 => tracing::info!(queued = n, "clock escalation e-mails queued"),
            Ok(Err(e)) => tracing::error!(error = %e, "clock escalation failed"),
            _ => {}
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

/// Every `[audit] checkpoint_seconds`: a signed checkpoint of the audit chain outside the database
/// when the chain grew (and one at start).
async fn checkpoint_loop(pool: DbPool, settings: Settings, mut stop: watch::Receiver<bool>) {
    let every = std::time::Duration::from_secs(settings.audit.checkpoint_seconds.max(1));
    let path = std::path::PathBuf::from(&settings.audit.checkpoint_file);
    let Some(key) = crate::audit::chain::installed_key() else {
        return;
    };
    // Continue from the latest checkpoint in the file (one written before a restart).
    let mut last: Option<(i64, String)> = crate::audit::checkpoint::latest(&path, key)
        .ok()
        .and_then(|l| l.checkpoint)
        .map(|c| (c.seq, c.head));
    loop {
        let p = pool.clone();
        let path = path.clone();
        let prev = last.clone();
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<(i64, String)> {
            let mut c = p.get()?;
            crate::audit::checkpoint::write_if_moved(&mut c, &path, key, prev.as_ref(), db::now())
        })
        .await;
        match res {
            Ok(Ok(head)) => last = Some(head),
            Ok(Err(e)) => tracing::error!(error = %e, "audit checkpoint not written"),
            Err(e) => tracing::error!(error = %e, "audit checkpoint task failed"),
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
