//! Server metrics, exposed at `GET /metrics` in the Prometheus text format (0.0.4).
//!
//! The hot path only does relaxed atomic adds on counters that exist from the start, on the
//! current thread's shard (no cache line bounces between cores): a request's route is a
//! [`Route`] (an index, named by the route template), its status one of a fixed set of
//! codes; nothing is looked up by string or allocated per request. Values
//! that are already kept elsewhere (cache counters, snapshot version) are read at scrape
//! time. [`expose`] encodes everything with `prometheus-client`'s text encoder.

pub mod expose;
pub mod histogram;
mod shard;

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use histogram::Histogram;
use histogram::{RENDER_BUCKETS, REQUEST_BUCKETS};
use shard::{Padded, SHARDS};

/// A point-in-time view of the cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CacheStats {
    /// Requests answered from the cache (including those that awaited a concurrent render).
    pub hits: u64,
    /// Tiles rendered (every request when the cache is disabled).
    pub misses: u64,
    /// Tiles currently cached (updated by moka's housekeeping, so slightly behind).
    pub entries: u64,
    /// Weighted size of the cached tiles in bytes (compressed size plus overhead).
    pub bytes: u64,
    /// Configured capacity in bytes (0 = caching disabled).
    pub capacity_bytes: u64,
    /// Entries evicted to stay within the capacity.
    pub evictions: u64,
    /// Entries removed because an update made them stale.
    pub invalidations: u64,
}

/// Tiles the size budget cut since the process started (the tile engine counts them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BudgetCuts {
    /// Tiles rendered with attributes left out to fit `tiles.max_tile_bytes`.
    pub attributes_cut: u64,
    /// Tiles rendered with features left out to fit it.
    pub features_cut: u64,
    /// Tiles still over it with every cut made.
    pub still_over: u64,
}

/// The routes requests are counted under, named by their route template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/tiles/{z}/{x}/{y}`
    Tile,
    /// `/tiles.json`
    TileJson,
    /// `/styles/{file}`
    Style,
    /// `/api/health`
    Health,
    /// `/api/{*rest}` and the Grid API's routes (`/api/assets/{id}`, ...)
    Api,
    /// `/metrics`
    Metrics,
    /// The OGC API routes under `/ogc` (features, tile sets, tiles)
    Ogc,
    /// `/data/{file}` (FlatGeobuf downloads)
    Data,
    /// No route matched: the front end's files, or a 404.
    Fallback,
}

impl Route {
    /// Every route, in index order.
    pub const ALL: [Route; 9] = [
        Route::Tile,
        Route::TileJson,
        Route::Style,
        Route::Health,
        Route::Api,
        Route::Metrics,
        Route::Ogc,
        Route::Data,
        Route::Fallback,
    ];

    /// The route template (the `route` label).
    pub fn template(self) -> &'static str {
        match self {
            Route::Tile => "/tiles/{z}/{x}/{y}",
            Route::TileJson => "/tiles.json",
            Route::Style => "/styles/{file}",
            Route::Health => "/api/health",
            Route::Api => "/api/{*rest}",
            Route::Metrics => "/metrics",
            Route::Ogc => "/ogc/{*rest}",
            Route::Data => "/data/{file}",
            Route::Fallback => "fallback",
        }
    }

    /// The route a request path is served by, as the router's templates match it (a request
    /// is classified before routing, without allocating), `Fallback` for none.
    pub fn from_path(path: &str) -> Route {
        let segments = |rest: &str| rest.split('/').count();
        if let Some(rest) = path.strip_prefix("/tiles/") {
            return if segments(rest) == 3 {
                Route::Tile
            } else {
                Route::Fallback
            };
        }
        match path {
            "/tiles.json" => return Route::TileJson,
            "/api/health" => return Route::Health,
            "/metrics" => return Route::Metrics,
            "/ogc" => return Route::Ogc,
            _ => {}
        }
        if let Some(rest) = path.strip_prefix("/styles/") {
            if segments(rest) == 1 {
                return Route::Style;
            }
        } else if path.starts_with("/api/") {
            // The Grid API's routes share one label (a fixed set: no allocation).
            return Route::Api;
        } else if let Some(rest) = path.strip_prefix("/data/") {
            if segments(rest) == 1 {
                return Route::Data;
            }
        } else if path.starts_with("/ogc/") {
            // The OGC API's routes share one label, like the Grid API's.
            return Route::Ogc;
        }
        Route::Fallback
    }
}

#[cfg(test)]
#[test]
fn paths_are_classified_as_the_router_matches_them() {
    let cases = [
        ("/tiles/14/3/4.mvt", Route::Tile),
        ("/tiles/99/0/0.mvt", Route::Tile),
        ("/tiles/14/3", Route::Fallback),
        ("/tiles.json", Route::TileJson),
        ("/styles/dark.json", Route::Style),
        ("/styles/a/b", Route::Fallback),
        ("/api/health", Route::Health),
        ("/api/kpi", Route::Api),
        ("/api/nope", Route::Api),
        ("/metrics", Route::Metrics),
        ("/data/meters.fgb", Route::Data),
        ("/ogc", Route::Ogc),
        ("/ogc/collections/meters/items", Route::Ogc),
        ("/ogcx", Route::Fallback),
        ("/", Route::Fallback),
        ("/fonts/Open%20Sans/0-255.pbf", Route::Fallback),
    ];
    for (path, route) in cases {
        assert_eq!(Route::from_path(path), route, "{path}");
    }
}

/// Status codes counted one by one; anything else is counted by class (`2xx`, ...).
pub const CODES: [u16; 18] = [
    200, 204, 206, 301, 304, 400, 401, 403, 404, 405, 408, 413, 416, 429, 500, 502, 503, 504,
];

/// One counter per entry of [`CODES`], then one per class 1xx..5xx.
type CodeCounts = [AtomicU64; CODES.len() + 5];

/// Per-route request counters and latency.
#[derive(Debug)]
pub struct RouteStats {
    /// Per-thread shards of the status counters.
    codes: Box<[Padded<CodeCounts>]>,
    /// Time from request to response head.
    pub duration: Histogram,
}

impl RouteStats {
    fn new() -> RouteStats {
        RouteStats {
            codes: (0..SHARDS)
                .map(|_| Padded(std::array::from_fn(|_| AtomicU64::new(0))))
                .collect(),
            duration: Histogram::new(REQUEST_BUCKETS),
        }
    }

    /// Counts one response.
    #[inline]
    pub fn record(&self, status: u16, elapsed: Duration) {
        let i = CODES
            .iter()
            .position(|&c| c == status)
            .unwrap_or_else(|| CODES.len() + usize::from(status / 100).clamp(1, 5) - 1);
        if let Some(c) = self
            .codes
            .get(shard::current())
            .and_then(|Padded(c)| c.get(i))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.duration.observe(elapsed);
    }

    /// `(code label, count)` for every code seen.
    pub fn counts(&self) -> Vec<(String, u64)> {
        let classes = ["1xx", "2xx", "3xx", "4xx", "5xx"];
        (0..CODES.len() + 5)
            .filter_map(|i| {
                let n: u64 = self
                    .codes
                    .iter()
                    .map(|Padded(c)| c[i].load(Ordering::Relaxed))
                    .sum();
                let label = match CODES.get(i) {
                    Some(code) => code.to_string(),
                    None => classes.get(i - CODES.len())?.to_string(),
                };
                (n > 0).then_some((label, n))
            })
            .collect()
    }
}

/// Whether the server has a database, and whether it is connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DbState {
    /// No database configured (the data comes from files or the demo grid).
    None = 0,
    /// Configured, not connected.
    Disconnected = 1,
    /// Configured and connected.
    Connected = 2,
}

/// Tile generation time (render + compress) per zoom.
#[derive(Debug)]
pub struct RenderTimes {
    by_zoom: [Histogram; 31],
}

impl Default for RenderTimes {
    fn default() -> Self {
        RenderTimes {
            by_zoom: std::array::from_fn(|_| Histogram::new(RENDER_BUCKETS)),
        }
    }
}

impl RenderTimes {
    /// Records one tile of zoom `z`.
    pub fn observe(&self, z: u8, d: Duration) {
        if let Some(h) = self.by_zoom.get(usize::from(z)) {
            h.observe(d);
        }
    }

    /// `(zoom, histogram)` for every zoom with at least one tile.
    pub fn used(&self) -> impl Iterator<Item = (u8, &Histogram)> {
        (0u8..)
            .zip(self.by_zoom.iter())
            .filter(|(_, h)| h.count() > 0)
    }
}

/// The counters that live in the HTTP layer.
#[derive(Debug)]
pub struct Metrics {
    routes: [RouteStats; Route::ALL.len()],
    in_flight: Box<[Padded<AtomicI64>]>,
    slow: AtomicU64,
    events_clients: Arc<AtomicI64>,
    db: AtomicU8,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            routes: std::array::from_fn(|_| RouteStats::new()),
            in_flight: (0..SHARDS).map(|_| Padded::default()).collect(),
            slow: AtomicU64::new(0),
            events_clients: Arc::new(AtomicI64::new(0)),
            db: AtomicU8::new(DbState::None as u8),
        }
    }
}

impl Metrics {
    /// The stats of `route`.
    #[inline]
    pub fn route(&self, route: Route) -> &RouteStats {
        &self.routes[route as usize]
    }

    /// Marks a request as started (pair with [`Metrics::end_request`]).
    #[inline]
    pub fn start_request(&self) {
        if let Some(Padded(n)) = self.in_flight.get(shard::current()) {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Marks a request as finished (see [`Metrics::start_request`]).
    #[inline]
    pub fn end_request(&self) {
        if let Some(Padded(n)) = self.in_flight.get(shard::current()) {
            n.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight
            .iter()
            .map(|Padded(n)| n.load(Ordering::Relaxed))
            .sum()
    }

    /// Counts a request over the slow threshold.
    pub fn count_slow(&self) {
        self.slow.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests over the slow threshold so far.
    pub fn slow(&self) -> u64 {
        self.slow.load(Ordering::Relaxed)
    }

    /// Sets the database state (called by a database-backed source).
    pub fn set_database(&self, state: DbState) {
        self.db.store(state as u8, Ordering::Relaxed);
    }

    /// The database state.
    pub fn database(&self) -> DbState {
        match self.db.load(Ordering::Relaxed) {
            1 => DbState::Disconnected,
            2 => DbState::Connected,
            _ => DbState::None,
        }
    }

    /// Registers a connected events (server-sent events) client; it counts until the
    /// returned guard is dropped.
    pub fn events_client(&self) -> EventsClient {
        self.events_clients.fetch_add(1, Ordering::Relaxed);
        EventsClient(Arc::clone(&self.events_clients))
    }

    /// Events clients connected now.
    pub fn events_clients(&self) -> i64 {
        self.events_clients.load(Ordering::Relaxed)
    }
}

/// A connected events client (see [`Metrics::events_client`]).
#[derive(Debug)]
pub struct EventsClient(Arc<AtomicI64>);

impl Drop for EventsClient {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
