//! Encoding for `GET /metrics`: a [`Scrape`] gathers the values of one scrape and
//! `prometheus-client` writes them in the Prometheus text format (0.0.4).

use std::fmt::Write as _;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::{BudgetCuts, CacheStats, DbState, Histogram, Metrics, RenderTimes, Route};

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Everything one scrape reports.
#[derive(Debug)]
pub struct Scrape {
    /// HTTP counters.
    pub metrics: Arc<Metrics>,
    /// Tile generation times.
    pub render: Arc<RenderTimes>,
    /// Tile cache counters (after housekeeping).
    pub cache: CacheStats,
    /// Tiles the size budget cut.
    pub budget: BudgetCuts,
    /// Version of the snapshot served.
    pub snapshot_version: u64,
    /// Seconds since that snapshot was published.
    pub snapshot_age_s: f64,
    /// Features in the snapshot.
    pub snapshot_features: u64,
    /// Seconds since the server state was created.
    pub uptime_s: f64,
    /// True while shutting down.
    pub draining: bool,
    /// Body bytes sent by `/data/{layer}.fgb` (whole files and ranges).
    pub download_bytes: u64,
    /// FlatGeobuf downloads built (one per layer version).
    pub download_builds: u64,
}

impl Scrape {
    /// The Prometheus text exposition.
    pub fn render(self) -> Result<String, std::fmt::Error> {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let mut out = String::with_capacity(16 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
        Ok(out)
    }
}

fn gauge(e: &mut DescriptorEncoder, name: &str, help: &str, v: f64) -> std::fmt::Result {
    e.encode_descriptor(name, help, None, MetricType::Gauge)?
        .encode_gauge(&v)
}

fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> std::fmt::Result {
    e.encode_descriptor(name, help, None, MetricType::Counter)?
        .encode_counter::<NoLabelSet, _, u64>(&v, None)
}

fn histogram(
    m: &mut prometheus_client::encoding::MetricEncoder,
    labels: &[(&str, &str)],
    h: &Histogram,
) -> std::fmt::Result {
    let (sum, count, buckets) = h.snapshot();
    m.encode_family(&labels)?
        .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        self.encode_http(&mut e)?;
        self.encode_tiles(&mut e)?;
        self.encode_state(&mut e)
    }
}

impl Scrape {
    fn encode_http(&self, e: &mut DescriptorEncoder) -> std::fmt::Result {
        {
            let mut m = e.encode_descriptor(
                "gridtiles_http_requests",
                "HTTP responses by route template and status code.",
                None,
                MetricType::Counter,
            )?;
            for route in Route::ALL {
                for (code, n) in self.metrics.route(route).counts() {
                    let labels = [("route", route.template()), ("code", code.as_str())];
                    m.encode_family(&labels)?
                        .encode_counter::<NoLabelSet, _, u64>(&n, None)?;
                }
            }
        }
        {
            let mut m = e.encode_descriptor(
                "gridtiles_http_request_duration",
                "Time from request to response head, by route template.",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            for route in Route::ALL {
                let stats = self.metrics.route(route);
                if stats.duration.count() > 0 {
                    histogram(&mut m, &[("route", route.template())], &stats.duration)?;
                }
            }
        }
        gauge(
            e,
            "gridtiles_http_requests_in_flight",
            "Requests being handled.",
            self.metrics.in_flight() as f64,
        )?;
        counter(
            e,
            "gridtiles_http_slow_requests",
            "Requests slower than server.slow_request_ms.",
            self.metrics.slow(),
        )
    }

    fn encode_tiles(&self, e: &mut DescriptorEncoder) -> std::fmt::Result {
        {
            let mut m = e.encode_descriptor(
                "gridtiles_tile_render_duration",
                "Tile generation time (render and gzip) by zoom.",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            let mut z = String::new();
            for (zoom, h) in self.render.used() {
                z.clear();
                write!(z, "{zoom}")?;
                histogram(&mut m, &[("zoom", z.as_str())], h)?;
            }
        }
        let BudgetCuts {
            attributes_cut,
            features_cut,
            still_over,
        } = self.budget;
        counter(
            e,
            "gridtiles_tile_budget_attributes_dropped",
            "Tiles rendered with attributes left out to fit tiles.max_tile_bytes.",
            attributes_cut,
        )?;
        counter(
            e,
            "gridtiles_tile_budget_features_dropped",
            "Tiles rendered with features left out to fit tiles.max_tile_bytes.",
            features_cut,
        )?;
        counter(
            e,
            "gridtiles_tile_budget_exceeded",
            "Tiles over tiles.max_tile_bytes with every cut made (keep_all features alone).",
            still_over,
        )?;
        let c = &self.cache;
        counter(
            e,
            "gridtiles_cache_hits",
            "Tile requests answered from the cache.",
            c.hits,
        )?;
        counter(e, "gridtiles_cache_misses", "Tiles rendered.", c.misses)?;
        counter(
            e,
            "gridtiles_cache_evictions",
            "Tiles evicted to stay within the capacity.",
            c.evictions,
        )?;
        gauge(
            e,
            "gridtiles_cache_bytes",
            "Weighted size of the cached tiles.",
            c.bytes as f64,
        )?;
        gauge(
            e,
            "gridtiles_cache_entries",
            "Tiles cached.",
            c.entries as f64,
        )?;
        gauge(
            e,
            "gridtiles_cache_capacity_bytes",
            "Configured cache capacity (0 = disabled).",
            c.capacity_bytes as f64,
        )
    }

    fn encode_state(&self, e: &mut DescriptorEncoder) -> std::fmt::Result {
        counter(
            e,
            "gridtiles_download_bytes",
            "Body bytes sent by /data/{layer}.fgb (whole files and ranges).",
            self.download_bytes,
        )?;
        counter(
            e,
            "gridtiles_download_builds",
            "FlatGeobuf downloads built (one per layer version).",
            self.download_builds,
        )?;
        gauge(
            e,
            "gridtiles_snapshot_version",
            "Version of the snapshot being served.",
            self.snapshot_version as f64,
        )?;
        gauge(
            e,
            "gridtiles_snapshot_age_seconds",
            "Seconds since the served snapshot was published.",
            self.snapshot_age_s,
        )?;
        gauge(
            e,
            "gridtiles_snapshot_features",
            "Features in the served snapshot.",
            self.snapshot_features as f64,
        )?;
        let db = self.metrics.database();
        gauge(
            e,
            "gridtiles_database_configured",
            "1 when a database source is configured.",
            f64::from(u8::from(db != DbState::None)),
        )?;
        gauge(
            e,
            "gridtiles_database_connected",
            "1 when the database is connected.",
            f64::from(u8::from(db == DbState::Connected)),
        )?;
        gauge(
            e,
            "gridtiles_events_clients",
            "Events (server-sent events) clients connected.",
            self.metrics.events_clients() as f64,
        )?;
        gauge(
            e,
            "gridtiles_draining",
            "1 while shutting down (health answers 503).",
            f64::from(u8::from(self.draining)),
        )?;
        gauge(
            e,
            "gridtiles_uptime_seconds",
            "Seconds since the server started.",
            self.uptime_s,
        )?;
        let mut info = e.encode_descriptor(
            "gridtiles_build",
            "Build information.",
            None,
            MetricType::Info,
        )?;
        info.encode_info(&[("version", env!("CARGO_PKG_VERSION"))])
    }
}
