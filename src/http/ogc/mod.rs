//! OGC API - Features (Part 1) and OGC API - Tiles (Part 1) over the snapshot, under `/ogc`.
//!
//! [`landing`] (landing page, conformance), [`collections`] (one collection per layer, with
//! its WGS84 extent), [`items`] (GeoJSON features: bbox, property filters, paging; the query
//! is parsed in [`query`], features written by [`feature_json`]), [`matrix`] (the WebMercatorQuad tile matrix set and the limits of
//! a bounding box), [`tilesets`] (tile set lists and metadata) and [`tiles`] (tiles, served
//! by the `/tiles` handler's internals: same cache, ETag/304, gzip and 204 for empty),
//! [`links`] (absolute URLs from `server.public_url` or the request's host).
//!
//! Auth groups: the feature routes (landing page, conformance, collections, items) expose
//! every attribute like `/api/assets`, so they are in the `api` group; the tile routes and
//! tile metadata are in the `tiles` group.

pub mod collections;
pub mod docs;
pub mod feature_json;
pub mod items;
pub mod landing;
pub mod links;
pub mod matrix;
pub mod query;
pub mod tiles;
pub mod tilesets;

use axum::extract::Query;
use axum::http::Uri;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use tower_http::compression::CompressionLayer;

use super::{ApiError, AppState};

/// OGC link relations (besides the IANA ones such as `self`, `items`, `next`).
pub mod rel {
    /// Vector tile sets of a dataset or collection.
    pub const TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
    /// The list of tile matrix sets.
    pub const TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
    /// The tile matrix set definition a tile set uses.
    pub const TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
    /// The geodata (collection) a tile set holds.
    pub const GEODATA: &str = "http://www.opengis.net/def/rel/ogc/1.0/geodata";
}

/// WGS84 longitude/latitude (the GeoJSON CRS).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The feature routes (landing page, conformance, collections, items), without
/// authentication: the router puts them in the `api` group.
pub fn feature_routes() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing::landing))
        .route("/ogc/conformance", get(landing::conformance))
        .route("/ogc/collections", get(collections::collections))
        .route(
            "/ogc/collections/{collectionId}",
            get(collections::collection),
        )
        .route("/ogc/collections/{collectionId}/items", get(items::items))
        .route(
            "/ogc/collections/{collectionId}/items/{featureId}",
            get(items::item),
        )
        .layer(CompressionLayer::new())
}

/// The tile routes (tile matrix sets, tile set lists and metadata, tiles), without
/// authentication: the router puts them in the `tiles` group. Tiles are stored gzip-compressed
/// already; only the JSON documents get a compression layer.
pub fn tile_routes() -> Router<AppState> {
    let documents = Router::new()
        .route("/ogc/tileMatrixSets", get(tilesets::matrix_sets))
        .route(
            "/ogc/tileMatrixSets/{tileMatrixSetId}",
            get(tilesets::matrix_set),
        )
        .route("/ogc/tiles", get(tilesets::dataset_list))
        .route(
            "/ogc/tiles/{tileMatrixSetId}",
            get(tilesets::dataset_tileset),
        )
        .route(
            "/ogc/collections/{collectionId}/tiles",
            get(tilesets::collection_list),
        )
        .route(
            "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}",
            get(tilesets::collection_tileset),
        )
        .layer(CompressionLayer::new());
    Router::new()
        .route(
            "/ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            get(tiles::dataset_tile),
        )
        .route(
            "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            get(tiles::collection_tile),
        )
        .merge(documents)
}

/// `f=json`: the only output format of the metadata documents.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonFormat {
    Json,
}

/// `f` of the feature routes.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeatureFormat {
    Json,
    Geojson,
}

/// `f` of the tile routes.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TileFormat {
    Mvt,
}

/// The only CRS of features and bounding boxes.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub enum Crs84 {
    #[serde(rename = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    Crs84,
}

/// The tile matrix sets served (one).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub enum MatrixSetId {
    WebMercatorQuad,
}

#[derive(Deserialize)]
struct FormatQuery {
    f: Option<String>,
}

/// Checks the `f` parameter (output format) against the accepted values; absent is fine.
pub(crate) fn check_format(uri: &Uri, accepted: &[&str]) -> Result<(), ApiError> {
    if uri.query().is_none() {
        return Ok(());
    }
    let q = Query::<FormatQuery>::try_from_uri(uri)
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {}", e.body_text())))?;
    match q.0.f {
        Some(f) if !accepted.contains(&f.as_str()) => Err(ApiError::BadRequest(format!(
            "query parameter \"f\": expected {}, got {:?}",
            accepted.join(" | "),
            super::error::truncate(&f, 50)
        ))),
        _ => Ok(()),
    }
}

/// The layer a `{collectionId}` names, or `404`.
pub(crate) fn layer_index(
    snapshot: &crate::index::Snapshot,
    collection: &str,
) -> Result<usize, ApiError> {
    snapshot.layer_index(collection).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection {:?}",
            super::error::truncate(collection, 100)
        ))
    })
}
