//! The server's configuration: one TOML file plus environment overrides plus command-line
//! flags, in that order of precedence (defaults < file < environment < flags).
//!
//! - [`Config`] is the whole file: `[server]` ([`ServerConfig`]), `[auth]`
//!   ([`AuthConfig`]), `[data]` ([`DataConfig`]), `[events]` ([`EventsConfig`]), `[simulate]`
//!   ([`SimulateConfig`]), `[basemap]` ([`BasemapConfig`]), `[network]` ([`NetworkConfig`]),
//!   the tiling tables `[tiles]` and `[layers.NAME]` ([`crate::tiling`]) and `[postgres]`
//!   (owned by the PostgreSQL source).
//!   Every section and key is optional; unknown sections or keys are errors.
//! - [`env`] maps `GRIDTILES_SECTION__KEY` variables onto the file's table before it is
//!   deserialized, typed by the setting.
//! - [`check`] validates a loaded configuration and prints it with secrets redacted
//!   (`gridtiles config check FILE`).

pub mod auth;
pub mod basemap;
pub mod check;
pub mod env;
pub mod live;
pub mod network;
pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::tiling::{LayerConfig, TileConfig, TilingConfig};

pub use auth::{AuthConfig, AuthMode, Secret};
pub use basemap::BasemapConfig;
pub use live::{EventsConfig, SimulateConfig};
pub use network::{NetworkConfig, TopologyFrom};
pub use server::{LogFormat, ServerConfig, DEFAULT_CACHE_CONTROL};

/// Why a configuration could not be loaded.
#[derive(Debug, Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema.
    #[error("invalid config {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line when known.
        message: String,
    },
    /// An environment variable has a bad name or value.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The values do not make sense together (one problem per line).
    #[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

/// `[data]`: where the grid comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Directory of layer files (`.fgb`, `.geojson`, one layer per file), or a GDAL dataset
    /// (a `.gpkg` or `.shp` file, a `.gdb` folder, or a directory holding such datasets; the
    /// `gdal` build only). Unset: the demo grid is generated at start.
    pub dir: Option<PathBuf>,
    /// GDAL datasets only: load just these layers (tables, feature classes, shapefiles), each
    /// served under the name it maps to (`{ "ElecConductor" = "spans" }`). Empty: every layer
    /// with a geometry, under its own name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub select: BTreeMap<String, String>,
    /// Skip malformed features (with a warning) instead of refusing to start.
    pub lenient: bool,
    /// Demo grid: random seed (same seed, same grid).
    pub seed: u64,
    /// Demo grid: size factor (1.0 = the standard demo city).
    pub scale: f64,
    /// Longest string attribute value of a layer file, in bytes (a load error, or truncated
    /// with a warning when `lenient`).
    pub max_attribute_bytes: usize,
}

/// Smallest accepted demo-grid scale.
pub const MIN_SCALE: f64 = 0.01;
/// Largest accepted demo-grid scale.
pub const MAX_SCALE: f64 = 20.0;

/// Default `data.max_attribute_bytes`: 64 KiB.
pub const DEFAULT_MAX_ATTRIBUTE_BYTES: usize = 64 << 10;

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            dir: None,
            select: BTreeMap::new(),
            lenient: false,
            seed: 1,
            scale: 1.0,
            max_attribute_bytes: DEFAULT_MAX_ATTRIBUTE_BYTES,
        }
    }
}

/// The whole configuration file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[server]`: listening, caching, CORS, logging, limits, static files, shutdown.
    pub server: ServerConfig,
    /// `[auth]`: authentication per route group.
    pub auth: AuthConfig,
    /// `[data]`: the data source.
    pub data: DataConfig,
    /// `[events]`: the server-sent-events endpoint.
    pub events: EventsConfig,
    /// `[simulate]`: the demo operations simulator.
    pub simulate: SimulateConfig,
    /// `[basemap]`: the street basemap under the grid.
    pub basemap: BasemapConfig,
    /// `[network]`: field mapping, connectivity from geometry, the data-quality layer.
    pub network: NetworkConfig,
    /// `[tiles]`: tile-wide tiling settings.
    pub tiles: TileConfig,
    /// `[layers.NAME]`: per-layer zoom ranges and generalization.
    pub layers: BTreeMap<String, LayerConfig>,
    /// `[postgres]`: the PostgreSQL source's settings. Kept as a table here: that source
    /// owns its schema. Keys named like `password`/`secret`/`token` and URL passwords are
    /// redacted by `config check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres: Option<toml::Table>,
}

/// A loaded configuration and what went into it.
#[derive(Debug)]
pub struct Loaded {
    /// The effective configuration (not yet validated: see [`Config::validate`]).
    pub config: Config,
    /// Environment variables applied, as `NAME → section.key`.
    pub env_applied: Vec<String>,
    /// Warnings to log once logging is set up.
    pub warnings: Vec<String>,
}

impl Config {
    /// Loads `file` (if any) over the defaults, then applies the `GRIDTILES_*` variables of
    /// `vars` (usually `std::env::vars()`).
    pub fn load(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, SettingsError> {
        let (mut table, path) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                let parse_err = |e: toml::de::Error| SettingsError::Parse {
                    path: path.to_owned(),
                    message: e.to_string().trim_end().to_owned(),
                };
                // Typed first: schema errors point at the file's line.
                toml::from_str::<Config>(&text).map_err(parse_err)?;
                (
                    toml::from_str::<toml::Table>(&text).map_err(parse_err)?,
                    Some(path),
                )
            }
            None => (toml::Table::new(), None),
        };
        let applied = env::apply(&mut table, &Config::template_table(), vars)?;
        let config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e| SettingsError::Parse {
                    path: path.map_or_else(|| PathBuf::from("(environment)"), Path::to_owned),
                    message: format!("after environment overrides: {e}"),
                })?;
        Ok(Loaded {
            config,
            env_applied: applied.applied,
            warnings: applied.warnings,
        })
    }

    /// The tiling part (`[tiles]` and `[layers.NAME]`).
    pub fn tiling(&self) -> TilingConfig {
        TilingConfig {
            tiles: self.tiles.clone(),
            layers: self.layers.clone(),
        }
    }

    /// The defaults with every optional field set, serialized: the type of every key, for
    /// typing environment values. Layer keys are under `layers._`.
    fn template_table() -> toml::Table {
        let mut c = Config::default();
        c.server.public_url = Some(String::new());
        c.server.attribution = Some(String::new());
        c.server.static_dir = Some(PathBuf::new());
        c.server.styles_dir = Some(PathBuf::new());
        c.server.fonts_dir = Some(PathBuf::new());
        c.data.dir = Some(PathBuf::new());
        c.tiles.guess_maxzoom = false;
        c.basemap.path = Some(PathBuf::new());
        let layer = LayerConfig {
            merge_id: Some(String::new()),
            fields: Some(Vec::new()),
            ..LayerConfig::default()
        };
        c.layers.insert("_".into(), layer);
        toml::Table::try_from(&c).unwrap_or_default()
    }
}
