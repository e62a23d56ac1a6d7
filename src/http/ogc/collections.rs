//! `GET /ogc/collections` and `GET /ogc/collections/{collectionId}`: one feature collection
//! per layer, with its WGS84 extent, CRS, item type and links to its items, tiles and
//! FlatGeobuf download.

use axum::extract::{Path, Request, State};
use axum::response::Response;

use super::docs::{Collection, Collections, Extent, SpatialExtent};
use super::links::{encode, Base, Link, FLATGEOBUF, GEOJSON, JSON};
use super::{check_format, layer_index, rel, CRS84};
use crate::http::{ApiError, AppState};
use crate::index::{GeometryKind, IndexedLayer, Snapshot};
use crate::mercator::world_to_lonlat;

/// Feature collections (one per layer).
#[utoipa::path(get, path = "/ogc/collections", tag = "ogc",
    params(("f" = Option<super::JsonFormat>, Query, description = "output format")),
    responses(
        (status = 200, description = "collections with extent, crs, itemType and links", body = Collections),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
    ))]
pub async fn collections(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let body = Collections {
        links: vec![Link::new(
            base.ogc("/collections"),
            "self",
            JSON,
            "This document",
        )],
        collections: snapshot
            .layers
            .iter()
            .map(|l| describe(&snapshot, l, &base))
            .collect(),
    };
    Ok(base.respond(&body, JSON))
}

/// One feature collection.
#[utoipa::path(get, path = "/ogc/collections/{collectionId}", tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "layer name"),
        ("f" = Option<super::JsonFormat>, Query, description = "output format"),
    ),
    responses(
        (status = 200, description = "the collection", body = Collection),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown collection", body = crate::http::error::ErrorBody),
    ))]
pub async fn collection(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json"])?;
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let i = layer_index(&snapshot, &collection)?;
    Ok(base.respond(&describe(&snapshot, &snapshot.layers[i], &base), JSON))
}

/// The collection document of `layer`.
fn describe(snapshot: &Snapshot, layer: &IndexedLayer, base: &Base) -> Collection {
    let id = encode(&layer.name);
    let path = format!("/collections/{id}");
    let links = [
        Link::new(base.ogc(&path), "self", JSON, "This collection"),
        Link::new(
            base.ogc(&format!("{path}/items")),
            "items",
            GEOJSON,
            &format!("The {} features (GeoJSON)", layer.name),
        ),
        Link::new(
            base.ogc(&format!("{path}/tiles")),
            rel::TILESETS_VECTOR,
            JSON,
            &format!("Vector tile sets of {}", layer.name),
        ),
        Link::new(
            base.url(&format!("/data/{id}.fgb")),
            "enclosure",
            FLATGEOBUF,
            &format!(
                "The whole {} layer as FlatGeobuf (spatial index, HTTP Range)",
                layer.name
            ),
        ),
    ];
    Collection {
        id: layer.name.clone(),
        title: layer.name.clone(),
        description: format!(
            "{} layer of the grid, {} features; feature id = asset id",
            kind_name(layer.kind),
            layer.features.len()
        ),
        item_type: "feature",
        crs: [CRS84],
        storage_crs: CRS84,
        extent: Extent {
            spatial: SpatialExtent {
                bbox: [lonlat_bbox(layer).unwrap_or(snapshot.bounds)],
                crs: CRS84,
            },
        },
        links: links.to_vec(),
    }
}

/// `Point`, `Line`, `Polygon` or `Mixed`.
pub fn kind_name(kind: GeometryKind) -> &'static str {
    match kind {
        GeometryKind::Point => "Point",
        GeometryKind::Line => "Line",
        GeometryKind::Polygon => "Polygon",
        GeometryKind::Mixed => "Mixed",
    }
}

/// The layer's bounding box in lon/lat `[west, south, east, north]`, `None` when empty.
pub fn lonlat_bbox(layer: &IndexedLayer) -> Option<[f64; 4]> {
    if layer.features.is_empty() || !layer.bbox.iter().all(|v| v.is_finite()) {
        return None;
    }
    let (west, north) = world_to_lonlat([layer.bbox[0], layer.bbox[1]]);
    let (east, south) = world_to_lonlat([layer.bbox[2], layer.bbox[3]]);
    // Rounded outwards so that every feature lies inside.
    let down = |v: f64| (v * 1e7).floor() / 1e7;
    let up = |v: f64| (v * 1e7).ceil() / 1e7;
    Some([down(west), down(south), up(east), up(north)])
}
