//! Building a [`Snapshot`] from source layers: project, index, rank, thin, merge.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rstar::primitives::Rectangle;
use rstar::RTree;
use thiserror::Error;

use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::LayerData;
use crate::tiling::TilingConfig;

use super::geometry::merge_boxes;
use super::{
    BoxEntry, GeometryKind, IndexedFeature, IndexedLayer, MergedLines, Snapshot, Thinning,
    WorldGeometry, ZoomPrep,
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

impl SnapshotBuilder {
    pub fn new(tiling: TilingConfig) -> Self {
        SnapshotBuilder { tiling }
    }

    /// Projects, indexes and generalizes `layers` into snapshot `version`. Features whose
    /// geometry is empty are skipped (sources reject invalid geometry before this point).
    pub fn build(&self, layers: Vec<LayerData>, version: u64) -> Result<Snapshot, BuildError> {
        let mut seen = HashSet::new();
        for layer in &layers {
            if !seen.insert(layer.name.clone()) {
                return Err(BuildError::DuplicateLayer(layer.name.clone()));
            }
        }
        let junctions = self.junctions(&layers);
        let is_junction = |c: WorldCoord| junctions.contains(&quantize(c));
        let mut indexed = Vec::with_capacity(layers.len());
        for layer in layers {
            indexed.push(Arc::new(self.build_layer(layer, &is_junction)?));
        }
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
            tiling: self.tiling.clone(),
            layers: indexed,
            bounds,
        })
    }

    /// Quantized world positions of every point in a junction layer.
    fn junctions(&self, layers: &[LayerData]) -> HashSet<(i64, i64)> {
        let mut set = HashSet::new();
        for layer in layers
            .iter()
            .filter(|l| self.tiling.layer(&l.name).junction)
        {
            for f in &layer.features {
                if let Some(WorldGeometry::Points(pts)) =
                    WorldGeometry::project(&f.geometry, &|_| false)
                {
                    set.extend(pts.into_iter().map(quantize));
                }
            }
        }
        set
    }

    fn build_layer(
        &self,
        layer: LayerData,
        is_junction: &impl Fn(WorldCoord) -> bool,
    ) -> Result<IndexedLayer, BuildError> {
        let config = self.tiling.layer(&layer.name);
        let tile_fields = match &config.fields {
            None => (0..layer.fields.len()).collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    layer
                        .field_index(n)
                        .ok_or_else(|| BuildError::UnknownField {
                            layer: layer.name.clone(),
                            field: n.clone(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let LayerData {
            name,
            fields,
            features: source,
        } = layer;
        let field_index = |n: &str| fields.iter().position(|f| f.name == n);
        let mut features = Vec::with_capacity(source.len());
        let mut by_id = HashMap::with_capacity(source.len());
        for f in source {
            let Some(geometry) = WorldGeometry::project(&f.geometry, is_junction) else {
                continue;
            };
            if by_id.insert(f.id, features.len() as u32).is_some() {
                return Err(BuildError::DuplicateId {
                    layer: name.clone(),
                    id: f.id,
                });
            }
            features.push(Arc::new(IndexedFeature {
                id: f.id,
                geometry,
                properties: f.properties,
            }));
        }
        let entries: Vec<BoxEntry> = features
            .iter()
            .enumerate()
            .map(|(i, f)| box_entry(f.geometry.bbox(), i as u32))
            .collect();
        let rtree = RTree::bulk_load(entries);
        let bbox = merge_boxes(features.iter().map(|f| f.geometry.bbox()));
        let kind = geometry_kind(&features);
        let thinning = Thinning::build(&features, &config, &self.tiling.tiles);
        let merged = if !config.merge_by.is_empty() && kind == GeometryKind::Line {
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
            let prep = ZoomPrep {
                minzoom: config.minzoom,
                extent: self.tiling.tiles.extent,
                tolerance: self.tiling.tiles.simplify_tolerance,
            };
            Some(MergedLines::build(
                &features,
                &keys,
                id_field,
                config.merge_below,
                prep,
                is_junction,
            ))
        } else {
            None
        };
        Ok(IndexedLayer {
            name,
            fields,
            tile_fields,
            config,
            kind,
            features,
            rtree: Arc::new(rtree),
            by_id: Arc::new(by_id),
            thinning,
            merged,
            bbox,
        })
    }
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

pub(super) fn geometry_kind(features: &[Arc<IndexedFeature>]) -> GeometryKind {
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
