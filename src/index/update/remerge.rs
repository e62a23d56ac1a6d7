//! Merged line groups during an update: only the groups whose members changed are merged
//! again; the others are kept as they are, in the same order.

use rstar::RTree;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::index::build::box_entry;
use crate::index::invalidation::LayerInvalidation;
use crate::index::merge::{build_group, group_key, has_key, GroupKey};
use crate::index::{Features, GeometryKind, IndexedLayer, MergedLines, WorldGeometry, ZoomPrep};
use crate::mercator::WorldCoord;
use crate::model::Value;
use crate::tiling::TileConfig;

use super::dirty::{mark_group, mark_group_zooms_all, DrawRules};

/// The merged groups of the new version of `old`, whose features are now `features`.
/// `touched` are the old and new properties of every changed member; `rules` are the draw
/// rules of the old and the new layer (the new ones computed as if merged stays as it was).
#[allow(clippy::too_many_arguments)]
pub fn update_groups(
    old: &IndexedLayer,
    features: &Features,
    kind: GeometryKind,
    touched: &[&[Option<Value>]],
    is_junction: &impl Fn(WorldCoord) -> bool,
    tiles: &TileConfig,
    old_rules: &DrawRules,
    inv: &mut LayerInvalidation,
) -> Option<MergedLines> {
    let cfg = &old.config;
    let prep = ZoomPrep {
        minzoom: cfg.minzoom,
        extent: tiles.extent,
        tolerance: tiles.simplify_tolerance,
    };
    let field = |n: &String| old.fields.iter().position(|f| &f.name == n);
    let keys: Option<Vec<usize>> = cfg.merge_by.iter().map(field).collect();
    let id_field = cfg.merge_id.as_ref().and_then(field);
    let want = !cfg.merge_by.is_empty() && kind == GeometryKind::Line;
    let keys = match (keys, want) {
        (Some(keys), true) => keys,
        _ => {
            if old.merged.is_some() {
                // Individual features are drawn at the group zooms from now on.
                mark_group_zooms_all(inv, old_rules);
            }
            return None;
        }
    };
    let Some(merged) = &old.merged else {
        // Groups are drawn at low zooms from now on, instead of individual features.
        let built = MergedLines::build(
            features,
            &keys,
            id_field,
            cfg.merge_below,
            prep,
            is_junction,
        );
        mark_group_zooms_all(inv, &old_rules.with_groups_below(cfg.merge_below));
        return Some(built);
    };
    let affected: HashSet<Vec<GroupKey>> = touched.iter().map(|p| group_key(p, &keys)).collect();
    if affected.is_empty() {
        return Some(clone_merged(merged));
    }
    // Members of the affected groups, in feature order (as a full build collects them).
    let mut members: HashMap<&Vec<GroupKey>, Vec<usize>> = HashMap::new();
    let mut first_seen: Vec<&Vec<GroupKey>> = Vec::new();
    // One comparison per feature and affected key (no key is built for the others).
    let wanted: Vec<&Vec<GroupKey>> = affected.iter().collect();
    for (i, f) in features.iter().enumerate() {
        if !matches!(f.geometry, WorldGeometry::Lines(_)) {
            continue;
        }
        let Some(&k) = wanted.iter().find(|k| has_key(&f.properties, &keys, k)) else {
            continue;
        };
        let list = members.entry(k).or_default();
        if list.is_empty() {
            first_seen.push(k);
        }
        list.push(i);
    }
    let mut groups = Vec::with_capacity(merged.groups.len());
    let mut group_keys = Vec::with_capacity(merged.groups.len());
    for (g, k) in merged.groups.iter().zip(&merged.keys) {
        if !affected.contains(k) {
            groups.push(g.clone());
            group_keys.push(k.clone());
            continue;
        }
        match members.remove(k) {
            Some(idx) => {
                let new = build_group(features, &idx, id_field, merged.below, prep, is_junction);
                if new == **g {
                    // Still shared with the old version.
                    groups.push(Arc::clone(g));
                } else {
                    mark_group(inv, old_rules, g.bbox);
                    mark_group(inv, old_rules, new.bbox);
                    groups.push(Arc::new(new));
                }
                group_keys.push(k.clone());
            }
            None => mark_group(inv, old_rules, g.bbox),
        }
    }
    for k in first_seen {
        if let Some(idx) = members.remove(k) {
            let new = build_group(features, &idx, id_field, merged.below, prep, is_junction);
            mark_group(inv, old_rules, new.bbox);
            groups.push(Arc::new(new));
            group_keys.push(k.clone());
        }
    }
    let rtree = RTree::bulk_load(
        groups
            .iter()
            .enumerate()
            .map(|(i, g)| box_entry(g.bbox, i as u32))
            .collect(),
    );
    Some(MergedLines {
        below: merged.below,
        groups,
        rtree,
        keys: group_keys,
    })
}

fn clone_merged(m: &MergedLines) -> MergedLines {
    MergedLines {
        below: m.below,
        groups: m.groups.clone(),
        rtree: m.rtree.clone(),
        keys: m.keys.clone(),
    }
}
