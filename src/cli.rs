//! The command line (clap derive). Every flag can also be set through a `GRIDTILES_*`
//! environment variable; a flag on the command line wins over the variable.

use std::path::PathBuf;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::http::{CorsOrigins, Settings, DEFAULT_CACHE_CONTROL};

/// gridtiles: vector tiles for electric-utility grid GIS.
#[derive(Clone, Debug, Parser)]
#[command(name = "gridtiles", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log output format (the level comes from RUST_LOG, default `info`).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = LogFormat::Human,
        env = "GRIDTILES_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
}

/// Subcommands.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Serve vector tiles over HTTP: from --data files, else from PostgreSQL when
    /// DATABASE_URL or a [postgres] section is set, else the demo grid.
    Serve(ServeArgs),
    /// Write the demo grid as FlatGeobuf files.
    Generate(GenerateArgs),
    /// PostgreSQL: create the reference schema, install change triggers, load data.
    Db(DbArgs),
}

/// `gridtiles db`.
#[derive(Clone, Debug, Args)]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
    /// TOML file with a [postgres] section (connection, schema, layers).
    #[arg(long, global = true, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
    /// Schema of the reference tables (overrides [postgres] schema; default `gridtiles`).
    #[arg(long, global = true, env = "GRIDTILES_SCHEMA")]
    pub schema: Option<String>,
}

/// `gridtiles db …` subcommands. The connection string comes from `DATABASE_URL` or the
/// configuration file.
#[derive(Clone, Debug, Subcommand)]
pub enum DbCommand {
    /// Create the reference schema (asset, KPI and analytics tables) with its change
    /// triggers; idempotent.
    Init,
    /// Install the change triggers on every table the configured layers watch; idempotent.
    Triggers,
    /// Replace the reference tables' rows with the demo grid or a directory of layer files.
    Load(DbLoadArgs),
}

/// `gridtiles db load`.
#[derive(Clone, Debug, Args)]
pub struct DbLoadArgs {
    /// Directory of layer files (.fgb, .geojson) named after the layers.
    #[arg(long, conflicts_with = "demo", env = "GRIDTILES_DATA")]
    pub data: Option<PathBuf>,
    /// Load the demo grid (the default without --data).
    #[arg(long, env = "GRIDTILES_DEMO")]
    pub demo: bool,
    /// Demo grid parameters.
    #[command(flatten)]
    pub params: DemoArgs,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// Parameters of the built-in demo grid.
#[derive(Clone, Debug, Args)]
pub struct DemoArgs {
    /// Demo grid: random seed (same seed, same grid).
    #[arg(long, default_value_t = 1, env = "GRIDTILES_SEED")]
    pub seed: u64,
    /// Demo grid: size factor (1.0 = the standard demo city).
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale, env = "GRIDTILES_SCALE")]
    pub scale: f64,
}

/// `gridtiles serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8080", env = "GRIDTILES_LISTEN")]
    pub listen: String,
    /// Directory of layer files (.fgb, .geojson); without it the demo grid is generated.
    #[arg(long, env = "GRIDTILES_DATA")]
    pub data: Option<PathBuf>,
    /// Skip malformed features (with a warning) instead of refusing to start.
    #[arg(long, env = "GRIDTILES_LENIENT")]
    pub lenient: bool,
    /// Base URL clients reach the server at, for TileJSON tile URLs (default: from the
    /// request's Host / X-Forwarded-* headers).
    #[arg(long, value_parser = parse_public_url, env = "GRIDTILES_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Tile cache size in MiB (0 disables the cache).
    #[arg(long, default_value_t = 256, env = "GRIDTILES_CACHE_MB")]
    pub cache_mb: u64,
    /// Cache-Control header of tile responses.
    #[arg(long, default_value = DEFAULT_CACHE_CONTROL, value_parser = parse_header_value, env = "GRIDTILES_CACHE_CONTROL")]
    pub cache_control: HeaderValue,
    /// Origins allowed to fetch cross-origin, comma-separated (`*` = any).
    #[arg(long, value_delimiter = ',', default_value = "*", value_parser = parse_origin, env = "GRIDTILES_CORS_ORIGINS")]
    pub cors_origins: Vec<String>,
    /// TOML file: tiling ([tiles], [layers.NAME]) and the PostgreSQL source ([postgres]).
    #[arg(long, env = "GRIDTILES_CONFIG")]
    pub config: Option<PathBuf>,
    /// When the database (DATABASE_URL or [postgres]) is unreachable at startup, serve this
    /// directory of layer files instead (reported as degraded) and switch to the database
    /// once it is reachable.
    #[arg(long, env = "GRIDTILES_FALLBACK")]
    pub fallback: Option<PathBuf>,
    /// TileJSON attribution (HTML allowed by the spec).
    #[arg(long, env = "GRIDTILES_ATTRIBUTION")]
    pub attribution: Option<String>,
    /// Demo grid parameters (used without --data).
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

impl ServeArgs {
    /// The HTTP settings these arguments ask for.
    pub fn settings(&self) -> Settings {
        let cors_origins = if self.cors_origins.iter().any(|o| o == "*") {
            CorsOrigins::Any
        } else {
            CorsOrigins::List(
                self.cors_origins
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok())
                    .collect(),
            )
        };
        Settings {
            public_url: self.public_url.clone(),
            cache_control: self.cache_control.clone(),
            cors_origins,
            attribution: self.attribution.clone(),
            ..Settings::default()
        }
    }

    /// Cache capacity in bytes.
    pub fn cache_bytes(&self) -> u64 {
        self.cache_mb.saturating_mul(1024 * 1024)
    }
}

fn parse_scale(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err("must be a positive number".to_owned())
    }
}

/// `http(s)://host[:port][/path]`, returned without a trailing `/`.
fn parse_public_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err("has no host".to_owned());
    }
    if s.contains(['?', '#']) || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain a query, fragment or whitespace".to_owned());
    }
    Ok(s.to_owned())
}

fn parse_header_value(s: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(s.trim()).map_err(|_| "not a valid header value".to_owned())
}

/// `*` or an origin `scheme://host[:port]`.
fn parse_origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s == "*" {
        return Ok(s.to_owned());
    }
    let host = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(|| format!("origin {s:?} must be * or start with http:// or https://"))?;
    if host.is_empty() || host.contains('/') || HeaderValue::from_str(s).is_err() {
        return Err(format!(
            "origin {s:?} must look like https://host[:port] (no path)"
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_parsers() {
        assert_eq!(
            parse_public_url("https://t.example.com/grid/").unwrap(),
            "https://t.example.com/grid"
        );
        assert!(parse_public_url("t.example.com").is_err());
        assert!(parse_public_url("http://").is_err());
        assert!(parse_public_url("http://a/b?c").is_err());
        assert!(parse_origin("https://maps.example.com:8443").is_ok());
        assert!(parse_origin("maps.example.com").is_err());
        assert!(parse_origin("https://a/b").is_err());
        assert!(parse_scale("0").is_err());
        assert!(parse_scale("NaN").is_err());
        assert_eq!(parse_scale("0.5"), Ok(0.5));
    }
}
