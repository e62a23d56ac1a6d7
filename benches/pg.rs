//! The PostgreSQL source, measured against a real local server:
//! 1. load time into a ready snapshot, PostgreSQL (binary COPY, parallel layers) next to
//!    FlatGeobuf files, for each demo scale given (default 1 and 10);
//! 2. update-to-visible latency at the first scale: 1,000 successive single-row updates of
//!    poles (alternating an attribute and a position), each timed from its COMMIT to the
//!    first tile request (in process, through the router) that returns the new content.
//!
//! ```text
//! cargo bench --bench pg              # scales 1 and 10
//! cargo bench --bench pg -- 1         # scale 1 only
//! GRIDTILES_BENCH_DATABASE_URL=postgres://… cargo bench --bench pg
//! ```
//! Needs PostgreSQL with PostGIS (`./scripts/test.sh` sets it up); skipped without it.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use clap::Parser;
use geozero::mvt::{Message, Tile};
use gridtiles::cli::{Cli, Command};
use gridtiles::http::{router, AppState};
use gridtiles::index::SnapshotBuilder;
use gridtiles::mercator::lonlat_to_world;
use gridtiles::source::demo::{generate, DemoParams, POLE_ID};
use gridtiles::source::file::{self, LoadOptions};
use gridtiles::source::postgres::admin::{copy_in, schema};
use gridtiles::source::postgres::load::PgSource;
use gridtiles::source::postgres::PgConfig;
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use tower::ServiceExt;

const UPDATES: usize = 1000;

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("pg: run with `cargo bench --bench pg`");
        return;
    }
    let mut scales: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if scales.is_empty() {
        scales = vec![1.0, 10.0];
    }
    let url = std::env::var("GRIDTILES_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .is_err()
    {
        println!("pg: no PostgreSQL at {url}: skipped (run ./scripts/test.sh first)");
        return;
    }
    println!("scale  features   fgb_load_s  pg_load_s  (db load_s)");
    for (i, &scale) in scales.iter().enumerate() {
        let cfg = PgConfig {
            url: Some(url.clone()),
            schema: format!("bench_pg_{}", scale.to_string().replace('.', "_")),
            channel: "gridtiles_bench".to_owned(),
            ..PgConfig::default()
        };
        let layers = generate(&DemoParams { seed: 1, scale });
        let features: usize = layers.iter().map(|l| l.features.len()).sum();
        let dir = tempfile::tempdir().expect("temp dir");
        file::write_dir(dir.path(), &layers).expect("write FlatGeobuf");
        schema::init(&cfg).await.expect("db init");
        let t = Instant::now();
        copy_in::load(&cfg, &layers).await.expect("db load");
        let db_load_s = t.elapsed().as_secs_f64();
        drop(layers);
        let (mut fgb, mut pg) = (f64::MAX, f64::MAX);
        for _ in 0..2 {
            let t = Instant::now();
            let loaded = file::load_dir(dir.path(), LoadOptions::default()).expect("load fgb");
            let snap = SnapshotBuilder::default()
                .build(loaded.layers, 1)
                .expect("build");
            fgb = fgb.min(t.elapsed().as_secs_f64());
            drop(snap);
            let t = Instant::now();
            let src = PgSource::connect(cfg.clone()).await.expect("connect");
            let layers = src.load_all().await.expect("load pg");
            let snap =
                tokio::task::spawn_blocking(move || SnapshotBuilder::default().build(layers, 1))
                    .await
                    .unwrap()
                    .expect("build");
            pg = pg.min(t.elapsed().as_secs_f64());
            drop(snap);
        }
        println!("{scale:>5} {features:>9} {fgb:>12.2} {pg:>10.2}  ({db_load_s:.1})");
        if i == 0 {
            latency(cfg.clone()).await;
        }
        let c = connect(&url).await;
        let _ = c
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", cfg.schema))
            .await;
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    c
}

/// 1,000 single-row updates, each timed from COMMIT to the first tile showing it.
async fn latency(cfg: PgConfig) {
    let config = match Cli::try_parse_from(["gridtiles", "serve"]).unwrap().command {
        Command::Serve(a) => a.load(Vec::<(String, String)>::new()).unwrap().config,
        _ => unreachable!(),
    };
    let debounce = cfg.debounce_ms;
    let url = cfg.url.clone().unwrap_or_default();
    let schema = cfg.schema.clone();
    let (state, live) = gridtiles::app::postgres::start(&config, cfg, std::future::pending())
        .await
        .expect("server starts");
    tokio::spawn(live);
    let poles = state
        .snapshot_arc()
        .layer("poles")
        .map_or(0, |l| l.features.len());
    let c = connect(&url).await;
    let set_health = c
        .prepare(&format!(
            "UPDATE {schema}.poles SET health_score = $1 WHERE id = $2"
        ))
        .await
        .unwrap();
    let set_geom = c
        .prepare(&format!(
            "UPDATE {schema}.poles SET geom = ST_SetSRID(ST_MakePoint($1, $2), 4326) WHERE id = $3"
        ))
        .await
        .unwrap();
    let position = c
        .prepare(&format!(
            "SELECT ST_X(geom), ST_Y(geom) FROM {schema}.poles WHERE id = $1"
        ))
        .await
        .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (mut attr_ms, mut geom_ms) = (Vec::new(), Vec::new());
    for i in 0..UPDATES {
        let id = POLE_ID + rng.random_range(0..poles as u64);
        let row = c.query_one(&position, &[&(id as i64)]).await.unwrap();
        let (lon, lat): (f64, f64) = (row.get(0), row.get(1));
        if i % 2 == 0 {
            let value = 0.5 + i as f64 * 1e-4;
            let tile = tile_of(lon, lat);
            fetch(&state, tile).await; // cached before the change, as in a live map
            c.execute(&set_health, &[&value, &(id as i64)])
                .await
                .unwrap();
            let t = Instant::now();
            wait(|| async { health_of(&fetch(&state, tile).await, id) == Some(value) }).await;
            attr_ms.push(t.elapsed().as_secs_f64() * 1e3);
        } else {
            let (x, y) = (lon + 2e-5, lat + 1e-5);
            let tile = tile_of(x, y);
            fetch(&state, tile).await;
            c.execute(&set_geom, &[&x, &y, &(id as i64)]).await.unwrap();
            let t = Instant::now();
            let want = point_in_tile(x, y, tile);
            wait(|| async { point_of(&fetch(&state, tile).await, id) == Some(want) }).await;
            geom_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mut all: Vec<f64> = attr_ms.iter().chain(&geom_ms).copied().collect();
    println!(
        "update-to-visible latency, {UPDATES} single-row updates of poles, debounce {debounce} ms:"
    );
    for (name, v) in [
        ("attribute", &mut attr_ms),
        ("position", &mut geom_ms),
        ("all", &mut all),
    ] {
        v.sort_by(f64::total_cmp);
        let pct = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        println!(
            "  {name:>9}: p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms",
            pct(0.5),
            pct(0.99),
            v[v.len() - 1]
        );
    }
}

/// Polls `check` (1 ms apart) until it holds; gives up after 10 s.
async fn wait<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "update not visible after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

const Z: u8 = 16;

fn tile_of(lon: f64, lat: f64) -> (u32, u32) {
    let w = lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << Z);
    ((w[0] * n) as u32, (w[1] * n) as u32)
}

/// The MVT point (tile units) of lon/lat in `tile`.
fn point_in_tile(lon: f64, lat: f64, tile: (u32, u32)) -> (i64, i64) {
    let w = lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << Z);
    let x = ((w[0] * n - f64::from(tile.0)) * 4096.0).round() as i64;
    let y = ((w[1] * n - f64::from(tile.1)) * 4096.0).round() as i64;
    (x, y)
}

async fn fetch(state: &AppState, (x, y): (u32, u32)) -> Tile {
    let req = Request::get(format!("/tiles/{Z}/{x}/{y}.mvt"))
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Tile::decode(&body[..]).expect("MVT")
}

fn pole(t: &Tile, id: u64) -> Option<(&geozero::mvt::tile::Layer, &geozero::mvt::tile::Feature)> {
    t.layers
        .iter()
        .filter(|l| l.name == "poles")
        .find_map(|l| l.features.iter().find(|f| f.id == Some(id)).map(|f| (l, f)))
}

fn health_of(t: &Tile, id: u64) -> Option<f64> {
    let (l, f) = pole(t, id)?;
    f.tags.chunks(2).find_map(|kv| {
        (l.keys[kv[0] as usize] == "health_score").then(|| l.values[kv[1] as usize].double_value)?
    })
}

fn point_of(t: &Tile, id: u64) -> Option<(i64, i64)> {
    let (_, f) = pole(t, id)?;
    let zz = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
    match f.geometry.as_slice() {
        [9, x, y] => Some((zz(*x), zz(*y))),
        _ => None,
    }
}
