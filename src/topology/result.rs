//! What traces return: asset references, ids grouped per layer, and the result types of each
//! query. Everything is `Serialize` so the HTTP layer can return it as is.

use serde::Serialize;

/// The role of an asset in the network (one per topology layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Substation,
    Span,
    Pole,
    Switch,
    Transformer,
    Meter,
}

/// An asset: its role and feature id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct AssetRef {
    pub kind: AssetKind,
    pub id: u64,
}

/// Feature ids grouped per topology layer, each list sorted ascending without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetIds {
    pub substations: Vec<u64>,
    pub spans: Vec<u64>,
    pub poles: Vec<u64>,
    pub switches: Vec<u64>,
    pub transformers: Vec<u64>,
    pub meters: Vec<u64>,
}

impl AssetIds {
    /// Total number of ids over all layers.
    pub fn len(&self) -> usize {
        self.substations.len()
            + self.spans.len()
            + self.poles.len()
            + self.switches.len()
            + self.transformers.len()
            + self.meters.len()
    }

    /// True when no layer has an id.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Result of [`upstream`](crate::topology::GridGraph::upstream) and
/// [`downstream`](crate::topology::GridGraph::downstream).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TraceResult {
    /// The asset the trace started from.
    pub asset: AssetRef,
    /// Substation feeding the asset now (`None`: the asset is de-energized or disconnected).
    pub energized_from: Option<u64>,
    /// Upstream only: span ids in order from the asset back to the substation.
    pub path: Vec<u64>,
    /// Upstream only: switch ids controlling the path spans, nearest to the asset first.
    pub path_devices: Vec<u64>,
    /// Every asset on the trace, the starting asset included.
    pub ids: AssetIds,
    /// Customers (meters) in the trace. Counted in full even when `ids.meters` is capped.
    pub customer_count: u64,
    /// True when a node or id limit cut the walk or an id list short.
    pub truncated: bool,
}

/// Result of [`isolate`](crate::topology::GridGraph::isolate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IsolationResult {
    /// The asset to isolate.
    pub asset: AssetRef,
    /// Substation feeding the asset now (`None`: already de-energized; nothing to open).
    pub energized_from: Option<u64>,
    /// Protective devices to open, nearest to the asset first. Usually one; more when the
    /// asset is fed over a loop (a closed tie).
    pub devices: Vec<u64>,
    /// True when opening `devices` de-energizes the asset. False when no closed protective
    /// device upstream can, or when the asset is not energized now.
    pub isolable: bool,
    /// Everything that loses power when `devices` open (the asset included).
    pub de_energized: AssetIds,
    /// Customers (meters) that lose power. Counted in full even when ids are capped.
    pub customer_count: u64,
    /// True when a limit cut the computation short (the result is then a lower bound).
    pub truncated: bool,
}

/// Result of [`neighbours`](crate::topology::GridGraph::neighbours): the assets directly
/// connected to one asset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Neighbours {
    pub asset: AssetRef,
    pub ids: AssetIds,
    pub truncated: bool,
}

/// One span of a feeder with the devices at its ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Connection {
    pub span_id: u64,
    pub from_node: u64,
    pub to_node: u64,
    /// A tie span between feeders.
    pub tie: bool,
    /// Broken by an open switch that controls it.
    pub open: bool,
    /// Switches and transformers attached at `from_node`, sorted.
    pub from_devices: Vec<u64>,
    /// Switches and transformers attached at `to_node`, sorted.
    pub to_devices: Vec<u64>,
}

/// Result of [`connections`](crate::topology::GridGraph::connections).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeederConnections {
    pub feeder_id: i64,
    /// Spans of the feeder sorted by span id.
    pub edges: Vec<Connection>,
    pub truncated: bool,
}

/// Caps that bound the work and the size of every query result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TraceLimits {
    /// Nodes a walk may visit before it stops (`truncated`).
    pub max_nodes: usize,
    /// Ids a result may list per layer (beyond it ids are dropped, `truncated`).
    pub max_ids: usize,
    /// Protective devices an isolation may open.
    pub max_isolation_devices: usize,
}

impl Default for TraceLimits {
    fn default() -> Self {
        TraceLimits {
            max_nodes: 500_000,
            max_ids: 200_000,
            max_isolation_devices: 8,
        }
    }
}

/// Counts from building a graph, including input that could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BuildStats {
    pub nodes: usize,
    pub spans: usize,
    pub feeders: usize,
    pub substations: usize,
    pub switches: usize,
    pub transformers: usize,
    pub meters: usize,
    /// Nodes fed from a substation with the current switch states.
    pub energized_nodes: usize,
    /// Spans skipped: missing or invalid `from_node` / `to_node` / `feeder_id`, or a loop.
    pub skipped_spans: usize,
    /// Switches whose node is not a span end (they control nothing).
    pub unattached_switches: usize,
    /// Transformers whose node is not a span end.
    pub unattached_transformers: usize,
    /// Meters whose transformer does not exist.
    pub orphan_meters: usize,
}
