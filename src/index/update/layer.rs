//! One layer of an update: build the new layer copy-on-write from the edits, and mark the
//! stale tiles.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::index::build::{box_entry, geometry_kind};
use crate::index::geometry::merge_boxes;
use crate::index::invalidation::LayerInvalidation;
use crate::index::{
    Features, GeometryKind, IndexedFeature, IndexedLayer, LayerTree, WorldGeometry,
};
use crate::mercator::WorldCoord;
use crate::model::Value;
use crate::tiling::TileConfig;

use super::dirty::{mark_in_place, mark_moved, DrawRules};
use super::edits::{asset_change, edits, points_of, Edit};
use super::remerge::update_groups;
use super::rethin::{update_thinning, ThinChanges};
use super::{AssetChange, ChangeKind, LayerChanges, UpdateError};

/// What updating one layer produced.
pub struct LayerOutcome {
    /// The new layer; `None` when nothing changed.
    pub layer: Option<IndexedLayer>,
    /// The reported asset changes.
    pub changes: Vec<AssetChange>,
    /// Positions of points that appeared, disappeared or moved (old and new), for junctions.
    pub moved_points: Vec<WorldCoord>,
}

/// Applies `ch` (and re-ranks the line features `rerank`) to `old`.
pub fn update_layer(
    old: &IndexedLayer,
    ch: LayerChanges,
    rerank: &[u64],
    is_junction: &impl Fn(WorldCoord) -> bool,
    tiles: &TileConfig,
    inv: &mut LayerInvalidation,
) -> Result<LayerOutcome, UpdateError> {
    let (edits, regroup) = edits(old, ch, rerank, is_junction)?;
    if edits.is_empty() && regroup.is_empty() {
        return Ok(LayerOutcome {
            layer: None,
            changes: Vec::new(),
            moved_points: Vec::new(),
        });
    }
    let old_rules = DrawRules::of(old, tiles);
    let mut changes = Vec::new();
    let mut moved_points = Vec::new();
    let mut any_moved = false;
    for e in &edits {
        let (kind, id, geometry, moved) = match e {
            Edit::Insert(f) => (ChangeKind::Insert, f.id, Some(&f.geometry), true),
            Edit::Update { new, moved, .. } => {
                (ChangeKind::Update, new.id, Some(&new.geometry), *moved)
            }
            Edit::Delete(i) => (ChangeKind::Delete, old.features[*i as usize].id, None, true),
        };
        any_moved |= moved;
        if moved {
            if let Edit::Update { index, .. } | Edit::Delete(index) = e {
                points_of(&old.features[*index as usize].geometry, &mut moved_points);
            }
            if let Some(g) = geometry {
                points_of(g, &mut moved_points);
            }
        }
        let report = !matches!(e, Edit::Update { report: false, .. });
        if report {
            changes.push(asset_change(old, id, kind, e, moved));
        }
    }
    let mut touched: Vec<&[Option<Value>]> = Vec::new();
    for e in &edits {
        match e {
            Edit::Insert(f) => touched.push(&f.properties),
            Edit::Update { index, new, .. } => {
                touched.push(&old.features[*index as usize].properties);
                touched.push(&new.properties);
            }
            Edit::Delete(i) => touched.push(&old.features[*i as usize].properties),
        }
    }
    for &i in &regroup {
        touched.push(&old.features[i as usize].properties);
    }
    let (features, by_id, rtree, remap) = rebuild(old, &edits);
    let thinning = if any_moved {
        let changed = moved_indices(&edits, remap.as_deref(), features.len());
        let ch = ThinChanges {
            remap: remap.as_deref(),
            changed: &changed,
            dirty: &moved_points,
        };
        update_thinning(
            old.thinning.as_ref(),
            &features,
            &rtree,
            &ch,
            &old.config,
            tiles,
        )
    } else {
        old.thinning.clone()
    };
    let kind = if any_moved {
        layer_kind(old, &edits, &features)
    } else {
        old.kind
    };
    let merged = update_groups(
        old,
        &features,
        kind,
        &touched,
        is_junction,
        tiles,
        &old_rules,
        inv,
    );
    let bbox = if any_moved {
        layer_bbox(old, &edits, &features)
    } else {
        old.bbox
    };
    let new = IndexedLayer {
        name: old.name.clone(),
        fields: old.fields.clone(),
        tile_fields: old.tile_fields.clone(),
        config: old.config.clone(),
        kind,
        features,
        rtree,
        by_id,
        thinning,
        merged,
        bbox,
    };
    let new_rules = DrawRules::of(&new, tiles);
    // A point of a thinned layer that stays put is drawn where it is a representative; if
    // other points moved, representatives may have changed: mark it as moved instead.
    let thinned = old.thinning.is_some() || new.thinning.is_some();
    for e in &edits {
        match e {
            Edit::Insert(f) => mark_moved(inv, &new_rules, &f.geometry),
            Edit::Delete(i) => mark_moved(inv, &old_rules, &old.features[*i as usize].geometry),
            Edit::Update {
                index,
                new: f,
                moved,
                ..
            } => {
                let before = &old.features[*index as usize].geometry;
                if *moved || (thinned && any_moved) {
                    mark_moved(inv, &old_rules, before);
                    mark_moved(inv, &new_rules, &f.geometry);
                } else {
                    let from = old
                        .thinning
                        .as_ref()
                        .and_then(|t| t.visible_from.get(*index as usize).copied());
                    mark_in_place(inv, &old_rules, before, from);
                }
            }
        }
    }
    Ok(LayerOutcome {
        layer: Some(new),
        changes,
        moved_points,
    })
}

/// The new feature vector, id map and R-tree. Without deletions, indices stay: the changed
/// features replace theirs (copying their chunks of the vector), moved and inserted
/// features' R-tree entries go to the tree's overlay (the id map is shared with `old` while
/// nothing is inserted); with deletions the vector is compacted in order and the tree
/// loaded again. Unchanged features are shared with `old` either way.
fn rebuild(old: &IndexedLayer, edits: &[Edit]) -> Rebuilt {
    let inserts = edits.iter().filter_map(|e| match e {
        Edit::Insert(f) => Some(f),
        _ => None,
    });
    if edits.iter().any(|e| matches!(e, Edit::Delete(_))) {
        let mut replace: HashMap<u32, &IndexedFeature> = HashMap::new();
        let mut deleted: HashSet<u32> = HashSet::new();
        for e in edits {
            match e {
                Edit::Update { index, new, .. } => {
                    replace.insert(*index, new);
                }
                Edit::Delete(i) => {
                    deleted.insert(*i);
                }
                Edit::Insert(_) => {}
            }
        }
        let mut features = Vec::with_capacity(old.features.len() + edits.len());
        let mut remap = Vec::with_capacity(old.features.len());
        for (i, f) in old.features.iter().enumerate() {
            let i = i as u32;
            if deleted.contains(&i) {
                remap.push(None);
                continue;
            }
            remap.push(Some(features.len() as u32));
            features.push(
                replace
                    .get(&i)
                    .map_or_else(|| Arc::clone(f), |n| Arc::new((*n).clone())),
            );
        }
        features.extend(inserts.map(|f| Arc::new(f.clone())));
        let by_id = features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i as u32))
            .collect();
        let rtree = LayerTree::bulk_load(
            features
                .iter()
                .enumerate()
                .map(|(i, f)| box_entry(f.geometry.bbox(), i as u32))
                .collect(),
        );
        return (features.into(), Arc::new(by_id), rtree, Some(remap));
    }
    let mut features = old.features.clone();
    let mut by_id = Arc::clone(&old.by_id);
    let mut rtree = old.rtree.clone();
    for e in edits {
        if let Edit::Update { index, new, .. } = e {
            let i = *index as usize;
            let (a, b) = (features[i].geometry.bbox(), new.geometry.bbox());
            if a != b {
                rtree.set(*index, Some(&box_entry(a, *index)), box_entry(b, *index));
            }
            features.set(i, Arc::new(new.clone()));
        }
    }
    for f in inserts {
        let i = features.len() as u32;
        Arc::make_mut(&mut by_id).insert(f.id, i);
        rtree.set(i, None, box_entry(f.geometry.bbox(), i));
        features.push(Arc::new(f.clone()));
    }
    if rtree.needs_compaction() {
        rtree = rtree.compacted();
    }
    (features, by_id, rtree, None)
}

/// The bounding box of the new layer: the old one grown by the new boxes while no feature
/// that moved or disappeared touched its edge (then nothing can shrink it), else computed
/// over every feature.
fn layer_bbox(old: &IndexedLayer, edits: &[Edit], features: &Features) -> [f64; 4] {
    let o = old.bbox;
    let inside = |b: [f64; 4]| b[0] > o[0] && b[1] > o[1] && b[2] < o[2] && b[3] < o[3];
    let mut grown = o;
    for e in edits {
        let (before, after) = match e {
            Edit::Insert(f) => (None, Some(&f.geometry)),
            Edit::Update { index, new, .. } => (Some(*index), Some(&new.geometry)),
            Edit::Delete(i) => (Some(*i), None),
        };
        if before.is_some_and(|i| !inside(old.features[i as usize].geometry.bbox())) {
            return merge_boxes(features.iter().map(|f| f.geometry.bbox()));
        }
        if let Some(g) = after {
            grown = merge_boxes([grown, g.bbox()].into_iter());
        }
    }
    grown
}

/// The geometry kind of the new layer: the old one while every new geometry is of that
/// kind and none was deleted, else computed over every feature.
fn layer_kind(old: &IndexedLayer, edits: &[Edit], features: &Features) -> GeometryKind {
    let same = |g: &WorldGeometry| {
        matches!(
            (old.kind, g),
            (GeometryKind::Point, WorldGeometry::Points(_))
                | (GeometryKind::Line, WorldGeometry::Lines(_))
                | (GeometryKind::Polygon, WorldGeometry::Polygons(_))
        )
    };
    let keeps = !old.features.is_empty()
        && edits.iter().all(|e| match e {
            Edit::Insert(f) | Edit::Update { new: f, .. } => same(&f.geometry),
            Edit::Delete(_) => false,
        });
    if keeps {
        old.kind
    } else {
        geometry_kind(features)
    }
}

/// New feature vector, id map, R-tree, and the old → new index map when features were
/// deleted.
type Rebuilt = (
    Features,
    Arc<HashMap<u64, u32>>,
    LayerTree,
    Option<Vec<Option<u32>>>,
);

/// New indices of the features that moved or were inserted (inserts are appended in edit
/// order after the surviving features).
fn moved_indices(edits: &[Edit], remap: Option<&[Option<u32>]>, len: usize) -> Vec<u32> {
    let inserts = edits
        .iter()
        .filter(|e| matches!(e, Edit::Insert(_)))
        .count();
    let mut next = (len - inserts) as u32;
    let mut out = Vec::new();
    for e in edits {
        match e {
            Edit::Update {
                index, moved: true, ..
            } => {
                let j = remap.map_or(Some(*index), |m| m.get(*index as usize).copied().flatten());
                out.extend(j);
            }
            Edit::Insert(_) => {
                out.push(next);
                next += 1;
            }
            _ => {}
        }
    }
    out
}
