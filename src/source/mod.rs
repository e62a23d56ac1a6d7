//! Sources: where grid data comes from. Each produces `Vec<LayerData>` in lon/lat behind
//! one contract ([`Source`], chosen by [`from_config`]); the PostgreSQL source also keeps
//! the served snapshot live ([`postgres::live::sync`]).

pub mod connect;
pub mod contract;
pub mod demo;
pub mod file;
pub mod gdal;
pub mod mapping;
pub mod postgres;

pub use contract::{from_config, postgres_config, DemoSource, FileSource, Loaded, Source};
pub use gdal::GdalSource;

use crate::settings::{Config, DataConfig, SettingsError};

/// Checks `config` whole: the settings' own rules ([`Config::validate`]) and the source
/// tables only a source can read (`[postgres]`), every problem at once.
pub fn validate_config(config: &Config) -> Result<(), SettingsError> {
    let mut errs = match config.validate() {
        Ok(()) => Vec::new(),
        Err(SettingsError::Invalid(errs)) => errs,
        Err(e) => return Err(e),
    };
    errs.extend(data_errors(&config.data));
    if let Some(pg) = &config.postgres {
        if let Err(e) = postgres::PgConfig::from_table(pg.clone()) {
            errs.push(e.to_string());
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(SettingsError::Invalid(errs))
    }
}

/// What only the sources can say about `[data]`: a GDAL dataset needs the `gdal` build, and
/// `data.select` applies to GDAL datasets only.
fn data_errors(data: &DataConfig) -> Vec<String> {
    let mut errs = Vec::new();
    let is_dataset = data.dir.as_deref().is_some_and(gdal::is_dataset_path);
    if is_dataset && !gdal::AVAILABLE {
        errs.push(format!(
            "data.dir {}: {}",
            data.dir
                .as_deref()
                .unwrap_or_else(|| std::path::Path::new(""))
                .display(),
            gdal::UNAVAILABLE
        ));
    }
    if !data.select.is_empty() && !is_dataset {
        errs.push(
            "data.select picks layers of a GDAL dataset (.gpkg, .shp, .gdb); data.dir names none"
                .to_string(),
        );
    }
    for (from, to) in &data.select {
        if to.is_empty() {
            errs.push(format!(
                "data.select: layer {from:?} is mapped to an empty name"
            ));
        }
    }
    errs
}

/// Applies `[network]` to a file or GDAL source's first layers: the field and value mapping
/// ([`mapping`]), then the topology from geometry where it applies ([`connect`]).
pub fn apply_network(
    layers: &mut [crate::model::LayerData],
    network: &crate::settings::NetworkConfig,
) -> anyhow::Result<Option<connect::ConnectReport>> {
    mapping::apply(layers, network)?;
    Ok(connect::derive(layers, network))
}
