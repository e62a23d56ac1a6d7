//! `GET /api/assets/{id}`: one asset with its layer, every attribute, its geometry as
//! GeoJSON (WGS84), its feeder and substation (ids and names), and its topology neighbours.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::geojson;
use super::graph::with_graph_opt;
use super::params;
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

/// The asset's feeder (`{id, name}`), from its `feeder_id` and the feeder's first span.
fn feeder(snapshot: &Snapshot, graph: Option<&GridGraph>, feeder_id: Option<i64>) -> Json_ {
    let Some(id) = feeder_id else {
        return Json_::Null;
    };
    let name = graph.and_then(|g| g.feeder_span(id)).and_then(|span| {
        let (layer, f) = find(snapshot, span)?;
        str_attr(layer, f, "feeder_name").map(str::to_string)
    });
    json!({"id": id, "name": name})
}

/// The asset's substation (`{id, name}`).
fn substation(snapshot: &Snapshot, substation_id: Option<i64>) -> Json_ {
    let Some(id) = substation_id else {
        return Json_::Null;
    };
    let name = snapshot
        .layer("substations")
        .and_then(|l| Some((l, l.feature(u64::try_from(id).ok()?)?)))
        .and_then(|(l, f)| str_attr(l, f, "name").map(str::to_string));
    json!({"id": id, "name": name})
}

/// The asset document.
fn describe(snapshot: &Snapshot, graph: Option<&GridGraph>, id: u64) -> Result<Json_, ApiError> {
    let (layer, f) =
        find(snapshot, id).ok_or_else(|| ApiError::NotFound(format!("no asset has id {id}")))?;
    let is_substation = layer.name == "substations";
    let substation_id = int_attr(layer, f, "substation_id")
        .or_else(|| is_substation.then(|| i64::try_from(id).ok()).flatten());
    // Topology neighbours exist only for network assets; other layers have none.
    let topo = graph.and_then(|g| Some((g, g.neighbours(id).ok()?)));
    let (neighbours, energized_from) = match topo {
        Some((g, n)) => (
            json!({"ids": n.ids, "truncated": n.truncated}),
            json!(g.energized_from(id).ok().flatten()),
        ),
        None => (Json_::Null, Json_::Null),
    };
    Ok(json!({
        "id": id,
        "layer": layer.name,
        "properties": geojson::properties(layer, f),
        "geometry": geojson::geometry(&f.geometry),
        "feeder": feeder(snapshot, graph, int_attr(layer, f, "feeder_id")),
        "substation": substation(snapshot, substation_id),
        "energized_from": energized_from,
        "neighbours": neighbours,
    }))
}

/// `GET /api/assets/{id}`.
pub async fn asset(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<Json_>, ApiError> {
    let id = params::asset_id(&raw)?;
    with_graph_opt(&state, move |snapshot, graph| describe(snapshot, graph, id))
        .await
        .map(Json)
}
