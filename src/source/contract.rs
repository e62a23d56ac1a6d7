//! The source contract. [`Source`] is what every kind of data source implements: load the
//! first layers and report how the source is doing; a live source (PostgreSQL) then keeps
//! the live store in sync until shutdown. [`from_config`] picks the implementation from the
//! configuration, in one place: the built-in demo grid ([`DemoSource`]), a directory of
//! FlatGeobuf / GeoJSON files ([`FileSource`]), GeoPackage / Shapefile / File Geodatabase
//! datasets ([`GdalSource`], the `gdal` build) or PostgreSQL
//! ([`super::postgres::PgLiveSource`]).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use anyhow::Context;
use tracing::warn;

use super::demo::{self, DemoParams};
use super::file::{self, LoadOptions};
use super::gdal::{self as gdal_source, GdalSource};
use super::postgres::{PgConfig, PgLiveSource};
use crate::live::{SourceKind, SourceStatus, Store};
use crate::model::LayerData;
use crate::settings::{Config, DataConfig};

/// A boxed future: sources are chosen at run time.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a source hands the server at startup.
pub struct Loaded {
    /// The layers, in lon/lat.
    pub layers: Vec<LayerData>,
    /// How the source is doing (PostgreSQL serving fallback data is `degraded`).
    pub status: SourceStatus,
}

/// One kind of data source.
pub trait Source: Send {
    /// The kind, as `/api/health` reports it.
    fn kind(&self) -> SourceKind;

    /// Loads the first layers (file and CPU work runs on the blocking pool). Fails as a
    /// whole: nothing is served half-loaded.
    fn load(&mut self) -> BoxFuture<'_, anyhow::Result<Loaded>>;

    /// The task that keeps `store` in sync with the source until `shutdown` completes,
    /// publishing through the store; `None` for a source that does not change.
    fn live(
        self: Box<Self>,
        store: Store,
        shutdown: BoxFuture<'static, ()>,
    ) -> Option<BoxFuture<'static, ()>> {
        let _ = (store, shutdown);
        None
    }
}

/// The source the configuration names: PostgreSQL when there is a `[postgres]` section and
/// no data directory, files when `data.dir` is set (GDAL datasets when it names one, see
/// [`gdal_source::is_dataset_path`]; a `[postgres]` section is then ignored, with a warning),
/// else the demo grid.
pub fn from_config(config: &Config) -> anyhow::Result<Box<dyn Source>> {
    if let Some(pg) = postgres_config(config)? {
        return Ok(Box::new(PgLiveSource::new(pg, config)));
    }
    match &config.data.dir {
        Some(dir) => {
            if config.postgres.is_some() {
                warn!(dir = %dir.display(), "data.dir is set: serving files, not PostgreSQL");
            }
            let options = LoadOptions::from(&config.data);
            if gdal_source::is_dataset_path(dir) {
                return Ok(Box::new(GdalSource::new(
                    dir,
                    config.data.select.clone(),
                    options,
                )));
            }
            Ok(Box::new(FileSource::new(dir, options)))
        }
        None => Ok(Box::new(DemoSource::new(&config.data))),
    }
}

/// The PostgreSQL source's configuration, if the server reads from PostgreSQL: the
/// configuration has a `[postgres]` section (a file section, `DATABASE_URL` or a
/// `GRIDTILES_POSTGRES__*` variable) and no data directory.
pub fn postgres_config(config: &Config) -> anyhow::Result<Option<PgConfig>> {
    match (&config.data.dir, &config.postgres) {
        (None, Some(table)) => Ok(Some(
            PgConfig::from_table(table.clone()).context("invalid [postgres] configuration")?,
        )),
        _ => Ok(None),
    }
}

/// The built-in demo grid (seed and scale from `[data]`), its outages started just before
/// it is loaded.
pub struct DemoSource {
    params: DemoParams,
}

impl DemoSource {
    /// The demo grid of `data`'s seed and scale.
    pub fn new(data: &DataConfig) -> DemoSource {
        DemoSource {
            params: DemoParams {
                seed: data.seed,
                scale: data.scale,
            },
        }
    }

    /// Generates the layers now (blocking).
    pub fn layers(&self) -> anyhow::Result<Vec<LayerData>> {
        let mut layers = demo_layers(&self.params)?;
        demo::start_outages_before(&mut layers, crate::analytics::time::now());
        Ok(layers)
    }
}

impl Source for DemoSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Demo
    }

    fn load(&mut self) -> BoxFuture<'_, anyhow::Result<Loaded>> {
        let params = self.params;
        Box::pin(async move {
            let layers = tokio::task::spawn_blocking(move || DemoSource { params }.layers())
                .await
                .context("demo generator task failed")??;
            Ok(Loaded {
                layers,
                status: SourceStatus::ok(SourceKind::Demo),
            })
        })
    }
}

/// A directory of FlatGeobuf / GeoJSON files, one per layer.
pub struct FileSource {
    dir: PathBuf,
    options: LoadOptions,
}

impl FileSource {
    /// The files of `dir`, loaded with `options`.
    pub fn new(dir: &Path, options: LoadOptions) -> FileSource {
        FileSource {
            dir: dir.to_path_buf(),
            options,
        }
    }

    /// Reads the layers now (blocking).
    pub fn layers(&self) -> anyhow::Result<Vec<LayerData>> {
        file_layers(&self.dir, self.options)
    }
}

impl Source for FileSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Files
    }

    fn load(&mut self) -> BoxFuture<'_, anyhow::Result<Loaded>> {
        let (dir, options) = (self.dir.clone(), self.options);
        Box::pin(async move {
            let layers = tokio::task::spawn_blocking(move || file_layers(&dir, options))
                .await
                .context("file loading task failed")??;
            Ok(Loaded {
                layers,
                status: SourceStatus::ok(SourceKind::Files),
            })
        })
    }
}

/// The demo grid of `params` (blocking), refusing parameters out of range.
pub fn demo_layers(params: &DemoParams) -> anyhow::Result<Vec<LayerData>> {
    demo::generate_checked(params).context("cannot build the demo grid")
}

/// The layers of the files in `dir` (blocking); malformed features skipped with `lenient`
/// are logged per layer.
pub fn file_layers(dir: &Path, options: LoadOptions) -> anyhow::Result<Vec<LayerData>> {
    let loaded =
        file::load_dir(dir, options).with_context(|| format!("cannot load {}", dir.display()))?;
    for (layer, skipped) in loaded.skipped.iter().filter(|(_, n)| *n > 0) {
        warn!(%layer, skipped, "skipped malformed features (lenient)");
    }
    Ok(loaded.layers)
}

/// The layers of `data.dir` (blocking): GDAL datasets (with `data.select`) when it names
/// one, else the FlatGeobuf / GeoJSON files of the directory.
pub fn dir_layers(dir: &Path, data: &DataConfig) -> anyhow::Result<Vec<LayerData>> {
    let options = LoadOptions::from(data);
    if gdal_source::is_dataset_path(dir) {
        GdalSource::new(dir, data.select.clone(), options).layers()
    } else {
        file_layers(dir, options)
    }
}
