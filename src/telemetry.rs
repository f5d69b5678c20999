//! Structured logs with tracing. `RUST_LOG` filters; `MELDPUNT_LOG_FORMAT=json` for JSON lines.
use tracing_subscriber::EnvFilter;

/// Targets that are never logged, whatever `RUST_LOG` says: handlebars logs the data it renders
/// (names, BSNs, IBANs on the pages) at debug level.
pub const SILENCED: &[&str] = &["handlebars=off"];

/// The log filter: `RUST_LOG` (or the default), with [`SILENCED`] always added.
pub fn filter(rust_log: Option<&str>) -> EnvFilter {
    let mut f = match rust_log {
        Some(s) => {
            EnvFilter::try_new(s).unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"))
        }
        None => EnvFilter::new("info,actix_server=warn"),
    };
    for d in SILENCED {
        if let Ok(d) = d.parse() {
            f = f.add_directive(d);
        }
    }
    f
}

pub fn init() {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    let json = std::env::var("MELDPUNT_LOG_FORMAT")
        .map(|v| v == "json")
        .unwrap_or(false);
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

/// Request spans with method, path and status only: the query string (a search term may be a
/// name), headers and the client's address stay out of the logs.
pub struct PrivateRootSpan;

impl RootSpanBuilder for PrivateRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %loggable_path(request.path()),
            request_id = %uuid::Uuid::new_v4(),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(resp) => resp.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        // One event per answer, by what it means, never quoting the error (it may hold what the
        // client sent) nor the query string: a server fault at ERROR (its cause is logged where
        // it arose), a database that cannot take writes at WARN, a client's mistake at DEBUG.
        let _g = span.enter();
        if status == actix_web::http::StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(status = status.as_u16(), "request failed");
        } else if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), "request not served");
        } else if status.is_client_error() {
            tracing::debug!(status = status.as_u16(), "request refused");
        }
    }
}

/// Paths with a secret in them (the reporter's follow-up link) are logged without it.
pub fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/volgen/") {
        Some(rest) => format!("/volgen/{}/***", rest.split('/').next().unwrap_or("")),
        None => path.to_string(),
    }
}
