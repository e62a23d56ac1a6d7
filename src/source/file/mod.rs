//! FlatGeobuf and GeoJSON layer files (signatures only until the file source lands).

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::model::LayerData;

/// Options for loading a data directory.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Skip malformed features (with a warning and a count) instead of failing.
    pub lenient: bool,
}

/// What loading a directory produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub layers: Vec<LayerData>,
    /// Features skipped per layer (only with `lenient`).
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

/// Loads every `.fgb`, `.geojson` and `.json` file in `dir` as one layer named by its stem.
pub fn load_dir(_dir: &Path, _options: LoadOptions) -> Result<Loaded, LoadError> {
    unimplemented!("file source")
}

/// Writes `layers` into `dir` as `<name>.fgb` FlatGeobuf files with a spatial index.
pub fn write_dir(_dir: &Path, _layers: &[LayerData]) -> Result<(), LoadError> {
    unimplemented!("file source")
}
