//! Request-body handling shared by all JSON routes: content type, size, UTF-8 and JSON errors all
//! become problem+json naming what is wrong (the field path where serde knows it).
use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

pub mod paging;
pub mod ratelimit;
pub mod state;
use state::AppState;

/// A JSON body. Parsing errors are held until the handler asks with [`ApiJson::into_inner`], so
/// that authentication (401) is decided before the body's problems (4xx) whatever the order in which
/// actix polls the extractors.
pub struct ApiJson<T>(Result<T, ApiError>);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let mime = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parse a JSON body into `T`, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::field("body", "the body is not valid UTF-8"))?;
    // The one input boundary: control characters and dates out of bounds, named by their path.
    crate::input::check_json_text(text).map_err(|e| ApiError::Validation(vec![e]))?;
    // The fast path; the path-tracking parser runs again only to name the failing field.
    if let Ok(v) = serde_json::from_str::<T>(text) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        // The value reads, yet the fast path refused the text: something follows the value.
        // (This path used to answer with the value: trailing text was accepted, and so was a
        // NUL that the input boundary's check could not see in text that is not JSON; found by
        // cargo fuzz.)
        Ok(_) => {
            let reason = de
                .end()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "trailing characters".into());
            let reason = reason
                .split(" at line ")
                .next()
                .unwrap_or(&reason)
                .to_string();
            return Err(ApiError::Validation(vec![FieldError::new(
                "body",
                format!("malformed JSON: {reason}"),
            )]));
        }
        Err(e) => Err(e),
    }
    .map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." || path == "?" || path.is_empty() {
            // serde names a missing or unknown field only in its message.
            let msg = inner.to_string();
            extract_backticked(&msg).unwrap_or_else(|| "body".to_string())
        } else {
            path
        };
        // Serde's message without its position suffix and without the values it quotes (they
        // may be personal data): the reason only.
        let m = inner.to_string();
        let reason = crate::input::unquote(m.split(" at line ").next().unwrap_or(&m));
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("malformed JSON: {reason}")
        } else {
            reason
        };
        ApiError::Validation(vec![FieldError::new(field, message)])
    })
}

fn extract_backticked(msg: &str) -> Option<String> {
    if !(msg.starts_with("missing field") || msg.starts_with("unknown field")) {
        return None;
    }
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    // An empty key (`{"": 1}`) names no field: the body is named instead (found by cargo fuzz).
    Some(msg[start..end].to_string()).filter(|f| !f.is_empty())
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiJson<T>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.limits.json_body_bytes)
            .unwrap_or(256 * 1024);
        let json = is_json(req);
        let declared: Option<usize> = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let mut payload = payload.take();
        Box::pin(async move { Ok(ApiJson(read(json, declared, limit, &mut payload).await)) })
    }
}

async fn read<T: DeserializeOwned>(
    json: bool,
    declared: Option<usize>,
    limit: usize,
    payload: &mut Payload,
) -> Result<T, ApiError> {
    if !json {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as application/json".into(),
        ));
    }
    if declared.map(|n| n > limit).unwrap_or(false) {
        return Err(ApiError::PayloadTooLarge(format!(
            "the body exceeds {limit} bytes"
        )));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "the body exceeds {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return Err(ApiError::field("body", "the body is empty"));
    }
    parse_json(&body)
}

/// Check an address limiter for this request's client; the API's 429 when exceeded.
pub fn limit_api(
    req: &actix_web::HttpRequest,
    pick: impl FnOnce(&ratelimit::Limiters) -> &governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
) -> Result<(), ApiError> {
    match req.app_data::<actix_web::web::Data<state::AppState>>() {
        Some(state) => {
            ratelimit::check(pick(&state.limits), client_ip(req)).map_err(ratelimit::too_many)
        }
        None => Ok(()),
    }
}

/// The client's address for this request (trusted proxies from the settings).
pub fn client_ip(req: &actix_web::HttpRequest) -> std::net::IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let headers: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    match req.app_data::<actix_web::web::Data<state::AppState>>() {
        Some(state) => state.limits.client_ip(peer, &headers),
        None => peer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        a: u32,
        b: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        c: bool,
    }

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::Validation(v) => v[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(parse_json::<T>(br#"{"a":"x"}"#).unwrap_err()), "a");
        assert_eq!(
            field_of(parse_json::<T>(br#"{"a":1,"b":{"c":3}}"#).unwrap_err()),
            "b.c"
        );
        assert_eq!(field_of(parse_json::<T>(br#"{}"#).unwrap_err()), "a");
        assert_eq!(
            field_of(parse_json::<T>(br#"{"a":1,"zz":1}"#).unwrap_err()),
            "zz"
        );
        assert_eq!(field_of(parse_json::<T>(b"{\"a\":").unwrap_err()), "a");
        assert_eq!(field_of(parse_json::<T>(b"{").unwrap_err()), "body");
        assert_eq!(field_of(parse_json::<T>(b"\xff\xfe").unwrap_err()), "body");
    }
}

/// Inputs `cargo fuzz` (fuzz/, target `report_json`) found, replayed on the real parser.
#[cfg(test)]
mod fuzz_findings {
    use super::*;
    use crate::reports::model::ReportInput;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/fuzz/report_json/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// An empty key was answered with a 422 whose field was the empty string.
    #[test]
    fn an_empty_key_names_the_body() {
        match parse_json::<ReportInput>(&fixture("empty_key.json")) {
            Err(ApiError::Validation(v)) => {
                assert_eq!(v.len(), 1);
                assert_eq!(v[0].field, "body");
                assert!(v[0].message.starts_with("unknown field"), "{v:?}");
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    /// Text after the JSON value was accepted (the field-naming path did not check for it), and
    /// with it a NUL the input boundary could not see, since the whole was not JSON.
    #[test]
    fn text_after_the_value_is_refused() {
        match parse_json::<ReportInput>(&fixture("trailing_text_hides_nul.json")) {
            Err(ApiError::Validation(v)) => {
                assert_eq!(v.len(), 1);
                assert_eq!(v[0].field, "body");
                assert_eq!(v[0].message, "malformed JSON: trailing characters", "{v:?}");
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        // Without the NUL, trailing text alone is refused the same way.
        assert!(parse_json::<ReportInput>(br#"{"description":"x"} {"#).is_err());
        assert!(parse_json::<ReportInput>(br#"{"description":"x"}  "#).is_ok());
    }
}
