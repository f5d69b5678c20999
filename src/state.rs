//! Shared application state handed to every handler.
use std::sync::Arc;

use actix_web::web;

use crate::config::Settings;
use crate::db::{Backend, DbConn, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::reports::intake::Intake;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub backend: Backend,
    pub intake: Arc<Intake>,
    pub orgs: Arc<OrgDirectory>,
    pub limits: Arc<crate::web::ratelimit::Limiters>,
}

impl AppState {
    /// Run blocking diesel work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _g = span.enter();
            let mut conn = pool.get().map_err(ApiError::from)?;
            f(&mut conn)
        })
        .await?
    }
}

/// Organisation slugs and ids, cached briefly: the public intake resolves them on every report.
#[derive(Default)]
pub struct OrgDirectory {
    cached: std::sync::Mutex<Option<(std::time::Instant, SlugIds)>>,
}

/// (slug, id) of every organisation.
pub type SlugIds = Arc<Vec<(String, String)>>;

const ORG_CACHE_SECONDS: u64 = 10;

impl AppState {
    pub async fn org_directory(&self) -> ApiResult<SlugIds> {
        if let Ok(g) = self.orgs.cached.lock() {
            if let Some((at, v)) = g.as_ref() {
                if at.elapsed().as_secs() < ORG_CACHE_SECONDS {
                    return Ok(v.clone());
                }
            }
        }
        let rows = self.db(|c| Ok(crate::orgs::store::all(c)?)).await?;
        let v = Arc::new(rows.into_iter().map(|o| (o.slug, o.id)).collect::<Vec<_>>());
        if let Ok(mut g) = self.orgs.cached.lock() {
            *g = Some((std::time::Instant::now(), v.clone()));
        }
        Ok(v)
    }

    pub fn forget_org_directory(&self) {
        if let Ok(mut g) = self.orgs.cached.lock() {
            *g = None;
        }
    }
}
