//! `GET /data/{layer}.fgb`: a layer as FlatGeobuf with its packed Hilbert R-tree, written from
//! the current snapshot by the project's FlatGeobuf writer ([`cache`]: built once per layer
//! version, kept in memory) and served with HTTP range requests ([`range`]), so GDAL's
//! `/vsicurl/`, QGIS and the flatgeobuf crate's HTTP reader read a bounding box (header,
//! index nodes, the features inside) without downloading the file.

pub mod cache;
pub mod range;

use axum::extract::{Path, Request, State};
use axum::response::Response;

use super::error::truncate;
use super::ogc::links::FLATGEOBUF;
use super::{ApiError, AppState};

/// A layer as FlatGeobuf with its packed Hilbert R-tree (`{layer}.fgb`), regenerated when
/// the data changes; single byte ranges (`Range`, `If-Range`) for `/vsicurl/` and the
/// flatgeobuf HTTP reader.
#[utoipa::path(get, path = "/data/{file}", tag = "download",
    params(
        ("file" = String, Path, pattern = "^.+\\.fgb$", description = "{layer}.fgb"),
        ("Range" = Option<String>, Header, description = "bytes=start-end, start- or -suffix (one range)"),
        ("If-Range" = Option<String>, Header, description = "the ETag the range is valid for"),
    ),
    responses(
        (status = 200, description = "the whole file", content_type = "application/flatgeobuf"),
        (status = 206, description = "the requested range (Content-Range)", content_type = "application/flatgeobuf"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 404, description = "no such layer or not .fgb", body = crate::http::error::ErrorBody),
        (status = 416, description = "range not satisfiable (Content-Range: bytes */length)", body = crate::http::error::ErrorBody),
    ))]
pub async fn fgb(
    State(state): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no such file: {:?}", truncate(&file, 100)));
    let name = file.strip_suffix(".fgb").ok_or_else(not_found)?;
    let snapshot = state.snapshot_arc();
    let index = snapshot.layer_index(name).ok_or_else(not_found)?;
    let fgb = state.fgb_cache().get(&snapshot, index).await?;
    drop(snapshot);
    let (res, sent) = range::respond(&fgb.bytes, &fgb.etag, FLATGEOBUF, req.headers());
    if req.method() != axum::http::Method::HEAD {
        state.fgb_cache().count_served(sent);
    }
    Ok(res)
}
