//! Sources: where grid data comes from. Each produces `Vec<LayerData>` in lon/lat behind
//! one contract ([`Source`], chosen by [`from_config`]); the PostgreSQL source also keeps
//! the served snapshot live ([`postgres::live::sync`]).

pub mod contract;
pub mod demo;
pub mod file;
pub mod postgres;

pub use contract::{from_config, postgres_config, DemoSource, FileSource, Loaded, Source};

use crate::settings::{Config, SettingsError};

/// Checks `config` whole: the settings' own rules ([`Config::validate`]) and the source
/// tables only a source can read (`[postgres]`), every problem at once.
pub fn validate_config(config: &Config) -> Result<(), SettingsError> {
    let mut errs = match config.validate() {
        Ok(()) => Vec::new(),
        Err(SettingsError::Invalid(errs)) => errs,
        Err(e) => return Err(e),
    };
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
