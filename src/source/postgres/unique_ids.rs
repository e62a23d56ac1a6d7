//! Feature ids unique across layers for the PostgreSQL source: the first load refuses two
//! tables holding one id (naming both layers), and a live change that would give a row the
//! id of a feature in another layer is logged and skipped, so feature-state and
//! `/api/assets/{id}` never address two features.

use std::collections::{HashMap, HashSet};

use crate::index::{ChangeSet, Snapshot};
use crate::model::LayerData;

use super::PgError;

/// Fails when two of `layers` hold the same feature id (a repeat inside one layer is left to
/// the snapshot build, which names it).
pub fn check_layers(layers: &[LayerData]) -> Result<(), PgError> {
    let total = layers.iter().map(|l| l.features.len()).sum();
    let mut owner: HashMap<u64, &str> = HashMap::with_capacity(total);
    for layer in layers {
        for f in &layer.features {
            // A repeat within one layer is the snapshot build's error ("appears twice").
            if let Some(first) = owner.insert(f.id, &layer.name).filter(|&l| l != layer.name) {
                return Err(PgError::layer(
                    &layer.name,
                    format!(
                        "id {} is also used by layer {first:?}: feature ids must be unique across all layers \
                         (offset one table's ids in its layer's `sql`)",
                        f.id
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Removes from `changes` every upsert whose id another layer holds after the change (in
/// `snapshot` and not deleted by `changes`, or upserted into it by `changes`); returns how
/// many were skipped, each logged.
pub fn drop_taken_ids(snapshot: &Snapshot, changes: &mut ChangeSet) -> usize {
    let upserted: HashMap<&str, HashSet<u64>> = changes
        .layers
        .iter()
        .map(|(name, c)| (name.as_str(), c.upserts.iter().map(|f| f.id).collect()))
        .collect();
    let holds = |layer: &str, id: u64| -> bool {
        if upserted.get(layer).is_some_and(|ids| ids.contains(&id)) {
            return true;
        }
        let Some(indexed) = snapshot.layer_index(layer).map(|i| &snapshot.layers[i]) else {
            return false;
        };
        match changes.layers.get(layer) {
            Some(c) if c.replace => false,
            Some(c) => indexed.by_id.contains_key(&id) && !c.deletes.contains(&id),
            None => indexed.by_id.contains_key(&id),
        }
    };
    let names: Vec<&str> = snapshot
        .layers
        .iter()
        .map(|l| l.name.as_str())
        .chain(changes.layers.keys().map(String::as_str))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut skip: Vec<(String, u64, String)> = Vec::new();
    for (layer, c) in &changes.layers {
        for f in &c.upserts {
            if let Some(other) = names.iter().find(|&&n| n != layer && holds(n, f.id)) {
                skip.push((layer.clone(), f.id, (*other).to_owned()));
            }
        }
    }
    drop(upserted);
    for (layer, id, other) in &skip {
        tracing::warn!(
            layer = %layer,
            id,
            other_layer = %other,
            "skipped a row: its id is already used by another layer (ids must be unique across layers)"
        );
        if let Some(c) = changes.layers.get_mut(layer) {
            c.upserts.retain(|f| f.id != *id);
            c.attributes.retain(|(a, _)| a != id);
        }
    }
    skip.len()
}
