//! `GET /api/trace/{id}` (upstream, downstream, isolate; optionally with geometry) and
//! `GET /api/topology/connections?feeder=` over the cached topology graph.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::assets::find;
use super::geojson;
use super::graph::with_graph;
use super::params;
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::topology::{AssetIds, TopologyError};

/// Features a trace's GeoJSON carries at most (`geometry_truncated` beyond).
pub const MAX_TRACE_FEATURES: usize = 20_000;

fn topo_error(e: TopologyError) -> ApiError {
    match e {
        TopologyError::UnknownAsset(_) | TopologyError::UnknownFeeder(_) => {
            ApiError::NotFound(e.to_string())
        }
        _ => ApiError::Internal(e.to_string()),
    }
}

/// Every id of `ids`, layer by layer.
fn all_ids(ids: &AssetIds) -> impl Iterator<Item = u64> + '_ {
    [
        &ids.substations,
        &ids.spans,
        &ids.poles,
        &ids.switches,
        &ids.transformers,
        &ids.meters,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// A FeatureCollection of the assets in `ids` (at most [`MAX_TRACE_FEATURES`]) and whether
/// some were left out.
fn collection(snapshot: &Snapshot, ids: &AssetIds) -> (Json_, bool) {
    let mut features = Vec::new();
    let mut capped = false;
    for id in all_ids(ids) {
        if features.len() >= MAX_TRACE_FEATURES {
            capped = true;
            break;
        }
        if let Some((layer, f)) = find(snapshot, id) {
            features.push(geojson::feature(layer, f));
        }
    }
    (
        json!({"type": "FeatureCollection", "features": features}),
        capped,
    )
}

/// `GET /api/trace/{id}?direction=upstream|downstream|isolate&geometry=true`.
pub async fn trace(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let id = params::asset_id(&raw)?;
    let directions = ["upstream", "downstream", "isolate"];
    let direction = params::choice(&q, "direction", &directions, "downstream")?;
    let geometry = params::flag(&q, "geometry", false)?;
    with_graph(&state, move |snapshot, graph| {
        let (mut doc, ids) = match direction {
            "upstream" | "downstream" => {
                let r = if direction == "upstream" {
                    graph.upstream(id)
                } else {
                    graph.downstream(id)
                }
                .map_err(topo_error)?;
                let mut doc =
                    serde_json::to_value(&r).map_err(|e| ApiError::Internal(e.to_string()))?;
                if direction == "downstream" {
                    if let Some(o) = doc.as_object_mut() {
                        o.remove("path");
                        o.remove("path_devices");
                    }
                }
                (doc, geometry.then(|| r.ids.clone()))
            }
            _ => {
                let r = graph.isolate(id).map_err(topo_error)?;
                let mut doc =
                    serde_json::to_value(&r).map_err(|e| ApiError::Internal(e.to_string()))?;
                // Uniform with the other directions: the affected assets are `ids`.
                if let Some(o) = doc.as_object_mut() {
                    if let Some(ids) = o.remove("de_energized") {
                        o.insert("ids".into(), ids);
                    }
                    if let Some(d) = o.remove("devices") {
                        o.insert("devices_to_open".into(), d);
                    }
                }
                (doc, geometry.then(|| r.de_energized.clone()))
            }
        };
        if let Some(ids) = ids {
            let (fc, capped) = collection(snapshot, &ids);
            if let Some(o) = doc.as_object_mut() {
                o.insert("geometry".into(), fc);
                o.insert("geometry_truncated".into(), json!(capped));
            }
        }
        if let Some(o) = doc.as_object_mut() {
            o.insert("direction".into(), json!(direction));
        }
        Ok(Json(doc))
    })
    .await
}

/// `GET /api/topology/connections?feeder=`: the feeder's spans with their end nodes, state
/// and the devices at each end.
pub async fn connections(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let feeder = params::int(&q, "feeder")?;
    with_graph(&state, move |_, graph| {
        let c = graph.connections(feeder).map_err(topo_error)?;
        serde_json::to_value(&c)
            .map(Json)
            .map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
}
