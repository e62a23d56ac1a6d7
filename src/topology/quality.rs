//! The data-quality report (`gridtiles check`, `/api/quality`, the `quality` layer): what a
//! GIS analyst must fix before the network can be trusted.
//!
//! Read from the snapshot's canonical attributes (the topology schema's names) and, for
//! loops, the graph's switch states:
//!
//! - `island`: a connected group of spans with no substation in it (one finding per group);
//! - `dangling_end`: a span end no other span, pole, substation, switch or transformer
//!   meets;
//! - `unconnected_span`: a span without both node ids (not part of the network at all);
//! - `device_off_network`: a switch or transformer whose node is no span's end;
//! - `meter_without_transformer`: a meter whose transformer id names no transformer;
//! - `loop`: a closed span that closes a cycle with the current switch states (only for a
//!   grid configured as radial);
//! - `duplicate_id`: an id held by two features of the snapshot;
//! - `invalid_geometry`: a span that is not a line, a line with fewer than two distinct
//!   vertices, an invalid polygon (OGC rules, `geo`'s validation).

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::Validation;
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use serde::Serialize;

use crate::index::{IndexedFeature, IndexedLayer, Snapshot, WorldGeometry};
use crate::mercator::{world_to_lonlat, WorldCoord};

use super::graph::GridGraph;
use super::schema::{id_attr, TopologySchema};

/// Every kind of finding, in report order.
pub const KINDS: [&str; 8] = [
    "island",
    "dangling_end",
    "unconnected_span",
    "device_off_network",
    "meter_without_transformer",
    "loop",
    "duplicate_id",
    "invalid_geometry",
];

/// One thing to fix.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// One of [`KINDS`].
    #[schema(value_type = String)]
    pub kind: &'static str,
    /// The layer of the asset.
    pub layer: String,
    /// The asset's id.
    pub id: u64,
    /// Where to look: longitude.
    pub lon: f64,
    /// Where to look: latitude.
    pub lat: f64,
    pub message: String,
}

/// The whole report: complete counts, findings up to a limit.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QualityReport {
    /// Snapshot version checked.
    pub version: u64,
    /// Findings per kind (every kind present, zeros included).
    #[schema(value_type = BTreeMap<String, usize>)]
    pub counts: BTreeMap<&'static str, usize>,
    /// Sum of `counts`.
    pub total: usize,
    /// The findings, in kind order then layer order, at most the limit asked for.
    pub findings: Vec<Finding>,
    /// Findings were left out by the limit.
    pub truncated: bool,
}

/// Checks `snapshot`; `graph` (its topology, when it builds) adds the loop check when
/// `radial`. At most `limit` findings are listed; counts are complete.
pub fn check(
    snapshot: &Snapshot,
    graph: Option<&GridGraph>,
    radial: bool,
    limit: usize,
) -> QualityReport {
    let schema = TopologySchema::default();
    let mut all = Vec::new();
    network_findings(snapshot, &schema, &mut all);
    if let (Some(graph), true) = (graph, radial) {
        loop_findings(graph, &mut all);
    }
    duplicate_findings(snapshot, &mut all);
    geometry_findings(snapshot, &schema, &mut all);
    all.sort_by_key(|f| KINDS.iter().position(|k| *k == f.kind));
    let mut counts: BTreeMap<&'static str, usize> = KINDS.iter().map(|k| (*k, 0)).collect();
    for f in &all {
        *counts.entry(f.kind).or_default() += 1;
    }
    let total = all.len();
    all.truncate(limit);
    QualityReport {
        version: snapshot.version,
        counts,
        total,
        truncated: total > all.len(),
        findings: all,
    }
}

fn finding(
    kind: &'static str,
    layer: &IndexedLayer,
    f: &IndexedFeature,
    at: WorldCoord,
    message: String,
) -> Finding {
    let (lon, lat) = world_to_lonlat(at);
    Finding {
        kind,
        layer: layer.name.clone(),
        id: f.id,
        lon,
        lat,
        message,
    }
}

/// First and last vertex of a line feature.
fn ends(f: &IndexedFeature) -> Option<(WorldCoord, WorldCoord)> {
    match &f.geometry {
        WorldGeometry::Lines(paths) => Some((
            *paths.first()?.coords.first()?,
            *paths.last()?.coords.last()?,
        )),
        _ => None,
    }
}

/// A representative position: the first vertex.
fn anchor(f: &IndexedFeature) -> WorldCoord {
    match &f.geometry {
        WorldGeometry::Points(p) => p.first().copied(),
        WorldGeometry::Lines(paths) => paths.first().and_then(|p| p.coords.first().copied()),
        WorldGeometry::Polygons(polys) => polys
            .first()
            .and_then(|p| p.first())
            .and_then(|r| r.coords.first().copied()),
    }
    .unwrap_or([0.5, 0.5])
}

/// Islands, dangling ends, unconnected spans, devices off the network, meters without a
/// transformer: from the node attributes alone.
fn network_findings(snapshot: &Snapshot, s: &TopologySchema, out: &mut Vec<Finding>) {
    let Some(spans) = snapshot.layer(&s.spans_layer) else {
        return;
    };
    let field = |l: &IndexedLayer, name: &str| l.fields.iter().position(|f| f.name == name);
    let (from_f, to_f) = (field(spans, &s.from_node), field(spans, &s.to_node));
    // Union-find over node ids; degree per node.
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut degree: Vec<u32> = Vec::new();
    let mut node = |id: u64, parent: &mut Vec<usize>, degree: &mut Vec<u32>| -> usize {
        *index.entry(id).or_insert_with(|| {
            parent.push(parent.len());
            degree.push(0);
            parent.len() - 1
        })
    };
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut span_nodes = Vec::with_capacity(spans.features.len());
    for f in spans.features.iter() {
        let (a, b) = (id_attr(f, from_f), id_attr(f, to_f));
        let (Some(a), Some(b)) = (a, b) else {
            out.push(finding(
                "unconnected_span",
                spans,
                f,
                anchor(f),
                "span without from/to node ids: not part of the network".into(),
            ));
            span_nodes.push(None);
            continue;
        };
        let (na, nb) = (
            node(a, &mut parent, &mut degree),
            node(b, &mut parent, &mut degree),
        );
        degree[na] += 1;
        degree[nb] += 1;
        let (ra, rb) = (find(&mut parent, na), find(&mut parent, nb));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
        span_nodes.push(Some((a, b)));
    }
    let node_of = |id: u64| index.get(&id).copied();
    // Nodes something attaches to: substations (their id is their root node), poles (a pole's
    // id is its node), switches, transformers.
    let mut attached: HashSet<u64> = HashSet::new();
    let mut fed_roots: HashSet<usize> = HashSet::new();
    if let Some(subs) = snapshot.layer(&s.substations_layer) {
        for f in subs.features.iter() {
            attached.insert(f.id);
            if let Some(n) = node_of(f.id) {
                fed_roots.insert(find(&mut parent, n));
            }
        }
    }
    // A pole is a structure a line may end at.
    if let Some(poles) = snapshot.layer(&s.poles_layer) {
        attached.extend(poles.features.iter().map(|f| f.id));
    }
    for name in [&s.switches_layer, &s.transformers_layer] {
        let Some(layer) = snapshot.layer(name) else {
            continue;
        };
        let node_f = field(layer, &s.node_id);
        for f in layer.features.iter() {
            match id_attr(f, node_f) {
                Some(n) if node_of(n).is_some() => {
                    attached.insert(n);
                }
                Some(n) => out.push(finding(
                    "device_off_network",
                    layer,
                    f,
                    anchor(f),
                    format!("node {n} is no span's end"),
                )),
                None => out.push(finding(
                    "device_off_network",
                    layer,
                    f,
                    anchor(f),
                    "no node id".into(),
                )),
            }
        }
    }
    // Islands: one finding per group of spans without a substation, at its first span.
    let mut islands: HashMap<usize, (usize, usize)> = HashMap::new();
    for (i, ends) in span_nodes.iter().enumerate() {
        let Some((a, _)) = ends else { continue };
        let Some(n) = node_of(*a) else { continue };
        let root = find(&mut parent, n);
        if !fed_roots.contains(&root) {
            islands.entry(root).or_insert((i, 0)).1 += 1;
        }
    }
    let mut islands: Vec<(usize, usize)> = islands.into_values().collect();
    islands.sort_unstable();
    for (first, count) in islands {
        let f = &spans.features[first];
        out.push(finding(
            "island",
            spans,
            f,
            anchor(f),
            format!("{count} span(s) connected to no substation"),
        ));
    }
    // Dangling ends.
    for (f, ends_ids) in spans.features.iter().zip(&span_nodes) {
        let (Some((a, b)), Some((pa, pb))) = (ends_ids, ends(f)) else {
            continue;
        };
        for (id, at) in [(*a, pa), (*b, pb)] {
            let lone = node_of(id).is_some_and(|n| degree[n] == 1);
            if lone && !attached.contains(&id) {
                out.push(finding("dangling_end", spans, f, at, format!("node {id}: no other span, pole, substation, switch or transformer meets this end")));
            }
        }
    }
    // Meters without a transformer.
    if let Some(meters) = snapshot.layer(&s.meters_layer) {
        let xf = snapshot.layer(&s.transformers_layer);
        let xf_f = field(meters, &s.transformer_id);
        for f in meters.features.iter() {
            let t = id_attr(f, xf_f);
            let known = t.is_some_and(|t| xf.is_some_and(|x| x.by_id.contains_key(&t)));
            if !known {
                let why = match t {
                    Some(t) => format!("transformer {t} does not exist"),
                    None => "no transformer id".into(),
                };
                out.push(finding(
                    "meter_without_transformer",
                    meters,
                    f,
                    anchor(f),
                    why,
                ));
            }
        }
    }
}

/// Closed spans that close a cycle with the current switch states.
fn loop_findings(graph: &GridGraph, out: &mut Vec<Finding>) {
    let mut parent: Vec<u32> = (0..graph.node_ids.len() as u32).collect();
    fn find(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            parent[i as usize] = parent[parent[i as usize] as usize];
            i = parent[i as usize];
        }
        i
    }
    let spans = &graph.layers.spans;
    for e in graph.edges.iter().filter(|e| !e.open) {
        let (a, b) = (find(&mut parent, e.from), find(&mut parent, e.to));
        if a == b {
            if let Some(f) = spans.features.get(e.span as usize) {
                out.push(finding(
                    "loop",
                    spans,
                    f,
                    anchor(f),
                    "closes a loop in a grid configured as radial".into(),
                ));
            }
        } else {
            parent[a.max(b) as usize] = a.min(b);
        }
    }
}

/// Ids held by two features (over every layer).
fn duplicate_findings(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    let mut seen: HashMap<u64, &str> = HashMap::new();
    for layer in &snapshot.layers {
        for f in layer.features.iter() {
            if let Some(first) = seen.insert(f.id, &layer.name) {
                out.push(finding(
                    "duplicate_id",
                    layer,
                    f,
                    anchor(f),
                    format!("id {} is also a feature of layer {first:?}", f.id),
                ));
            }
        }
    }
}

/// Spans that are not lines, degenerate lines, invalid polygons.
fn geometry_findings(snapshot: &Snapshot, s: &TopologySchema, out: &mut Vec<Finding>) {
    let ring = |p: &crate::index::Path| {
        LineString(
            p.coords
                .iter()
                .map(|c| Coord { x: c[0], y: c[1] })
                .collect(),
        )
    };
    for layer in &snapshot.layers {
        for f in layer.features.iter() {
            let problem = match &f.geometry {
                WorldGeometry::Points(_) if layer.name == s.spans_layer => {
                    Some("a span must be a line".to_string())
                }
                WorldGeometry::Polygons(_) if layer.name == s.spans_layer => {
                    Some("a span must be a line".to_string())
                }
                WorldGeometry::Lines(paths) => paths
                    .iter()
                    .any(|p| p.coords.iter().all(|c| *c == p.coords[0]))
                    .then(|| "a line with fewer than two distinct vertices".to_string()),
                WorldGeometry::Polygons(polys) => {
                    let mp = MultiPolygon(
                        polys
                            .iter()
                            .filter_map(|rings| {
                                Some(Polygon::new(
                                    ring(rings.first()?),
                                    rings[1..].iter().map(ring).collect(),
                                ))
                            })
                            .collect(),
                    );
                    mp.check_validation()
                        .err()
                        .map(|e| format!("invalid polygon: {e}"))
                }
                WorldGeometry::Points(_) => None,
            };
            if let Some(message) = problem {
                out.push(finding("invalid_geometry", layer, f, anchor(f), message));
            }
        }
    }
}

/// The findings as the layer `quality` (a point each: `kind`, `layer`, `asset_id`,
/// `message`), with feature ids from `first_id` up.
pub fn as_layer(report: &QualityReport, first_id: u64) -> crate::model::LayerData {
    use crate::model::{Feature, Field, FieldType, LayerData, Value};
    let mut layer = LayerData::new(
        "quality",
        vec![
            Field::new("kind", FieldType::String),
            Field::new("layer", FieldType::String),
            Field::new("asset_id", FieldType::Int),
            Field::new("message", FieldType::String),
        ],
    );
    layer.features = report
        .findings
        .iter()
        .zip(first_id..)
        .map(|(f, id)| Feature {
            id,
            geometry: geo_types::Geometry::Point(geo_types::Point::new(f.lon, f.lat)),
            properties: vec![
                Some(Value::from(f.kind)),
                Some(Value::from(f.layer.as_str())),
                Some(Value::Int(f.id as i64)),
                Some(Value::from(f.message.as_str())),
            ],
        })
        .collect();
    layer
}

#[cfg(test)]
#[path = "quality_tests.rs"]
mod tests;
