//! `GET /tiles/{z}/{x}/{y}.mvt[?layers=a,b]`: Mapbox Vector Tiles from the cache.
//!
//! The hot path (a cache hit for a gzip-accepting client) clones an `Arc` of the snapshot and
//! of the cached tile and a handful of prebuilt header values; the body is the cached gzip
//! `Bytes` (no copy), and no header is parsed beyond `Accept-Encoding` and `If-None-Match`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use std::sync::Arc;

use crate::cache::{CachedTile, TileKey};
use crate::index::Snapshot;
use crate::tiles::{LayerSelection, TileCoord};

use super::conditional::{if_none_match, not_modified};
use super::error::ApiError;
use super::{layers, AppState};

/// The MVT media type.
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

const MVT: HeaderValue = HeaderValue::from_static(MVT_CONTENT_TYPE);
const GZIP: HeaderValue = HeaderValue::from_static("gzip");
const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("accept-encoding");

/// A Mapbox Vector Tile (the path ends in `.mvt`).
#[utoipa::path(get, path = "/tiles/{z}/{x}/{y}", tag = "tiles",
    params(
        ("z" = u8, Path, maximum = 30, description = "zoom"),
        ("x" = u32, Path, description = "column, below 2^z"),
        ("y" = String, Path, pattern = "^[0-9]+\\.mvt$", description = "row (below 2^z) with the .mvt suffix"),
        ("layers" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$", description = "comma-separated layer subset"),
        ("If-None-Match" = Option<String>, Header, description = "ETags (or *) the client has"),
    ),
    responses(
        (status = 200, description = "the tile (gzip when accepted)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "empty tile"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "malformed address, x or y past 2^z, zoom above the maximum, or an empty or repeated layer name", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown layer", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    // The route matched `/tiles/{z}/{x}/{y}`: the three segments are read off the path (no
    // parameter map built for the hot path), percent-decoded only when they hold a `%`.
    let mut parts = req
        .uri()
        .path()
        .strip_prefix("/tiles/")
        .unwrap_or("")
        .split('/');
    let mut segment = || {
        let raw = parts.next().unwrap_or("");
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| ApiError::BadRequest(format!("tile address part {raw:?} is not UTF-8")))
    };
    let (z, x, y) = (segment()?, segment()?, segment()?);
    let snapshot = state.snapshot_arc();
    let coord = TileCoord::parse(&z, &x, &y, snapshot.tiling.tiles.maxzoom)?;
    let selection = layers::selection(req.uri(), &snapshot)?;
    serve(&state, snapshot, coord, selection, req.headers()).await
}

/// The response for tile `coord` of `selection` (through the cache: ETag/304, gzip, `204`
/// when empty), shared by `/tiles` and the OGC API tile routes.
pub(crate) async fn serve(
    state: &AppState,
    snapshot: Arc<Snapshot>,
    coord: TileCoord,
    selection: LayerSelection,
    request: &HeaderMap,
) -> Result<Response, ApiError> {
    let cache = state.cache();
    let key = TileKey {
        layers: selection,
        tile: coord,
    };
    let tile = cache.get_keyed(&snapshot, &key).await?;
    drop(snapshot);
    respond(&tile, request, state.cache_control(), |t| {
        cache.identity(&key, t)
    })
}

/// Builds the response for `tile` according to the request's `Accept-Encoding` and
/// `If-None-Match` (shared with the rendered basemap); `identity` gives the uncompressed
/// bytes for a client that does not accept gzip.
pub(crate) fn respond(
    tile: &CachedTile,
    request: &HeaderMap,
    cache_control: &HeaderValue,
    identity: impl FnOnce(&CachedTile) -> std::io::Result<bytes::Bytes>,
) -> Result<Response, ApiError> {
    let gzip = accepts_gzip(request);
    let etag = if gzip {
        tile.etag()
    } else {
        tile.identity_etag()
    };
    let mut res = if if_none_match(request, etag.as_bytes()) {
        not_modified()
    } else if tile.is_empty() {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        r
    } else if gzip {
        let mut r = Response::new(Body::from(tile.gzip().clone()));
        let h = r.headers_mut();
        h.reserve(10);
        h.insert(CONTENT_TYPE, MVT);
        h.insert(CONTENT_ENCODING, GZIP);
        h.insert(CONTENT_LENGTH, tile.gzip_len().clone());
        r
    } else {
        let raw = identity(tile)
            .map_err(|e| ApiError::Internal(format!("decompressing cached tile: {e}")))?;
        let mut r = Response::new(Body::from(raw));
        r.headers_mut().insert(CONTENT_TYPE, MVT);
        r
    };
    let h = res.headers_mut();
    h.insert(ETAG, etag.clone());
    h.insert(CACHE_CONTROL, cache_control.clone());
    h.insert(VARY, ACCEPT_ENCODING);
    Ok(res)
}

/// True when the client accepts a gzip content coding (`gzip`, `x-gzip` or `*` with a
/// non-zero q-value, unless gzip itself is refused with `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(axum::http::header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim();
                let q = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="));
                q.is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                return !refused;
            }
            if coding == "*" {
                star = !refused;
            }
        }
    }
    star
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
    fn accept_encoding() {
        let ae = |v: &[&'static str]| accepts_gzip(&headers("accept-encoding", v));
        assert!(ae(&["gzip"]));
        assert!(ae(&["gzip, deflate, br, zstd"]));
        assert!(ae(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(ae(&["deflate", "x-gzip"]));
        assert!(ae(&["*"]));
        assert!(!ae(&[]));
        assert!(!ae(&["identity"]));
        assert!(!ae(&["br, deflate"]));
        assert!(!ae(&["gzip;q=0"]));
        assert!(!ae(&["gzip; q=0.000, *"]));
        assert!(!ae(&["*;q=0"]));
    }
}
