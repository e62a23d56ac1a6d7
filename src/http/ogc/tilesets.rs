//! The OGC API - Tiles documents: the tile matrix sets (`/ogc/tileMatrixSets[/{id}]`), the
//! tile set lists (`/ogc/tiles`, `/ogc/collections/{collectionId}/tiles`) and the tile set
//! metadata (`.../tiles/WebMercatorQuad`: data type, CRS, limits per zoom, layers with fields
//! and zooms, the templated tile URL).

use axum::extract::{Path, Request, State};
use axum::response::Response;
use serde_json::{json, Map, Value as Json};

use super::docs::{
    object_schema, BoundingBox, TileLayer, TileMatrixSet, TileMatrixSetRef, TileMatrixSets,
    TileSet, TileSetRef, TileSets,
};

use super::collections::lonlat_bbox;
use super::links::{encode, Base, Link, JSON};
use super::tiles::check_matrix_set;
use super::{check_format, layer_index, matrix, rel, CRS84};
use crate::http::tiles::MVT_CONTENT_TYPE;
use crate::http::{ApiError, AppState};
use crate::index::{GeometryKind, IndexedLayer, Snapshot};
use crate::model::FieldType;

/// Tile matrix sets.
#[utoipa::path(get, path = "/ogc/tileMatrixSets", tag = "ogc tiles",
    params(("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses((status = 200, description = "the list", body = TileMatrixSets), (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody)))]
pub async fn matrix_sets(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let href = base.ogc(&format!("/tileMatrixSets/{}", matrix::ID));
    let body = TileMatrixSets {
        tile_matrix_sets: vec![TileMatrixSetRef {
            id: matrix::ID,
            title: matrix::TITLE,
            uri: matrix::URI,
            crs: matrix::CRS,
            links: vec![Link::new(
                href,
                rel::TILING_SCHEME,
                JSON,
                "The tile matrix set definition",
            )],
        }],
        links: vec![Link::new(
            base.ogc("/tileMatrixSets"),
            "self",
            JSON,
            "This document",
        )],
    };
    Ok(base.respond(&body, JSON))
}

/// The WebMercatorQuad definition (TMS 2.0).
#[utoipa::path(get, path = "/ogc/tileMatrixSets/{tileMatrixSetId}", tag = "ogc tiles",
    params(("tileMatrixSetId" = super::MatrixSetId, Path, description = "tile matrix set"), ("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "the tile matrix set", body = TileMatrixSet),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown tile matrix set", body = crate::http::error::ErrorBody),
    ))]
pub async fn matrix_set(
    State(state): State<AppState>,
    Path(tms): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    check_matrix_set(&tms)?;
    let base = Base::of(&state, &req)?;
    let doc = matrix::definition(base.ogc(&format!("/tileMatrixSets/{}", matrix::ID)));
    Ok(base.respond(&doc, JSON))
}

/// Vector tile sets of the dataset (one: every layer).
#[utoipa::path(get, path = "/ogc/tiles", tag = "ogc tiles",
    params(("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses((status = 200, description = "tilesets", body = TileSets), (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody)))]
pub async fn dataset_list(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    Ok(base.respond(&list(&base, "", "All layers"), JSON))
}

/// Tile set metadata (every layer).
#[utoipa::path(get, path = "/ogc/tiles/{tileMatrixSetId}", tag = "ogc tiles",
    params(("tileMatrixSetId" = super::MatrixSetId, Path, description = "tile matrix set"), ("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "dataType, crs, tileMatrixSetURI, tileMatrixSetLimits, layers, links", body = TileSet),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown tile matrix set", body = crate::http::error::ErrorBody),
    ))]
pub async fn dataset_tileset(
    State(state): State<AppState>,
    Path(tms): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    check_matrix_set(&tms)?;
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let layers: Vec<&IndexedLayer> = snapshot.layers.iter().map(|l| &**l).collect();
    let doc = tileset(&snapshot, &layers, &base, "", "All layers");
    Ok(base.respond(&doc, JSON))
}

/// Vector tile sets of one collection.
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/tiles", tag = "ogc tiles",
    params(("collectionId" = String, Path, description = "layer name"), ("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "tilesets", body = TileSets),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown collection", body = crate::http::error::ErrorBody),
    ))]
pub async fn collection_list(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let layer = &snapshot.layers[layer_index(&snapshot, &collection)?];
    let prefix = format!("/collections/{}", encode(&layer.name));
    Ok(base.respond(&list(&base, &prefix, &layer.name), JSON))
}

/// Tile set metadata of one collection.
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}", tag = "ogc tiles",
    params(("collectionId" = String, Path, description = "layer name"), ("tileMatrixSetId" = super::MatrixSetId, Path, description = "tile matrix set"), ("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "tile set metadata", body = TileSet),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown collection or tile matrix set", body = crate::http::error::ErrorBody),
    ))]
pub async fn collection_tileset(
    State(state): State<AppState>,
    Path((collection, tms)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let layer = &*snapshot.layers[layer_index(&snapshot, &collection)?];
    check_matrix_set(&tms)?;
    let prefix = format!("/collections/{}", encode(&layer.name));
    let doc = tileset(&snapshot, &[layer], &base, &prefix, &layer.name);
    Ok(base.respond(&doc, JSON))
}

/// The tile set list under `prefix` (`""` for the dataset, `/collections/{id}`).
fn list(base: &Base, prefix: &str, title: &str) -> TileSets {
    let tileset = base.ogc(&format!("{prefix}/tiles/{}", matrix::ID));
    TileSets {
        tilesets: vec![TileSetRef {
            title: title.to_owned(),
            data_type: "vector",
            crs: matrix::CRS,
            tile_matrix_set_uri: matrix::URI,
            links: vec![
                Link::new(tileset, "self", JSON, "The tile set metadata"),
                Link::new(
                    base.ogc(&format!("/tileMatrixSets/{}", matrix::ID)),
                    rel::TILING_SCHEME,
                    JSON,
                    "The tile matrix set definition",
                ),
            ],
        }],
        links: vec![Link::new(
            base.ogc(&format!("{prefix}/tiles")),
            "self",
            JSON,
            "This document",
        )],
    }
}

/// The tile set metadata of `layers` under `prefix`.
fn tileset(
    snapshot: &Snapshot,
    layers: &[&IndexedLayer],
    base: &Base,
    prefix: &str,
    title: &str,
) -> TileSet {
    let maxzoom = snapshot.tiling.tiles.maxzoom;
    let minzoom = layers
        .iter()
        .map(|l| l.config.minzoom)
        .min()
        .unwrap_or(0)
        .min(maxzoom);
    let bounds = layers
        .iter()
        .filter_map(|l| lonlat_bbox(l))
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
        .unwrap_or(snapshot.bounds);
    let tiles = base.ogc(&format!("{prefix}/tiles/{}", matrix::ID));
    let mut links = vec![
        Link::new(tiles.clone(), "self", JSON, "This tile set"),
        Link::new(
            base.ogc(&format!("/tileMatrixSets/{}", matrix::ID)),
            rel::TILING_SCHEME,
            JSON,
            "The tile matrix set definition",
        ),
        Link::new(
            format!("{tiles}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"),
            "item",
            MVT_CONTENT_TYPE,
            "Mapbox Vector Tiles",
        )
        .templated(),
    ];
    if !prefix.is_empty() {
        links.push(Link::new(
            base.ogc(prefix),
            rel::GEODATA,
            JSON,
            "The collection",
        ));
    }
    TileSet {
        title: title.to_owned(),
        data_type: "vector",
        crs: matrix::CRS,
        tile_matrix_set_uri: matrix::URI,
        tile_matrix_set_limits: matrix::limits(bounds, minzoom, maxzoom),
        bounding_box: BoundingBox {
            lower_left: [bounds[0], bounds[1]],
            upper_right: [bounds[2], bounds[3]],
            crs: CRS84,
        },
        layers: layers.iter().map(|l| layer(l, maxzoom)).collect(),
        links,
    }
}

/// One entry of `layers`: id, geometry dimension, zoom range, the attributes in the tiles.
fn layer(layer: &IndexedLayer, maxzoom: u8) -> TileLayer {
    let mut properties: Map<String, Json> = layer
        .tile_fields
        .iter()
        .filter_map(|&i| layer.fields.get(i))
        .map(|f| {
            let t = match f.kind {
                FieldType::Bool => "boolean",
                FieldType::Int => "integer",
                FieldType::Float => "number",
                FieldType::String => "string",
            };
            (f.name.clone(), json!({"type": t}))
        })
        .collect();
    if layer.thinning.is_some() {
        properties.insert(
            "point_count".into(),
            json!({"type": "integer", "description": "points this one represents (thinned zooms)"}),
        );
    }
    let dimension = match layer.kind {
        GeometryKind::Point => Some(0),
        GeometryKind::Line => Some(1),
        GeometryKind::Polygon => Some(2),
        GeometryKind::Mixed => None,
    };
    TileLayer {
        id: layer.name.clone(),
        title: layer.name.clone(),
        data_type: "vector",
        min_tile_matrix: layer.config.minzoom.min(maxzoom).to_string(),
        max_tile_matrix: layer.config.maxzoom.min(maxzoom).to_string(),
        properties_schema: object_schema(properties),
        geometry_dimension: dimension,
    }
}
