//! Line merging for low zooms: the spans of one group (one feeder in one state) are chained
//! into as few long paths as the network's shape allows, then ranked for simplification.
//!
//! A path runs between nodes whose degree inside the group is not 2 (ends, taps, branch
//! points), so every branch point is a path endpoint and is never simplified away, and paths
//! of different groups meet exactly where their spans met: merged feeders stay connected.

use std::collections::HashMap;
use std::sync::Arc;

use rstar::RTree;

use crate::mercator::WorldCoord;
use crate::model::Value;

use super::build::{box_entry, quantize};
use super::geometry::merge_boxes;
use super::{BoxEntry, Features, Path, WorldGeometry};

/// One merged feature: a group of lines served as one MultiLineString at low zoom.
#[derive(Clone, Debug, PartialEq)]
pub struct MergedGroup {
    /// The group's id (e.g. the feeder id), used as the MVT feature id.
    pub id: u64,
    /// Attribute values shared by every member (`None` where members differ).
    pub properties: Vec<Option<Value>>,
    pub paths: Vec<Path>,
    /// `by_zoom[z]`: `paths` simplified for zoom `z` (vertices at or below that zoom's
    /// tolerance removed, paths smaller than a pixel dropped), for `minzoom <= z < below`;
    /// empty below the layer's minzoom. Prepared once so a low-zoom tile touches only the
    /// vertices it draws.
    pub by_zoom: Vec<Vec<Path>>,
    pub bbox: [f64; 4],
    /// Number of source features merged into this group.
    pub members: u32,
}

impl MergedGroup {
    /// The group's paths prepared for zoom `z` (the full paths if none were prepared).
    pub fn paths_at(&self, z: u8) -> &[Path] {
        match self.by_zoom.get(z as usize) {
            Some(paths) if z as usize >= self.first_prepared() => paths,
            _ => &self.paths,
        }
    }

    fn first_prepared(&self) -> usize {
        self.by_zoom
            .iter()
            .position(|p| !p.is_empty())
            .unwrap_or(usize::MAX)
    }
}

/// How merged paths are prepared per zoom: the layer's zoom range and the tile settings that
/// decide which vertices and paths a zoom draws.
#[derive(Clone, Copy, Debug)]
pub struct ZoomPrep {
    /// First zoom at which the layer is drawn.
    pub minzoom: u8,
    /// Tile extent in tile units.
    pub extent: u32,
    /// Simplification tolerance in tile units.
    pub tolerance: f64,
}

impl ZoomPrep {
    /// Squared tolerance in world units² at zoom `z` (as the tile engine computes it).
    fn sq_tolerance(&self, z: u8) -> f64 {
        let t = self.tolerance / (f64::from(self.extent.max(1)) * f64::from(1u32 << z.min(31)));
        if (t * t).is_finite() {
            t * t
        } else {
            0.0
        }
    }

    /// One pixel (1/256 of a tile) in world units at zoom `z`.
    fn pixel(z: u8) -> f64 {
        1.0 / (256.0 * f64::from(1u32 << z.min(31)))
    }
}

/// The merged generalization of a line layer.
#[derive(Debug)]
pub struct MergedLines {
    /// Served instead of the individual features at zooms below this.
    pub below: u8,
    /// Each shared (`Arc`) with the versions of the layer whose update did not rebuild it,
    /// so an update copies a pointer per unchanged group, not its geometry.
    pub groups: Vec<Arc<MergedGroup>>,
    /// One entry per group: its bounding box, data = index into `groups`.
    pub rtree: RTree<BoxEntry>,
    /// The grouping key of each group (parallel to `groups`), for incremental updates.
    pub(super) keys: Vec<Vec<GroupKey>>,
}

impl MergedLines {
    /// Groups `features` by the values of the `keys` fields and merges each group's lines.
    /// The group id is the integer value of `id_field` when present, else the smallest
    /// member id.
    pub fn build(
        features: &Features,
        keys: &[usize],
        id_field: Option<usize>,
        below: u8,
        prep: ZoomPrep,
        is_junction: &impl Fn(WorldCoord) -> bool,
    ) -> MergedLines {
        let mut order: HashMap<Vec<GroupKey>, usize> = HashMap::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut group_keys: Vec<Vec<GroupKey>> = Vec::new();
        for (i, f) in features.iter().enumerate() {
            if !matches!(f.geometry, WorldGeometry::Lines(_)) {
                continue;
            }
            let key = group_key(&f.properties, keys);
            let g = *order.entry(key).or_insert_with_key(|key| {
                members.push(Vec::new());
                group_keys.push(key.clone());
                members.len() - 1
            });
            members[g].push(i);
        }
        let groups: Vec<Arc<MergedGroup>> = members
            .iter()
            .map(|idx| {
                Arc::new(build_group(
                    features,
                    idx,
                    id_field,
                    below,
                    prep,
                    is_junction,
                ))
            })
            .collect();
        let rtree = RTree::bulk_load(
            groups
                .iter()
                .enumerate()
                .map(|(i, g)| box_entry(g.bbox, i as u32))
                .collect(),
        );
        MergedLines {
            below,
            groups,
            rtree,
            keys: group_keys,
        }
    }
}

/// Merges the features `idx` (ascending) into one group, with its paths prepared for every
/// zoom below `below`.
pub(super) fn build_group(
    features: &Features,
    idx: &[usize],
    id_field: Option<usize>,
    below: u8,
    prep: ZoomPrep,
    is_junction: &impl Fn(WorldCoord) -> bool,
) -> MergedGroup {
    let mut group = merge_group(features, idx, id_field, is_junction);
    group.by_zoom = (0..below)
        .map(|z| {
            if z < prep.minzoom {
                Vec::new()
            } else {
                prepare_for_zoom(&group.paths, prep.sq_tolerance(z), ZoomPrep::pixel(z))
            }
        })
        .collect();
    group
}

/// The grouping key of a feature with `properties`: the values of the `keys` fields.
pub(super) fn group_key(properties: &[Option<Value>], keys: &[usize]) -> Vec<GroupKey> {
    keys.iter()
        .map(|&k| GroupKey::of(properties.get(k)))
        .collect()
}

/// True when a feature with `properties` has the grouping key `key` (of the `keys` fields):
/// `group_key(properties, keys) == key` without building the key.
pub(super) fn has_key(properties: &[Option<Value>], keys: &[usize], key: &[GroupKey]) -> bool {
    keys.len() == key.len()
        && keys
            .iter()
            .zip(key)
            .all(|(&k, g)| g.matches(properties.get(k)))
}

/// A hashable form of an attribute value for grouping.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum GroupKey {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(std::sync::Arc<str>),
}

impl GroupKey {
    fn of(v: Option<&Option<Value>>) -> GroupKey {
        match v.and_then(|v| v.as_ref()) {
            None => GroupKey::Null,
            Some(Value::Bool(b)) => GroupKey::Bool(*b),
            Some(Value::Int(i)) => GroupKey::Int(*i),
            Some(Value::Float(f)) => GroupKey::Float(f.to_bits()),
            Some(Value::Str(s)) => GroupKey::Str(s.clone()),
        }
    }

    /// `GroupKey::of(v) == *self`, without cloning a string.
    fn matches(&self, v: Option<&Option<Value>>) -> bool {
        match (self, v.and_then(|v| v.as_ref())) {
            (GroupKey::Null, None) => true,
            (GroupKey::Bool(a), Some(Value::Bool(b))) => a == b,
            (GroupKey::Int(a), Some(Value::Int(b))) => a == b,
            (GroupKey::Float(a), Some(Value::Float(b))) => *a == b.to_bits(),
            (GroupKey::Str(a), Some(Value::Str(b))) => **a == **b,
            _ => false,
        }
    }
}

fn merge_group(
    features: &Features,
    idx: &[usize],
    id_field: Option<usize>,
    is_junction: &impl Fn(WorldCoord) -> bool,
) -> MergedGroup {
    let first = &features[idx[0]];
    let id = id_field
        .and_then(|k| match first.properties.get(k) {
            Some(Some(Value::Int(v))) if *v >= 0 => Some(*v as u64),
            _ => None,
        })
        .unwrap_or_else(|| {
            idx.iter()
                .map(|&i| features[i].id)
                .min()
                .unwrap_or(first.id)
        });
    let properties = shared_properties(features, idx);
    let edges: Vec<&[WorldCoord]> = idx
        .iter()
        .flat_map(|&i| match &features[i].geometry {
            WorldGeometry::Lines(paths) => paths.iter().map(|p| p.coords.as_slice()).collect(),
            _ => Vec::new(),
        })
        .filter(|c| c.len() >= 2)
        .collect();
    let paths: Vec<Path> = chain_edges(&edges)
        .into_iter()
        .map(|coords| Path::new(coords, is_junction))
        .collect();
    let bbox = merge_boxes(paths.iter().map(|p| p.bbox));
    MergedGroup {
        id,
        properties,
        paths,
        by_zoom: Vec::new(),
        bbox,
        members: idx.len() as u32,
    }
}

/// The paths as drawn at a zoom with squared tolerance `sq_tol` and pixel size `pixel`:
/// vertices with `importance > sq_tol` (importance kept, so a tile over its size budget can
/// simplify further), paths smaller than a pixel in both directions left out.
fn prepare_for_zoom(paths: &[Path], sq_tol: f64, pixel: f64) -> Vec<Path> {
    paths
        .iter()
        .filter(|p| p.bbox[2] - p.bbox[0] >= pixel || p.bbox[3] - p.bbox[1] >= pixel)
        .map(|p| {
            let (coords, importance): (Vec<WorldCoord>, Vec<f32>) = p
                .coords
                .iter()
                .zip(&p.importance)
                .filter(|(_, &imp)| f64::from(imp) > sq_tol)
                .map(|(&c, &imp)| (c, imp))
                .unzip();
            Path {
                coords,
                importance,
                bbox: p.bbox,
            }
        })
        .collect()
}

/// Attribute values equal across all members of the group.
fn shared_properties(features: &Features, idx: &[usize]) -> Vec<Option<Value>> {
    let mut shared = features[idx[0]].properties.clone();
    for &i in &idx[1..] {
        for (slot, v) in shared.iter_mut().zip(&features[i].properties) {
            if slot.as_ref() != v.as_ref() {
                *slot = None;
            }
        }
    }
    shared
}

/// Chains edges that meet end to end at degree-2 nodes into maximal paths.
fn chain_edges(edges: &[&[WorldCoord]]) -> Vec<Vec<WorldCoord>> {
    type Node = (i64, i64);
    let ends = |e: &[WorldCoord]| (quantize(e[0]), quantize(e[e.len() - 1]));
    let mut incident: HashMap<Node, Vec<usize>> = HashMap::new();
    for (i, e) in edges.iter().enumerate() {
        let (a, b) = ends(e);
        incident.entry(a).or_default().push(i);
        incident.entry(b).or_default().push(i);
    }
    let degree = |n: &Node| incident.get(n).map_or(0, Vec::len);
    let mut used = vec![false; edges.len()];
    let mut paths = Vec::new();
    // Walk from `start` along edge `e`, continuing through degree-2 nodes.
    let walk = |start: Node, mut e: usize, used: &mut Vec<bool>| {
        let mut coords: Vec<WorldCoord> = Vec::new();
        let mut at = start;
        loop {
            used[e] = true;
            let (a, b) = ends(edges[e]);
            let forward = a == at;
            let seg: Vec<WorldCoord> = if forward {
                edges[e].to_vec()
            } else {
                edges[e].iter().rev().copied().collect()
            };
            let skip = usize::from(!coords.is_empty());
            coords.extend_from_slice(&seg[skip..]);
            at = if forward { b } else { a };
            if degree(&at) != 2 {
                break;
            }
            match incident[&at].iter().find(|&&n| !used[n]) {
                Some(&next) => e = next,
                None => break,
            }
        }
        coords
    };
    let mut starts: Vec<Node> = incident
        .keys()
        .filter(|n| degree(n) != 2)
        .copied()
        .collect();
    starts.sort_unstable();
    for n in starts {
        for &e in &incident[&n] {
            if !used[e] {
                paths.push(walk(n, e, &mut used));
            }
        }
    }
    // What is left are closed loops of degree-2 nodes.
    for e in 0..edges.len() {
        if !used[e] {
            let start = quantize(edges[e][0]);
            paths.push(walk(start, e, &mut used));
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexedFeature;
    use std::sync::Arc;

    const PREP: ZoomPrep = ZoomPrep {
        minzoom: 8,
        extent: 4096,
        tolerance: 3.0,
    };

    fn span(id: u64, a: WorldCoord, b: WorldCoord, feeder: i64) -> Arc<IndexedFeature> {
        Arc::new(IndexedFeature {
            id,
            geometry: WorldGeometry::Lines(vec![Path::new(vec![a, b], |_| false)]),
            properties: vec![Some(Value::Int(feeder)), Some(Value::Int(id as i64))],
        })
    }

    #[test]
    fn chains_a_tree_into_paths_between_branch_points() {
        // trunk 0-1-2-3, lateral 1-4-5 (branch at node 1)
        let n = |i: f64| [0.5 + i * 1e-5, 0.5];
        let m = |i: f64| [0.5 + 1e-5, 0.5 + i * 1e-5];
        let feats: Features = vec![
            span(1, n(0.0), n(1.0), 7),
            span(2, n(1.0), n(2.0), 7),
            span(3, n(2.0), n(3.0), 7),
            span(4, m(0.0), m(1.0), 7),
            span(5, m(1.0), m(2.0), 7),
        ]
        .into();
        let merged = MergedLines::build(&feats, &[0], Some(0), 13, PREP, &|_| false);
        assert_eq!(merged.groups.len(), 1);
        let g = &merged.groups[0];
        assert_eq!(g.id, 7);
        assert_eq!(g.members, 5);
        assert_eq!(g.properties[0], Some(Value::Int(7)));
        assert_eq!(g.properties[1], None, "span ids differ across members");
        // three paths meet at the branch node: 0-1, 1-2-3, 1-4-5
        assert_eq!(g.paths.len(), 3);
        let total: usize = g.paths.iter().map(|p| p.coords.len() - 1).sum();
        assert_eq!(total, 5, "every span appears exactly once");
        for p in &g.paths {
            assert_eq!(p.importance[0], f32::INFINITY);
            assert_eq!(*p.importance.last().unwrap(), f32::INFINITY);
        }
        // Prepared zooms: nothing below minzoom; at z8 a pixel is 1.53e-5 world units, so the
        // one-span path (1e-5) is left out and the two-span paths (2e-5) stay.
        assert_eq!(g.by_zoom.len(), 13);
        assert!(g.by_zoom[..8].iter().all(Vec::is_empty));
        assert_eq!(g.by_zoom[8].len(), 2, "sub-pixel paths are left out");
        let z12 = &g.by_zoom[12];
        assert_eq!(z12.len(), 3, "at z12 every path is over a pixel");
        for (p, full) in z12.iter().zip(&g.paths) {
            assert_eq!(p.coords.first(), full.coords.first(), "endpoints stay");
            assert_eq!(p.coords.last(), full.coords.last());
            assert!(p.coords.len() <= full.coords.len());
        }
    }

    #[test]
    fn groups_split_by_key() {
        let feats: Features = vec![
            span(1, [0.1, 0.1], [0.2, 0.1], 1),
            span(2, [0.2, 0.1], [0.3, 0.1], 2),
        ]
        .into();
        let merged = MergedLines::build(&feats, &[0], None, 13, PREP, &|_| false);
        assert_eq!(merged.groups.len(), 2);
        assert_eq!(merged.groups[0].id, 1);
        assert_eq!(merged.groups[1].id, 2);
    }

    #[test]
    fn closed_loop_becomes_one_path() {
        let feats: Features = vec![
            span(1, [0.1, 0.1], [0.2, 0.1], 1),
            span(2, [0.2, 0.1], [0.2, 0.2], 1),
            span(3, [0.2, 0.2], [0.1, 0.1], 1),
        ]
        .into();
        let merged = MergedLines::build(&feats, &[0], None, 13, PREP, &|_| false);
        assert_eq!(merged.groups[0].paths.len(), 1);
        assert_eq!(merged.groups[0].paths[0].coords.len(), 4);
    }
}
