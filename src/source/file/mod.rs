//! FlatGeobuf and GeoJSON layer files: one file per layer, named by its stem.
//!
//! [`load_dir`] reads every `.fgb`, `.geojson` and `.json` file of a directory into
//! [`LayerData`] (lon/lat WGS84) and validates everything before anything is served: feature
//! ids, attribute types and geometry. [`write_dir`] writes layers as FlatGeobuf files with a
//! packed Hilbert R-tree, byte-for-byte deterministic.
//!
//! Loaded features are ordered by ascending id, whatever the order in the file (a FlatGeobuf
//! file with a spatial index stores its features in Hilbert order), so `write_dir` followed by
//! `load_dir` returns the layers unchanged when their features were in id order.
//!
//! Modules: [`scan`](self::scan) lists the directory, `fgb_read` / `fgb_decode` and
//! `geojson_read` / `geojson_geom` parse the two formats, `builder` turns validated features
//! into a layer (ids, lenient skipping, string interning), `geom` holds the geometry rules
//! shared by readers and the writer, `schema` the attribute type mapping, `fgb_write` /
//! `fgb_encode` / `hilbert` the writer.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::model::LayerData;

pub(in crate::source) mod builder;
mod fgb_decode;
mod fgb_encode;
mod fgb_read;
mod fgb_write;
mod geojson_geom;
mod geojson_locate;
mod geojson_notes;
mod geojson_read;
mod geojson_split;
pub(in crate::source) mod geom;
mod hilbert;
mod scan;
mod schema;
mod unique_ids;

#[cfg(test)]
mod tests;

/// Options for loading a data directory.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Skip malformed features (with a warning and a count) instead of failing.
    pub lenient: bool,
    /// Longest string attribute value, in bytes: longer is a load error naming the file,
    /// feature and field, or (with `lenient`) truncated with a warning.
    pub max_attribute_bytes: usize,
}

/// Default [`LoadOptions::max_attribute_bytes`]: 64 KiB.
pub use crate::settings::DEFAULT_MAX_ATTRIBUTE_BYTES;

impl From<&crate::settings::DataConfig> for LoadOptions {
    /// How the file source loads with the `[data]` settings.
    fn from(c: &crate::settings::DataConfig) -> LoadOptions {
        LoadOptions {
            lenient: c.lenient,
            max_attribute_bytes: c.max_attribute_bytes,
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            lenient: false,
            max_attribute_bytes: DEFAULT_MAX_ATTRIBUTE_BYTES,
        }
    }
}

/// What loading a directory produced.
#[derive(Debug, Default)]
pub struct Loaded {
    /// One layer per file, sorted by name.
    pub layers: Vec<LayerData>,
    /// Features skipped per layer (only with `lenient`; layers that lost nothing are omitted).
    pub skipped: Vec<(String, usize)>,
}

/// A file that could not be loaded: which file, which feature, why.
#[derive(Debug, Error)]
#[error("{}{}: {reason}", path.display(), feature.map(|i| format!(", feature {i}")).unwrap_or_default())]
pub struct LoadError {
    pub path: PathBuf,
    /// Zero-based index of the offending feature, when the problem is in one feature.
    pub feature: Option<usize>,
    pub reason: String,
}

impl LoadError {
    /// An error about the whole file (or directory).
    fn file(path: &Path, reason: impl Into<String>) -> Self {
        LoadError {
            path: path.to_path_buf(),
            feature: None,
            reason: reason.into(),
        }
    }

    /// An error about feature `index` of the file.
    fn feature(path: &Path, index: usize, reason: impl Into<String>) -> Self {
        LoadError {
            path: path.to_path_buf(),
            feature: Some(index),
            reason: reason.into(),
        }
    }
}

/// Loads every `.fgb`, `.geojson` and `.json` file in `dir` as one layer named by its stem.
///
/// Layers come back sorted by name. Other files are ignored; two files with the same stem,
/// no layer file at all, or one feature id in two files (module `unique_ids`) are errors;
/// files without ids are numbered after the directory's largest id. In strict mode (the
/// default) the first problem fails the load; with [`LoadOptions::lenient`] bad features
/// are skipped and counted in [`Loaded::skipped`], while file-level problems (unreadable or truncated file, invalid JSON,
/// unsupported CRS...) still fail.
pub fn load_dir(dir: &Path, options: LoadOptions) -> Result<Loaded, LoadError> {
    let files = scan::layer_files(dir)?;
    // Files are read in parallel (rayon); the first error in name order is the one reported.
    let read: Vec<_> = files
        .into_par_iter()
        .map(|file| {
            let layer = match file.format {
                scan::Format::FlatGeobuf => fgb_read::read(&file.path, file.name, options),
                scan::Format::GeoJson => geojson_read::read(&file.path, file.name, options),
            };
            (file.path, layer)
        })
        .collect();
    let mut built = Vec::with_capacity(read.len());
    for (path, layer) in read {
        let layer = layer?;
        tracing::debug!(
            layer = %layer.layer.name,
            features = layer.layer.features.len(),
            path = %path.display(),
            "loaded layer file"
        );
        built.push((path, layer));
    }
    unique_ids::make_unique(&mut built)?;
    let mut loaded = Loaded::default();
    for (_, b) in built {
        if b.skipped > 0 {
            loaded.skipped.push((b.layer.name.clone(), b.skipped));
        }
        loaded.layers.push(b.layer);
    }
    Ok(loaded)
}

/// Writes `layers` into `dir` as `<name>.fgb` FlatGeobuf files with a spatial index.
///
/// The directory is created if missing. Each file declares EPSG:4326, an `id` column (Long)
/// followed by the layer's fields, and the layer's geometry type (`Unknown` when mixed). The
/// output is deterministic, and each file is written to a temporary name and renamed, so a
/// failed write leaves no partial file. Geometry is validated with the same rules as loading.
pub fn write_dir(dir: &Path, layers: &[LayerData]) -> Result<(), LoadError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| LoadError::file(dir, format!("cannot create directory: {e}")))?;
    let mut names = std::collections::HashSet::new();
    for layer in layers {
        if !names.insert(layer.name.as_str()) {
            return Err(LoadError::file(
                dir,
                format!("two layers are named {:?}", layer.name),
            ));
        }
    }
    for layer in layers {
        fgb_write::write_layer(dir, layer)?;
    }
    Ok(())
}

/// `layer` as an in-memory FlatGeobuf file: byte for byte what [`write_dir`] writes for it
/// (EPSG:4326, an `id` column, packed Hilbert R-tree). The error names the feature at fault.
pub fn layer_to_fgb(layer: &LayerData) -> Result<Vec<u8>, String> {
    fgb_write::layer_bytes(layer).map_err(|(feature, reason)| match feature {
        Some(i) => format!("layer {}, feature {i}: {reason}", layer.name),
        None => format!("layer {}: {reason}", layer.name),
    })
}
