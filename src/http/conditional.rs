//! Conditional and range requests (RFC 9110 §13, §14), one implementation for every
//! response with an entity tag: tiles, `/data/{layer}.fgb` downloads and `/styles/*`.
//!
//! - `If-None-Match`: a list of tags or `*`, weak comparison → `304`.
//! - `Range` (single byte range; parsed by `http-range-header`): a suffix longer than the
//!   file or an end past it (even one past `u64::MAX`) is clamped to the file's end; a start
//!   past the end or `-0` is unsatisfiable; several ranges, other units and syntax errors
//!   mean the whole file (RFC 9110 lets a server ignore `Range`).
//! - `If-Range`: only a strong, identical tag keeps the range (there is no `Last-Modified`
//!   to compare a date with).

use std::borrow::Cow;

use axum::body::Body;
use axum::http::header::{IF_NONE_MATCH, IF_RANGE, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use http_range_header::{parse_range_header, RangeUnsatisfiableError, StartPosition};

/// True when an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 §13.1.2
/// requires; lists and `*` supported).
pub fn if_none_match(headers: &HeaderMap, etag: &[u8]) -> bool {
    let etag = strip_weak(etag);
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|t| strip_weak(t.trim_ascii()))
        .any(|t| t == b"*" || t == etag)
}

fn strip_weak(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// An empty `304 Not Modified` (the caller adds `ETag` and caching headers).
pub fn not_modified() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NOT_MODIFIED;
    r
}

/// What a request asks of a representation of `len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The whole representation (no `Range`, or one to ignore).
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    /// A range outside the representation.
    Unsatisfiable,
}

/// The part of a `len`-byte representation with `etag` that `request` asks for.
pub fn select(request: &HeaderMap, etag: &HeaderValue, len: u64) -> Selection {
    let Some(range) = request.get(RANGE).and_then(|v| v.to_str().ok()) else {
        return Selection::Whole;
    };
    if let Some(validator) = request.get(IF_RANGE) {
        if validator.as_bytes().starts_with(b"W/") || validator != etag {
            return Selection::Whole;
        }
    }
    let Some(range) = clamp_huge_numbers(range) else {
        // A first byte past u64::MAX is past any file.
        return Selection::Unsatisfiable;
    };
    let parsed = match parse_range_header(&range) {
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

/// `bytes=a-b` with a last-byte position `b` too large for `u64` rewritten as `bytes=a-`
/// (the end is the file's end either way) and a suffix length too large as the largest
/// `u64`; `None` when a first-byte position is too large. Anything else is left as is.
fn clamp_huge_numbers(range: &str) -> Option<Cow<'_, str>> {
    let too_big = |n: &str| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.parse::<u64>().is_err()
    };
    let Some(specs) = range.strip_prefix("bytes=") else {
        return Some(Cow::Borrowed(range));
    };
    if !specs
        .split(',')
        .any(|s| s.split('-').any(|n| too_big(n.trim())))
    {
        return Some(Cow::Borrowed(range));
    }
    let mut out = String::from("bytes=");
    for (i, spec) in specs.split(',').enumerate() {
        let spec = spec.trim();
        let Some((first, last)) = spec.split_once('-') else {
            return Some(Cow::Borrowed(range));
        };
        if i > 0 {
            out.push_str(", ");
        }
        if too_big(first) {
            return None;
        }
        out.push_str(first);
        out.push('-');
        if too_big(last) {
            if first.is_empty() {
                out.push_str(&u64::MAX.to_string());
            }
        } else {
            out.push_str(last);
        }
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn if_none_match_lists() {
        let inm = |v: &[&'static str], tag: &str| {
            if_none_match(&headers("if-none-match", v), tag.as_bytes())
        };
        assert!(inm(&["\"a\""], "\"a\""));
        assert!(inm(&["\"x\", \"a\""], "\"a\""));
        assert!(inm(&["\"x\"", "W/\"a\""], "\"a\""));
        assert!(inm(&["*"], "\"a\""));
        assert!(!inm(&["\"b\""], "\"a\""));
        assert!(!inm(&[], "\"a\""));
        assert!(!inm(&["a"], "\"a\""));
    }

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

    #[test]
    fn numbers_past_u64_are_clamped() {
        let huge = "99999999999999999999999999";
        assert_eq!(
            sel(&format!("bytes=0-{huge}"), None),
            Selection::Part(0, 99)
        );
        assert_eq!(
            sel(&format!("bytes=42-{huge}"), None),
            Selection::Part(42, 99)
        );
        assert_eq!(sel(&format!("bytes=-{huge}"), None), Selection::Part(0, 99));
        assert_eq!(
            sel(&format!("bytes={huge}-"), None),
            Selection::Unsatisfiable
        );
        assert_eq!(
            sel(&format!("bytes={huge}-{huge}"), None),
            Selection::Unsatisfiable
        );
        assert_eq!(sel(&format!("bytes=0-1, 5-{huge}"), None), Selection::Whole);
        assert_eq!(
            clamp_huge_numbers("bytes=0-18446744073709551615").unwrap(),
            "bytes=0-18446744073709551615"
        );
        assert_eq!(
            clamp_huge_numbers("bytes=0-18446744073709551616").unwrap(),
            "bytes=0-"
        );
    }
}
