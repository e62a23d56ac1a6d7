//! Topology from geometry: connectivity for data whose spans carry no node ids.
//!
//! Span ends closer than `network.snap_tolerance_m` are one node; a span is split where
//! another span's end meets one of its interior vertices; substations, switches,
//! transformers and poles attach to the node they sit on; meters to the transformer they
//! sit at. A search from the substations then orients every piece away from its source and
//! gives it a feeder ([`orient`]). The result is written as the canonical attributes the
//! topology reads (`from_node`, `to_node`, `node_id`, `feeder_id`, `substation_id`,
//! `transformer_id`) and, where the data has none, `status` (`energized` / `de-energized` as
//! fed at load), so traces, isolation, energization, KPIs and the styles work on the data as
//! on the demo.
//!
//! Ids: a node is its substation's id, else its pole's id, else a new id above every
//! feature id. The first piece of a split span keeps the span's id; the others get new ids;
//! every piece of a split span has `split_of` = the span's id.

mod orient;
mod snap;

use std::collections::HashMap;

use geo_types::{Coord, Geometry, LineString};
use serde::Serialize;

use crate::model::{Feature, Field, FieldType, LayerData, Value};
use crate::settings::{NetworkConfig, TopologyFrom};

use orient::{orient, Piece};
use snap::{Grid, LocalMetres};

/// The canonical layer and attribute names (the topology schema's defaults).
const SPANS: &str = "feeders";
const SUBSTATIONS: &str = "substations";
const SWITCHES: &str = "switches";
const TRANSFORMERS: &str = "transformers";
const POLES: &str = "poles";
const METERS: &str = "meters";
const OPEN: &str = "open";

/// What deriving the topology did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConnectReport {
    /// Nodes found (clusters of span ends).
    pub nodes: usize,
    /// Spans before splitting, and pieces after.
    pub spans: usize,
    pub pieces: usize,
    /// Spans split at another span's end.
    pub split_spans: usize,
    /// Spans that are not lines (no ends to connect).
    pub not_lines: usize,
    /// Per point layer: features attached to a node (or a meter to a transformer), of all.
    pub attached: Vec<(String, usize, usize)>,
}

/// Derives the topology from geometry when `network.topology` asks for it (`auto`: the span
/// layer `feeders` has no `from_node` / `to_node`). `None` when it does not apply.
pub fn derive(layers: &mut [LayerData], network: &NetworkConfig) -> Option<ConnectReport> {
    let spans = layers.iter().position(|l| l.name == SPANS)?;
    let has_nodes =
        |l: &LayerData| l.field_index("from_node").is_some() && l.field_index("to_node").is_some();
    match network.topology {
        TopologyFrom::Attributes => return None,
        TopologyFrom::Auto if has_nodes(&layers[spans]) => return None,
        _ => {}
    }
    Some(Deriver::new(layers, network.snap_tolerance_m).run(layers, spans))
}

/// The working state of one derivation.
struct Deriver {
    metres: LocalMetres,
    tolerance: f64,
    next_id: u64,
}

impl Deriver {
    fn new(layers: &[LayerData], tolerance: f64) -> Self {
        let (mut sum, mut n) = (0.0, 0usize);
        let mut max_id = 0;
        for l in layers {
            for f in &l.features {
                max_id = max_id.max(f.id);
                if let Some(c) = first_coord(&f.geometry) {
                    sum += c.y;
                    n += 1;
                }
            }
        }
        Deriver {
            metres: LocalMetres::around(if n > 0 { sum / n as f64 } else { 0.0 }),
            tolerance,
            next_id: max_id + 1,
        }
    }

    fn xy(&self, c: Coord) -> [f64; 2] {
        self.metres.project(c.x, c.y)
    }

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn run(mut self, layers: &mut [LayerData], spans_at: usize) -> ConnectReport {
        let mut report = ConnectReport {
            spans: layers[spans_at].features.len(),
            ..ConnectReport::default()
        };
        // Span ends → clusters (nodes).
        let mut ends = Grid::new(self.tolerance);
        let mut span_ends = Vec::with_capacity(report.spans);
        for f in &layers[spans_at].features {
            span_ends.push(line_ends(&f.geometry).map(|(a, b)| {
                let a = ends.insert(self.xy(a));
                let b = ends.insert(self.xy(b));
                (a, b)
            }));
        }
        report.not_lines = span_ends.iter().filter(|e| e.is_none()).count();
        let (cluster, nodes) = ends.clusters();
        report.nodes = nodes;

        // Pieces: split where another span's end meets an interior vertex.
        let feeder_f = layers[spans_at].field_index("feeder_id");
        let mut pieces = Vec::new();
        let mut piece_geoms = Vec::new();
        for (i, f) in layers[spans_at].features.iter().enumerate() {
            let Some((a, b)) = span_ends[i] else { continue };
            let (ca, cb) = (cluster[a as usize], cluster[b as usize]);
            let cuts = match &f.geometry {
                Geometry::LineString(line) => self.cuts(line, &ends, &cluster, [ca, cb]),
                _ => Vec::new(),
            };
            if !cuts.is_empty() {
                report.split_spans += 1;
            }
            let feeder = feeder_f.and_then(|k| int_value(f.properties.get(k)?.as_ref()?));
            let mut from = (ca, 0usize);
            for (vertex, node) in cuts.into_iter().chain([(usize::MAX, cb)]) {
                pieces.push(Piece {
                    a: from.0,
                    b: node,
                    span_id: f.id,
                    feeder,
                });
                piece_geoms.push((i, from.1, vertex));
                from = (node, vertex);
            }
        }
        report.pieces = pieces.len();

        // Point layers: nearest node within the tolerance.
        let node_of = |d: &Deriver, g: &Geometry| -> Option<u32> {
            let p = d.xy(first_coord(g)?);
            ends.nearest(p).map(|e| cluster[e as usize])
        };
        let mut node_id: Vec<Option<u64>> = vec![None; nodes];
        let mut source: Vec<Option<u64>> = vec![None; nodes];
        let mut stop = vec![false; nodes];
        let mut attached_nodes: HashMap<&str, Vec<Option<u32>>> = HashMap::new();
        for name in [SUBSTATIONS, POLES, SWITCHES, TRANSFORMERS] {
            let Some(layer) = layers.iter().find(|l| l.name == name) else {
                continue;
            };
            let at: Vec<Option<u32>> = layer
                .features
                .iter()
                .map(|f| node_of(&self, &f.geometry))
                .collect();
            for (f, n) in layer.features.iter().zip(&at) {
                let Some(n) = *n else { continue };
                match name {
                    SUBSTATIONS if source[n as usize].is_none() => {
                        source[n as usize] = Some(f.id);
                        node_id[n as usize] = Some(f.id);
                    }
                    POLES if node_id[n as usize].is_none() => node_id[n as usize] = Some(f.id),
                    SWITCHES if normally_open(layer, f) => stop[n as usize] = true,
                    _ => {}
                }
            }
            report
                .attached
                .push((name.into(), at.iter().flatten().count(), at.len()));
            attached_nodes.insert(name, at);
        }
        let node_ids: Vec<u64> = node_id
            .into_iter()
            .map(|id| id.unwrap_or_else(|| self.fresh_id()))
            .collect();

        let (oriented, feed) = orient(nodes, &pieces, &source, &stop);

        // Write the spans: pieces with their node ids, feeder and substation.
        let spans = &mut layers[spans_at];
        let cols = Columns::ensure(
            spans,
            &[
                "from_node",
                "to_node",
                "feeder_id",
                "substation_id",
                "split_of",
            ],
        );
        let status_f = status_column(spans);
        let old = std::mem::take(&mut spans.features);
        let mut first_piece = vec![true; old.len()];
        let split: Vec<bool> = {
            let mut count = vec![0u32; old.len()];
            for &(i, _, _) in &piece_geoms {
                count[i] += 1;
            }
            count.into_iter().map(|c| c > 1).collect()
        };
        let mut features = Vec::with_capacity(pieces.len() + report.not_lines);
        for (i, f) in old.iter().enumerate() {
            if span_ends[i].is_none() {
                features.push(f.clone());
            }
        }
        for ((i, from_v, to_v), o) in piece_geoms.into_iter().zip(&oriented) {
            let src = &old[i];
            let id = if std::mem::take(&mut first_piece[i]) {
                src.id
            } else {
                self.fresh_id()
            };
            let geometry = match &src.geometry {
                Geometry::LineString(l) if split[i] => {
                    let end = if to_v == usize::MAX {
                        l.0.len() - 1
                    } else {
                        to_v
                    };
                    Geometry::LineString(LineString(l.0[from_v..=end].to_vec()))
                }
                g => g.clone(),
            };
            let mut properties = src.properties.clone();
            properties.resize(spans.fields.len(), None);
            cols.set(
                &mut properties,
                0,
                Some(node_ids[o.from as usize] as i64),
                true,
            );
            cols.set(
                &mut properties,
                1,
                Some(node_ids[o.to as usize] as i64),
                true,
            );
            cols.set(&mut properties, 2, o.feeder, false);
            cols.set(&mut properties, 3, o.substation.map(|s| s as i64), false);
            cols.set(&mut properties, 4, split[i].then_some(src.id as i64), true);
            // The graph's rule: a span leaving an open switch is live from its far end.
            let (from, to) = (feed[o.from as usize], feed[o.to as usize]);
            let live = (from.energized && !stop[o.from as usize]) || to.energized;
            set_status(&mut properties, status_f, live);
            features.push(Feature {
                id,
                geometry,
                properties,
            });
        }
        spans.features = features;

        // Devices: their node, feeder and substation.
        for name in [SWITCHES, TRANSFORMERS, POLES] {
            let (Some(layer), Some(at)) = (
                layers.iter_mut().find(|l| l.name == name),
                attached_nodes.get(name),
            ) else {
                continue;
            };
            let names: &[&str] = if name == POLES {
                &["feeder_id", "substation_id"]
            } else {
                &["node_id", "feeder_id", "substation_id"]
            };
            let cols = Columns::ensure(layer, names);
            let status_f = status_column(layer);
            let width = layer.fields.len();
            for (f, n) in layer.features.iter_mut().zip(at) {
                f.properties.resize(width, None);
                let fed = n.map(|n| feed[n as usize]).unwrap_or_default();
                set_status(&mut f.properties, status_f, fed.energized);
                let mut k = 0;
                if name != POLES {
                    cols.set(
                        &mut f.properties,
                        0,
                        n.map(|n| node_ids[n as usize] as i64),
                        true,
                    );
                    k = 1;
                }
                cols.set(&mut f.properties, k, fed.feeder, false);
                cols.set(
                    &mut f.properties,
                    k + 1,
                    fed.substation.map(|s| s as i64),
                    false,
                );
            }
        }
        report.attached.extend(self.attach_meters(layers));
        report
    }

    /// Interior vertices of `line` where another span's end sits: (vertex index, node).
    fn cuts(
        &self,
        line: &LineString,
        ends: &Grid,
        cluster: &[u32],
        own: [u32; 2],
    ) -> Vec<(usize, u32)> {
        let n = line.0.len();
        (1..n.saturating_sub(1))
            .filter_map(|v| {
                let e = ends.nearest(self.xy(line.0[v]))?;
                let c = cluster[e as usize];
                (!own.contains(&c)).then_some((v, c))
            })
            .fold(Vec::new(), |mut acc: Vec<(usize, u32)>, cut| {
                if acc.last().is_none_or(|l| l.1 != cut.1) {
                    acc.push(cut);
                }
                acc
            })
    }

    /// Meters without a transformer id get the transformer they sit at (within the
    /// tolerance), and its feeder and substation.
    fn attach_meters(&self, layers: &mut [LayerData]) -> Option<(String, usize, usize)> {
        let xf = layers.iter().find(|l| l.name == TRANSFORMERS)?;
        let mut grid = Grid::new(self.tolerance);
        let mut info = Vec::with_capacity(xf.features.len());
        let (fi, si) = (xf.field_index("feeder_id"), xf.field_index("substation_id"));
        let sti = xf.field_index("status");
        let by_id: HashMap<u64, u32> = xf
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i as u32))
            .collect();
        for f in &xf.features {
            grid.insert(first_coord(&f.geometry).map_or([f64::NAN; 2], |c| self.xy(c)));
            let get = |k: Option<usize>| k.and_then(|k| f.properties.get(k).cloned().flatten());
            info.push((f.id, get(fi), get(si), get(sti)));
        }
        let meters = layers.iter_mut().find(|l| l.name == METERS)?;
        let cols = Columns::ensure(meters, &["transformer_id", "feeder_id", "substation_id"]);
        let status_f = status_column(meters);
        let width = meters.fields.len();
        let mut attached = 0;
        for f in &mut meters.features {
            f.properties.resize(width, None);
            let known = cols.get(&f.properties, 0).and_then(int_value);
            let near = || first_coord(&f.geometry).and_then(|c| grid.nearest(self.xy(c)));
            let t = match known {
                Some(id) => by_id.get(&(id as u64)).copied(),
                None => near(),
            };
            if known.is_some() {
                attached += 1;
            }
            let Some(t) = t else { continue };
            let (id, feeder, substation, status) = &info[t as usize];
            if known.is_none() {
                attached += 1;
            }
            cols.set(&mut f.properties, 0, Some(*id as i64), false);
            cols.set_value(&mut f.properties, 1, feeder.clone());
            cols.set_value(&mut f.properties, 2, substation.clone());
            if let Some(slot) = status_f.and_then(|i| f.properties.get_mut(i)) {
                if slot.is_none() {
                    *slot = status.clone();
                }
            }
        }
        Some((METERS.into(), attached, meters.features.len()))
    }
}

/// Positions of canonical columns in a layer, added as integers when missing.
struct Columns(Vec<usize>);

impl Columns {
    fn ensure(layer: &mut LayerData, names: &[&str]) -> Columns {
        Columns(
            names
                .iter()
                .map(|name| match layer.field_index(name) {
                    Some(i) => i,
                    None => {
                        layer.fields.push(Field::new(*name, FieldType::Int));
                        layer.fields.len() - 1
                    }
                })
                .collect(),
        )
    }

    fn get<'a>(&self, properties: &'a [Option<Value>], k: usize) -> Option<&'a Value> {
        properties.get(self.0[k])?.as_ref()
    }

    /// Sets column `k` to `value`: always when `replace`, else only where it is null.
    fn set(&self, properties: &mut [Option<Value>], k: usize, value: Option<i64>, replace: bool) {
        if replace || self.get(properties, k).is_none() {
            properties[self.0[k]] = value.map(Value::Int);
        }
    }

    /// Sets a null column `k` to `value`.
    fn set_value(&self, properties: &mut [Option<Value>], k: usize, value: Option<Value>) {
        if self.get(properties, k).is_none() {
            properties[self.0[k]] = value;
        }
    }
}

/// The `status` column of `layer` (added as a string when missing; features get their
/// value slot when they are written), unless the data has its own of another type.
fn status_column(layer: &mut LayerData) -> Option<usize> {
    match layer.field_index("status") {
        Some(i) => (layer.fields[i].kind == FieldType::String).then_some(i),
        None => {
            layer.fields.push(Field::new("status", FieldType::String));
            Some(layer.fields.len() - 1)
        }
    }
}

/// Sets a null `status` to `energized` / `de-energized` (the demo's values).
fn set_status(properties: &mut [Option<Value>], status: Option<usize>, energized: bool) {
    if let Some(slot) = status.and_then(|i| properties.get_mut(i)) {
        if slot.is_none() {
            let text = if energized {
                "energized"
            } else {
                "de-energized"
            };
            *slot = Some(Value::from(text));
        }
    }
}

/// A switch whose normal state (else its current state) is open.
fn normally_open(layer: &LayerData, f: &Feature) -> bool {
    let state = |name| {
        let v = f.properties.get(layer.field_index(name)?)?.as_ref()?;
        match v {
            Value::Str(s) => Some(s.to_string()),
            _ => None,
        }
    };
    state("normal_state")
        .or_else(|| state("current_state"))
        .as_deref()
        == Some(OPEN)
}

fn int_value(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(x) if x.fract() == 0.0 => Some(*x as i64),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn first_coord(g: &Geometry) -> Option<Coord> {
    match g {
        Geometry::Point(p) => Some(p.0),
        Geometry::LineString(l) => l.0.first().copied(),
        Geometry::MultiPoint(m) => m.0.first().map(|p| p.0),
        Geometry::MultiLineString(m) => m.0.first()?.0.first().copied(),
        Geometry::Polygon(p) => p.exterior().0.first().copied(),
        _ => None,
    }
}

/// First and last position of a line (a multi-line: its first part's start and last part's
/// end); `None` for other geometry or a line with no length.
fn line_ends(g: &Geometry) -> Option<(Coord, Coord)> {
    let (a, b) = match g {
        Geometry::LineString(l) => (*l.0.first()?, *l.0.last()?),
        Geometry::MultiLineString(m) => (*m.0.first()?.0.first()?, *m.0.last()?.0.last()?),
        _ => return None,
    };
    Some((a, b))
}

#[cfg(test)]
mod tests;
