//! Honest lists (issue 15, point 7). Every list of the API takes `limit` and `offset`, each list
//! with its own default and documented maximum; a value out of range is refused with 422 naming
//! the field (never clamped in silence). The answer carries the total in `X-Total-Count` and the
//! neighbouring pages in an RFC 8288 `Link` header (`rel="next"`, `rel="prev"`), built from the
//! request's own query so that its filters are kept.
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Deserialize;

use crate::error::{ApiError, FieldError};

/// The largest offset taken (a guard against nonsense, far beyond any real list).
pub const MAX_OFFSET: i64 = 1_000_000_000;

/// The header that carries the total.
pub const TOTAL_HEADER: &str = "X-Total-Count";

/// `limit` and `offset` as sent (`?limit=…&offset=…`).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// How many items (1 up to the list's maximum; see docs/api.md).
    pub limit: Option<i64>,
    /// How many to skip (0 or more).
    pub offset: Option<i64>,
}

/// A list's default and maximum page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub default: i64,
    pub max: i64,
}

impl Bounds {
    pub const fn new(default: i64, max: i64) -> Bounds {
        Bounds { default, max }
    }
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    /// Check `limit` and `offset` against the list's bounds: 422 naming each field out of range.
    pub fn parse(limit: Option<i64>, offset: Option<i64>, b: Bounds) -> Result<Page, ApiError> {
        let mut errs = vec![];
        let limit = limit.unwrap_or(b.default);
        if !(1..=b.max).contains(&limit) {
            errs.push(FieldError::bilingual(
                "limit",
                format!("from 1 to {} (this list's maximum)", b.max),
                format!("van 1 tot en met {} (het maximum van deze lijst)", b.max),
            ));
        }
        let offset = offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            errs.push(FieldError::bilingual(
                "offset",
                format!("from 0 to {MAX_OFFSET}"),
                format!("van 0 tot en met {MAX_OFFSET}"),
            ));
        }
        if errs.is_empty() {
            Ok(Page { limit, offset })
        } else {
            Err(ApiError::Validation(errs))
        }
    }

    pub fn of(q: &PageQuery, b: Bounds) -> Result<Page, ApiError> {
        Page::parse(q.limit, q.offset, b)
    }

    /// Whether a page follows this one.
    pub fn has_next(&self, total: i64) -> bool {
        self.offset + self.limit < total
    }

    /// This page of a list already held in memory (the short lists: an incident's measures,
    /// one's own tokens).
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(self.offset as usize)
            .take(self.limit as usize)
            .collect()
    }
}

/// The request's path and query with `offset` (and `limit`) set; other parameters kept in order.
pub fn page_url(req: &HttpRequest, limit: i64, offset: i64) -> String {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "limit" && k != "offset")
            .collect();
    pairs.push(("limit".into(), limit.to_string()));
    pairs.push(("offset".into(), offset.to_string()));
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}?{q}", req.path())
}

/// The `Link` header's value for this page, if there is a neighbour.
pub fn link_header(req: &HttpRequest, page: Page, total: i64) -> Option<String> {
    let mut links = vec![];
    if page.has_next(total) {
        links.push(format!(
            "<{}>; rel=\"next\"",
            page_url(req, page.limit, page.offset + page.limit)
        ));
    }
    if page.offset > 0 {
        links.push(format!(
            "<{}>; rel=\"prev\"",
            page_url(req, page.limit, (page.offset - page.limit).max(0))
        ));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// A 200 answer for a page: the total and the links as headers, the items as the body.
pub fn respond<T: serde::Serialize>(
    req: &HttpRequest,
    page: Page,
    total: i64,
    items: &T,
) -> HttpResponse {
    let mut b = HttpResponse::Ok();
    headers(&mut b, req, page, total);
    b.json(items)
}

/// A 200 answer for a page of a short list held whole in memory (one's tokens, an incident's
/// measures): the page cut from it, its length as the total.
pub fn respond_slice<T: serde::Serialize>(
    req: &HttpRequest,
    page: Page,
    items: Vec<T>,
) -> HttpResponse {
    let total = items.len() as i64;
    respond(req, page, total, &page.slice(items))
}

/// Put the total and the links on a response being built.
pub fn headers(b: &mut HttpResponseBuilder, req: &HttpRequest, page: Page, total: i64) {
    b.insert_header((TOTAL_HEADER, total.to_string()));
    if let Some(l) = link_header(req, page, total) {
        b.insert_header(("Link", l));
    }
}

/// A list answered whole (no paging: the register, its exports and statistics): the total only.
pub fn whole<T: serde::Serialize>(total: usize, items: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((TOTAL_HEADER, total.to_string()))
        .json(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const B: Bounds = Bounds::new(50, 500);

    #[test]
    fn limits_in_range_pass_and_others_are_named() {
        assert_eq!(
            Page::parse(None, None, B).unwrap(),
            Page {
                limit: 50,
                offset: 0
            }
        );
        assert_eq!(Page::parse(Some(500), Some(7), B).unwrap().limit, 500);
        for (l, o, fields) in [
            (Some(0), None, vec!["limit"]),
            (Some(501), None, vec!["limit"]),
            (Some(-1), Some(-1), vec!["limit", "offset"]),
            (None, Some(MAX_OFFSET + 1), vec!["offset"]),
        ] {
            match Page::parse(l, o, B) {
                Err(ApiError::Validation(errs)) => {
                    let names: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
                    assert_eq!(names, fields);
                }
                other => panic!("{l:?} {o:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn links_keep_the_filters_and_stop_at_the_ends() {
        let req = TestRequest::get()
            .uri("/api/v1/incidents?state=new&limit=2&q=a%20b")
            .to_http_request();
        let p = Page {
            limit: 2,
            offset: 0,
        };
        let l = link_header(&req, p, 5).unwrap();
        assert_eq!(
            l,
            "</api/v1/incidents?state=new&q=a+b&limit=2&offset=2>; rel=\"next\""
        );
        let last = Page {
            limit: 2,
            offset: 4,
        };
        let l = link_header(&req, last, 5).unwrap();
        assert!(!l.contains("next"), "{l}");
        assert!(l.contains("offset=2>; rel=\"prev\""), "{l}");
        assert_eq!(link_header(&req, p, 2), None);
    }
}
