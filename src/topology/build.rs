//! Building a [`GridGraph`] from a snapshot: intern node ids, lay out spans as CSR
//! adjacency, attach devices, apply the switch-cuts-spans-leaving-its-node rule, and compute the
//! energization forest for the current switch states.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::index::{Features, IndexedLayer, Snapshot};

use super::csr::Csr;
use super::graph::{Edge, GridGraph, Layers, Structure, SwitchInfo, NONE};
use super::result::{BuildStats, TraceLimits};
use super::schema::{id_attr, int_attr, str_attr, DeviceKind, TopologySchema};
use super::TopologyError;

/// Node id → dense node table, with what each node is.
#[derive(Default)]
struct Nodes {
    ids: Vec<u64>,
    index: HashMap<u64, u32>,
    pole: Vec<u32>,
    substation: Vec<u32>,
}

impl Nodes {
    fn intern(&mut self, id: u64) -> u32 {
        if let Some(&n) = self.index.get(&id) {
            return n;
        }
        let n = self.ids.len() as u32;
        self.ids.push(id);
        self.pole.push(NONE);
        self.substation.push(NONE);
        self.index.insert(id, n);
        n
    }
}

/// Position of a required attribute.
fn required(layer: &IndexedLayer, name: &str) -> Result<Option<usize>, TopologyError> {
    optional(layer, name)
        .map(Some)
        .ok_or_else(|| TopologyError::MissingField {
            layer: layer.name.clone(),
            field: name.to_string(),
        })
}

/// Position of an optional attribute.
fn optional(layer: &IndexedLayer, name: &str) -> Option<usize> {
    layer.fields.iter().position(|f| f.name == name)
}

/// The structure id of the next build ([`GridGraph::structure_id`]).
static NEXT_STRUCTURE: AtomicU64 = AtomicU64::new(1);

impl GridGraph {
    /// Builds the connectivity graph of `snapshot` using the layer and attribute names of
    /// `schema`. Fails if the span layer or a required attribute of a present layer is
    /// missing; individual bad features (a span without node ids, a meter without a
    /// transformer) are skipped and counted in [`GridGraph::stats`].
    pub fn build(snapshot: &Snapshot, schema: &TopologySchema) -> Result<GridGraph, TopologyError> {
        let layer = |name: &str| snapshot.layers.iter().find(|l| l.name == name).cloned();
        let layers = Layers {
            spans: layer(&schema.spans_layer)
                .ok_or_else(|| TopologyError::MissingLayer(schema.spans_layer.clone()))?,
            substations: layer(&schema.substations_layer),
            switches: layer(&schema.switches_layer),
            transformers: layer(&schema.transformers_layer),
            poles: layer(&schema.poles_layer),
            meters: layer(&schema.meters_layer),
        };
        let too_large = [
            Some(&layers.spans),
            layers.substations.as_ref(),
            layers.switches.as_ref(),
            layers.transformers.as_ref(),
            layers.poles.as_ref(),
            layers.meters.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find(|l| l.features.len() >= (NONE / 4) as usize);
        if let Some(l) = too_large {
            return Err(TopologyError::TooLarge(l.name.clone()));
        }
        let mut stats = BuildStats::default();
        let mut nodes = Nodes::default();

        let empty = Features::new();
        let substations = layers
            .substations
            .as_deref()
            .map_or(&empty, |l| &l.features);
        let mut substation_node = Vec::with_capacity(substations.len());
        for (i, f) in substations.iter().enumerate() {
            let n = nodes.intern(f.id);
            nodes.substation[n as usize] = i as u32;
            substation_node.push(n);
        }
        if let Some(poles) = layers.poles.as_deref() {
            for (i, f) in poles.features.iter().enumerate() {
                let n = nodes.intern(f.id);
                nodes.pole[n as usize] = i as u32;
            }
        }

        // Spans.
        let spans = &*layers.spans;
        let from_f = required(spans, &schema.from_node)?;
        let to_f = required(spans, &schema.to_node)?;
        let feeder_f = required(spans, &schema.feeder_id)?;
        let section_f = optional(spans, &schema.section);
        let mut feeder_ids = Vec::new();
        let mut feeder_index: HashMap<i64, u32> = HashMap::new();
        let mut edges = Vec::with_capacity(spans.features.len());
        let mut span_edge = vec![NONE; spans.features.len()];
        for (i, f) in spans.features.iter().enumerate() {
            let ends = (id_attr(f, from_f), id_attr(f, to_f), int_attr(f, feeder_f));
            let (Some(a), Some(b), Some(feeder)) = ends else {
                stats.skipped_spans += 1;
                continue;
            };
            if a == b {
                stats.skipped_spans += 1;
                continue;
            }
            let feeder = *feeder_index.entry(feeder).or_insert_with(|| {
                feeder_ids.push(feeder);
                (feeder_ids.len() - 1) as u32
            });
            span_edge[i] = edges.len() as u32;
            edges.push(Edge {
                span: i as u32,
                from: nodes.intern(a),
                to: nodes.intern(b),
                feeder,
                tie: str_attr(f, section_f) == Some(schema.tie_section.as_str()),
                open: false,
            });
        }
        let node_count = nodes.ids.len();
        let adj_pairs: Vec<(u32, u32)> = edges
            .iter()
            .enumerate()
            .flat_map(|(e, edge)| [(edge.from, e as u32), (edge.to, e as u32)])
            .collect();
        let adj = Csr::from_pairs(node_count, &adj_pairs);

        // Switches and the spans they control.
        let mut switches = Vec::new();
        let mut ctrl_pairs = Vec::new();
        if let Some(layer) = layers.switches.as_deref() {
            let node_f = required(layer, &schema.node_id)?;
            let kind_f = required(layer, &schema.device_type)?;
            let state_f = required(layer, &schema.current_state)?;
            let feeder_f = optional(layer, &schema.feeder_id);
            for (s, f) in layer.features.iter().enumerate() {
                let node = id_attr(f, node_f)
                    .and_then(|id| nodes.index.get(&id).copied())
                    .unwrap_or(NONE);
                let kind = schema.device_kind(str_attr(f, kind_f).unwrap_or(""));
                let open = str_attr(f, state_f) == Some(schema.open_state.as_str());
                switches.push(SwitchInfo { node, kind, open });
                let feeder = int_attr(f, feeder_f);
                let controlled = controlled_edges(&adj, &edges, &feeder_ids, node, kind, feeder);
                if controlled.is_empty() {
                    stats.unattached_switches += 1;
                }
                for e in controlled {
                    ctrl_pairs.push((s as u32, e));
                    if open {
                        edges[e as usize].open = true;
                    }
                }
            }
        }
        let switch_edges = Csr::from_pairs(switches.len(), &ctrl_pairs);
        let rev: Vec<(u32, u32)> = ctrl_pairs.iter().map(|&(s, e)| (e, s)).collect();
        let edge_switches = Csr::from_pairs(edges.len(), &rev);
        let sw_at: Vec<(u32, u32)> = switches
            .iter()
            .enumerate()
            .filter(|(_, s)| s.node != NONE)
            .map(|(i, s)| (s.node, i as u32))
            .collect();
        let node_switches = Csr::from_pairs(node_count, &sw_at);

        // Transformers, their feeders and meters.
        let mut transformer_node = Vec::new();
        let mut xf_feeder_pairs = Vec::new();
        let mut xf_attr_customers = Vec::new();
        if let Some(layer) = layers.transformers.as_deref() {
            let node_f = required(layer, &schema.node_id)?;
            let feeder_f = optional(layer, &schema.feeder_id);
            let cust_f = optional(layer, &schema.customer_count);
            for (t, f) in layer.features.iter().enumerate() {
                let node = id_attr(f, node_f)
                    .and_then(|id| nodes.index.get(&id).copied())
                    .unwrap_or(NONE);
                if node == NONE {
                    stats.unattached_transformers += 1;
                }
                transformer_node.push(node);
                let feeder = int_attr(f, feeder_f)
                    .and_then(|id| feeder_index.get(&id).copied())
                    .or_else(|| {
                        let e = *adj.row(node).first()?;
                        Some(edges.get(e as usize)?.feeder)
                    });
                if let Some(feeder) = feeder {
                    xf_feeder_pairs.push((feeder, t as u32));
                }
                let c = int_attr(f, cust_f).unwrap_or(0).clamp(0, u32::MAX as i64) as u32;
                xf_attr_customers.push(c);
            }
        }
        let xf_at: Vec<(u32, u32)> = transformer_node
            .iter()
            .enumerate()
            .filter(|(_, &n)| n != NONE)
            .map(|(t, &n)| (n, t as u32))
            .collect();
        let node_transformers = Csr::from_pairs(node_count, &xf_at);
        let feeder_transformers = Csr::from_pairs(feeder_ids.len(), &xf_feeder_pairs);

        let mut meter_transformer = Vec::new();
        let mut meter_pairs = Vec::new();
        if let Some(layer) = layers.meters.as_deref() {
            let xf_f = required(layer, &schema.transformer_id)?;
            let by_id = layers.transformers.as_deref().map(|l| &l.by_id);
            for (m, f) in layer.features.iter().enumerate() {
                let t = id_attr(f, xf_f)
                    .and_then(|id| by_id?.get(&id).copied())
                    .unwrap_or(NONE);
                if t == NONE {
                    stats.orphan_meters += 1;
                } else {
                    meter_pairs.push((t, m as u32));
                }
                meter_transformer.push(t);
            }
        }
        let transformer_meters = Csr::from_pairs(transformer_node.len(), &meter_pairs);
        let transformer_customers = if layers.meters.is_some() {
            (0..transformer_node.len() as u32)
                .map(|t| transformer_meters.row(t).len() as u32)
                .collect()
        } else {
            xf_attr_customers
        };

        let fe_pairs: Vec<(u32, u32)> = edges
            .iter()
            .enumerate()
            .map(|(e, edge)| (edge.feeder, e as u32))
            .collect();
        let feeder_edges = Csr::from_pairs(feeder_ids.len(), &fe_pairs);

        stats.nodes = node_count;
        stats.spans = edges.len();
        stats.feeders = feeder_ids.len();
        stats.substations = substation_node.len();
        stats.switches = switches.len();
        stats.transformers = transformer_node.len();
        stats.meters = meter_transformer.len();

        let mut graph = GridGraph {
            version: snapshot.version,
            structure: NEXT_STRUCTURE.fetch_add(1, Ordering::Relaxed),
            limits: TraceLimits::default(),
            layers,
            stats,
            shared: Arc::new(Structure {
                node_ids: nodes.ids,
                node_index: nodes.index,
                node_pole: nodes.pole,
                node_substation: nodes.substation,
                adj,
                node_switches,
                node_transformers,
                span_edge,
                edge_switches,
                switch_edges,
                transformer_node,
                transformer_meters,
                transformer_customers,
                meter_transformer,
                substation_node,
                feeder_ids,
                feeder_index,
                feeder_edges,
                feeder_transformers,
            }),
            edges,
            switches,
            parent_edge: Vec::new(),
            source: Vec::new(),
            depth: Vec::new(),
            scratch: Mutex::new(Vec::new()),
        };
        graph.energize();
        Ok(graph)
    }

    /// Breadth-first search from every substation root over closed spans: fills
    /// `parent_edge`, `source` and `depth`. Nearer substations win ties in BFS order.
    pub(super) fn energize(&mut self) {
        let n = self.node_ids.len();
        let mut parent = vec![NONE; n];
        let mut source = vec![NONE; n];
        let mut depth = vec![0u32; n];
        let mut queue = Vec::new();
        for (s, &root) in self.substation_node.iter().enumerate() {
            if source[root as usize] == NONE {
                source[root as usize] = s as u32;
                queue.push(root);
            }
        }
        self.spread(&mut queue, &mut parent, &mut source, &mut depth);
        self.stats.energized_nodes = source.iter().filter(|&&s| s != NONE).count();
        self.parent_edge = parent;
        self.source = source;
        self.depth = depth;
    }

    /// The energization search: breadth-first from the nodes in `queue` (already given
    /// their `source`) over closed spans into nodes with no source yet, setting `source`,
    /// `parent` and `depth`. `queue` ends holding every node reached, seeds first.
    pub(super) fn spread(
        &self,
        queue: &mut Vec<u32>,
        parent: &mut [u32],
        source: &mut [u32],
        depth: &mut [u32],
    ) {
        let mut head = 0;
        while let Some(&u) = queue.get(head) {
            head += 1;
            for &e in self.adj.row(u) {
                let edge = self.edges[e as usize];
                let v = self.other_end(&edge, u);
                if edge.open || source[v as usize] != NONE {
                    continue;
                }
                source[v as usize] = source[u as usize];
                parent[v as usize] = e;
                depth[v as usize] = depth[u as usize].saturating_add(1);
                queue.push(v);
            }
        }
    }
}

/// The edges a switch at `node` controls (see the module docs): a tie switch controls the
/// tie spans that leave its node (it sits at their `from` end); any other switch the
/// non-tie spans of its feeder that leave its node (`from` end = its node), so equipment at
/// the switch's own node stays on its source side.
fn controlled_edges(
    adj: &Csr,
    edges: &[Edge],
    feeder_ids: &[i64],
    node: u32,
    kind: DeviceKind,
    feeder: Option<i64>,
) -> Vec<u32> {
    if node == NONE {
        return Vec::new();
    }
    let edge = |e: &u32| edges.get(*e as usize).copied();
    let tie = kind == DeviceKind::TieSwitch;
    let on_feeder =
        |x: &Edge| !x.tie && feeder.is_none_or(|f| feeder_ids.get(x.feeder as usize) == Some(&f));
    adj.row(node)
        .iter()
        .filter(|e| {
            edge(e).is_some_and(|x| x.from == node && if tie { x.tie } else { on_feeder(&x) })
        })
        .copied()
        .collect()
}
