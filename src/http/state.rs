//! Shared application state handed to every handler: the pool, the settings, the limiters and
//! the organisation cache. Feature services (the report intake) are app data of their own, so
//! that this module depends on no feature.
use std::sync::Arc;

use actix_web::web;

use crate::config::Settings;
use crate::db::{Backend, DbConn, DbPool};
use crate::error::{ApiError, ApiResult};

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub backend: Backend,
    pub orgs: Arc<OrgDirectory>,
    pub limits: Arc<super::ratelimit::Limiters>,
    /// SQLite: the writer every write transaction of a request goes through (group commit, see
    /// [`crate::db::Writer`]); none on PostgreSQL.
    pub writer: Option<Arc<crate::db::Writer>>,
}

impl AppState {
    /// Run blocking diesel work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, writer) = (self.pool.clone(), self.writer.clone());
        let span = tracing::Span::current();
        web::block(move || {
            let _g = span.enter();
            let mut conn = pool.get().map_err(ApiError::from)?;
            match writer {
                Some(w) => w.enter(|| f(&mut conn)),
                None => f(&mut conn),
            }
        })
        .await?
    }

    /// As [`AppState::db`], for a service that answers in domain terms
    /// ([`crate::error::DomainError`]): the API maps its answer with `?`, a page in the
    /// person's language.
    pub async fn service<T, F>(&self, f: F) -> crate::error::DomainResult<T>
    where
        F: FnOnce(&mut DbConn) -> crate::error::DomainResult<T> + Send + 'static,
        T: Send + 'static,
    {
        use crate::error::DomainError;
        let (pool, writer) = (self.pool.clone(), self.writer.clone());
        let span = tracing::Span::current();
        web::block(move || {
            let _g = span.enter();
            let mut conn = pool
                .get()
                .map_err(|e| DomainError::Unavailable(format!("database unavailable: {e}")))?;
            match writer {
                Some(w) => w.enter(|| f(&mut conn)),
                None => f(&mut conn),
            }
        })
        .await
        .map_err(|e| DomainError::Internal(format!("blocking task: {e}")))?
    }
}

/// Organisation slugs and ids, cached briefly: the public intake resolves them on every report.
#[derive(Default)]
pub struct OrgDirectory {
    cached: std::sync::Mutex<Option<(std::time::Instant, SlugIds)>>,
    served: std::sync::Mutex<Option<(std::time::Instant, Served)>>,
}

/// An organisation this meldpunt serves, as the public pages name it: its name and the links to
/// its privacy statement, contact page and accessibility statement (each optional).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServedOrg {
    pub name: String,
    pub privacy_url: Option<String>,
    pub contact_url: Option<String>,
    pub accessibility_url: Option<String>,
}

pub type Served = Arc<Vec<ServedOrg>>;

/// (slug, id) of every organisation.
pub type SlugIds = Arc<Vec<(String, String)>>;

const ORG_CACHE_SECONDS: u64 = 10;

impl OrgDirectory {
    /// The cached list while it is fresh.
    pub fn fresh(&self) -> Option<SlugIds> {
        let g = self.cached.lock().ok()?;
        let (at, v) = g.as_ref()?;
        (at.elapsed().as_secs() < ORG_CACHE_SECONDS).then(|| v.clone())
    }

    pub fn put(&self, v: SlugIds) {
        if let Ok(mut g) = self.cached.lock() {
            *g = Some((std::time::Instant::now(), v));
        }
    }
}

impl AppState {
    pub fn forget_org_directory(&self) {
        if let Ok(mut g) = self.orgs.cached.lock() {
            *g = None;
        }
        if let Ok(mut g) = self.orgs.served.lock() {
            *g = None;
        }
    }

    /// Whether the organisations served need reading again (none read yet, or older than the
    /// directory's cache time).
    pub fn served_stale(&self) -> bool {
        self.orgs
            .served
            .lock()
            .map(|g| {
                g.as_ref()
                    .map(|(at, _)| at.elapsed().as_secs() >= ORG_CACHE_SECONDS)
                    .unwrap_or(true)
            })
            .unwrap_or(true)
    }

    /// Keep the organisations served as just read.
    pub fn put_served(&self, v: Vec<ServedOrg>) {
        if let Ok(mut g) = self.orgs.served.lock() {
            *g = Some((std::time::Instant::now(), Arc::new(v)));
        }
    }

    /// The organisations served as last read (empty before the first read).
    pub fn served_cached(&self) -> Served {
        self.orgs
            .served
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|(_, v)| v.clone()))
            .unwrap_or_default()
    }
}
