//! Responses for tiles read from an archive (a PMTiles / MBTiles basemap): the stored gzip
//! bytes passed through when the client accepts gzip, inflated otherwise; a strong ETag of
//! the bytes sent (`If-None-Match` → `304`); `Cache-Control` as for `/tiles`; a missing
//! tile is `204`, as an empty `/tiles` tile.

use std::hash::{DefaultHasher, Hasher};
use std::io::Read;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;

use crate::archive::ArchiveTile;

use super::conditional::if_none_match;
use super::error::ApiError;
use super::tiles::{accepts_gzip, MVT_CONTENT_TYPE};

/// Largest inflated tile sent to a client that does not accept gzip.
const MAX_INFLATED_BYTES: u64 = 16 << 20;

/// The response for `tile` (`None`: the archive has no tile there).
pub(crate) fn respond(
    tile: Option<&ArchiveTile>,
    request: &HeaderMap,
    cache_control: &HeaderValue,
) -> Result<Response, ApiError> {
    let Some(tile) = tile else {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        r.headers_mut().insert(CACHE_CONTROL, cache_control.clone());
        return Ok(r);
    };
    let send_gzip = tile.gzip && accepts_gzip(request);
    let body = if tile.gzip && !send_gzip {
        inflate(&tile.data)?
    } else {
        tile.data.clone()
    };
    let mut hasher = DefaultHasher::new();
    hasher.write(&tile.data);
    let etag = format!(
        "\"a{:016x}{}\"",
        hasher.finish(),
        if tile.gzip && !send_gzip {
            "-identity"
        } else {
            ""
        }
    );
    let etag = HeaderValue::try_from(etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut res = if if_none_match(request, etag.as_bytes()) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(body));
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(MVT_CONTENT_TYPE));
        if send_gzip {
            r.headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = res.headers_mut();
    h.insert(ETAG, etag);
    h.insert(CACHE_CONTROL, cache_control.clone());
    h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    Ok(res)
}

fn inflate(data: &[u8]) -> Result<Bytes, ApiError> {
    let mut out = Vec::with_capacity(data.len() * 3);
    flate2::read::GzDecoder::new(data)
        .take(MAX_INFLATED_BYTES)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::Internal(format!("inflating an archive tile: {e}")))?;
    Ok(Bytes::from(out))
}
