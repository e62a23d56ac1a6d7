//! Feature ids unique across every layer of a load, as `source::file::unique_ids` makes them
//! for a directory of files: a layer with an integer `id` field keeps its ids; a layer
//! without one (ids from row numbers) is numbered after every explicit id, layer after
//! layer in served-name order, in FID order; one id in two layers refuses the load naming
//! both (file, layer, feature).

use std::collections::HashMap;

use super::read::ReadLayer;
use super::GdalError;

/// Renumbers the layers without an `id` field and fails on an id held by two layers.
pub(super) fn make_unique(layers: &mut [ReadLayer]) -> Result<(), GdalError> {
    let max_explicit = layers
        .iter()
        .filter(|l| !l.built.ids_assigned)
        .filter_map(|l| l.built.layer.features.last().map(|f| f.id))
        .max()
        .unwrap_or(0);
    let mut next_base = max_explicit;
    for layer in layers.iter_mut().filter(|l| l.built.ids_assigned) {
        let base = next_base;
        for f in &mut layer.built.layer.features {
            f.id += base;
        }
        next_base = layer.built.layer.features.last().map_or(base, |f| f.id);
    }
    let total = layers.iter().map(|l| l.built.layer.features.len()).sum();
    let mut owner: HashMap<u64, (usize, usize)> = HashMap::with_capacity(total);
    for (li, layer) in layers.iter().enumerate() {
        for (pos, f) in layer.built.layer.features.iter().enumerate() {
            if let Some(&(first_layer, first_pos)) = owner.get(&f.id) {
                let first = &layers[first_layer];
                return Err(layer.error_at(
                    layer.built.file_index[pos],
                    format!(
                        "id {} is also used by {}, layer {:?}, {}: feature ids must be unique across all layers",
                        f.id,
                        first.path.display(),
                        first.source_name,
                        first.feature_ref(first.built.file_index[first_pos]),
                    ),
                ));
            }
            owner.insert(f.id, (li, pos));
        }
    }
    Ok(())
}
