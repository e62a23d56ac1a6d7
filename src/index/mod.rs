//! The index: an immutable, fully prepared snapshot of the grid that the tile engine, KPIs and
//! APIs read.
//!
//! Building a [`Snapshot`] projects every geometry once to world coordinates
//! ([`crate::mercator`]), bulk-loads one R-tree per layer, ranks line vertices by importance
//! (geojson-vt style, so a per-zoom simplification is a filter, not a computation), thins dense
//! point layers per zoom and merges line layers per group (spans per feeder) for low zooms.
//!
//! Invariants:
//! - a snapshot never changes after it is built; new data means a new snapshot with a higher
//!   `version` (readers hold an `Arc` and never wait for a writer);
//! - path endpoints and junction vertices have importance `f32::INFINITY`: no zoom drops them,
//!   so generalized networks stay connected.

mod build;
pub mod chunked;
mod geometry;
pub mod invalidation;
mod maxzoom;
mod merge;
pub mod runs;
mod simplify;
mod thin;
pub mod tree;
mod update;

pub use build::{BuildError, SnapshotBuilder};
pub use chunked::Chunked;
pub use geometry::{Path, WorldGeometry};
pub use invalidation::Invalidation;
pub use maxzoom::guess_maxzoom;
pub use merge::{MergedGroup, MergedLines, ZoomPrep};
pub use runs::Runs;
pub use thin::Thinning;
pub use tree::LayerTree;
pub use update::{AssetChange, ChangeKind, ChangeSet, LayerChanges, Update, UpdateError};

use std::collections::HashMap;
use std::sync::Arc;

use rstar::primitives::{GeomWithData, Rectangle};

use crate::model::{Field, Value};
use crate::tiling::{LayerConfig, TilingConfig};

/// An R-tree entry: a bounding box in world coordinates and the index of what it bounds.
pub type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A layer's features in order, in shared chunks ([`Chunked`]).
pub type Features = Chunked<Arc<IndexedFeature>>;

/// A feature in world coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedFeature {
    pub id: u64,
    pub geometry: WorldGeometry,
    pub properties: Vec<Option<Value>>,
}

/// The kind of geometry a layer holds (MVT has one geometry type per feature; TileJSON and
/// styles want to know per layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GeometryKind {
    Point,
    Line,
    Polygon,
    Mixed,
}

/// One layer, indexed and generalized.
#[derive(Debug)]
pub struct IndexedLayer {
    pub name: String,
    pub fields: Vec<Field>,
    /// Indices into `fields` of the attributes written to tiles (from `config.fields`).
    pub tile_fields: Vec<usize>,
    pub config: LayerConfig,
    pub kind: GeometryKind,
    /// The features, each shared (`Arc`) with the snapshots that did not change it, in
    /// chunks shared with them too: an update copies the chunks it writes to, not the
    /// vector.
    pub features: Features,
    /// One entry per feature: its bounding box, data = index into `features` (a shared base
    /// and a small overlay of the entries moved since, [`LayerTree`]).
    pub rtree: LayerTree,
    /// Feature id → index into `features` (shared while no feature is added or removed).
    pub by_id: Arc<HashMap<u64, u32>>,
    /// Point layers with `full_zoom > minzoom`: which points show at each lower zoom.
    pub thinning: Option<Thinning>,
    /// Line layers with `merge_by`: the merged, generalized features for low zooms.
    pub merged: Option<MergedLines>,
    /// Bounding box of the layer in world coordinates `[minx, miny, maxx, maxy]`.
    pub bbox: [f64; 4],
}

impl IndexedLayer {
    /// The feature with this id, if the layer has it.
    pub fn feature(&self, id: u64) -> Option<&IndexedFeature> {
        self.by_id.get(&id).map(|&i| &*self.features[i as usize])
    }

    /// True when `other` has this layer's fields, feature ids (in order) and values of the
    /// attributes `fields` (names absent from the layer are ignored): what a value derived
    /// from those attributes needs to stay valid. A feature shared between the two (`Arc`)
    /// costs a pointer comparison and a shared chunk of features ([`Chunked`]) one for all
    /// of them, so checking a layer an update touched a few features of is cheap.
    pub fn same_values(&self, other: &IndexedLayer, fields: &[&str]) -> bool {
        if std::ptr::eq(self, other) {
            return true;
        }
        if self.fields != other.fields || self.features.len() != other.features.len() {
            return false;
        }
        let idx: Vec<usize> = fields
            .iter()
            .filter_map(|name| self.fields.iter().position(|f| f.name == *name))
            .collect();
        let same = |x: &Arc<IndexedFeature>, y: &Arc<IndexedFeature>| {
            Arc::ptr_eq(x, y)
                || x.id == y.id
                    && idx
                        .iter()
                        .all(|&i| x.properties.get(i) == y.properties.get(i))
        };
        // A shared chunk holds the same features: one pointer comparison per chunk.
        self.features
            .chunks()
            .zip(other.features.chunks())
            .all(|(a, b)| std::ptr::eq(a, b) || a.iter().zip(b).all(|(x, y)| same(x, y)))
    }
}

/// An immutable, query-ready view of the whole grid.
#[derive(Debug)]
pub struct Snapshot {
    /// Increases with every new snapshot; part of tile cache keys and ETags.
    pub version: u64,
    pub tiling: TilingConfig,
    pub layers: Vec<Arc<IndexedLayer>>,
    /// Bounding box of all data in lon/lat `[west, south, east, north]`.
    pub bounds: [f64; 4],
}

impl Snapshot {
    /// The layer called `name`.
    pub fn layer(&self, name: &str) -> Option<&IndexedLayer> {
        self.layers.iter().find(|l| l.name == name).map(|l| &**l)
    }

    /// Position of the layer called `name` in `layers`.
    pub fn layer_index(&self, name: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.name == name)
    }

    /// Total number of features over all layers.
    pub fn feature_count(&self) -> usize {
        self.layers.iter().map(|l| l.features.len()).sum()
    }
}
