//! The connectivity graph: nodes (poles, substation roots, any span end) mapped to dense
//! `u32`s, spans as edges in CSR adjacency, devices attached per node, meters per
//! transformer, and the energization forest for the current switch states.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::index::IndexedLayer;

use super::csr::{Csr, Scratch};
use super::result::{AssetKind, AssetRef, BuildStats, TraceLimits};
use super::schema::DeviceKind;
use super::TopologyError;

/// "No index" in the dense `u32` arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// Scratch buffers kept for reuse between queries (more concurrent queries allocate).
const SCRATCH_POOL: usize = 8;

/// A span as an edge between two dense nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edge {
    /// Index of the span in the span layer's `features`.
    pub span: u32,
    pub from: u32,
    pub to: u32,
    /// Dense feeder index (into `feeder_ids`).
    pub feeder: u32,
    pub tie: bool,
    /// A controlling switch is open now.
    pub open: bool,
}

/// A switch: where it sits and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SwitchInfo {
    /// Dense node, or `NONE` when the switch's node is not a span end.
    pub node: u32,
    pub kind: DeviceKind,
    pub open: bool,
}

/// The topology layers of the snapshot the graph was built from (for feature ids).
#[derive(Clone, Debug)]
pub(crate) struct Layers {
    pub substations: Option<Arc<IndexedLayer>>,
    pub spans: Arc<IndexedLayer>,
    pub switches: Option<Arc<IndexedLayer>>,
    pub transformers: Option<Arc<IndexedLayer>>,
    pub poles: Option<Arc<IndexedLayer>>,
    pub meters: Option<Arc<IndexedLayer>>,
}

/// Feature id of the feature at `idx` in `layer` (0 if absent; never happens for indices the
/// graph stores).
pub(crate) fn fid(layer: Option<&Arc<IndexedLayer>>, idx: u32) -> u64 {
    layer
        .and_then(|l| l.features.get(idx as usize))
        .map_or(0, |f| f.id)
}

/// An asset resolved to the graph's dense indices (feature indices in their layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asset {
    Substation(u32),
    /// Edge index, or `NONE` for a span the build skipped.
    Span(u32),
    /// Dense node of the pole.
    Pole(u32),
    Switch(u32),
    Transformer(u32),
    Meter(u32),
}

/// The connectivity graph of one snapshot. Immutable after [`GridGraph::build`]; queries take
/// `&self` and may run concurrently.
///
/// See the [module docs](crate::topology) for the conventions (a switch cuts the spans leaving its node,
/// energization, what each trace returns). What the switch states do not change (nodes,
/// edge ends, attachments: [`Structure`]) is shared by the graphs derived from one build
/// ([`GridGraph::rebase`], [`GridGraph::with_switch_states`]) and read through `Deref`.
#[derive(Debug)]
pub struct GridGraph {
    pub(crate) version: u64,
    /// Identifies the structure (nodes, edges, attachments): a new number per build, kept
    /// by [`GridGraph::rebase`] and [`GridGraph::with_switch_states`].
    pub(crate) structure: u64,
    pub(crate) limits: TraceLimits,
    pub(crate) layers: Layers,
    pub(crate) stats: BuildStats,
    pub(crate) shared: Arc<Structure>,

    /// The edges, with whether a controlling switch is open now.
    pub(crate) edges: Vec<Edge>,
    /// Per switch feature index.
    pub(crate) switches: Vec<SwitchInfo>,

    /// Energization forest: dense node → the edge it is fed over (`NONE` at roots and at
    /// de-energized nodes).
    pub(crate) parent_edge: Vec<u32>,
    /// Dense node → feeding substation feature index or `NONE` (de-energized).
    pub(crate) source: Vec<u32>,
    /// Dense node → spans from its substation (0 at roots).
    pub(crate) depth: Vec<u32>,

    pub(crate) scratch: Mutex<Vec<Scratch>>,
}

/// The part of a graph that only a build decides: shared by the graphs derived from it.
#[derive(Debug)]
pub struct Structure {
    /// Dense node → node id.
    pub(crate) node_ids: Vec<u64>,
    pub(crate) node_index: HashMap<u64, u32>,
    /// Dense node → pole feature index or `NONE`.
    pub(crate) node_pole: Vec<u32>,
    /// Dense node → substation feature index (root nodes) or `NONE`.
    pub(crate) node_substation: Vec<u32>,
    /// Dense node → incident edges.
    pub(crate) adj: Csr,
    /// Dense node → switches attached there.
    pub(crate) node_switches: Csr,
    /// Dense node → transformers attached there.
    pub(crate) node_transformers: Csr,

    /// Span feature index → edge index or `NONE`.
    pub(crate) span_edge: Vec<u32>,
    /// Edge → switches controlling it.
    pub(crate) edge_switches: Csr,
    /// Switch → edges it controls.
    pub(crate) switch_edges: Csr,

    /// Transformer feature index → dense node or `NONE`.
    pub(crate) transformer_node: Vec<u32>,
    /// Transformer feature index → meter feature indices.
    pub(crate) transformer_meters: Csr,
    /// Transformer feature index → customers served (meters, or the attribute without meters).
    pub(crate) transformer_customers: Vec<u32>,
    /// Meter feature index → transformer feature index or `NONE`.
    pub(crate) meter_transformer: Vec<u32>,
    /// Substation feature index → root node.
    pub(crate) substation_node: Vec<u32>,

    /// Dense feeder → feeder id.
    pub(crate) feeder_ids: Vec<i64>,
    pub(crate) feeder_index: HashMap<i64, u32>,
    /// Dense feeder → its edges.
    pub(crate) feeder_edges: Csr,
    /// Dense feeder → its transformers.
    pub(crate) feeder_transformers: Csr,
}

impl std::ops::Deref for GridGraph {
    type Target = Structure;

    fn deref(&self) -> &Structure {
        &self.shared
    }
}

impl GridGraph {
    /// Version of the snapshot the graph was built from.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The structure's identity: equal for two graphs exactly when one was derived from the
    /// other by [`GridGraph::rebase`] or [`GridGraph::with_switch_states`] (same nodes, edges,
    /// feeders, transformer and meter attachments; switch states and energization may
    /// differ). Values derived from the structure alone stay valid while it is equal.
    pub fn structure_id(&self) -> u64 {
        self.structure
    }

    /// Counts from the build, including skipped input.
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    /// The caps applied to every query.
    pub fn limits(&self) -> TraceLimits {
        self.limits
    }

    /// The same graph with other query caps.
    pub fn with_limits(mut self, limits: TraceLimits) -> GridGraph {
        self.limits = limits;
        self
    }

    /// Feeder (circuit) ids, ascending.
    pub fn feeder_ids(&self) -> Vec<i64> {
        let mut ids = self.feeder_ids.clone();
        ids.sort_unstable();
        ids
    }

    /// Meter ids served by transformer `id`, sorted.
    pub fn transformer_meters(&self, id: u64) -> Result<Vec<u64>, TopologyError> {
        let t = self
            .layers
            .transformers
            .as_ref()
            .and_then(|l| l.by_id.get(&id))
            .copied()
            .ok_or(TopologyError::UnknownAsset(id))?;
        let mut ids: Vec<u64> = self
            .transformer_meters
            .row(t)
            .iter()
            .map(|&m| fid(self.layers.meters.as_ref(), m))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// Meter ids served by feeder `feeder_id` (through its transformers), sorted.
    pub fn feeder_meters(&self, feeder_id: i64) -> Result<Vec<u64>, TopologyError> {
        let f = *self
            .feeder_index
            .get(&feeder_id)
            .ok_or(TopologyError::UnknownFeeder(feeder_id))?;
        let mut ids: Vec<u64> = self
            .feeder_transformers
            .row(f)
            .iter()
            .flat_map(|&t| self.transformer_meters.row(t))
            .map(|&m| fid(self.layers.meters.as_ref(), m))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// Transformer ids of feeder `feeder_id`, in the graph's order.
    pub fn feeder_transformers(&self, feeder_id: i64) -> Result<Vec<u64>, TopologyError> {
        let f = *self
            .feeder_index
            .get(&feeder_id)
            .ok_or(TopologyError::UnknownFeeder(feeder_id))?;
        Ok(self
            .feeder_transformers
            .row(f)
            .iter()
            .map(|&t| fid(self.layers.transformers.as_ref(), t))
            .collect())
    }

    /// The substation feeding asset `id` now (`None` when it is de-energized), under the
    /// current switch states (see the module docs for spans, switches and meters).
    pub fn energized_from(&self, id: u64) -> Result<Option<u64>, TopologyError> {
        let (_, asset) = self.resolve(id)?;
        Ok(self.asset_source(asset).map(|s| self.substation_id(s)))
    }

    /// [`GridGraph::energized_from`] for the feature at `index` of `layer`: without an id
    /// lookup when `layer` is one the graph was built from (a pass over a whole layer
    /// costs one array read per feature), else by the feature's id.
    pub fn energized_from_feature(
        &self,
        layer: &IndexedLayer,
        index: u32,
    ) -> Result<Option<u64>, TopologyError> {
        let is = |l: Option<&Arc<IndexedLayer>>| l.is_some_and(|l| std::ptr::eq(&**l, layer));
        let l = &self.layers;
        let asset = if is(Some(&l.spans)) {
            Asset::Span(self.span_edge.get(index as usize).copied().unwrap_or(NONE))
        } else if let (true, Some(f)) = (is(l.poles.as_ref()), layer.features.get(index as usize)) {
            Asset::Pole(self.node_index.get(&f.id).copied().unwrap_or(NONE))
        } else if is(l.switches.as_ref()) {
            Asset::Switch(index)
        } else if is(l.transformers.as_ref()) {
            Asset::Transformer(index)
        } else if is(l.meters.as_ref()) {
            Asset::Meter(index)
        } else if is(l.substations.as_ref()) {
            Asset::Substation(index)
        } else {
            let id = layer
                .features
                .get(index as usize)
                .map(|f| f.id)
                .ok_or(TopologyError::UnknownAsset(u64::MAX))?;
            return self.energized_from(id);
        };
        Ok(self.asset_source(asset).map(|s| self.substation_id(s)))
    }

    /// The id of the first span of feeder `feeder_id` (its lowest-numbered edge), e.g. to
    /// read the feeder's name off it; `None` for an unknown feeder.
    pub fn feeder_span(&self, feeder_id: i64) -> Option<u64> {
        let f = *self.feeder_index.get(&feeder_id)?;
        let e = *self.feeder_edges.row(f).first()?;
        Some(fid(Some(&self.layers.spans), self.edge(e)?.span))
    }

    /// Finds the asset with feature id `id` in the topology layers.
    pub(crate) fn resolve(&self, id: u64) -> Result<(AssetRef, Asset), TopologyError> {
        let find = |l: Option<&Arc<IndexedLayer>>| l.and_then(|l| l.by_id.get(&id)).copied();
        let r = |kind| AssetRef { kind, id };
        let l = &self.layers;
        if let Some(i) = find(Some(&l.spans)) {
            let e = self.span_edge.get(i as usize).copied().unwrap_or(NONE);
            return Ok((r(AssetKind::Span), Asset::Span(e)));
        }
        if find(l.poles.as_ref()).is_some() {
            let n = self.node_index.get(&id).copied().unwrap_or(NONE);
            return Ok((r(AssetKind::Pole), Asset::Pole(n)));
        }
        if let Some(i) = find(l.switches.as_ref()) {
            return Ok((r(AssetKind::Switch), Asset::Switch(i)));
        }
        if let Some(i) = find(l.transformers.as_ref()) {
            return Ok((r(AssetKind::Transformer), Asset::Transformer(i)));
        }
        if let Some(i) = find(l.meters.as_ref()) {
            return Ok((r(AssetKind::Meter), Asset::Meter(i)));
        }
        if let Some(i) = find(l.substations.as_ref()) {
            return Ok((r(AssetKind::Substation), Asset::Substation(i)));
        }
        Err(TopologyError::UnknownAsset(id))
    }

    /// The edge at `e`, if any.
    pub(crate) fn edge(&self, e: u32) -> Option<&Edge> {
        self.edges.get(e as usize)
    }

    /// The end of `e` that is not `n`.
    pub(crate) fn other_end(&self, e: &Edge, n: u32) -> u32 {
        if e.from == n {
            e.to
        } else {
            e.from
        }
    }

    /// Energization parent edge of node `n` (`NONE` if a root or de-energized).
    pub(crate) fn parent_of(&self, n: u32) -> u32 {
        self.parent_edge.get(n as usize).copied().unwrap_or(NONE)
    }

    /// Substation feature index feeding node `n`, if energized.
    pub(crate) fn source_of(&self, n: u32) -> Option<u32> {
        self.source.get(n as usize).copied().filter(|&s| s != NONE)
    }

    /// Substation id of substation feature index `s`.
    pub(crate) fn substation_id(&self, s: u32) -> u64 {
        fid(self.layers.substations.as_ref(), s)
    }

    /// The node an edge feeds (its load side), if a walk may cross it: the child end of an
    /// energization edge; for an open non-tie edge its `to` end (the side it would feed);
    /// nothing for open ties and for closed edges that close a loop.
    pub(crate) fn load_end(&self, e: u32) -> Option<u32> {
        let edge = self.edge(e)?;
        if self.parent_of(edge.to) == e {
            Some(edge.to)
        } else if self.parent_of(edge.from) == e {
            Some(edge.from)
        } else if edge.open && !edge.tie {
            Some(edge.to)
        } else {
            None
        }
    }

    /// The node an edge is fed from: the parent end of an energization edge, otherwise the
    /// energized end nearer its substation, otherwise `from`.
    pub(crate) fn line_end(&self, e: u32) -> Option<u32> {
        let edge = self.edge(e)?;
        if self.parent_of(edge.to) == e {
            return Some(edge.from);
        }
        if self.parent_of(edge.from) == e {
            return Some(edge.to);
        }
        let depth = |n: u32| {
            self.source_of(n)
                .map(|_| self.depth.get(n as usize).copied().unwrap_or(u32::MAX))
        };
        match (depth(edge.from), depth(edge.to)) {
            (Some(a), Some(b)) if b < a => Some(edge.to),
            (None, Some(_)) => Some(edge.to),
            _ => Some(edge.from),
        }
    }

    /// The line side of a switch: its own node (a switch cuts the spans leaving its node, so
    /// the node itself and the equipment on it stay on the source side). `None` if the switch
    /// is not attached.
    pub(crate) fn switch_line(&self, s: u32) -> Option<u32> {
        let info = self.switches.get(s as usize)?;
        (info.node != NONE).then_some(info.node)
    }

    /// Substation feature index feeding an asset now. A closed span is fed when one of its
    /// ends is; an open span (cut at its `from` end, where its device sits) when its `to` end
    /// is; a switch when its node is; a meter through its transformer.
    pub(crate) fn asset_source(&self, asset: Asset) -> Option<u32> {
        match asset {
            Asset::Substation(s) => Some(s),
            Asset::Span(e) => {
                let edge = self.edge(e)?;
                if edge.open {
                    self.source_of(edge.to)
                } else {
                    self.source_of(self.line_end(e)?)
                }
            }
            Asset::Pole(n) => self.source_of(n),
            Asset::Switch(s) => self.source_of(self.switch_line(s)?),
            Asset::Transformer(t) => self.source_of(*self.transformer_node.get(t as usize)?),
            Asset::Meter(m) => {
                let t = *self.meter_transformer.get(m as usize)?;
                self.asset_source(Asset::Transformer(t))
            }
        }
    }

    /// Runs `f` with a scratch buffer from the pool (allocated if the pool is empty).
    pub(crate) fn with_scratch<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        let taken = self.scratch.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut scratch = taken.unwrap_or_else(|| Scratch::new(self.node_ids.len()));
        let out = f(&mut scratch);
        scratch.reset();
        let mut pool = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < SCRATCH_POOL {
            pool.push(scratch);
        }
        out
    }
}
