//! Extractors: who is calling. Every staff route takes [`Staff`]; the check is on the server.
use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use super::store;
use super::Staff;
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "meldpunt_session";

/// The bearer token in `Authorization`, if any.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
        Some(token.trim().to_string())
    } else {
        None
    }
}

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            if token.is_none() && cookie.is_none() {
                return Err(ApiError::Unauthorized(
                    "sign in or send a Bearer token".into(),
                ));
            }
            state
                .db(move |conn| {
                    let user = if let Some(t) = token {
                        store::user_for_token(conn, &t)?
                    } else if let Some(c) = cookie {
                        store::user_for_session(conn, &c, crate::db::now())?
                    } else {
                        None
                    };
                    let user = user.ok_or_else(|| {
                        ApiError::Unauthorized("invalid or expired credentials".into())
                    })?;
                    Ok(store::staff(conn, &user)?)
                })
                .await
        })
    }
}
