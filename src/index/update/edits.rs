//! From source changes to edits: validate each feature against the layer schema, project
//! it, and drop upserts that change nothing (a resynchronization re-sends every row).

use std::collections::{HashMap, HashSet};

use crate::index::{IndexedFeature, IndexedLayer, Path, WorldGeometry};
use crate::mercator::WorldCoord;
use crate::model::{Feature, Value};

use super::{AssetChange, ChangeKind, LayerChanges, UpdateError};

/// One effective change to the layer.
pub enum Edit {
    Insert(IndexedFeature),
    /// `report`: a change of the data (not just a re-ranking); `moved`: the coordinates
    /// changed.
    Update {
        index: u32,
        new: IndexedFeature,
        report: bool,
        moved: bool,
    },
    Delete(u32),
}

/// Turns the changes into edits, in a deterministic order (source order of upserts, inserts
/// last when building). Also returns the features whose merged group must be recomputed
/// although they did not change (re-ranked in place, or pinned by a junction that moved).
pub fn edits(
    old: &IndexedLayer,
    mut ch: LayerChanges,
    rerank: &[u64],
    is_junction: &impl Fn(WorldCoord) -> bool,
) -> Result<(Vec<Edit>, Vec<u32>), UpdateError> {
    let mut position: HashMap<u64, usize> = HashMap::with_capacity(ch.upserts.len());
    let mut upserts: Vec<Feature> = Vec::with_capacity(ch.upserts.len());
    for f in ch.upserts {
        validate(old, &f)?;
        match position.get(&f.id) {
            Some(&p) => upserts[p] = f,
            None => {
                position.insert(f.id, upserts.len());
                upserts.push(f);
            }
        }
    }
    let mut out = Vec::new();
    let mut deleted: HashSet<u32> = HashSet::new();
    for f in upserts {
        let existing = old.by_id.get(&f.id).copied();
        let Some(geometry) = WorldGeometry::project(&f.geometry, is_junction) else {
            if let Some(i) = existing {
                deleted.insert(i);
            }
            continue;
        };
        let new = IndexedFeature {
            id: f.id,
            geometry,
            properties: f.properties,
        };
        match existing {
            None => out.push(Edit::Insert(new)),
            Some(index) => {
                let before = &old.features[index as usize];
                let same_geometry = before.geometry == new.geometry;
                if same_geometry && props_equal(&before.properties, &new.properties) {
                    continue;
                }
                let moved = !same_geometry && !same_coords(&before.geometry, &new.geometry);
                let report = moved || !props_equal(&before.properties, &new.properties);
                out.push(Edit::Update {
                    index,
                    new,
                    report,
                    moved,
                });
            }
        }
    }
    let patches = std::mem::take(&mut ch.attributes);
    for (id, properties) in patches {
        let probe = Feature {
            id,
            geometry: geo_types::Geometry::Point(geo_types::Point::new(0.0, 0.0)),
            properties,
        };
        validate(old, &probe)?;
        let Some(&index) = old.by_id.get(&id) else {
            continue;
        };
        if ch.replace || position.contains_key(&id) || ch.deletes.contains(&id) {
            continue;
        }
        let before = &old.features[index as usize];
        if props_equal(&before.properties, &probe.properties) {
            continue;
        }
        out.push(Edit::Update {
            index,
            new: IndexedFeature {
                id,
                geometry: before.geometry.clone(),
                properties: probe.properties,
            },
            report: true,
            moved: false,
        });
    }
    let kept: &HashMap<u64, usize> = &position;
    if ch.replace {
        for f in &old.features {
            if !kept.contains_key(&f.id) {
                deleted.insert(old.by_id[&f.id]);
            }
        }
    }
    for id in ch.deletes {
        if let (Some(&i), false) = (old.by_id.get(&id), kept.contains_key(&id)) {
            deleted.insert(i);
        }
    }
    let mut sorted: Vec<u32> = deleted.iter().copied().collect();
    sorted.sort_unstable();
    out.extend(sorted.into_iter().map(Edit::Delete));
    let mut regroup = Vec::new();
    for id in rerank {
        let Some(&index) = old.by_id.get(id) else {
            continue;
        };
        if kept.contains_key(id) || deleted.contains(&index) {
            continue;
        }
        let before = &old.features[index as usize];
        regroup.push(index);
        if let WorldGeometry::Lines(paths) = &before.geometry {
            let paths: Vec<Path> = paths
                .iter()
                .map(|p| Path::new(p.coords.clone(), is_junction))
                .collect();
            let geometry = WorldGeometry::Lines(paths);
            if geometry != before.geometry {
                out.push(Edit::Update {
                    index,
                    new: IndexedFeature {
                        geometry,
                        ..IndexedFeature::clone(before)
                    },
                    report: false,
                    moved: false,
                });
            }
        }
    }
    Ok((out, regroup))
}

/// Checks that a source feature fits the layer's schema.
fn validate(layer: &IndexedLayer, f: &Feature) -> Result<(), UpdateError> {
    let bad = |reason: String| UpdateError::BadFeature {
        layer: layer.name.clone(),
        id: f.id,
        reason,
    };
    if f.properties.len() != layer.fields.len() {
        return Err(bad(format!(
            "{} attribute values for {} fields",
            f.properties.len(),
            layer.fields.len()
        )));
    }
    for (v, field) in f.properties.iter().zip(&layer.fields) {
        if let Some(v) = v {
            if v.field_type() != field.kind {
                return Err(bad(format!(
                    "attribute {:?} is {:?}, the layer has {:?}",
                    field.name,
                    v.field_type(),
                    field.kind
                )));
            }
        }
    }
    Ok(())
}

/// Attribute equality, with floats compared bit for bit (so NaN equals NaN).
fn props_equal(a: &[Option<Value>], b: &[Option<Value>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(Value::Float(p)), Some(Value::Float(q))) => p.to_bits() == q.to_bits(),
            _ => x == y,
        })
}

/// True if two geometries have the same coordinates (importance aside).
fn same_coords(a: &WorldGeometry, b: &WorldGeometry) -> bool {
    let paths = |x: &[Path], y: &[Path]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.coords == q.coords)
    };
    match (a, b) {
        (WorldGeometry::Points(x), WorldGeometry::Points(y)) => x == y,
        (WorldGeometry::Lines(x), WorldGeometry::Lines(y)) => paths(x, y),
        (WorldGeometry::Polygons(x), WorldGeometry::Polygons(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| paths(p, q))
        }
        _ => false,
    }
}

pub fn points_of(g: &WorldGeometry, out: &mut Vec<WorldCoord>) {
    if let WorldGeometry::Points(pts) = g {
        out.extend_from_slice(pts);
    }
}

pub fn asset_change(
    old: &IndexedLayer,
    id: u64,
    kind: ChangeKind,
    e: &Edit,
    moved: bool,
) -> AssetChange {
    let props: &[Option<Value>] = match e {
        Edit::Insert(f) | Edit::Update { new: f, .. } => &f.properties,
        Edit::Delete(_) => &[],
    };
    let attributes = props
        .iter()
        .zip(&old.fields)
        .map(|(v, f)| {
            let json = v.as_ref().map_or(serde_json::Value::Null, Value::to_json);
            (f.name.clone(), json)
        })
        .collect();
    AssetChange {
        layer: old.name.clone(),
        id,
        kind,
        attributes,
        geometry_changed: moved,
    }
}
