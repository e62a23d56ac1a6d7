//! The OGC API - Tiles tile routes:
//! `/ogc/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}` (every layer) and
//! `/ogc/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`
//! (one layer). Note the order: matrix (zoom), row (y), column (x). Served by the `/tiles`
//! handler's internals, so caching, ETag/304, gzip and `204` for an empty tile are the same.

use axum::extract::{Path, Request, State};
use axum::response::Response;

use super::{check_format, layer_index, matrix};
use crate::http::error::truncate;
use crate::http::{ApiError, AppState};
use crate::tiles::{LayerSelection, TileCoord, TileCoordError};

/// A vector tile with every layer (same as `/tiles/{z}/{x}/{y}`).
#[utoipa::path(get, path = "/ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", tag = "ogc tiles",
    params(
        ("tileMatrixSetId" = super::MatrixSetId, Path, description = "tile matrix set"),
        ("tileMatrix" = u8, Path, maximum = 30, description = "zoom"),
        ("tileRow" = u32, Path, description = "row (y), below 2^tileMatrix"),
        ("tileCol" = u32, Path, description = "column (x), below 2^tileMatrix"),
        ("f" = Option<super::TileFormat>, Query, description = "output format"),
    ),
    responses(
        (status = 200, description = "the tile (gzip when accepted)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "empty tile"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "malformed tile address, a row or column past 2^tileMatrix, tile matrix above the maximum zoom, or bad f", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown tile matrix set", body = crate::http::error::ErrorBody),
    ))]
pub async fn dataset_tile(
    State(state): State<AppState>,
    Path((tms, z, row, col)): Path<(String, String, String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["mvt"])?;
    check_matrix_set(&tms)?;
    let snapshot = state.snapshot_arc();
    let coord = coord(&z, &row, &col, snapshot.tiling.tiles.maxzoom)?;
    crate::http::tiles::serve(&state, snapshot, coord, LayerSelection::All, req.headers()).await
}

/// A vector tile with only this collection's layer (as
/// `/tiles/{z}/{x}/{y}?layers={collectionId}`).
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", tag = "ogc tiles",
    params(
        ("collectionId" = String, Path, description = "layer name"),
        ("tileMatrixSetId" = super::MatrixSetId, Path, description = "tile matrix set"),
        ("tileMatrix" = u8, Path, maximum = 30, description = "zoom"),
        ("tileRow" = u32, Path, description = "row (y), below 2^tileMatrix"),
        ("tileCol" = u32, Path, description = "column (x), below 2^tileMatrix"),
        ("f" = Option<super::TileFormat>, Query, description = "output format"),
    ),
    responses(
        (status = 200, description = "the tile (gzip when accepted)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "empty tile"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "malformed tile address, a row or column past 2^tileMatrix, tile matrix above the maximum zoom, or bad f", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown collection or tile matrix set", body = crate::http::error::ErrorBody),
    ))]
pub async fn collection_tile(
    State(state): State<AppState>,
    Path((collection, tms, z, row, col)): Path<(String, String, String, String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["mvt"])?;
    let snapshot = state.snapshot_arc();
    let i = layer_index(&snapshot, &collection)?;
    check_matrix_set(&tms)?;
    let coord = coord(&z, &row, &col, snapshot.tiling.tiles.maxzoom)?;
    let selection = if snapshot.layers.len() == 1 {
        LayerSelection::All
    } else {
        LayerSelection::Only(vec![i])
    };
    crate::http::tiles::serve(&state, snapshot, coord, selection, req.headers()).await
}

/// Only WebMercatorQuad is offered: any other tile matrix set is `404`.
pub(crate) fn check_matrix_set(tms: &str) -> Result<(), ApiError> {
    if tms == matrix::ID {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "no tile matrix set {:?} (only {})",
            truncate(tms, 100),
            matrix::ID
        )))
    }
}

/// Validates `tileMatrix` / `tileRow` / `tileCol` (plain non-negative integers, the row and
/// column inside the matrix, the matrix at most the maximum zoom): `400` naming the part.
fn coord(z: &str, row: &str, col: &str, maxzoom: u8) -> Result<TileCoord, ApiError> {
    let num = |name: &str, s: &str| {
        if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::BadRequest(format!(
                "{name} must be a non-negative integer, got {:?}",
                truncate(s, 32)
            )));
        }
        s.parse::<u32>()
            .map_err(|_| ApiError::BadRequest(format!("{name} {:?} is too large", truncate(s, 32))))
    };
    let (z, y, x) = (
        num("tileMatrix", z)?,
        num("tileRow", row)?,
        num("tileCol", col)?,
    );
    TileCoord::new(z, x, y, maxzoom).map_err(|e| {
        ApiError::BadRequest(match e {
            TileCoordError::ZoomTooHigh { z, maxzoom } => {
                format!("tileMatrix {z} is above the maximum tile matrix {maxzoom}")
            }
            TileCoordError::XOutOfRange { z, x } => {
                format!(
                    "tileCol {x} is out of range for tileMatrix {z} (0..{})",
                    1u64 << z
                )
            }
            TileCoordError::YOutOfRange { z, y } => {
                format!(
                    "tileRow {y} is out of range for tileMatrix {z} (0..{})",
                    1u64 << z
                )
            }
            other => other.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_is_y_and_col_is_x() {
        assert_eq!(
            coord("14", "6772", "3851", 16).unwrap(),
            TileCoord {
                z: 14,
                x: 3851,
                y: 6772
            }
        );
        let msg = |r: Result<TileCoord, ApiError>| r.unwrap_err().to_string();
        assert!(msg(coord("17", "0", "0", 16)).contains("tileMatrix 17"));
        assert!(msg(coord("1", "2", "0", 16)).contains("tileRow 2"));
        assert!(msg(coord("1", "0", "2", 16)).contains("tileCol 2"));
        assert!(msg(coord("1", "0.mvt", "0", 16)).contains("tileRow"));
        assert!(msg(coord("-1", "0", "0", 16)).contains("tileMatrix"));
        assert!(msg(coord("1", "0", "99999999999", 16)).contains("tileCol"));
    }
}
