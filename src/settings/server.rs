//! `[server]`: how the process listens, answers and logs. Every field has a default, so the
//! section (and each key) is optional.

use std::path::PathBuf;

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Default `Cache-Control` of tile responses.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60";

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// The `[server]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (`host:port`).
    pub listen: String,
    /// Base URL clients reach the server at (`http(s)://host[:port][/path]`), for TileJSON tile
    /// URLs. Unset: derived from each request's `Host` / `X-Forwarded-*` headers.
    pub public_url: Option<String>,
    /// Tile cache size in MiB of gzip tiles (0 disables the cache); inflated copies for
    /// clients that do not accept gzip get a quarter of it again at most.
    pub cache_mb: u64,
    /// `Cache-Control` of tile responses.
    pub cache_control: String,
    /// Origins allowed to read responses cross-origin (`https://host[:port]`), or `["*"]`
    /// for any origin.
    pub cors_origins: Vec<String>,
    /// TileJSON `attribution` (HTML allowed by the spec).
    pub attribution: Option<String>,
    /// Log format: `human` or `json`.
    pub log_format: LogFormat,
    /// Log filter when `RUST_LOG` is unset (`info`, `warn`, `gridtiles=debug`, ...).
    pub log_level: String,
    /// Requests slower than this many milliseconds are logged (warn) with their request id.
    /// 0 disables the slow-request log.
    pub slow_request_ms: u64,
    /// Requests that take longer than this many seconds are answered `503` (keep it below
    /// the ingress's own limit, 60 s on the hosted platform).
    pub request_timeout_s: u64,
    /// Largest request body accepted, in bytes (`413` above it).
    pub max_body_bytes: u64,
    /// Directory of the front end (`index.html` at `/`). Unset: `frontend/dist` when that
    /// directory exists, else no front end is served.
    pub static_dir: Option<PathBuf>,
    /// Directory of map styles served at `/styles/{name}.json`. Unset: `styles` when that
    /// directory exists.
    pub styles_dir: Option<PathBuf>,
    /// Directory of TTF/OTF/TTC fonts served as glyph ranges at `/fonts`. Unset: `fonts`
    /// when that directory exists.
    pub fonts_dir: Option<PathBuf>,
    /// On SIGTERM, keep serving this many seconds with `/api/health` answering `503`, so
    /// load balancers stop sending traffic before the listener closes.
    pub shutdown_delay_s: u64,
    /// After the listener closes, wait at most this many seconds for requests in flight.
    pub shutdown_grace_s: u64,
    /// A connection that takes longer than this many seconds to send a request head (the
    /// request line and headers; also the idle time allowed between keep-alive requests)
    /// is closed.
    pub header_read_timeout_s: u64,
    /// Connections served at once; further clients wait in the listen backlog until one
    /// closes.
    pub max_connections: usize,
    /// Addresses or CIDR blocks of the reverse proxies whose `X-Forwarded-Host` /
    /// `X-Forwarded-Proto` are believed when `public_url` is unset; empty: never.
    pub trusted_proxies: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "0.0.0.0:8080".to_owned(),
            public_url: None,
            cache_mb: 256,
            cache_control: DEFAULT_CACHE_CONTROL.to_owned(),
            cors_origins: vec!["*".to_owned()],
            attribution: None,
            log_format: LogFormat::Human,
            log_level: "info".to_owned(),
            slow_request_ms: 1000,
            request_timeout_s: 30,
            max_body_bytes: 1 << 20,
            static_dir: None,
            styles_dir: None,
            fonts_dir: None,
            shutdown_delay_s: 0,
            shutdown_grace_s: 25,
            header_read_timeout_s: 10,
            max_connections: 4096,
            trusted_proxies: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// Cache capacity in bytes.
    pub fn cache_bytes(&self) -> u64 {
        self.cache_mb.saturating_mul(1024 * 1024)
    }

    /// The front-end directory: the configured one, else `frontend/dist` if it exists.
    pub fn effective_static_dir(&self) -> Option<PathBuf> {
        self.static_dir
            .clone()
            .or_else(|| existing_dir("frontend/dist"))
    }

    /// The styles directory: the configured one, else `styles` if it exists.
    pub fn effective_styles_dir(&self) -> Option<PathBuf> {
        self.styles_dir.clone().or_else(|| existing_dir("styles"))
    }

    /// The fonts directory: the configured one, else `fonts` if it exists.
    pub fn effective_fonts_dir(&self) -> Option<PathBuf> {
        self.fonts_dir.clone().or_else(|| existing_dir("fonts"))
    }
}

fn existing_dir(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    p.is_dir().then_some(p)
}

/// Parses `server.trusted_proxies`: `["10.0.0.0/8", "127.0.0.1", "::1/128"]`; an entry
/// without a prefix length is one address.
pub fn parse_trusted_proxies(list: &[String]) -> Result<Vec<IpNet>, String> {
    list.iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{entry:?} is not an IP address or CIDR block"))
        })
        .collect()
}
