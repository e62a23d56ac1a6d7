//! `GET /api/trace/{id}` (upstream, downstream, isolate; optionally with geometry) and
//! `GET /api/topology/connections?feeder=` over the cached topology graph.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::assets::find;
use super::geojson::{self, FeatureCollection};
use super::graph::with_graph;
use super::params;
use crate::http::error::ErrorBody;
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::topology::{
    AssetIds, AssetRef, FeederConnections, IsolationResult, TopologyError, TraceResult,
};

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
fn collection(snapshot: &Snapshot, ids: &AssetIds) -> (FeatureCollection, bool) {
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
    (FeatureCollection::new(features), capped)
}

/// Which way a trace walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Towards the substation feeding the asset (with the path and its devices).
    Upstream,
    /// Everything the asset feeds.
    Downstream,
    /// What to open to de-energize the asset, and what else loses power.
    Isolate,
}

impl Direction {
    /// The `direction` query parameter (default `downstream`).
    fn parse(q: &HashMap<String, String>) -> Result<Direction, ApiError> {
        let all = [
            ("upstream", Direction::Upstream),
            ("downstream", Direction::Downstream),
            ("isolate", Direction::Isolate),
        ];
        let names = all.map(|(n, _)| n);
        let name = params::choice(q, "direction", &names, "downstream")?;
        Ok(all
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Direction::Downstream, |(_, d)| *d))
    }
}

/// `GET /api/trace/{id}`: a trace in any direction. Members that only some directions have
/// are absent in the others.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraceDoc {
    /// The asset the trace started from.
    pub asset: AssetRef,
    /// Customers (meters) on the trace (isolate: that lose power), counted in full even when
    /// `ids.meters` is capped.
    pub customer_count: u64,
    /// Isolate only: protective devices to open, nearest to the asset first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub devices_to_open: Option<Vec<u64>>,
    pub direction: Direction,
    /// Substation feeding the asset now (`null`: de-energized or disconnected).
    pub energized_from: Option<u64>,
    /// With `geometry=true`: the traced assets as GeoJSON (at most 20,000 features).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub geometry: Option<FeatureCollection>,
    /// With `geometry=true`: features were left out of `geometry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub geometry_truncated: Option<bool>,
    /// Every asset on the trace (isolate: every asset that loses power), the start included.
    pub ids: AssetIds,
    /// Isolate only: opening `devices_to_open` de-energizes the asset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub isolable: Option<bool>,
    /// Upstream only: span ids from the asset back to the substation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub path: Option<Vec<u64>>,
    /// Upstream only: switch ids controlling the path spans, nearest to the asset first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub path_devices: Option<Vec<u64>>,
    /// A node or id limit cut the walk or an id list short.
    pub truncated: bool,
}

impl TraceDoc {
    fn walk(r: TraceResult, direction: Direction) -> TraceDoc {
        let upstream = direction == Direction::Upstream;
        TraceDoc {
            asset: r.asset,
            customer_count: r.customer_count,
            devices_to_open: None,
            direction,
            energized_from: r.energized_from,
            geometry: None,
            geometry_truncated: None,
            ids: r.ids,
            isolable: None,
            path: upstream.then_some(r.path),
            path_devices: upstream.then_some(r.path_devices),
            truncated: r.truncated,
        }
    }

    fn isolation(r: IsolationResult) -> TraceDoc {
        TraceDoc {
            asset: r.asset,
            customer_count: r.customer_count,
            devices_to_open: Some(r.devices),
            direction: Direction::Isolate,
            energized_from: r.energized_from,
            geometry: None,
            geometry_truncated: None,
            ids: r.de_energized,
            isolable: Some(r.isolable),
            path: None,
            path_devices: None,
            truncated: r.truncated,
        }
    }
}

/// Network trace from an asset.
#[utoipa::path(get, path = "/api/trace/{id}", tag = "grid",
    params(
        ("id" = u64, Path, description = "asset id"),
        ("direction" = Option<Direction>, Query, description = "trace direction (default: downstream)"),
        ("geometry" = Option<bool>, Query, description = "add a GeoJSON FeatureCollection of the traced assets (at most 20,000 features, geometry_truncated); default false"),
    ),
    responses(
        (status = 200, description = "ids per layer, customer_count, truncated (isolate: devices_to_open, isolable)", body = TraceDoc),
        (status = 400, description = "bad id or parameter", body = ErrorBody),
        (status = 404, description = "not a network asset, or the data has no topology", body = ErrorBody),
    ))]
pub async fn trace(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<TraceDoc>, ApiError> {
    let id = params::asset_id(&raw)?;
    let direction = Direction::parse(&q)?;
    let geometry = params::flag(&q, "geometry", false)?;
    with_graph(&state, move |snapshot, graph| {
        let mut doc = match direction {
            Direction::Upstream => {
                TraceDoc::walk(graph.upstream(id).map_err(topo_error)?, direction)
            }
            Direction::Downstream => {
                TraceDoc::walk(graph.downstream(id).map_err(topo_error)?, direction)
            }
            Direction::Isolate => TraceDoc::isolation(graph.isolate(id).map_err(topo_error)?),
        };
        if geometry {
            let (fc, capped) = collection(snapshot, &doc.ids);
            doc.geometry = Some(fc);
            doc.geometry_truncated = Some(capped);
        }
        Ok(Json(doc))
    })
    .await
}

/// The spans of a feeder with end nodes, state and end devices.
#[utoipa::path(get, path = "/api/topology/connections", tag = "grid",
    params(("feeder" = i64, Query, description = "feeder id")),
    responses(
        (status = 200, description = "the feeder's spans", body = FeederConnections),
        (status = 400, description = "missing or bad feeder", body = ErrorBody),
        (status = 404, description = "unknown feeder, or the data has no topology", body = ErrorBody),
    ))]
pub async fn connections(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<FeederConnections>, ApiError> {
    let feeder = params::int(&q, "feeder")?;
    with_graph(&state, move |_, graph| {
        graph.connections(feeder).map(Json).map_err(topo_error)
    })
    .await
}
