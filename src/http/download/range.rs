//! Serving an in-memory file with HTTP range requests: `Accept-Ranges`, strong `ETag`,
//! `If-None-Match` → `304`, one `Range` → `206` with `Content-Range`, an unsatisfiable one →
//! `416` with `Content-Range: bytes */length`. Which part a request asks for (`Range`,
//! `If-Range`) is decided by [`crate::http::conditional`].

use axum::body::Body;
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::http::conditional::{if_none_match, not_modified, select, Selection};
use crate::http::ApiError;

/// The response serving `bytes` (with `etag` and `media_type`) to `request`; returns it and
/// the number of body bytes it carries.
pub fn respond(
    bytes: &Bytes,
    etag: &HeaderValue,
    media_type: &'static str,
    request: &HeaderMap,
) -> (Response, u64) {
    let len = bytes.len() as u64;
    let (mut res, sent) = if if_none_match(request, etag.as_bytes()) {
        (not_modified(), 0)
    } else {
        match select(request, etag, len) {
            Selection::Whole => {
                let mut r = Response::new(Body::from(bytes.clone()));
                r.headers_mut()
                    .insert(CONTENT_LENGTH, HeaderValue::from(len));
                (r, len)
            }
            Selection::Part(start, end) => {
                let body = bytes.slice(start as usize..=end as usize);
                let sent = body.len() as u64;
                let mut r = Response::new(Body::from(body));
                *r.status_mut() = StatusCode::PARTIAL_CONTENT;
                let h = r.headers_mut();
                h.insert(CONTENT_LENGTH, HeaderValue::from(sent));
                h.insert(CONTENT_RANGE, header(&format!("bytes {start}-{end}/{len}")));
                (r, sent)
            }
            Selection::Unsatisfiable => {
                let mut r = ApiError::BadRequest(format!(
                    "range not satisfiable: the file has {len} bytes"
                ))
                .into_response();
                *r.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
                r.headers_mut()
                    .insert(CONTENT_RANGE, header(&format!("bytes */{len}")));
                (r, 0)
            }
        }
    };
    let h = res.headers_mut();
    if !h.contains_key(CONTENT_TYPE) {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
    }
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(ETAG, etag.clone());
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    (res, sent)
}

fn header(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("bytes */0"))
}
