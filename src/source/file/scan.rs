//! Directory scan: which files of a data directory are layers, in which format, under which
//! name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::LoadError;

/// The format of a layer file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    FlatGeobuf,
    GeoJson,
}

/// One layer file found in the directory.
#[derive(Debug)]
pub(super) struct LayerFile {
    /// Layer name: the file stem.
    pub name: String,
    pub path: PathBuf,
    pub format: Format,
}

/// The format for a file extension (case-insensitive), `None` for files that are not layers.
fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "fgb" => Some(Format::FlatGeobuf),
        "geojson" | "json" => Some(Format::GeoJson),
        _ => None,
    }
}

/// Lists the layer files of `dir`, sorted by layer name.
///
/// Errors: unreadable directory, a layer file whose stem is not UTF-8 or is empty, two files
/// with the same stem, no layer file at all.
pub(super) fn layer_files(dir: &Path) -> Result<Vec<LayerFile>, LoadError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LoadError::file(dir, format!("cannot read directory: {e}")))?;
    let mut by_name: BTreeMap<String, LayerFile> = BTreeMap::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| LoadError::file(dir, format!("cannot read directory: {e}")))?;
        let path = entry.path();
        let Some(format) = format_of(&path) else {
            tracing::debug!(path = %path.display(), "ignoring file that is not .fgb/.geojson/.json");
            continue;
        };
        // Follows symlinks: a link to a layer file is a layer file.
        let is_file = std::fs::metadata(&path)
            .map(|m| m.is_file())
            .map_err(|e| LoadError::file(&path, format!("cannot read file metadata: {e}")))?;
        if !is_file {
            tracing::debug!(path = %path.display(), "ignoring non-file entry");
            continue;
        }
        let name = match path.file_stem().and_then(|s| s.to_str()) {
            Some(stem) if !stem.is_empty() => stem.to_string(),
            _ => {
                return Err(LoadError::file(
                    &path,
                    "file name is not a valid layer name (empty or not UTF-8)",
                ))
            }
        };
        if let Some(other) = by_name.get(&name) {
            // Report the pair in a stable order whatever order read_dir returned them in.
            let (a, b) = if other.path < path {
                (other.path.clone(), path)
            } else {
                (path, other.path.clone())
            };
            return Err(LoadError::file(
                &b,
                format!(
                    "layer {name:?} is defined twice (also by {}); rename one of the files",
                    a.display()
                ),
            ));
        }
        by_name.insert(name.clone(), LayerFile { name, path, format });
    }
    if by_name.is_empty() {
        return Err(LoadError::file(
            dir,
            format!("no .fgb/.geojson files in {}", dir.display()),
        ));
    }
    Ok(by_name.into_values().collect())
}
