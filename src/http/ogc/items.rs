//! `GET /ogc/collections/{collectionId}/items` (a page of GeoJSON features in WGS84, in the
//! layer's feature order, with `numberMatched`, `numberReturned`, `timeStamp` and `self` /
//! `next` / `prev` links) and `GET /ogc/collections/{collectionId}/items/{featureId}` (one
//! feature; the id is the asset id).
//!
//! A page is selected and serialized on the blocking pool: counting `numberMatched` reads
//! every candidate feature of the layer (the R-tree narrows them down when there is a bbox).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Request, State};
use axum::response::Response;
use geo::Intersects;
use rstar::AABB;
use serde::Serialize;

use super::feature_json::FeatureJson;
use super::links::{encode, Base, Link, GEOJSON, JSON};
use super::query::ItemsQuery;
use super::{check_format, layer_index};
use crate::http::api::dates;
use crate::http::{ApiError, AppState};
use crate::index::{IndexedFeature, IndexedLayer, WorldGeometry};
use crate::mercator::{lonlat_to_world, WorldCoord};
use crate::model::Value;

/// Features of a collection (GeoJSON, WGS84, in feature order); any attribute of the layer is
/// also an exact-value filter (`?status=energized`).
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items", tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "layer name"),
        ("bbox" = Option<String>, Query, pattern = "^-?[0-9.]+(,-?[0-9.]+){3}$", description = "minLon,minLat,maxLon,maxLat (WGS84)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "page size (default 100; larger values are clamped to the maximum)"),
        ("offset" = Option<u64>, Query, description = "features to skip (default 0)"),
        ("datetime" = Option<String>, Query, description = "RFC 3339 instant or interval (validated; the layers have no temporal property)"),
        ("crs" = Option<super::Crs84>, Query, description = "output CRS (only CRS84)"),
        ("bbox-crs" = Option<super::Crs84>, Query, description = "CRS of bbox (only CRS84)"),
        ("f" = Option<super::FeatureFormat>, Query, description = "output format"),
    ),
    responses(
        (status = 200, description = "FeatureCollection with numberMatched, numberReturned, timeStamp, links (self, next, prev)", body = Collection, content_type = "application/geo+json"),
        (status = 400, description = "bad bbox, limit, offset, datetime, filter value, repeated or unknown parameter", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown collection", body = crate::http::error::ErrorBody),
    ))]
pub async fn items(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let layer = Arc::clone(&snapshot.layers[layer_index(&snapshot, &collection)?]);
    drop(snapshot);
    let query = ItemsQuery::parse(req.uri(), &layer)?;
    let page_base = base.clone();
    let body = tokio::task::spawn_blocking(move || page(&layer, &query, &page_base))
        .await
        .map_err(|e| ApiError::Internal(format!("items task failed: {e}")))??;
    Ok(base.respond_bytes(body, GEOJSON))
}

/// One feature (id = asset id). An id that is not a feature of the collection (including one
/// that is not a number) is `404`.
#[utoipa::path(get, path = "/ogc/collections/{collectionId}/items/{featureId}", tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "layer name"),
        ("featureId" = String, Path, description = "asset id"),
        ("f" = Option<super::FeatureFormat>, Query, description = "output format"),
    ),
    responses(
        (status = 200, description = "the Feature", body = crate::http::api::geojson::Feature, content_type = "application/geo+json"),
        (status = 400, description = "bad or repeated f, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown collection or feature", body = crate::http::error::ErrorBody),
    ))]
pub async fn item(
    State(state): State<AppState>,
    Path((collection, feature_id)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    check_format(req.uri(), &["json", "geojson"])?;
    let base = Base::of(&state, &req)?;
    let snapshot = state.snapshot_arc();
    let layer = &snapshot.layers[layer_index(&snapshot, &collection)?];
    let feature = feature_id
        .parse::<u64>()
        .ok()
        .and_then(|id| layer.feature(id))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no feature {:?} in collection {}",
                crate::http::error::truncate(&feature_id, 50),
                layer.name
            ))
        })?;
    let path = format!("/collections/{}", encode(&layer.name));
    let mut doc = serde_json::to_value(FeatureJson { layer, feature })
        .map_err(|e| ApiError::Internal(format!("serializing a feature: {e}")))?;
    doc["links"] = super::links::to_json(&[
        Link::new(
            base.ogc(&format!("{path}/items/{}", feature.id)),
            "self",
            GEOJSON,
            "This feature",
        ),
        Link::new(base.ogc(&path), "collection", JSON, "The collection"),
    ]);
    Ok(base.respond(&doc, GEOJSON))
}

/// The indices of the features matching `query` (bbox and filters), in feature order.
pub fn matching(layer: &IndexedLayer, query: &ItemsQuery) -> Vec<u32> {
    let keep = |f: &IndexedFeature| {
        query
            .filters
            .iter()
            .all(|(i, _, v)| equals(f.properties.get(*i).and_then(Option::as_ref), v))
    };
    match query.bbox {
        None => (0..layer.features.len() as u32)
            .filter(|&i| keep(&layer.features[i as usize]))
            .collect(),
        Some([w, s, e, n]) => {
            let min = lonlat_to_world(w, n);
            let max = lonlat_to_world(e, s);
            let rect = geo::Rect::new(
                geo::coord! { x: min[0], y: min[1] },
                geo::coord! { x: max[0], y: max[1] },
            );
            let mut hits: Vec<u32> = layer
                .rtree
                .locate_in_envelope_intersecting(&AABB::from_corners(min, max))
                .map(|entry| entry.data)
                .filter(|&i| {
                    let f = &layer.features[i as usize];
                    intersects(&f.geometry, &rect) && keep(f)
                })
                .collect();
            hits.sort_unstable();
            hits
        }
    }
}

/// Exact equality of an attribute with a filter value (numbers by value).
fn equals(actual: Option<&Value>, wanted: &Value) -> bool {
    match (actual, wanted) {
        (Some(Value::Str(a)), Value::Str(b)) => a == b,
        (Some(Value::Int(a)), Value::Int(b)) => a == b,
        (Some(Value::Float(a)), Value::Float(b)) => a == b,
        (Some(Value::Int(a)), Value::Float(b)) => (*a as f64) == *b,
        (Some(Value::Bool(a)), Value::Bool(b)) => a == b,
        _ => false,
    }
}

/// True when the geometry (world coordinates) meets `rect`.
fn intersects(g: &WorldGeometry, rect: &geo::Rect<f64>) -> bool {
    let line = |c: &[WorldCoord]| {
        geo::LineString::from(c.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>())
    };
    match g {
        WorldGeometry::Points(pts) => pts.iter().any(|p| {
            let (min, max) = (rect.min(), rect.max());
            p[0] >= min.x && p[0] <= max.x && p[1] >= min.y && p[1] <= max.y
        }),
        WorldGeometry::Lines(paths) => paths.iter().any(|p| line(&p.coords).intersects(rect)),
        WorldGeometry::Polygons(polys) => polys.iter().any(|rings| {
            let mut rings = rings.iter().map(|r| line(&r.coords));
            let Some(exterior) = rings.next() else {
                return false;
            };
            geo::Polygon::new(exterior, rings.collect()).intersects(rect)
        }),
    }
}

/// The serialized feature collection of one page.
fn page(layer: &IndexedLayer, query: &ItemsQuery, base: &Base) -> Result<Vec<u8>, ApiError> {
    let matched = matching(layer, query);
    let start = query.offset.min(matched.len());
    let end = start.saturating_add(query.limit).min(matched.len());
    let returned = end - start;
    let path = format!("/collections/{}", encode(&layer.name));
    let items = base.ogc(&format!("{path}/items"));
    let at = |offset: usize| format!("{items}?{}", query.to_query_string(offset));
    let mut links = vec![
        Link::new(at(query.offset), "self", GEOJSON, "This page"),
        Link::new(base.ogc(&path), "collection", JSON, "The collection"),
    ];
    if end < matched.len() {
        links.push(Link::new(at(end), "next", GEOJSON, "Next page"));
    }
    if query.offset > 0 {
        let prev = query.offset.saturating_sub(query.limit);
        links.push(Link::new(at(prev), "prev", GEOJSON, "Previous page"));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let doc = Collection {
        kind: "FeatureCollection",
        number_matched: matched.len(),
        number_returned: returned,
        time_stamp: dates::format(now),
        links,
        features: Page {
            layer,
            indices: &matched[start..end],
        },
    };
    // About 250 bytes per point feature.
    let mut out = Vec::with_capacity(1024 + returned * 256);
    serde_json::to_writer(&mut out, &doc)
        .map_err(|e| ApiError::Internal(format!("serializing items: {e}")))?;
    Ok(out)
}

/// The feature collection document of one page.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FeaturePage)]
pub struct Collection<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    links: Vec<Link>,
    #[schema(value_type = Vec<crate::http::api::geojson::Feature>)]
    features: Page<'a>,
}

/// The features at `indices`, written one after the other.
pub struct Page<'a> {
    layer: &'a IndexedLayer,
    indices: &'a [u32],
}

impl Serialize for Page<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.indices.iter().map(|&i| FeatureJson {
            layer: self.layer,
            feature: &self.layer.features[i as usize],
        }))
    }
}
