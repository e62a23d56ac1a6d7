//! Network traces over the energization forest: [`GridGraph::upstream`],
//! [`GridGraph::downstream`], [`GridGraph::neighbours`] and [`GridGraph::connections`].

use super::collect::Collector;
use super::csr::Scratch;
use super::graph::{fid, Asset, GridGraph, NONE};
use super::result::{Connection, FeederConnections, Neighbours, TraceResult};
use super::TopologyError;

/// Scratch marks used by the downstream walk.
const VISITED: u8 = 1;
const START: u8 = 2;

impl GridGraph {
    /// The supply path of an asset: the spans (in order, from the asset to the substation),
    /// the poles and the switches on them, back to the substation and its breaker, following
    /// the current switch states. A meter traces through its transformer; a transformer,
    /// pole or switch from its node (a switch's node is its line side: the spans it cuts
    /// leave that node and are not on its supply path). A de-energized or disconnected asset gives an empty path
    /// and `energized_from: None`; `ids` then lists only the asset itself (and a meter's
    /// transformer).
    pub fn upstream(&self, id: u64) -> Result<TraceResult, TopologyError> {
        let (asset_ref, asset) = self.resolve(id)?;
        let mut c = Collector::new(self);
        c.add(asset_ref.kind, id);
        if let Asset::Meter(_) = asset {
            c.customers = 1;
        }
        let mut path = Vec::new();
        let mut path_devices = Vec::new();
        let energized = self.asset_source(asset);
        let mut span_first = |c: &mut Collector, e: u32| {
            let Some(edge) = self.edge(e) else { return };
            path.push(fid(Some(&self.layers.spans), edge.span));
            for &s in self.edge_switches.row(e) {
                c.switch(s);
                path_devices.push(fid(self.layers.switches.as_ref(), s));
            }
            c.span(e);
        };
        let start = match asset {
            Asset::Substation(_) => None,
            Asset::Span(e) => {
                let line = self.line_end(e).filter(|_| energized.is_some());
                if line.is_some() {
                    span_first(&mut c, e);
                }
                line
            }
            Asset::Pole(n) => Some(n),
            Asset::Switch(s) => self.switch_line(s),
            Asset::Transformer(t) => self.transformer_node.get(t as usize).copied(),
            Asset::Meter(m) => {
                let t = self
                    .meter_transformer
                    .get(m as usize)
                    .copied()
                    .unwrap_or(NONE);
                c.transformer(t);
                self.transformer_node.get(t as usize).copied()
            }
        };
        if let Some(mut u) = start.filter(|&n| n != NONE && energized.is_some()) {
            c.node(u);
            let mut steps = 0usize;
            loop {
                let e = self.parent_of(u);
                let Some(edge) = self.edge(e) else { break };
                steps += 1;
                if steps > self.limits.max_nodes {
                    c.truncated = true;
                    break;
                }
                span_first(&mut c, e);
                u = self.other_end(edge, u);
                c.node(u);
            }
        }
        let (ids, customer_count, truncated) = c.finish();
        Ok(TraceResult {
            asset: asset_ref,
            energized_from: energized.map(|s| self.substation_id(s)),
            path,
            path_devices,
            ids,
            customer_count,
            truncated,
        })
    }

    /// Everything fed through an asset: spans, poles, switches, transformers and meters on
    /// its load side, stopping at open switches (an open tie is never crossed). For an
    /// energized asset this is its subtree in the energization forest; for a de-energized
    /// one, what it would feed: the walk follows spans from `from_node` to `to_node` over
    /// closed non-tie spans. The open switches where the walk stops are listed too. A span's
    /// load side starts at its downstream end; a switch's covers the spans it controls; a
    /// transformer feeds its meters; a substation all its feeders.
    pub fn downstream(&self, id: u64) -> Result<TraceResult, TopologyError> {
        let (asset_ref, asset) = self.resolve(id)?;
        let mut c = Collector::new(self);
        c.add(asset_ref.kind, id);
        let mut starts = Vec::new();
        match asset {
            Asset::Substation(s) => starts.extend(self.substation_node.get(s as usize)),
            Asset::Span(e) => {
                if e != NONE {
                    c.span_with_switches(e);
                    starts.extend(self.load_end(e));
                }
            }
            Asset::Pole(n) => starts.push(n),
            Asset::Switch(s) => {
                for &e in self.switch_edges.row(s) {
                    c.span_with_switches(e);
                    starts.extend(self.load_end(e));
                }
            }
            Asset::Transformer(t) => c.transformer_with_meters(t),
            Asset::Meter(m) => c.meter(m),
        }
        starts.retain(|&n| n != NONE);
        self.with_scratch(|scratch| self.walk_down(&starts, scratch, &mut c));
        let (ids, customer_count, truncated) = c.finish();
        Ok(TraceResult {
            asset: asset_ref,
            energized_from: self.asset_source(asset).map(|s| self.substation_id(s)),
            path: Vec::new(),
            path_devices: Vec::new(),
            ids,
            customer_count,
            truncated,
        })
    }

    /// Breadth-first walk to the load side of `starts`, collecting every node, span and
    /// device on the way.
    fn walk_down(&self, starts: &[u32], scratch: &mut Scratch, c: &mut Collector) {
        scratch.seed(starts, START);
        let mut visited = 0usize;
        while let Some(u) = scratch.queue.pop_front() {
            visited += 1;
            if visited > self.limits.max_nodes {
                c.truncated = true;
                return;
            }
            let energized = self.source_of(u).is_some();
            let parent = self.parent_of(u);
            let incoming = |e: u32| {
                if energized {
                    e == parent
                } else {
                    self.edge(e).is_some_and(|x| x.to == u && !x.tie)
                }
            };
            c.node(u);
            let is_start = scratch.mark(u) == START;
            for &s in self.node_switches.row(u) {
                let edges = self.switch_edges.row(s);
                if !(is_start && !edges.is_empty() && edges.iter().all(|&e| incoming(e))) {
                    c.switch(s);
                }
            }
            for &t in self.node_transformers.row(u) {
                c.transformer_with_meters(t);
            }
            for &e in self.adj.row(u) {
                let Some(edge) = self.edge(e) else { continue };
                let v = self.other_end(edge, u);
                if edge.open {
                    // The open device where the walk stops (at the span's `from` end, which
                    // is this node or, for a span fed from its far side, the other one).
                    for &s in self.edge_switches.row(e) {
                        if self.switches.get(s as usize).is_some_and(|x| x.open) {
                            c.switch(s);
                        }
                    }
                }
                let child = if energized {
                    e != parent && self.parent_of(v) == e
                } else {
                    edge.from == u && !edge.open && !edge.tie
                };
                if child {
                    c.span_with_switches(e);
                    if scratch.mark(v) == 0 {
                        scratch.set_mark(v, VISITED);
                        scratch.queue.push_back(v);
                    }
                }
            }
        }
    }

    /// The assets directly connected to an asset (the asset itself excluded): for a span,
    /// its end nodes, the spans, switches and transformers at them and the switches that
    /// control it; for a pole or substation, the spans and devices at its node; for a switch,
    /// its node and the spans there; for a transformer, its node and meters; for a meter,
    /// its transformer.
    pub fn neighbours(&self, id: u64) -> Result<Neighbours, TopologyError> {
        let (asset_ref, asset) = self.resolve(id)?;
        let mut c = Collector::new(self);
        let node_all = |c: &mut Collector, n: u32| {
            c.node(n);
            for &e in self.adj.row(n) {
                c.span(e);
            }
            for &s in self.node_switches.row(n) {
                c.switch(s);
            }
            for &t in self.node_transformers.row(n) {
                c.transformer(t);
            }
        };
        match asset {
            Asset::Substation(s) => {
                if let Some(&n) = self.substation_node.get(s as usize) {
                    node_all(&mut c, n);
                }
            }
            Asset::Span(e) => {
                if let Some(edge) = self.edge(e) {
                    node_all(&mut c, edge.from);
                    node_all(&mut c, edge.to);
                    c.span_with_switches(e);
                }
            }
            Asset::Pole(n) => node_all(&mut c, n),
            Asset::Switch(s) => {
                if let Some(&n) = self.switches.get(s as usize).map(|x| &x.node) {
                    if n != NONE {
                        c.node(n);
                        for &e in self.adj.row(n) {
                            c.span(e);
                        }
                    }
                }
            }
            Asset::Transformer(t) => {
                if let Some(&n) = self.transformer_node.get(t as usize) {
                    if n != NONE {
                        c.node(n);
                    }
                }
                c.transformer_with_meters(t);
            }
            Asset::Meter(m) => c.transformer(
                self.meter_transformer
                    .get(m as usize)
                    .copied()
                    .unwrap_or(NONE),
            ),
        }
        c.remove(asset_ref.kind, id);
        let (ids, _, truncated) = c.finish();
        Ok(Neighbours {
            asset: asset_ref,
            ids,
            truncated,
        })
    }

    /// The spans of feeder `feeder_id` (sorted by span id) with their end nodes, state and
    /// the switches and transformers attached at each end.
    pub fn connections(&self, feeder_id: i64) -> Result<FeederConnections, TopologyError> {
        let f = *self
            .feeder_index
            .get(&feeder_id)
            .ok_or(TopologyError::UnknownFeeder(feeder_id))?;
        let devices = |n: u32| {
            let switches = self.node_switches.row(n).iter();
            let mut ids: Vec<u64> = switches
                .map(|&s| fid(self.layers.switches.as_ref(), s))
                .chain(
                    self.node_transformers
                        .row(n)
                        .iter()
                        .map(|&t| fid(self.layers.transformers.as_ref(), t)),
                )
                .collect();
            ids.sort_unstable();
            ids
        };
        let row = self.feeder_edges.row(f);
        let truncated = row.len() > self.limits.max_ids;
        let mut edges: Vec<Connection> = row
            .iter()
            .take(self.limits.max_ids)
            .filter_map(|&e| self.edge(e))
            .map(|edge| Connection {
                span_id: fid(Some(&self.layers.spans), edge.span),
                from_node: self.node_ids[edge.from as usize],
                to_node: self.node_ids[edge.to as usize],
                tie: edge.tie,
                open: edge.open,
                from_devices: devices(edge.from),
                to_devices: devices(edge.to),
            })
            .collect();
        edges.sort_unstable_by_key(|c| c.span_id);
        Ok(FeederConnections {
            feeder_id,
            edges,
            truncated,
        })
    }
}
