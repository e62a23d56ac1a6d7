//! `GET /api/nearest?lon=&lat=&k=&layers=&max_m=`: the assets nearest a point by true
//! distance in metres.
//!
//! Per layer, the R-tree of bounding boxes is walked in order of bounding-box distance
//! (`nearest_neighbor_iter_with_distance_2`); each candidate's exact distance (to the point,
//! the line, or the polygon) is computed in world coordinates, and the walk stops once the
//! next bounding box is farther than `max_m` or than the k-th best exact distance so far
//! (a bounding box is never farther than its geometry). World distances become metres with
//! the scale at the query's latitude (Web Mercator is conformal; the error over `max_m` ≤ 50
//! km is well under 1 %).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::params::{self, bad};
use crate::http::error::ErrorBody;
use crate::http::layers::{indices, parse_list};
use crate::http::{ApiError, AppState};
use crate::index::{IndexedLayer, Snapshot, WorldGeometry};
use crate::mercator::{lonlat_to_world, metres_per_world_unit, WorldCoord, MAX_LAT};
use crate::tiles::LayerSelection;

/// Largest `k`.
pub const MAX_K: usize = 100;
/// Largest `max_m`.
pub const MAX_DISTANCE_M: f64 = 50_000.0;
/// Bounding boxes examined per layer at most (bounds the work of one request).
const MAX_CANDIDATES: usize = 200_000;

fn seg_dist2(p: WorldCoord, a: WorldCoord, b: WorldCoord) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (x, y) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    x * x + y * y
}

fn path_dist2(p: WorldCoord, coords: &[WorldCoord]) -> f64 {
    match coords {
        [] => f64::INFINITY,
        [only] => seg_dist2(p, *only, *only),
        _ => coords
            .windows(2)
            .map(|w| seg_dist2(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Even-odd point-in-ring test.
fn in_ring(p: WorldCoord, ring: &[WorldCoord]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
        {
            inside = !inside;
        }
    }
    inside
}

/// Exact squared world distance from `p` to a geometry (0 inside a polygon).
pub fn distance2(p: WorldCoord, g: &WorldGeometry) -> f64 {
    match g {
        WorldGeometry::Points(pts) => pts
            .iter()
            .map(|q| (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2))
            .fold(f64::INFINITY, f64::min),
        WorldGeometry::Lines(paths) => paths
            .iter()
            .map(|path| path_dist2(p, &path.coords))
            .fold(f64::INFINITY, f64::min),
        WorldGeometry::Polygons(polys) => polys
            .iter()
            .map(|rings| {
                let inside = rings.first().is_some_and(|r| in_ring(p, &r.coords))
                    && !rings[1..].iter().any(|h| in_ring(p, &h.coords));
                if inside {
                    0.0
                } else {
                    rings
                        .iter()
                        .map(|r| path_dist2(p, &r.coords))
                        .fold(f64::INFINITY, f64::min)
                }
            })
            .fold(f64::INFINITY, f64::min),
    }
}

/// A candidate: exact distance (world units), layer index, feature index.
type Hit = (f64, usize, u32);

/// Keeps the `k` nearest hits of `layer` (merged into `best`, sorted by distance).
fn search_layer(
    layer: &IndexedLayer,
    li: usize,
    p: WorldCoord,
    k: usize,
    max_w: f64,
    best: &mut Vec<Hit>,
) {
    let max_w2 = max_w * max_w;
    for (n, (entry, bbox_d2)) in layer
        .rtree
        .nearest_neighbor_iter_with_distance_2(&p)
        .enumerate()
    {
        let kth = if best.len() >= k {
            best[k - 1].0
        } else {
            max_w
        };
        if bbox_d2 > max_w2 || bbox_d2 > kth * kth || n >= MAX_CANDIDATES {
            break;
        }
        let Some(f) = layer.features.get(entry.data as usize) else {
            continue;
        };
        let d = distance2(p, &f.geometry).sqrt();
        if d <= max_w && (best.len() < k || d < best[k - 1].0) {
            let at = best.partition_point(|h| h.0 <= d);
            best.insert(at, (d, li, entry.data));
            best.truncate(k);
        }
    }
}

fn number(q: &params::Query, name: &str) -> Result<Option<f64>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(name, "a finite number"))
        })
        .transpose()
}

/// One asset near the point.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyAsset {
    /// True distance in metres (to the line for spans, 0 inside a polygon).
    pub distance_m: f64,
    pub id: u64,
    pub layer: String,
}

/// `GET /api/nearest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearestDoc {
    pub k: usize,
    pub lat: f64,
    pub lon: f64,
    pub max_m: f64,
    /// Nearest first.
    pub results: Vec<NearbyAsset>,
}

fn nearest_doc(snapshot: &Snapshot, q: &params::Query) -> Result<NearestDoc, ApiError> {
    let lon = number(q, "lon")?.ok_or_else(|| bad("lon", "a longitude (required)"))?;
    let lat = number(q, "lat")?.ok_or_else(|| bad("lat", "a latitude (required)"))?;
    if !(-180.0..=180.0).contains(&lon) {
        return Err(bad("lon", "a longitude in [-180, 180]"));
    }
    if !(-MAX_LAT..=MAX_LAT).contains(&lat) {
        return Err(bad("lat", "a latitude in [-85.05, 85.05]"));
    }
    let k = match q.get("k") {
        None => 10,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|k| (1..=MAX_K).contains(k))
            .ok_or_else(|| bad("k", "an integer from 1 to 100"))?,
    };
    let max_m = number(q, "max_m")?.unwrap_or(1000.0);
    if !(max_m > 0.0 && max_m <= MAX_DISTANCE_M) {
        return Err(bad("max_m", "metres, more than 0 and at most 50000"));
    }
    let selection = match q.get("layers") {
        None => LayerSelection::All,
        Some(list) => parse_list(list, snapshot)?,
    };
    let p = lonlat_to_world(lon, lat);
    let m_per_w = metres_per_world_unit(lat);
    let max_w = max_m / m_per_w;
    let mut best: Vec<Hit> = Vec::with_capacity(k + 1);
    for li in indices(&selection, snapshot) {
        search_layer(&snapshot.layers[li], li, p, k, max_w, &mut best);
    }
    let results = best
        .iter()
        .map(|&(d, li, fi)| {
            let layer = &snapshot.layers[li];
            NearbyAsset {
                distance_m: (d * m_per_w * 100.0).round() / 100.0,
                id: layer.features[fi as usize].id,
                layer: layer.name.clone(),
            }
        })
        .collect();
    Ok(NearestDoc {
        k,
        lat,
        lon,
        max_m,
        results,
    })
}

/// Nearest assets by true distance in metres (to the line for spans).
#[utoipa::path(get, path = "/api/nearest", tag = "grid",
    params(
        ("lon" = f64, Query, minimum = -180, maximum = 180, description = "longitude (WGS84)"),
        ("lat" = f64, Query, minimum = -85.0511287798, maximum = 85.0511287798, description = "latitude (WGS84)"),
        ("k" = Option<u32>, Query, minimum = 1, maximum = 100, description = "how many (default 10)"),
        ("max_m" = Option<f64>, Query, exclusive_minimum = 0, maximum = 50000, description = "search radius in metres (default 1000)"),
        ("layers" = Option<String>, Query, pattern = "^[^,]+(,[^,]+)*$", description = "comma-separated layers (default: all)"),
    ),
    responses(
        (status = 200, description = "results sorted by distance_m", body = NearestDoc),
        (status = 400, description = "bad parameter", body = ErrorBody),
        (status = 404, description = "unknown layer", body = ErrorBody),
    ))]
pub async fn nearest(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<NearestDoc>, ApiError> {
    tokio::task::spawn_blocking(move || nearest_doc(&state.snapshot_arc(), &q).map(Json))
        .await
        .map_err(|e| ApiError::Internal(format!("nearest task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_and_ring_distances() {
        assert_eq!(seg_dist2([0.5, 1.0], [0.0, 0.0], [1.0, 0.0]), 1.0);
        assert_eq!(seg_dist2([2.0, 0.0], [0.0, 0.0], [1.0, 0.0]), 1.0);
        let sq = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert!(in_ring([0.5, 0.5], &sq) && !in_ring([1.5, 0.5], &sq));
    }
}
