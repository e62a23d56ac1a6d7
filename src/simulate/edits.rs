//! [`Edits`]: the changes of one simulator step, collected against the snapshot they apply
//! to and turned into one [`ChangeSet`]: attribute-only updates for grid assets (their
//! geometry stays bit for bit), upserts for moved crews and new outages, deletes for
//! restored outages.

use std::collections::BTreeMap;

use geo_types::{Geometry, Point};

use crate::index::{ChangeSet, IndexedLayer, LayerChanges, Snapshot};
use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::{Feature, Value};

/// Why a step cannot be expressed as changes.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EditError {
    #[error("the snapshot has no layer {0:?}")]
    MissingLayer(String),
    #[error("layer {layer:?} has no attribute {field:?}")]
    MissingField { layer: String, field: String },
    #[error("layer {layer:?} has no feature {id}")]
    MissingFeature { layer: String, id: u64 },
}

#[derive(Default)]
struct LayerEdits {
    /// id → (properties, new position if it moves or is new).
    features: BTreeMap<u64, (Vec<Option<Value>>, Option<WorldCoord>)>,
    deletes: Vec<u64>,
}

/// See the module docs.
pub struct Edits<'a> {
    snapshot: &'a Snapshot,
    layers: BTreeMap<String, LayerEdits>,
}

/// The index of attribute `field` of `layer`.
pub fn field_index(layer: &IndexedLayer, field: &str) -> Result<usize, EditError> {
    layer
        .fields
        .iter()
        .position(|f| f.name == field)
        .ok_or_else(|| EditError::MissingField {
            layer: layer.name.clone(),
            field: field.to_owned(),
        })
}

fn layer<'s>(snapshot: &'s Snapshot, name: &str) -> Result<&'s IndexedLayer, EditError> {
    snapshot
        .layer(name)
        .ok_or_else(|| EditError::MissingLayer(name.to_owned()))
}

impl<'a> Edits<'a> {
    /// No changes yet, against `snapshot`.
    pub fn new(snapshot: &'a Snapshot) -> Edits<'a> {
        Edits {
            snapshot,
            layers: BTreeMap::new(),
        }
    }

    fn entry(
        &mut self,
        name: &str,
        id: u64,
    ) -> Result<&mut (Vec<Option<Value>>, Option<WorldCoord>), EditError> {
        let l = layer(self.snapshot, name)?;
        let edits = self.layers.entry(name.to_owned()).or_default();
        match edits.features.entry(id) {
            std::collections::btree_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::btree_map::Entry::Vacant(v) => {
                let f = l.feature(id).ok_or_else(|| EditError::MissingFeature {
                    layer: name.to_owned(),
                    id,
                })?;
                Ok(v.insert((f.properties.clone(), None)))
            }
        }
    }

    /// Sets attribute `field` of feature `id` of `layer` (an existing or newly added one).
    pub fn set(
        &mut self,
        layer_name: &str,
        id: u64,
        field: &str,
        value: Option<Value>,
    ) -> Result<(), EditError> {
        let i = field_index(layer(self.snapshot, layer_name)?, field)?;
        let entry = self.entry(layer_name, id)?;
        entry.0[i] = value;
        Ok(())
    }

    /// True when `layer` exists and has attribute `field`.
    pub fn has_field(&self, layer_name: &str, field: &str) -> bool {
        layer(self.snapshot, layer_name).is_ok_and(|l| field_index(l, field).is_ok())
    }

    /// The value `field` of feature `id` will have (edited or as in the snapshot).
    pub fn get(&self, layer_name: &str, id: u64, field: &str) -> Option<&Value> {
        let l = self.snapshot.layer(layer_name)?;
        let i = field_index(l, field).ok()?;
        match self
            .layers
            .get(layer_name)
            .and_then(|e| e.features.get(&id))
        {
            Some((props, _)) => props.get(i)?.as_ref(),
            None => l.feature(id)?.properties.get(i)?.as_ref(),
        }
    }

    /// Moves point feature `id` of `layer` to `to` (world coordinates).
    pub fn move_to(&mut self, layer_name: &str, id: u64, to: WorldCoord) -> Result<(), EditError> {
        self.entry(layer_name, id)?.1 = Some(to);
        Ok(())
    }

    /// Adds point feature `id` to `layer` at `at` with attributes `values` (by name; the
    /// others null).
    pub fn insert(
        &mut self,
        layer_name: &str,
        id: u64,
        at: WorldCoord,
        values: &[(&str, Option<Value>)],
    ) -> Result<(), EditError> {
        let l = layer(self.snapshot, layer_name)?;
        let mut props = vec![None; l.fields.len()];
        for (field, v) in values {
            props[field_index(l, field)?] = v.clone();
        }
        let edits = self.layers.entry(layer_name.to_owned()).or_default();
        edits.features.insert(id, (props, Some(at)));
        Ok(())
    }

    /// Removes feature `id` of `layer`.
    pub fn delete(&mut self, layer_name: &str, id: u64) -> Result<(), EditError> {
        layer(self.snapshot, layer_name)?;
        let edits = self.layers.entry(layer_name.to_owned()).or_default();
        edits.features.remove(&id);
        edits.deletes.push(id);
        Ok(())
    }

    /// True when nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.layers
            .values()
            .all(|l| l.features.is_empty() && l.deletes.is_empty())
    }

    /// The change set.
    pub fn into_changes(self) -> ChangeSet {
        let mut set = ChangeSet::default();
        for (name, edits) in self.layers {
            let mut ch = LayerChanges {
                deletes: edits.deletes,
                ..LayerChanges::default()
            };
            for (id, (properties, at)) in edits.features {
                match at {
                    Some(p) => {
                        let (lon, lat) = world_to_lonlat(p);
                        ch.upserts.push(Feature {
                            id,
                            geometry: Geometry::Point(Point::new(lon, lat)),
                            properties,
                        });
                    }
                    None => ch.attributes.push((id, properties)),
                }
            }
            set.layers.insert(name, ch);
        }
        set
    }
}

/// Text attribute `field` of feature `id` of `layer`.
pub fn text<'s>(layer: &'s IndexedLayer, id: u64, field: &str) -> Option<&'s str> {
    let i = field_index(layer, field).ok()?;
    match layer.feature(id)?.properties.get(i)?.as_ref()? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// Integer attribute `field` of feature `id` of `layer`.
pub fn int(layer: &IndexedLayer, id: u64, field: &str) -> Option<i64> {
    let i = field_index(layer, field).ok()?;
    match layer.feature(id)?.properties.get(i)?.as_ref()? {
        Value::Int(v) => Some(*v),
        _ => None,
    }
}

/// The first point of feature `id` of `layer` (a line's midpoint for lines).
pub fn position(layer: &IndexedLayer, id: u64) -> Option<WorldCoord> {
    use crate::index::WorldGeometry;
    match &layer.feature(id)?.geometry {
        WorldGeometry::Points(p) => p.first().copied(),
        WorldGeometry::Lines(paths) => {
            let c = &paths.first()?.coords;
            let (a, b) = (c.first()?, c.last()?);
            Some([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0])
        }
        WorldGeometry::Polygons(_) => None,
    }
}
