//! Serving an in-memory file with HTTP range requests (RFC 9110 §14): `Accept-Ranges`,
//! strong `ETag`, `If-None-Match` → `304`, one `Range` → `206` with `Content-Range`, an
//! unsatisfiable one → `416` with `Content-Range: bytes */length`, `If-Range` with another
//! validator → the whole file. Several ranges are answered with the whole file (`200`; RFC
//! 9110 lets a server ignore `Range`), as is a syntactically invalid header. Ranges are
//! parsed by `http-range-header`.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_RANGE,
    RANGE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_range_header::{parse_range_header, RangeUnsatisfiableError, StartPosition};

use crate::http::tiles::if_none_match;
use crate::http::ApiError;

/// What a request asks of a file of `len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The whole file (no `Range`, or one to ignore).
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    /// A range outside the file.
    Unsatisfiable,
}

/// The part of a `len`-byte file with `etag` that `request` asks for.
pub fn select(request: &HeaderMap, etag: &HeaderValue, len: u64) -> Selection {
    let Some(range) = request.get(RANGE).and_then(|v| v.to_str().ok()) else {
        return Selection::Whole;
    };
    if let Some(validator) = request.get(IF_RANGE) {
        // Only a strong, identical entity tag keeps the range; a date or another tag
        // means "send everything" (we have no Last-Modified to compare a date with).
        if validator.as_bytes().starts_with(b"W/") || validator != etag {
            return Selection::Whole;
        }
    }
    let parsed = match parse_range_header(range) {
        Ok(parsed) => parsed,
        Err(RangeUnsatisfiableError::ZeroSuffix) => return Selection::Unsatisfiable,
        Err(_) => return Selection::Whole,
    };
    let [mut only] = parsed.ranges.as_slice() else {
        return Selection::Whole;
    };
    if let StartPosition::FromLast(n) = only.start {
        // A suffix longer than the file means the whole file (RFC 9110 §14.1.2).
        if n > len {
            only.start = StartPosition::FromLast(len);
        }
    }
    if len == 0 {
        return Selection::Unsatisfiable;
    }
    match (http_range_header::ParsedRanges { ranges: vec![only] }).validate(len) {
        Ok(v) => match v.first() {
            Some(r) if *r.start() < len => Selection::Part(*r.start(), *r.end()),
            _ => Selection::Unsatisfiable,
        },
        Err(_) => Selection::Unsatisfiable,
    }
}

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
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        (r, 0)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(range: &str, if_range: Option<&str>) -> Selection {
        let mut h = HeaderMap::new();
        h.insert(RANGE, HeaderValue::from_str(range).unwrap());
        if let Some(v) = if_range {
            h.insert(IF_RANGE, HeaderValue::from_str(v).unwrap());
        }
        select(&h, &HeaderValue::from_static("\"t\""), 100)
    }

    #[test]
    fn selects_ranges() {
        assert_eq!(
            select(&HeaderMap::new(), &HeaderValue::from_static("\"t\""), 100),
            Selection::Whole
        );
        assert_eq!(sel("bytes=0-9", None), Selection::Part(0, 9));
        assert_eq!(sel("bytes=90-", None), Selection::Part(90, 99));
        assert_eq!(sel("bytes=-10", None), Selection::Part(90, 99));
        assert_eq!(sel("bytes=-1000", None), Selection::Part(0, 99));
        assert_eq!(sel("bytes=50-5000", None), Selection::Part(50, 99));
        assert_eq!(sel("bytes=99-99", None), Selection::Part(99, 99));
        assert_eq!(sel("bytes=100-", None), Selection::Unsatisfiable);
        assert_eq!(sel("bytes=100-200", None), Selection::Unsatisfiable);
        assert_eq!(sel("bytes=-0", None), Selection::Unsatisfiable);
        assert_eq!(sel("bytes=9-1", None), Selection::Unsatisfiable);
        assert_eq!(sel("bytes=0-1,5-6", None), Selection::Whole);
        assert_eq!(sel("items=0-1", None), Selection::Whole);
        assert_eq!(sel("bytes=x-1", None), Selection::Whole);
        assert_eq!(sel("bytes=0-9", Some("\"t\"")), Selection::Part(0, 9));
        assert_eq!(sel("bytes=0-9", Some("\"other\"")), Selection::Whole);
        assert_eq!(sel("bytes=0-9", Some("W/\"t\"")), Selection::Whole);
        assert_eq!(
            sel("bytes=0-9", Some("Fri, 27 Nov 2026 20:00:00 GMT")),
            Selection::Whole
        );
    }
}
