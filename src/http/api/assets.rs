//! `GET /api/assets/{id}`: one asset with its layer, every attribute, its geometry as
//! GeoJSON (WGS84), its feeder and substation (ids and names), and its topology neighbours.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::geojson;
use super::graph::with_graph_opt;
use super::params;
use crate::http::error::ErrorBody;
use crate::http::{ApiError, AppState};
use crate::index::{IndexedFeature, IndexedLayer, Snapshot};
use crate::model::Value;
use crate::topology::GridGraph;

/// The layer holding feature `id`, and the feature.
pub fn find(snapshot: &Snapshot, id: u64) -> Option<(&IndexedLayer, &IndexedFeature)> {
    snapshot
        .layers
        .iter()
        .find_map(|l| l.feature(id).map(|f| (&**l, f)))
}

/// Attribute `name` of `f` in `layer`.
pub fn attr<'a>(layer: &IndexedLayer, f: &'a IndexedFeature, name: &str) -> Option<&'a Value> {
    let i = layer.fields.iter().position(|x| x.name == name)?;
    f.properties.get(i)?.as_ref()
}

/// An integer attribute.
pub fn int_attr(layer: &IndexedLayer, f: &IndexedFeature, name: &str) -> Option<i64> {
    match attr(layer, f, name)? {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// A string attribute.
pub fn str_attr<'a>(layer: &IndexedLayer, f: &'a IndexedFeature, name: &str) -> Option<&'a str> {
    match attr(layer, f, name)? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// A feeder or substation an asset belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedRef {
    pub id: i64,
    /// `null` when the data has no name for it.
    pub name: Option<String>,
}

/// An asset's topology neighbours.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeighboursDoc {
    /// The directly connected assets per layer.
    pub ids: crate::topology::AssetIds,
    pub truncated: bool,
}

/// `GET /api/assets/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetDoc {
    /// The substation the asset is fed from (topology), `null` when it is not on the network.
    pub energized_from: Option<u64>,
    pub feeder: Option<NamedRef>,
    pub geometry: geojson::Geometry,
    pub id: u64,
    pub layer: String,
    /// `null` for assets that are not on the network (no topology).
    pub neighbours: Option<NeighboursDoc>,
    /// Every attribute of the asset by field name.
    #[schema(value_type = Object)]
    pub properties: geojson::Properties,
    pub substation: Option<NamedRef>,
}

/// The asset's feeder (`{id, name}`), from its `feeder_id` and the feeder's first span.
fn feeder(
    snapshot: &Snapshot,
    graph: Option<&GridGraph>,
    feeder_id: Option<i64>,
) -> Option<NamedRef> {
    let id = feeder_id?;
    let name = graph.and_then(|g| g.feeder_span(id)).and_then(|span| {
        let (layer, f) = find(snapshot, span)?;
        str_attr(layer, f, "feeder_name").map(str::to_string)
    });
    Some(NamedRef { id, name })
}

/// The asset's substation (`{id, name}`).
fn substation(snapshot: &Snapshot, substation_id: Option<i64>) -> Option<NamedRef> {
    let id = substation_id?;
    let name = snapshot
        .layer("substations")
        .and_then(|l| Some((l, l.feature(u64::try_from(id).ok()?)?)))
        .and_then(|(l, f)| str_attr(l, f, "name").map(str::to_string));
    Some(NamedRef { id, name })
}

/// The asset document.
fn describe(snapshot: &Snapshot, graph: Option<&GridGraph>, id: u64) -> Result<AssetDoc, ApiError> {
    let (layer, f) =
        find(snapshot, id).ok_or_else(|| ApiError::NotFound(format!("no asset has id {id}")))?;
    let is_substation = layer.name == "substations";
    let substation_id = int_attr(layer, f, "substation_id")
        .or_else(|| is_substation.then(|| i64::try_from(id).ok()).flatten());
    // Topology neighbours exist only for network assets; other layers have none.
    let topo = graph.and_then(|g| Some((g, g.neighbours(id).ok()?)));
    let (neighbours, energized_from) = match topo {
        Some((g, n)) => (
            Some(NeighboursDoc {
                ids: n.ids,
                truncated: n.truncated,
            }),
            g.energized_from(id).ok().flatten(),
        ),
        None => (None, None),
    };
    Ok(AssetDoc {
        energized_from,
        feeder: feeder(snapshot, graph, int_attr(layer, f, "feeder_id")),
        geometry: geojson::geometry(&f.geometry),
        id,
        layer: layer.name.clone(),
        neighbours,
        properties: geojson::properties(layer, f),
        substation: substation(snapshot, substation_id),
    })
}

/// One asset: layer, attributes, GeoJSON geometry (WGS84), feeder, substation, topology
/// neighbours.
#[utoipa::path(get, path = "/api/assets/{id}", tag = "grid",
    params(("id" = u64, Path, description = "asset id")),
    responses(
        (status = 200, description = "the asset", body = AssetDoc),
        (status = 400, description = "id is not a non-negative integer", body = ErrorBody),
        (status = 404, description = "no asset has this id", body = ErrorBody),
    ))]
pub async fn asset(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<AssetDoc>, ApiError> {
    let id = params::asset_id(&raw)?;
    with_graph_opt(&state, move |snapshot, graph| describe(snapshot, graph, id))
        .await
        .map(Json)
}
