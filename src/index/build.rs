//! Building a [`Snapshot`] from source layers: project, guess the max zoom, index, rank, thin,
//! merge.
//!
//! The work runs on rayon's pool: every layer is projected in parallel (its features in
//! parallel chunks, order kept), then every layer is indexed in parallel (its R-tree, point
//! thinning and merged groups side by side with `rayon::join`). The result does not depend
//! on the number of threads: every step is a function of its layer alone, in feature order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use rstar::primitives::Rectangle;
use thiserror::Error;

use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::{Feature, Field, LayerData};
use crate::tiling::TilingConfig;

use super::geometry::merge_boxes;
use super::maxzoom::guess_maxzoom;
use super::{
    BoxEntry, Features, GeometryKind, IndexedFeature, IndexedLayer, LayerTree, MergedLines,
    Snapshot, Thinning, WorldGeometry, ZoomPrep,
};

/// Why a set of layers cannot become a snapshot.
#[derive(Debug, Error, PartialEq)]
pub enum BuildError {
    #[error("layer name {0:?} appears twice")]
    DuplicateLayer(String),
    #[error("layer {layer:?}: feature id {id} appears twice")]
    DuplicateId { layer: String, id: u64 },
    #[error("layer {layer:?}: configured field {field:?} does not exist")]
    UnknownField { layer: String, field: String },
    #[error("layer {layer:?}: merge attribute {field:?} does not exist")]
    UnknownMergeField { layer: String, field: String },
}

/// Builds snapshots with one tiling configuration.
#[derive(Clone, Debug, Default)]
pub struct SnapshotBuilder {
    pub tiling: TilingConfig,
}

/// A layer projected to world coordinates, not yet indexed.
struct Projected {
    name: String,
    fields: Vec<Field>,
    features: Vec<Arc<IndexedFeature>>,
    by_id: HashMap<u64, u32>,
}

impl SnapshotBuilder {
    pub fn new(tiling: TilingConfig) -> Self {
        SnapshotBuilder { tiling }
    }

    /// Projects, indexes and generalizes `layers` into snapshot `version`. Features whose
    /// geometry is empty are skipped (sources reject invalid geometry before this point).
    /// When `maxzoom` is not configured, the snapshot's tiling holds the one guessed from
    /// the data ([`super::maxzoom`]).
    pub fn build(&self, layers: Vec<LayerData>, version: u64) -> Result<Snapshot, BuildError> {
        let mut seen = HashSet::new();
        for layer in &layers {
            if !seen.insert(layer.name.clone()) {
                return Err(BuildError::DuplicateLayer(layer.name.clone()));
            }
        }
        let junctions = self.junctions(&layers);
        let is_junction = |c: WorldCoord| junctions.contains(&quantize(c));
        let projected = layers
            .into_par_iter()
            .map(|layer| project_layer(layer, &is_junction))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tiling = self.tiling.clone();
        if tiling.tiles.guess_maxzoom {
            let features: Vec<&[Arc<IndexedFeature>]> =
                projected.iter().map(|p| &p.features[..]).collect();
            let maxzoom = guess_maxzoom(&features, tiling.tiles.extent);
            tiling.tiles = tiling.tiles.with_maxzoom(maxzoom);
        }
        let indexed = projected
            .into_par_iter()
            .map(|p| index_layer(&tiling, p, &is_junction).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let world = merge_boxes(
            indexed
                .iter()
                .filter(|l| !l.features.is_empty())
                .map(|l| l.bbox),
        );
        let bounds = if world[0].is_finite() {
            let (west, north) = world_to_lonlat([world[0], world[1]]);
            let (east, south) = world_to_lonlat([world[2], world[3]]);
            [west, south, east, north]
        } else {
            [-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59]
        };
        Ok(Snapshot {
            version,
            tiling,
            layers: indexed,
            bounds,
        })
    }

    /// `snapshot` with one more layer (indexed with the snapshot's tiling, its max zoom
    /// included; the bounds stay those of the grid). Fails on a layer name already there.
    pub fn with_layer(&self, snapshot: Snapshot, layer: LayerData) -> Result<Snapshot, BuildError> {
        if snapshot.layer(&layer.name).is_some() {
            return Err(BuildError::DuplicateLayer(layer.name));
        }
        let no_junctions = |_: WorldCoord| false;
        let projected = project_layer(layer, &no_junctions)?;
        let indexed = index_layer(&snapshot.tiling, projected, &no_junctions)?;
        let mut layers = snapshot.layers;
        layers.push(Arc::new(indexed));
        Ok(Snapshot { layers, ..snapshot })
    }

    /// Quantized world positions of every point in a junction layer.
    fn junctions(&self, layers: &[LayerData]) -> HashSet<(i64, i64)> {
        layers
            .par_iter()
            .filter(|l| self.tiling.layer(&l.name).junction)
            .flat_map_iter(|layer| {
                layer.features.iter().flat_map(|f| {
                    match WorldGeometry::project(&f.geometry, &|_| false) {
                        Some(WorldGeometry::Points(pts)) => pts,
                        _ => Vec::new(),
                    }
                })
            })
            .map(quantize)
            .collect()
    }
}

/// Projects a layer's features (in parallel, in order) and maps ids to positions.
fn project_layer(
    layer: LayerData,
    is_junction: &(impl Fn(WorldCoord) -> bool + Sync),
) -> Result<Projected, BuildError> {
    let LayerData {
        name,
        fields,
        features: source,
    } = layer;
    let features: Vec<Arc<IndexedFeature>> = source
        .into_par_iter()
        .with_min_len(1024)
        .filter_map(|f: Feature| {
            let geometry = WorldGeometry::project(&f.geometry, is_junction)?;
            Some(Arc::new(IndexedFeature {
                id: f.id,
                geometry,
                properties: f.properties,
            }))
        })
        .collect();
    let mut by_id = HashMap::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        if by_id.insert(f.id, i as u32).is_some() {
            return Err(BuildError::DuplicateId {
                layer: name,
                id: f.id,
            });
        }
    }
    Ok(Projected {
        name,
        fields,
        features,
        by_id,
    })
}

/// Indexes a projected layer: R-tree, bounding box, thinning and merged groups.
fn index_layer(
    tiling: &TilingConfig,
    layer: Projected,
    is_junction: &(impl Fn(WorldCoord) -> bool + Sync),
) -> Result<IndexedLayer, BuildError> {
    let Projected {
        name,
        fields,
        features,
        by_id,
    } = layer;
    let config = tiling.layer(&name);
    let field_index = |n: &str| fields.iter().position(|f| f.name == n);
    let tile_fields = match &config.fields {
        None => (0..fields.len()).collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                field_index(n).ok_or_else(|| BuildError::UnknownField {
                    layer: name.clone(),
                    field: n.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let features: Features = features.into();
    let kind = geometry_kind(&features);
    let merge = if !config.merge_by.is_empty() && kind == GeometryKind::Line {
        let merge_field = |n: &String| {
            field_index(n).ok_or_else(|| BuildError::UnknownMergeField {
                layer: name.clone(),
                field: n.clone(),
            })
        };
        let keys = config
            .merge_by
            .iter()
            .map(merge_field)
            .collect::<Result<Vec<_>, _>>()?;
        let id_field = config.merge_id.as_ref().map(merge_field).transpose()?;
        Some((keys, id_field))
    } else {
        None
    };
    let ((rtree, bbox), (thinning, merged)) = rayon::join(
        || {
            let entries: Vec<BoxEntry> = features
                .iter()
                .enumerate()
                .map(|(i, f)| box_entry(f.geometry.bbox(), i as u32))
                .collect();
            let bbox = merge_boxes(features.iter().map(|f| f.geometry.bbox()));
            (LayerTree::bulk_load(entries), bbox)
        },
        || {
            rayon::join(
                || Thinning::build(&features, &config, &tiling.tiles),
                || {
                    merge.map(|(keys, id_field)| {
                        let prep = ZoomPrep {
                            minzoom: config.minzoom,
                            extent: tiling.tiles.extent,
                            tolerance: tiling.tiles.simplify_tolerance,
                        };
                        MergedLines::build(
                            &features,
                            &keys,
                            id_field,
                            config.merge_below,
                            prep,
                            is_junction,
                        )
                    })
                },
            )
        },
    );
    Ok(IndexedLayer {
        name,
        fields,
        tile_fields,
        config,
        kind,
        features,
        rtree,
        by_id: Arc::new(by_id),
        thinning,
        merged,
        bbox,
    })
}

/// An R-tree entry for a bounding box.
pub(super) fn box_entry(b: [f64; 4], data: u32) -> BoxEntry {
    BoxEntry::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), data)
}

/// Snaps a world coordinate to a ~1 cm grid so equal positions from different layers match.
pub(super) fn quantize(c: WorldCoord) -> (i64, i64) {
    const SCALE: f64 = (1u64 << 32) as f64;
    ((c[0] * SCALE).round() as i64, (c[1] * SCALE).round() as i64)
}

pub(super) fn geometry_kind(features: &Features) -> GeometryKind {
    let mut kinds = features.iter().map(|f| match f.geometry {
        WorldGeometry::Points(_) => GeometryKind::Point,
        WorldGeometry::Lines(_) => GeometryKind::Line,
        WorldGeometry::Polygons(_) => GeometryKind::Polygon,
    });
    let Some(first) = kinds.next() else {
        return GeometryKind::Point;
    };
    if kinds.all(|k| k == first) {
        first
    } else {
        GeometryKind::Mixed
    }
}
