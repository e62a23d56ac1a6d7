//! Feature ids unique across the whole data directory, not just within a file: feature-state
//! on the map and `/api/assets/{id}` address a feature by id alone.
//!
//! Files without any id are numbered after every explicit id of the directory (in layer
//! name order), so several such files never collide; two files holding the same explicit id
//! refuse the load, naming both files and both feature indices.

use std::collections::HashMap;
use std::path::PathBuf;

use super::builder::Built;
use super::LoadError;

/// Renumbers the id-less files of `files` and fails on an id held by two files.
pub(super) fn make_unique(files: &mut [(PathBuf, Built)]) -> Result<(), LoadError> {
    let max_explicit = files
        .iter()
        .filter(|(_, b)| !b.ids_assigned)
        .filter_map(|(_, b)| b.layer.features.last().map(|f| f.id))
        .max()
        .unwrap_or(0);
    let mut next_base = max_explicit;
    for (_, built) in files.iter_mut().filter(|(_, b)| b.ids_assigned) {
        // Ids are `index + 1` in ascending order; shift them past everything before.
        let base = next_base;
        for f in &mut built.layer.features {
            f.id += base;
        }
        next_base = built.layer.features.last().map_or(base, |f| f.id);
    }
    let total = files.iter().map(|(_, b)| b.layer.features.len()).sum();
    let mut owner: HashMap<u64, (usize, usize)> = HashMap::with_capacity(total);
    for (file, (_, built)) in files.iter().enumerate() {
        for (pos, f) in built.layer.features.iter().enumerate() {
            if let Some(&(first_file, first_pos)) = owner.get(&f.id) {
                let (first_path, first) = &files[first_file];
                let (path, _) = &files[file];
                return Err(LoadError::feature(
                    path,
                    built.file_index[pos],
                    format!(
                        "id {} is also used by {}, feature {}: feature ids must be unique across all layer files",
                        f.id,
                        first_path.display(),
                        first.file_index[first_pos]
                    ),
                ));
            }
            owner.insert(f.id, (file, pos));
        }
    }
    Ok(())
}
