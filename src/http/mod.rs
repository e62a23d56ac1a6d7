//! The HTTP layer (axum): routes, shared state, middleware and the server loop.
//!
//! Routes ([`router`]): `GET /tiles/{z}/{x}/{y}.mvt` ([`tiles`]), `GET /tiles.json`
//! ([`tilejson`]), `GET /styles/{name}.json` and the front end at `/`
//! ([`static_files`]), `GET /api/health` and `GET /metrics` ([`health`]), the Grid API's JSON
//! endpoints under `/api/*` ([`api`]), OGC API - Features and Tiles under `/ogc` ([`ogc`]),
//! FlatGeobuf downloads with range requests at `/data/{layer}.fgb` ([`download`]), glyphs at
//! `/fonts` and sprites at `/sprites` ([`carto`]); anything
//! else is a JSON 404 or 405 ([`error`]).
//!
//! Middleware, outermost first: [`guard`] (request id, timeout, body limit, metrics, slow
//! log, `nosniff`) → CORS → per-group [`auth`] → gzip on the JSON routes only (tiles are
//! stored gzip-compressed already). No per-request tracing spans on tiles.

pub mod api;
mod archive_tiles;
pub mod auth;
pub mod basemap;
pub mod basemap_style;
mod carto;
pub mod conditional;
pub mod download;
pub mod error;
pub mod events;
pub mod forwarded;
pub mod guard;
pub mod health;
mod layers;
pub mod ogc;
pub mod openapi;
mod protocol_errors;
mod router;
mod serve;
mod state;
pub mod static_files;
pub mod styles;
pub mod tilejson;
pub mod tiles;

use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;

use crate::settings::Config;

pub use auth::{AuthPolicy, GroupAuth, Identity};
pub use error::ApiError;
pub use router::{router, App};
pub use serve::{serve, serve_until, ShutdownTiming};
pub use state::AppState;

pub use crate::settings::DEFAULT_CACHE_CONTROL;

/// Which origins may read responses cross-origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`Access-Control-Allow-Origin: *`).
    #[default]
    Any,
    /// Only these origins (e.g. `https://maps.example.com`).
    List(Vec<HeaderValue>),
}

/// Server settings that do not change while it runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Base URL clients reach the server at (no trailing `/`), used for TileJSON tile URLs.
    /// `None`: derived from each request's `Host` / `X-Forwarded-*` headers.
    pub public_url: Option<String>,
    /// `Cache-Control` of tile responses.
    pub cache_control: HeaderValue,
    /// CORS policy.
    pub cors_origins: CorsOrigins,
    /// TileJSON `name`.
    pub name: String,
    /// TileJSON `attribution`.
    pub attribution: Option<String>,
    /// Front-end directory (`None`: no front end).
    pub static_dir: Option<PathBuf>,
    /// Styles directory (`None`: no styles).
    pub styles_dir: Option<PathBuf>,
    /// Fonts directory served at `/fonts` (`None`: no fonts).
    pub fonts_dir: Option<PathBuf>,
    /// Requests running longer are answered `503`.
    pub request_timeout: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: u64,
    /// Requests at least this slow are logged; `None`: none.
    pub slow_request: Option<Duration>,
    /// Authentication per route group.
    pub auth: AuthPolicy,
    /// The events endpoint's limits.
    pub events: events::EventsSettings,
    /// Connections taking longer to send a request head are closed.
    pub header_read_timeout: Duration,
    /// Connections served at once (more wait in the listen backlog).
    pub max_connections: usize,
    /// Peers whose `X-Forwarded-Host` / `-Proto` are honoured (none by default).
    pub trusted_proxies: forwarded::TrustedProxies,
    /// The grid is operated radially: `/api/quality` reports loops (`network.radial`).
    pub network_radial: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: None,
            cache_control: HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
            cors_origins: CorsOrigins::Any,
            name: "gridtiles".to_owned(),
            attribution: None,
            static_dir: None,
            styles_dir: None,
            fonts_dir: None,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1 << 20,
            slow_request: Some(Duration::from_secs(1)),
            auth: AuthPolicy::default(),
            events: events::EventsSettings::default(),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            trusted_proxies: forwarded::TrustedProxies::default(),
            network_radial: true,
        }
    }
}

impl Settings {
    /// The HTTP settings of a validated configuration.
    pub fn from_config(config: &Config) -> Result<Settings, String> {
        let s = &config.server;
        let cors_origins = if s.cors_origins.iter().any(|o| o == "*") {
            CorsOrigins::Any
        } else {
            CorsOrigins::List(
                s.cors_origins
                    .iter()
                    .map(|o| HeaderValue::from_str(o).map_err(|_| format!("bad origin {o:?}")))
                    .collect::<Result<_, _>>()?,
            )
        };
        let public_url = s
            .public_url
            .as_deref()
            .map(crate::settings::check::parse_public_url)
            .transpose()?;
        Ok(Settings {
            public_url,
            cache_control: HeaderValue::from_str(&s.cache_control)
                .map_err(|_| "server.cache_control is not a valid header value".to_owned())?,
            cors_origins,
            name: "gridtiles".to_owned(),
            attribution: s.attribution.clone(),
            static_dir: s.effective_static_dir(),
            styles_dir: s.effective_styles_dir(),
            fonts_dir: s.effective_fonts_dir(),
            request_timeout: Duration::from_secs(s.request_timeout_s.max(1)),
            max_body_bytes: s.max_body_bytes,
            slow_request: (s.slow_request_ms > 0).then(|| Duration::from_millis(s.slow_request_ms)),
            auth: AuthPolicy::from_config(&config.auth),
            events: events::EventsSettings::from_config(&config.events),
            header_read_timeout: Duration::from_secs(s.header_read_timeout_s.max(1)),
            max_connections: s.max_connections.max(1),
            trusted_proxies: forwarded::TrustedProxies::parse(&s.trusted_proxies)
                .map_err(|e| format!("server.trusted_proxies: {e}"))?,
            network_radial: config.network.radial,
        })
    }
}
