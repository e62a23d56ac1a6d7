//! The command line (clap derive). `serve` flags override the configuration file and the
//! environment (see [`crate::settings`]): defaults < file < `GRIDTILES_*` variables < flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::check::{parse_origin, parse_public_url, parse_scale};
use crate::settings::{Config, Loaded, SettingsError};

pub use crate::settings::LogFormat;

/// gridtiles: vector tiles for electric-utility grid GIS.
#[derive(Clone, Debug, Parser)]
#[command(name = "gridtiles", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log output format (overrides `server.log_format`; the level comes from RUST_LOG or
    /// `server.log_level`).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
}

/// Subcommands.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Serve vector tiles over HTTP (the demo grid unless a data directory is given).
    Serve(Box<ServeArgs>),
    /// Write the demo grid as FlatGeobuf files.
    Generate(GenerateArgs),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// GET /api/health of a running server; exit 0 when it answers 200 (for container
    /// HEALTHCHECKs: the runtime image has no curl).
    Healthcheck(HealthcheckArgs),
    /// PostgreSQL: create the reference schema, install change triggers, load data.
    Db(DbArgs),
    /// Write the grid's tiles (optionally with the demo basemap) into a PMTiles archive.
    Bake(BakeArgs),
    /// List the layers of a GeoPackage / Shapefile / File Geodatabase (geometry, CRS, count,
    /// fields) and propose a [data] section that maps them to gridtiles' layers (GDAL build).
    Inspect(InspectArgs),
    /// Load a data directory or GDAL dataset as `serve` would and print its data-quality
    /// report as JSON: islands, dangling ends, devices off the network, meters without a
    /// transformer, loops, duplicate ids, invalid geometry.
    Check(CheckArgs),
}

/// `gridtiles check`.
#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// A directory of layer files, or a GDAL dataset (.gpkg / .shp / .gdb, GDAL build).
    pub path: PathBuf,
    /// TOML configuration file ([data] select, [network] mapping and tolerance, [layers]).
    #[arg(long, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
    /// Findings listed at most (the counts are complete).
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// Exit with status 2 when there is any finding (for CI pipelines).
    #[arg(long)]
    pub fail_on_findings: bool,
}

/// `gridtiles inspect`.
#[derive(Clone, Debug, Args)]
pub struct InspectArgs {
    /// A .gpkg / .shp file, a .gdb folder, or a directory of them.
    pub path: PathBuf,
}

/// `gridtiles bake`.
#[derive(Clone, Debug, Args)]
pub struct BakeArgs {
    /// The PMTiles archive to write (replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Area to bake, W,S,E,N in degrees [default: the data's bounds].
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
    pub bbox: Option<[f64; 4]>,
    /// Lowest zoom [default: the lowest zoom any baked layer appears at].
    #[arg(long)]
    pub minzoom: Option<u8>,
    /// Highest zoom [default: tiles.maxzoom].
    #[arg(long)]
    pub maxzoom: Option<u8>,
    /// Comma-separated layers of the grid to bake [default: every layer].
    #[arg(long)]
    pub layers: Option<String>,
    /// Bake the demo city's basemap into the same tiles (its layers with the grid's).
    #[arg(long)]
    pub basemap: bool,
    /// TOML configuration file ([data], [tiles], [layers.NAME]).
    #[arg(long, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory of layer files or a GDAL dataset; without it the demo grid [data.dir].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Demo grid parameters.
    #[command(flatten)]
    pub demo: DemoArgs,
}

/// Parses `W,S,E,N`.
fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|e| format!("{p:?}: {e}")))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [w, s, e, n] if parts.iter().all(|v| v.is_finite()) => Ok([w, s, e, n]),
        _ => Err("expected W,S,E,N: four numbers".into()),
    }
}

/// `gridtiles db`. The connection comes from `DATABASE_URL` or `postgres.url`.
#[derive(Clone, Debug, Args)]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
    /// TOML configuration file ([postgres]: connection, schema, layers).
    #[arg(long, global = true, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
    /// Schema of the reference tables [postgres.schema, default gridtiles].
    #[arg(long, global = true)]
    pub schema: Option<String>,
}

/// `gridtiles db …` subcommands.
#[derive(Clone, Debug, Subcommand)]
pub enum DbCommand {
    /// Create the reference schema (asset, crews, KPI and analytics tables, the outages
    /// view) with its change triggers; idempotent, and upgrades an older schema.
    Init,
    /// Install the change triggers on every table the configured layers watch; idempotent.
    Triggers,
    /// Replace the reference tables' rows with the demo grid or a directory of layer files
    /// (an `outages` layer replaces the open outage_events rows).
    Load(DbLoadArgs),
}

/// `gridtiles db load`.
#[derive(Clone, Debug, Args)]
pub struct DbLoadArgs {
    /// Directory of layer files (.fgb, .geojson) named after the layers.
    #[arg(long, conflicts_with = "demo")]
    pub data: Option<PathBuf>,
    /// Load the demo grid (the default without --data).
    #[arg(long)]
    pub demo: bool,
    /// Demo grid parameters.
    #[command(flatten)]
    pub params: DemoArgs,
    /// Calendar years of synthetic outage events written to outage_events, ending with the
    /// current one (the events the synthetic history serves, up to now); 0 leaves the
    /// table alone.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=3))]
    pub outage_years: u32,
    /// Days of synthetic 15-minute AMI readings before now written to ami_readings; 0 leaves
    /// the table alone.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=366))]
    pub ami_days: u32,
    /// Meters (the lowest ids) given AMI readings.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub ami_meters: u32,
}

/// `gridtiles config ...`.
#[derive(Clone, Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate FILE (with the GRIDTILES_* environment applied) and print the effective
    /// configuration as TOML, secrets redacted. Exit 1 with the reasons when invalid.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
}

/// Parameters of the built-in demo grid.
#[derive(Clone, Debug, Default, Args)]
pub struct DemoArgs {
    /// Demo grid: random seed (same seed, same grid) [data.seed, default 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Demo grid: size factor (1.0 = the standard demo city) [data.scale].
    #[arg(long, value_parser = parse_scale)]
    pub scale: Option<f64>,
}

/// `gridtiles serve`. Each flag overrides the setting named in brackets.
#[derive(Clone, Debug, Default, Args)]
pub struct ServeArgs {
    /// TOML configuration file ([server], [auth], [data], [tiles], [layers.NAME], ...).
    #[arg(long, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [server.listen, default 0.0.0.0:8080].
    #[arg(long)]
    pub listen: Option<String>,
    /// Directory of layer files (.fgb, .geojson), or a GDAL dataset (.gpkg, .shp, a .gdb
    /// folder, or a directory of them; GDAL build); without it the demo grid is generated
    /// [data.dir].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Skip malformed features (with a warning) instead of refusing to start [data.lenient].
    #[arg(long)]
    pub lenient: bool,
    /// Base URL clients reach the server at, for TileJSON tile URLs [server.public_url].
    #[arg(long, value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Tile cache size in MiB, 0 disables the cache [server.cache_mb, default 256].
    #[arg(long)]
    pub cache_mb: Option<u64>,
    /// Cache-Control header of tile responses [server.cache_control].
    #[arg(long)]
    pub cache_control: Option<String>,
    /// Origins allowed to fetch cross-origin, comma-separated, `*` = any
    /// [server.cors_origins].
    #[arg(long, value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Option<Vec<String>>,
    /// TileJSON attribution [server.attribution].
    #[arg(long)]
    pub attribution: Option<String>,
    /// Front-end directory served at / [server.static_dir, default frontend/dist if present].
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Styles directory served at /styles/{name}.json [server.styles_dir, default styles].
    #[arg(long)]
    pub styles_dir: Option<PathBuf>,
    /// Fonts directory (TTF/OTF) served as glyphs at /fonts [server.fonts_dir, default fonts].
    #[arg(long)]
    pub fonts_dir: Option<PathBuf>,
    /// With PostgreSQL: serve this directory of layer files when the database is
    /// unreachable at startup, until it is reachable [postgres.fallback].
    #[arg(long)]
    pub fallback: Option<PathBuf>,
    /// Run the demo operations simulator: faults, crews, restorations, switching
    /// [simulate.enabled].
    #[arg(long)]
    pub simulate: bool,
    /// Milliseconds between simulator ticks [simulate.interval_ms, default 3000].
    #[arg(long)]
    pub simulate_interval_ms: Option<u64>,
    /// A PMTiles or MBTiles file of vector tiles served as the basemap at /basemap/*
    /// [basemap.path; default: the demo city's streets with the demo grid].
    #[arg(long)]
    pub basemap: Option<PathBuf>,
    /// Demo grid parameters (used without a data directory).
    #[command(flatten)]
    pub demo: DemoArgs,
}

/// `gridtiles generate`.
#[derive(Clone, Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write `<layer>.fgb` files into (created if missing).
    #[arg(long, env = "GRIDTILES_OUT")]
    pub out: PathBuf,
    /// Demo grid parameters.
    #[command(flatten)]
    pub demo: DemoArgs,
}

/// `gridtiles healthcheck`.
#[derive(Clone, Debug, Args)]
pub struct HealthcheckArgs {
    /// URL to check [default: http://127.0.0.1:PORT/api/health, PORT from server.listen].
    #[arg(long)]
    pub url: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 5)]
    pub timeout_s: u64,
    /// Configuration file (only `server.listen` is used).
    #[arg(long, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
}

impl ServeArgs {
    /// The effective configuration: the file, the environment `vars`, then these flags;
    /// validated.
    pub fn load(
        &self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, SettingsError> {
        let mut loaded = Config::load(self.config.as_deref(), vars)?;
        self.apply(&mut loaded.config);
        if self.fallback.is_some() && loaded.config.postgres.is_none() {
            loaded.warnings.push(
                "--fallback ignored: no PostgreSQL source (set DATABASE_URL or [postgres])".into(),
            );
        }
        crate::source::validate_config(&loaded.config)?;
        Ok(loaded)
    }

    /// Writes the flags that were given into `config`.
    pub fn apply(&self, config: &mut Config) {
        let s = &mut config.server;
        set(&mut s.listen, &self.listen);
        set_opt(&mut s.public_url, &self.public_url);
        set(&mut s.cache_mb, &self.cache_mb);
        set(&mut s.cache_control, &self.cache_control);
        set(&mut s.cors_origins, &self.cors_origins);
        set_opt(&mut s.attribution, &self.attribution);
        set_opt(&mut s.static_dir, &self.static_dir);
        set_opt(&mut s.styles_dir, &self.styles_dir);
        set_opt(&mut s.fonts_dir, &self.fonts_dir);
        let d = &mut config.data;
        set_opt(&mut d.dir, &self.data);
        d.lenient |= self.lenient;
        if let (Some(dir), Some(pg)) = (&self.fallback, config.postgres.as_mut()) {
            pg.insert(
                "fallback".into(),
                toml::Value::String(dir.display().to_string()),
            );
        }
        set_opt(&mut config.basemap.path, &self.basemap);
        config.simulate.enabled |= self.simulate;
        set(&mut config.simulate.interval_ms, &self.simulate_interval_ms);
        self.demo.apply(config);
    }
}

impl DemoArgs {
    /// Writes the flags that were given into `config`.
    pub fn apply(&self, config: &mut Config) {
        set(&mut config.data.seed, &self.seed);
        set(&mut config.data.scale, &self.scale);
    }
}

fn set<T: Clone>(target: &mut T, flag: &Option<T>) {
    if let Some(v) = flag {
        *target = v.clone();
    }
}

fn set_opt<T: Clone>(target: &mut Option<T>, flag: &Option<T>) {
    if flag.is_some() {
        target.clone_from(flag);
    }
}
