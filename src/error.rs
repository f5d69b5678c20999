//! The API's error type, rendered as `application/problem+json` (RFC 9457) that names failing fields.
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// The message in Dutch, where the domain rule gives one (shown on the pages; not in the API).
    #[serde(skip)]
    pub message_nl: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            message_nl: None,
        }
    }

    pub fn bilingual(
        field: impl Into<String>,
        message: impl Into<String>,
        message_nl: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            message_nl: Some(message_nl.into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A conflict with a stable code: the pages say it in the person's language by the code (a
    /// locale key `staff_nf_err_<code>` with the `args` filled in), the API gives the code and
    /// the English detail. 409.
    #[error("conflict: {}", .0.detail)]
    Refused(Refusal),
    /// Forbidden, with a stable code as [`ApiError::Refused`] has one: the pages say it in the
    /// person's language by the code, the API gives the code and the English detail. 403.
    #[error("forbidden: {}", .0.detail)]
    Denied(Refusal),
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { detail: String, retry_after: i64 },
    #[error("service unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

/// See [`ApiError::Refused`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub detail: String,
    /// Values the words carry (`{name}` in the locale text).
    pub args: Vec<(&'static str, String)>,
}

impl ApiError {
    /// A coded conflict (409); see [`ApiError::Refused`].
    pub fn refused(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Refused(Refusal {
            code,
            detail: detail.into(),
            args: vec![],
        })
    }

    /// A coded refusal for want of a role (403); see [`ApiError::Denied`].
    pub fn denied(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Denied(Refusal {
            code,
            detail: detail.into(),
            args: vec![],
        })
    }

    /// As [`ApiError::refused`], with values for the words.
    pub fn refused_with(
        code: &'static str,
        detail: impl Into<String>,
        args: Vec<(&'static str, String)>,
    ) -> ApiError {
        ApiError::Refused(Refusal {
            code,
            detail: detail.into(),
            args,
        })
    }

    pub fn field(field: &str, message: &str) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    /// The stable code of a coded refusal (`ApiError::Refused`, `ApiError::Denied`).
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Denied(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::Refused(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (kind, title, detail, errors) = match self {
            ApiError::Validation(errs) => {
                // Bounded whatever was sent: at most MAX_FIELD_ERRORS errors, each clipped, so
                // an error body never outgrows a fixed size (a huge list of bad values gets the
                // first few named and a count, not one message per value).
                let mut shown: Vec<FieldError> = errs
                    .iter()
                    .take(MAX_FIELD_ERRORS)
                    .map(|e| FieldError {
                        field: clip(&e.field, 100),
                        message: clip(&e.message, 300),
                        message_nl: None,
                    })
                    .collect();
                if errs.len() > MAX_FIELD_ERRORS {
                    shown.push(FieldError::new(
                        "body",
                        format!("{} more invalid field(s)", errs.len() - MAX_FIELD_ERRORS),
                    ));
                }
                let names: Vec<&str> = shown.iter().map(|e| e.field.as_str()).collect();
                (
                    "validation",
                    "Invalid input",
                    format!("invalid field(s): {}", names.join(", ")),
                    shown,
                )
            }
            ApiError::BadRequest(d) => ("bad-request", "Bad request", clip(d, 300), vec![]),
            ApiError::Unauthorized(d) => {
                ("unauthorized", "Authentication required", d.clone(), vec![])
            }
            ApiError::Forbidden(d) => ("forbidden", "Forbidden", d.clone(), vec![]),
            ApiError::Denied(r) => ("forbidden", "Forbidden", r.detail.clone(), vec![]),
            ApiError::NotFound => ("not-found", "Not found", "no such resource".into(), vec![]),
            ApiError::Conflict(d) => ("conflict", "Conflict", d.clone(), vec![]),
            ApiError::Refused(r) => ("conflict", "Conflict", r.detail.clone(), vec![]),
            ApiError::PayloadTooLarge(d) => {
                ("payload-too-large", "Payload too large", d.clone(), vec![])
            }
            ApiError::UnsupportedMediaType(d) => (
                "unsupported-media-type",
                "Unsupported media type",
                d.clone(),
                vec![],
            ),
            ApiError::TooManyRequests { detail, .. } => (
                "too-many-requests",
                "Too many requests",
                detail.clone(),
                vec![],
            ),
            ApiError::Unavailable(cause) => {
                // Not a fault of this service's code: the database cannot take writes (read-only,
                // full, gone) or the pool is exhausted. Clients try again after Retry-After.
                tracing::warn!(cause = %cause, "service unavailable");
                (
                    "unavailable",
                    "Service unavailable",
                    if cause.starts_with("database") {
                        "the service cannot take this request now; try again shortly".into()
                    } else {
                        cause.clone()
                    },
                    vec![],
                )
            }
            ApiError::Internal(d) => {
                // The cause goes to the log (no personal data in it), not to the client.
                tracing::error!(cause = %d, "internal error");
                (
                    "internal",
                    "Internal error",
                    "an internal error occurred".into(),
                    vec![],
                )
            }
        };
        let body = Problem {
            kind: &format!("https://meldpunt.invalid/problems/{kind}"),
            title,
            status: status.as_u16(),
            detail,
            code: match self {
                ApiError::Refused(r) | ApiError::Denied(r) => Some(r.code),
                _ => None,
            },
            errors,
        };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let ApiError::TooManyRequests { retry_after, .. } = self {
            resp.insert_header((header::RETRY_AFTER, retry_after.max(&1).to_string()));
        }
        if let ApiError::Unavailable(_) = self {
            resp.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER.to_string()));
        }
        if let ApiError::Unauthorized(_) = self {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        resp.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

/// At most this many field errors in one answer.
pub const MAX_FIELD_ERRORS: usize = 20;

/// Seconds a client is asked to wait when the database cannot take writes.
pub const UNAVAILABLE_RETRY_AFTER: u64 = 5;

/// Is this database error the database's state (read-only, full, locked, connection gone) rather
/// than a fault in what we asked of it?
pub fn db_unavailable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    match e {
        Error::DatabaseError(K::ReadOnlyTransaction | K::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message().to_ascii_lowercase();
            [
                "readonly database",
                "read-only",
                "read only",
                "database is locked",
                "disk is full",
                "disk i/o error",
                "no space left",
                "terminating connection",
                "server closed the connection",
            ]
            .iter()
            .any(|p| m.contains(p))
        }
        _ => false,
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => ApiError::NotFound,
            other if db_unavailable(&other) => ApiError::Unavailable(format!("database: {other}")),
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::Unavailable(format!("database unavailable: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task: {e}"))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        if let Some(d) = e.downcast_ref::<diesel::result::Error>() {
            if db_unavailable(d) {
                return ApiError::Unavailable(format!("database: {e:#}"));
            }
        }
        ApiError::Internal(format!("{e:#}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON value stored as text, read back; a stored value that no longer parses is an internal
/// error naming what it was.
pub fn parse_stored<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> DomainResult<T> {
    serde_json::from_str(s).map_err(|e| DomainError::Internal(format!("stored {what}: {e}")))
}

/// A value as JSON text for storing.
pub fn to_json<T: Serialize>(v: &T) -> DomainResult<String> {
    serde_json::to_string(v).map_err(|e| DomainError::Internal(format!("serialise: {e}")))
}

/// Cut a message to at most `max` characters.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// One refused input: the field (dotted path, as in the JSON) and why, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
    pub message_nl: String,
}

/// Refused input from a domain rule as the API's 422, each field with its Dutch message too.
impl From<Vec<FieldProblem>> for ApiError {
    fn from(ps: Vec<FieldProblem>) -> Self {
        ApiError::Validation(ps.into_iter().map(FieldError::from).collect())
    }
}

impl FieldProblem {
    pub fn new(field: &str, message: impl Into<String>, message_nl: impl Into<String>) -> Self {
        FieldProblem {
            field: field.to_string(),
            message: message.into(),
            message_nl: message_nl.into(),
        }
    }
}

/// What a service answers when it does not do what was asked. No HTTP in it: the API maps it to
/// its problem+json (`From<DomainError> for ApiError`), the pages to a page in the person's
/// language (`web::kit::PageError::from_domain`), the CLI to a message and an exit code.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// No such thing, or not one this person may see (who exists is not told).
    #[error("not found")]
    NotFound,
    /// Refused by the state of things (the API's 409), with a stable code and the English reason.
    #[error("refused: {}", .0.detail)]
    Refused(Refusal),
    /// Refused for want of a right (the API's 403), with a stable code and the English reason.
    #[error("denied: {}", .0.detail)]
    Denied(Refusal),
    /// It changed meanwhile, or is there already (the API's 409 without a code).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Refused input, field by field, each in English and Dutch (the API's 422).
    #[error("invalid input")]
    Invalid(Vec<FieldProblem>),
    /// The database cannot take this now (read-only, full, gone): try again shortly.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A fault: the cause is logged (it holds no personal data), never shown.
    #[error("internal: {0}")]
    Internal(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    /// A coded refusal by the state of things; see [`DomainError::Refused`].
    pub fn refused(code: &'static str, detail: impl Into<String>) -> DomainError {
        DomainError::Refused(Refusal {
            code,
            detail: detail.into(),
            args: vec![],
        })
    }

    /// A coded refusal for want of a right; see [`DomainError::Denied`].
    pub fn denied(code: &'static str, detail: impl Into<String>) -> DomainError {
        DomainError::Denied(Refusal {
            code,
            detail: detail.into(),
            args: vec![],
        })
    }

    /// As [`DomainError::refused`], with values for the words.
    pub fn refused_with(
        code: &'static str,
        detail: impl Into<String>,
        args: Vec<(&'static str, String)>,
    ) -> DomainError {
        DomainError::Refused(Refusal {
            code,
            detail: detail.into(),
            args,
        })
    }

    /// One refused field, in English and Dutch.
    pub fn field(field: &str, message: &str, message_nl: &str) -> DomainError {
        DomainError::Invalid(vec![FieldProblem::new(field, message, message_nl)])
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Refused(r) => ApiError::Refused(r),
            DomainError::Denied(r) => ApiError::Denied(r),
            DomainError::Conflict(d) => ApiError::Conflict(d),
            DomainError::Invalid(ps) => ps.into(),
            DomainError::Unavailable(cause) => ApiError::Unavailable(cause),
            DomainError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<Vec<FieldProblem>> for DomainError {
    fn from(ps: Vec<FieldProblem>) -> Self {
        DomainError::Invalid(ps)
    }
}

impl From<diesel::result::Error> for DomainError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => DomainError::NotFound,
            other if db_unavailable(&other) => {
                DomainError::Unavailable(format!("database: {other}"))
            }
            other => DomainError::Internal(format!("database: {other}")),
        }
    }
}

impl From<anyhow::Error> for DomainError {
    fn from(e: anyhow::Error) -> Self {
        if let Some(d) = e.downcast_ref::<diesel::result::Error>() {
            if db_unavailable(d) {
                return DomainError::Unavailable(format!("database: {e:#}"));
            }
        }
        DomainError::Internal(format!("{e:#}"))
    }
}

/// A field problem without Dutch words (one that came from an [`ApiError`], see
/// `From<ApiError> for DomainError`) goes back without them: the pages then word it by its English.
impl From<FieldProblem> for FieldError {
    fn from(p: FieldProblem) -> Self {
        if p.message_nl.is_empty() {
            FieldError::new(p.field, p.message)
        } else {
            FieldError::bilingual(p.field, p.message, p.message_nl)
        }
    }
}

/// A field error as a field problem; one without Dutch words keeps none (the empty text), so
/// it goes back to the pages as it came (see `From<FieldProblem> for FieldError`).
impl From<FieldError> for FieldProblem {
    fn from(e: FieldError) -> Self {
        FieldProblem {
            field: e.field,
            message: e.message,
            message_nl: e.message_nl.unwrap_or_default(),
        }
    }
}

/// An answer of code that still speaks HTTP (the incidents' services), inside a service that
/// answers in domain terms. Lossless for what such code answers (not found, refusals, conflicts,
/// refused input, faults); an HTTP-only answer it never gives there (a bad request, a missing
/// login, a limit) is a fault, its cause logged.
impl From<ApiError> for DomainError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound => DomainError::NotFound,
            ApiError::Refused(r) => DomainError::Refused(r),
            ApiError::Denied(r) => DomainError::Denied(r),
            ApiError::Forbidden(detail) => DomainError::Denied(Refusal {
                code: "forbidden",
                detail,
                args: vec![],
            }),
            ApiError::Conflict(d) => DomainError::Conflict(d),
            ApiError::Validation(errs) => {
                DomainError::Invalid(errs.into_iter().map(FieldProblem::from).collect())
            }
            ApiError::Unavailable(cause) => DomainError::Unavailable(cause),
            ApiError::Internal(cause) => DomainError::Internal(cause),
            other => DomainError::Internal(format!("unexpected answer: {other}")),
        }
    }
}

#[cfg(test)]
mod domain_error_tests {
    use super::*;

    #[test]
    fn every_domain_error_keeps_the_api_status_it_had() {
        use actix_web::ResponseError;
        let cases: Vec<(DomainError, u16)> = vec![
            (DomainError::NotFound, 404),
            (DomainError::refused("x", "no"), 409),
            (DomainError::denied("x", "no"), 403),
            (DomainError::Conflict("changed".into()), 409),
            (DomainError::field("name", "required", "verplicht"), 422),
            (DomainError::Unavailable("database: locked".into()), 503),
            (DomainError::Internal("boom".into()), 500),
        ];
        for (e, status) in cases {
            assert_eq!(ApiError::from(e).status_code().as_u16(), status);
        }
    }

    #[test]
    fn field_problems_keep_both_languages_and_the_api_shows_the_english() {
        let api = ApiError::from(DomainError::field(
            "slug",
            "already in use",
            "al in gebruik",
        ));
        let ApiError::Validation(v) = &api else {
            panic!("not a validation error: {api:?}")
        };
        assert_eq!(v[0].field, "slug");
        assert_eq!(v[0].message, "already in use");
        assert_eq!(v[0].message_nl.as_deref(), Some("al in gebruik"));
        let body =
            actix_web::body::to_bytes(actix_web::ResponseError::error_response(&api).into_body());
        let body = futures_lite_block(body);
        assert!(
            body.contains("already in use") && !body.contains("al in gebruik"),
            "{body}"
        );
    }

    #[test]
    fn an_internal_cause_is_never_shown() {
        let api = ApiError::from(DomainError::Internal("database: secret detail".into()));
        let body =
            actix_web::body::to_bytes(actix_web::ResponseError::error_response(&api).into_body());
        let body = futures_lite_block(body);
        assert!(!body.contains("secret detail"), "{body}");
    }

    fn futures_lite_block<
        F: std::future::Future<Output = Result<actix_web::web::Bytes, E>>,
        E: std::fmt::Debug,
    >(
        f: F,
    ) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        String::from_utf8(rt.block_on(f).unwrap().to_vec()).unwrap()
    }
}
