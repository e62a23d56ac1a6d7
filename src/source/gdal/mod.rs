//! The GDAL-backed source: GeoPackage, Shapefile and Esri File Geodatabase (and any other
//! vector dataset in a directory of them) read through the system's libgdal, in whatever
//! coordinate system PROJ knows, reprojected once at load to WGS84 lon/lat.
//!
//! One layer per table / feature class / shapefile, named as GDAL names it, or selected and
//! renamed by `data.select`. Attributes are typed from the layer definition (`fields`); the
//! feature id is an integer field named `id` when the layer has one, else features are
//! numbered after the largest explicit id of the whole load, in FID order (`ids`), so ids
//! are unique across the grid as the file source makes them. Geometry is flattened to 2D,
//! curves linearized, then checked with the file source's rules (`geometry`). Everything is
//! validated before anything is served; an error names the file, the layer, the feature
//! (position and FID) and the reason ([`GdalError`]).
//!
//! `gridtiles inspect` lists a dataset's layers and proposes a `[data]` section (`roles`).
//!
//! The reading code needs the `gdal` cargo feature (the `full` container image). Without it,
//! [`is_dataset_path`] still recognizes a dataset so the configuration check can say which
//! build is needed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::contract::{BoxFuture, Loaded, Source};
use super::file::LoadOptions;
use crate::live::{SourceKind, SourceStatus};
use crate::model::LayerData;

// libgdal calls SQLite (GeoPackage, PROJ's database); with rusqlite's bundled copy linked
// into the same executable the two SQLite libraries mix and GDAL crashes on a GeoPackage.
#[cfg(all(feature = "gdal", feature = "bundled-sqlite"))]
compile_error!(
    "the `gdal` feature needs the system SQLite that libgdal uses: build with \
     `--no-default-features --features gdal`"
);

pub mod field_roles;
#[cfg(feature = "gdal")]
mod fields;
#[cfg(feature = "gdal")]
mod geometry;
#[cfg(feature = "gdal")]
mod ids;
#[cfg(feature = "gdal")]
mod inspect;
#[cfg(feature = "gdal")]
mod read;
pub mod roles;

/// Extensions of the single-file datasets (and the `.gdb` folder) this source opens.
const DATASET_EXTENSIONS: &[&str] = &["gpkg", "shp", "gdb", "sqlite"];
/// Extensions also read through GDAL when they sit in a directory next to a dataset.
const LAYER_FILE_EXTENSIONS: &[&str] = &["fgb", "geojson", "json"];

/// Whether this build can read GDAL datasets (the `gdal` feature).
pub const AVAILABLE: bool = cfg!(feature = "gdal");

/// Where a load went wrong: the file, the layer, the feature and why.
#[derive(Debug, Error)]
#[error("{}{}{}: {reason}", path.display(), layer.as_ref().map(|l| format!(", layer {l:?}")).unwrap_or_default(), feature.map(|f| format!(", {f}")).unwrap_or_default())]
pub struct GdalError {
    /// The dataset (file or `.gdb` folder), or the directory.
    pub path: PathBuf,
    /// The layer as the dataset names it, when the problem is in one layer.
    pub layer: Option<String>,
    /// The feature, when the problem is in one feature.
    pub feature: Option<FeatureRef>,
    /// What is wrong.
    pub reason: String,
}

/// A feature in an error: its zero-based position in the layer and its FID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureRef {
    /// Zero-based position in the order GDAL reads the layer.
    pub index: usize,
    /// GDAL's feature id (the GeoPackage / geodatabase row id, the shapefile record number).
    pub fid: Option<u64>,
}

impl std::fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "feature {}", self.index)?;
        if let Some(fid) = self.fid {
            write!(f, " (fid {fid})")?;
        }
        Ok(())
    }
}

impl GdalError {
    /// An error about a whole dataset or directory.
    pub fn path(path: &Path, reason: impl Into<String>) -> GdalError {
        GdalError {
            path: path.to_path_buf(),
            layer: None,
            feature: None,
            reason: reason.into(),
        }
    }

    /// An error about one layer of `path`.
    pub fn layer(path: &Path, layer: &str, reason: impl Into<String>) -> GdalError {
        GdalError {
            layer: Some(layer.to_string()),
            ..GdalError::path(path, reason)
        }
    }
}

/// What loading produced.
#[derive(Debug, Default)]
pub struct GdalLoaded {
    /// The layers, sorted by served name.
    pub layers: Vec<LayerData>,
    /// Features skipped per served layer (`lenient` only; layers that lost nothing omitted).
    pub skipped: Vec<(String, usize)>,
}

/// Whether `path` is for this source: a `.gpkg` / `.shp` / `.sqlite` file, a `.gdb` folder,
/// or a directory holding at least one of them (whose `.fgb` / `.geojson` files are then
/// read through GDAL too). A directory of only `.fgb` / `.geojson` files is the file source's.
pub fn is_dataset_path(path: &Path) -> bool {
    if has_extension(path, DATASET_EXTENSIONS) {
        return true;
    }
    path.is_dir()
        && std::fs::read_dir(path).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| has_extension(&e.path(), DATASET_EXTENSIONS))
        })
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.contains(&e.to_ascii_lowercase().as_str()))
}

/// The datasets `path` names, sorted: itself when it is a dataset, else the datasets and
/// layer files of the directory.
pub fn datasets(path: &Path) -> Result<Vec<PathBuf>, GdalError> {
    if has_extension(path, DATASET_EXTENSIONS) {
        if !path.exists() {
            return Err(GdalError::path(path, "no such file or folder"));
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| GdalError::path(path, format!("cannot read directory: {e}")))?;
    let mut out = Vec::new();
    for entry in entries {
        let p = entry
            .map_err(|e| GdalError::path(path, format!("cannot read directory: {e}")))?
            .path();
        if has_extension(&p, DATASET_EXTENSIONS)
            || (p.is_file() && has_extension(&p, LAYER_FILE_EXTENSIONS))
        {
            out.push(p);
        }
    }
    if out.is_empty() {
        return Err(GdalError::path(
            path,
            "no dataset (.gpkg, .shp, .gdb, .sqlite, .fgb, .geojson) in this directory",
        ));
    }
    out.sort();
    Ok(out)
}

/// Loads every dataset of `path` (blocking): the layers of `select` (source name → served
/// name; empty = every layer with a geometry, under its own name), in lon/lat, with ids
/// unique across all of them.
#[cfg(feature = "gdal")]
pub fn load(
    path: &Path,
    select: &BTreeMap<String, String>,
    options: LoadOptions,
) -> Result<GdalLoaded, GdalError> {
    read::load(path, select, options)
}

/// Without the `gdal` feature: the error that says which build reads `path`.
#[cfg(not(feature = "gdal"))]
pub fn load(
    path: &Path,
    _select: &BTreeMap<String, String>,
    _options: LoadOptions,
) -> Result<GdalLoaded, GdalError> {
    Err(GdalError::path(path, UNAVAILABLE))
}

/// `gridtiles inspect PATH`: the layers of the datasets at `path` (geometry type, CRS,
/// feature count, fields) and a proposed `[data]` section, as TOML ([`roles::proposal`]).
#[cfg(feature = "gdal")]
pub fn inspect(path: &Path) -> Result<String, GdalError> {
    route_messages();
    let summaries = inspect::inspect(path)?;
    let mut text = roles::proposal(path, &summaries);
    // The `[network]` proposal reads the values: loaded as proposed, bad features skipped.
    let options = LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    };
    if let Ok(loaded) = load(path, &roles::proposed_select(&summaries), options) {
        text.push_str(&field_roles::proposal(&loaded.layers));
    }
    Ok(text)
}

/// Without the `gdal` feature: the error that says which build reads `path`.
#[cfg(not(feature = "gdal"))]
pub fn inspect(path: &Path) -> Result<String, GdalError> {
    Err(GdalError::path(path, UNAVAILABLE))
}

#[cfg(feature = "gdal")]
fn route_messages() {
    read::route_gdal_messages();
}

/// Why a build without the `gdal` feature refuses a dataset.
pub const UNAVAILABLE: &str = "GeoPackage, Shapefile and File Geodatabase need the GDAL build \
     of gridtiles (the `full` container image, or \
     `cargo build --release --no-default-features --features gdal`)";

/// GDAL datasets as a [`Source`]: loaded once, they do not change.
pub struct GdalSource {
    path: PathBuf,
    select: BTreeMap<String, String>,
    options: LoadOptions,
}

impl GdalSource {
    /// The datasets of `path`, with `data.select` and the load options.
    pub fn new(path: &Path, select: BTreeMap<String, String>, options: LoadOptions) -> GdalSource {
        GdalSource {
            path: path.to_path_buf(),
            select,
            options,
        }
    }

    /// Reads the layers now (blocking); skipped features (`lenient`) are logged per layer.
    pub fn layers(&self) -> anyhow::Result<Vec<LayerData>> {
        let loaded = load(&self.path, &self.select, self.options)?;
        for (layer, skipped) in &loaded.skipped {
            tracing::warn!(%layer, skipped, "skipped malformed features (lenient)");
        }
        Ok(loaded.layers)
    }
}

impl Source for GdalSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Files
    }

    fn load(&mut self) -> BoxFuture<'_, anyhow::Result<Loaded>> {
        let source = GdalSource::new(&self.path, self.select.clone(), self.options);
        Box::pin(async move {
            let layers = tokio::task::spawn_blocking(move || source.layers())
                .await
                .map_err(|e| anyhow::anyhow!("GDAL loading task failed: {e}"))??;
            Ok(Loaded {
                layers,
                status: SourceStatus::ok(SourceKind::Files),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Config;

    #[test]
    fn dataset_paths_and_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let files = tmp.path().join("files");
        std::fs::create_dir(&files).unwrap();
        std::fs::write(files.join("poles.fgb"), b"").unwrap();
        assert!(
            !is_dataset_path(&files),
            "a directory of .fgb is the file source's"
        );
        assert!(is_dataset_path(Path::new("grid.GPKG")));
        assert!(is_dataset_path(Path::new("network.gdb")));
        std::fs::write(files.join("spans.shp"), b"").unwrap();
        std::fs::write(files.join("spans.dbf"), b"").unwrap();
        assert!(is_dataset_path(&files));
        let found: Vec<PathBuf> = datasets(&files).unwrap();
        assert_eq!(found, [files.join("poles.fgb"), files.join("spans.shp")]);
        let missing = tmp.path().join("gone.gpkg");
        assert!(datasets(&missing)
            .unwrap_err()
            .to_string()
            .contains("no such file"));
    }

    #[test]
    fn configuration_check_knows_the_build_and_select() {
        let mut config = Config::default();
        config.data.dir = Some(PathBuf::from("utility.gpkg"));
        let errs = crate::source::validate_config(&config)
            .err()
            .map(|e| e.to_string());
        assert_eq!(errs.is_some(), !AVAILABLE, "{errs:?}");
        if let Some(e) = errs {
            assert!(e.contains("--features gdal"), "{e}");
        }
        config.data.dir = None;
        config
            .data
            .select
            .insert("ElecConductor".into(), "spans".into());
        let e = crate::source::validate_config(&config)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("data.select picks layers of a GDAL dataset"),
            "{e}"
        );
    }
}
