//! Incremental snapshot updates: a [`ChangeSet`] (rows inserted, updated or deleted at the
//! source) applied to a snapshot gives a new snapshot, the exact set of stale tiles
//! ([`Invalidation`]) and a report of what changed ([`AssetChange`]).
//!
//! Copy-on-write per layer, and within a layer per chunk: unchanged layers are shared (`Arc`)
//! with the old snapshot, and a changed layer shares everything an update does not write to,
//! so a one-row change costs about the same at a million features as at a thousand:
//! - the feature vector is a [`super::Chunked`] of `Arc<IndexedFeature>`: the new layer
//!   copies the chunk list and the chunks holding changed features (nothing is re-projected
//!   or re-ranked except what changed);
//! - updates in place keep every feature index; a box that changes moves the feature's
//!   R-tree entry into the [`super::LayerTree`]'s per-version overlay (the bulk-loaded base
//!   stays shared; the overlay is merged into a new base once it holds 1/32 of the layer);
//!   inserts are appended the same way, and the id map is copied only when ids are added;
//!   deletions compact the vector in order and bulk-load the R-tree again, so feature order
//!   — which decides thinning representatives and drawing order — never changes for the
//!   features that stay;
//! - the layer's bounding box grows by the new boxes, recomputed only when a feature on its
//!   edge moved or disappeared;
//! - point thinning is decided again only in the grid cells where a point moved, appeared or
//!   disappeared (`rethin`, beside the build-time `index::thin`); its levels are
//!   [`super::Runs`], so only the runs holding a changed representative are copied;
//! - merged line groups (feeders at low zoom) are recomputed only for the groups whose
//!   members changed (old and new group keys; `remerge`, beside the build-time `index::merge`);
//! - a moved, added or removed junction point (switch, transformer, substation) re-ranks the
//!   line vertices at its old and new position, in the features and in their merged groups.
//!
//! The result draws the same as building the new data from scratch, and every tile outside
//! the invalidation renders byte-for-byte as before (`tests/index_update.rs` checks both on
//! random change sequences); feature and group order follow the update history.

mod dirty;
mod edits;
mod junctions;
mod layer;
mod remerge;
mod rethin;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use thiserror::Error;

use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::{Feature, Value};

use super::geometry::merge_boxes;
use super::invalidation::Invalidation;
use super::{IndexedLayer, Snapshot};

use junctions::JunctionLookup;

/// What changed in one layer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerChanges {
    /// Features inserted or replaced, in lon/lat, with properties aligned with the layer's
    /// fields. A feature whose geometry is empty is removed from the layer.
    pub upserts: Vec<Feature>,
    /// Ids removed (unknown ids are ignored).
    pub deletes: Vec<u64>,
    /// `upserts` is the whole layer: every feature not among them is removed (a full
    /// resynchronization). Unchanged features cost a comparison and nothing else.
    pub replace: bool,
    /// Attribute-only updates: `(id, properties)` aligned with the layer's fields; the
    /// feature keeps its indexed geometry exactly (no round trip through lon/lat). Ignored
    /// for ids that are not in the layer, deleted, or also upserted (the upsert wins).
    pub attributes: Vec<(u64, Vec<Option<Value>>)>,
}

/// Changes to apply, by layer name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeSet {
    pub layers: BTreeMap<String, LayerChanges>,
}

impl ChangeSet {
    /// True if no layer has a change.
    pub fn is_empty(&self) -> bool {
        self.layers.values().all(|c| {
            c.upserts.is_empty() && c.deletes.is_empty() && c.attributes.is_empty() && !c.replace
        })
    }
}

/// What happened to an asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Insert,
    Update,
    Delete,
}

/// One changed asset, as reported on the change stream.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AssetChange {
    /// The layer (MVT layer name).
    pub layer: String,
    /// The asset id (= MVT feature id).
    pub id: u64,
    pub kind: ChangeKind,
    /// Every attribute of the layer after the change (`null` = no value); empty for a
    /// delete.
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// True when the geometry moved (or appeared / disappeared): the client must refetch
    /// tiles; false when only attributes changed and restyling the feature is enough.
    pub geometry_changed: bool,
}

/// The outcome of [`Snapshot::apply`].
#[derive(Debug)]
pub struct Update {
    /// The new snapshot (unchanged layers shared with the old one).
    pub snapshot: Snapshot,
    /// Tiles whose content differs between the two snapshots.
    pub invalidation: Invalidation,
    /// Assets whose data changed (no-op upserts are left out).
    pub changes: Vec<AssetChange>,
}

/// Why a change set cannot be applied.
#[derive(Debug, Error, PartialEq)]
pub enum UpdateError {
    #[error("change to unknown layer {0:?}")]
    UnknownLayer(String),
    #[error("layer {layer:?}, feature {id}: {reason}")]
    BadFeature {
        layer: String,
        id: u64,
        reason: String,
    },
}

impl Snapshot {
    /// Applies `changes`, giving snapshot `version` and the tiles it makes stale. The
    /// receiver is not modified; readers of it are never blocked.
    pub fn apply(&self, mut changes: ChangeSet, version: u64) -> Result<Update, UpdateError> {
        for name in changes.layers.keys() {
            if self.layer_index(name).is_none() {
                return Err(UpdateError::UnknownLayer(name.clone()));
            }
        }
        let maxzoom = self.tiling.tiles.maxzoom;
        let mut invalidation = Invalidation::new(self.layers.len(), maxzoom);
        let mut layers: Vec<Arc<IndexedLayer>> = self.layers.clone();
        let mut report = Vec::new();
        let is_junction_layer = |l: &IndexedLayer| l.config.junction;

        // Phase 1: junction layers, whose points pin line vertices in the other layers.
        let old_junctions = JunctionLookup::new(self.layers.iter().map(|l| &**l));
        let mut moved = Vec::new();
        for (i, old) in self.layers.iter().enumerate() {
            if !is_junction_layer(old) {
                continue;
            }
            let Some(ch) = changes.layers.remove(&old.name) else {
                continue;
            };
            let out = layer::update_layer(
                old,
                ch,
                &[],
                &|c| old_junctions.contains(c),
                &self.tiling.tiles,
                &mut invalidation.layers[i],
            )?;
            moved.extend(out.moved_points);
            report.extend(out.changes);
            if let Some(new) = out.layer {
                layers[i] = Arc::new(new);
            }
        }

        // Phase 2: every other layer, ranked against the new junctions; lines with a vertex
        // where a junction appeared or disappeared are re-ranked.
        let new_junctions = JunctionLookup::new(layers.iter().map(|l| &**l));
        let is_junction = |c: WorldCoord| new_junctions.contains(c);
        let mut updated: Vec<(usize, IndexedLayer)> = Vec::new();
        for (i, old) in self.layers.iter().enumerate() {
            if is_junction_layer(old) {
                continue;
            }
            let rerank = junctions::lines_at(old, &moved);
            let ch = changes.layers.remove(&old.name).unwrap_or_default();
            if rerank.is_empty() && ch == LayerChanges::default() {
                continue;
            }
            let out = layer::update_layer(
                old,
                ch,
                &rerank,
                &is_junction,
                &self.tiling.tiles,
                &mut invalidation.layers[i],
            )?;
            report.extend(out.changes);
            if let Some(new) = out.layer {
                updated.push((i, new));
            }
        }
        for (i, new) in updated {
            layers[i] = Arc::new(new);
        }
        let bounds = lonlat_bounds(&layers);
        Ok(Update {
            snapshot: Snapshot {
                version,
                tiling: self.tiling.clone(),
                layers,
                bounds,
            },
            invalidation,
            changes: report,
        })
    }
}

/// Bounding box of all data in lon/lat, as [`super::SnapshotBuilder::build`] computes it.
fn lonlat_bounds(layers: &[Arc<IndexedLayer>]) -> [f64; 4] {
    let world = merge_boxes(
        layers
            .iter()
            .filter(|l| !l.features.is_empty())
            .map(|l| l.bbox),
    );
    if world[0].is_finite() {
        let (west, north) = world_to_lonlat([world[0], world[1]]);
        let (east, south) = world_to_lonlat([world[2], world[3]]);
        [west, south, east, north]
    } else {
        [-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59]
    }
}
