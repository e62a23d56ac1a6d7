//! Shared by the PostgreSQL tests: a real server (no mocks), one schema per test dropped by
//! a guard (also when the test fails), a server started on it, and tile helpers.
//!
//! The database is `GRIDTILES_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); `./scripts/test.sh` starts PostgreSQL and
//! installs and enables PostGIS first.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use geozero::mvt::{tile, Message, Tile};
use gridtiles::cli::{Cli, Command, ServeArgs};
use gridtiles::http::{router, AppState};
use gridtiles::settings::Config;
use gridtiles::source::postgres::PgConfig;
use gridtiles::tiling::TilingConfig;
use http_body_util::BodyExt;
use tokio_postgres::NoTls;
use tower::ServiceExt;

/// The test database.
pub fn database_url() -> String {
    std::env::var("GRIDTILES_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A connection to the test database (panics with a hint when it is not reachable).
pub async fn connect() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&database_url(), NoTls)
        .await
        .expect("PostgreSQL must be running with PostGIS: run ./scripts/test.sh");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A schema (and LISTEN channel, and application name) of one test; dropped with
/// everything in it when the guard goes out of scope, even on panic.
pub struct TestSchema {
    pub name: String,
}

impl TestSchema {
    /// Creates `gt_<tag>_<pid>_<n>`.
    pub async fn new(tag: &str) -> TestSchema {
        let name = format!(
            "gt_{tag}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let c = connect().await;
        c.batch_execute(&format!(
            "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis; \
             DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .await
        .expect("create test schema");
        TestSchema { name }
    }

    /// The source configuration of this schema: its own channel and application name, a
    /// short debounce.
    pub fn config(&self) -> PgConfig {
        PgConfig {
            url: Some(self.url()),
            schema: self.name.clone(),
            channel: self.name.clone(),
            debounce_ms: 10,
            pool_size: 4,
            reconnect_max_s: 1,
            ..PgConfig::default()
        }
    }

    /// The database URL with this test's application name.
    pub fn url(&self) -> String {
        let base = database_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}application_name={}", self.name)
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop may run inside a runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let c = connect().await;
                let _ = c
                    .batch_execute(&format!(
                        "SET client_min_messages = warning; DROP SCHEMA IF EXISTS {name} CASCADE"
                    ))
                    .await;
            });
        })
        .join();
    }
}

/// `serve` arguments with these extra flags.
pub fn serve_args(extra: &[&str]) -> ServeArgs {
    let mut argv = vec!["gridtiles", "serve"];
    argv.extend_from_slice(extra);
    match Cli::try_parse_from(argv).expect("valid arguments").command {
        Command::Serve(a) => *a,
        _ => unreachable!(),
    }
}

/// The configuration of `serve` with these flags (no file, no environment) and `tiling`.
pub fn config(extra: &[&str], tiling: TilingConfig) -> Config {
    let mut config = serve_args(extra)
        .load(Vec::<(String, String)>::new())
        .expect("valid configuration")
        .config;
    config.tiles = tiling.tiles;
    config.layers = tiling.layers;
    config
}

/// Starts a server state on `cfg` with the live loop running (stopped when the test's
/// runtime ends).
pub async fn start(cfg: PgConfig) -> AppState {
    start_with(cfg, &[]).await.expect("server starts")
}

/// Like [`start`], with extra `serve` flags; the error as text.
pub async fn start_with(cfg: PgConfig, extra: &[&str]) -> Result<AppState, String> {
    start_tiled(cfg, TilingConfig::default(), extra).await
}

/// Like [`start_with`], with a tiling configuration.
pub async fn start_tiled(
    cfg: PgConfig,
    tiling: TilingConfig,
    extra: &[&str],
) -> Result<AppState, String> {
    let config = config(extra, tiling);
    let (state, live) = gridtiles::app::postgres::start(&config, cfg, std::future::pending())
        .await
        .map_err(|e| format!("{e:#}"))?;
    tokio::spawn(live);
    Ok(state)
}

/// A tile response: status, ETag and decoded MVT (empty for 204).
pub struct TileReply {
    pub status: StatusCode,
    pub etag: String,
    pub tile: Tile,
}

/// `GET /tiles/z/x/y.mvt` (identity encoding) through the router.
pub async fn get_tile(state: &AppState, z: u8, x: u32, y: u32) -> TileReply {
    let req = Request::get(format!("/tiles/{z}/{x}/{y}.mvt"))
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let etag = res
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    TileReply {
        status,
        etag,
        tile: Tile::decode(&body[..]).expect("MVT decodes"),
    }
}

/// The tile containing lon/lat at zoom `z`.
pub fn tile_at(lon: f64, lat: f64, z: u8) -> (u8, u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let r = lat.to_radians();
    let y =
        ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (z, x, y)
}

/// The features of layer `name` in a decoded tile.
pub fn features<'a>(t: &'a Tile, name: &str) -> Vec<(&'a tile::Layer, &'a tile::Feature)> {
    t.layers
        .iter()
        .filter(|l| l.name == name)
        .flat_map(|l| l.features.iter().map(move |f| (l, f)))
        .collect()
}

/// Attribute `key` of a feature as a display string (`None` if absent).
pub fn attr(l: &tile::Layer, f: &tile::Feature, key: &str) -> Option<String> {
    f.tags.chunks(2).find_map(|kv| {
        if l.keys[kv[0] as usize] != key {
            return None;
        }
        let v = &l.values[kv[1] as usize];
        Some(if let Some(s) = &v.string_value {
            s.clone()
        } else if let Some(d) = v.double_value {
            d.to_string()
        } else if let Some(i) = v.sint_value.or(v.int_value) {
            i.to_string()
        } else if let Some(b) = v.bool_value {
            b.to_string()
        } else {
            format!("{v:?}")
        })
    })
}

/// Polls `check` every 10 ms until it holds or `limit` passes; returns the time it took.
pub async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}
