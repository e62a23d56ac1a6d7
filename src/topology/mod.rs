//! Grid topology: a connectivity graph of the distribution network built once per snapshot,
//! and network traces over it (upstream, downstream, isolation, neighbours, feeder
//! connections).
//!
//! # Model
//!
//! - **Nodes** are the span ends named by the span attributes `from_node` / `to_node`: pole
//!   ids, and for the first span of a feeder the substation id. A substation's id is its
//!   **root node**. Node ids are mapped to dense `u32`s; adjacency is stored as CSR arrays.
//! - **Edges** are spans (one feature per pole-to-pole span), carrying the span feature id,
//!   the feeder (circuit) id, and whether it is a tie span (`section = "tie"`).
//! - **Devices** attach to a node: switches and transformers by their `node_id` attribute.
//!   Meters attach to their transformer (`transformer_id`).
//!
//! # Switch rule (the demo generator's convention)
//!
//! A switch carries a node, not a span. The data defines which spans it breaks:
//!
//! - a switch at node `N` on feeder `F` **cuts the non-tie spans of `F` that leave `N`**
//!   (whose `from_node` is `N`): the switch is on `N`'s load side, so `N` itself and the
//!   equipment on it (transformers, other devices) stay on the switch's source side. A
//!   breaker at a substation root cuts the feeder's first span(s);
//! - a **tie switch** sits at the `from_node` of its tie span and cuts only that span.
//!
//! A span is **open** when any switch controlling it has `current_state = "open"`; open
//! spans are never crossed. Spans are otherwise treated as closed whatever their `status`
//! attribute says (status is an output of the grid's state, not an input to connectivity).
//! A switch's *line side* is its own node. An open span is cut at its `from` end, so its
//! conductor is still live when its `to` end is fed (e.g. back-fed through a tie).
//!
//! # Energization
//!
//! At build time a breadth-first search from every substation root over closed spans gives
//! each reachable node its feeding substation, its parent span and its depth (the
//! energization forest). A closed span is energized when an end is, an open one when its
//! `to` end is; a switch when its node is. Traces read this forest: `upstream` follows parent spans to the root,
//! `downstream` walks the subtree, so both cost O(result). De-energized parts are walked in
//! the nominal span direction (`from_node` → `to_node`, ties excluded).
//!
//! # Queries
//!
//! Every query takes an asset id from the span, pole, switch, transformer, meter or
//! substation layer, returns ids per layer (sorted, deduplicated) and a customer (meter)
//! count, and is bounded by [`TraceLimits`] (`truncated` says when a cap was hit). An unknown
//! id is an error; a disconnected asset is a normal result with `energized_from: None`.
//! Queries take `&self` and use per-query scratch buffers from a small pool, so a shared
//! `Arc<GridGraph>` serves concurrent requests.

mod build;
mod collect;
mod csr;
mod graph;
mod isolate;
mod liveness;
pub mod quality;
mod rebase;
mod reenergize;
mod result;
mod schema;
mod trace;

#[cfg(test)]
mod demo_tests;
#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod isolate_tests;
#[cfg(test)]
mod perf;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod rebase_tests;
#[cfg(test)]
mod tests;

pub use graph::GridGraph;
pub use liveness::{ChangedAssets, Liveness};
pub use result::{
    AssetIds, AssetKind, AssetRef, BuildStats, Connection, FeederConnections, IsolationResult,
    Neighbours, TraceLimits, TraceResult,
};
pub use schema::{DeviceKind, TopologySchema};

pub(crate) use schema::{int_attr, str_attr};

use thiserror::Error;

/// Why a graph cannot be built or a query cannot be answered.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TopologyError {
    #[error("layer {0:?} is missing from the snapshot")]
    MissingLayer(String),
    #[error("layer {layer:?} has no attribute {field:?}")]
    MissingField { layer: String, field: String },
    #[error("layer {0:?} has too many features for the topology index")]
    TooLarge(String),
    #[error("no network asset has id {0}")]
    UnknownAsset(u64),
    #[error("no feeder has id {0}")]
    UnknownFeeder(i64),
}
