//! `/api/kpi` latency for the default period (the last 365 days), `by=feeder`,
//! `exclude_med=true`, on the demo grid at scale 1 (~600 feeders, three synthetic years):
//!
//! - `kpi/per_event`: the per-event reference ([`report`] + [`breakdown`] over every event
//!   of the history: what the handler did before the per-day index);
//! - `kpi/per_day`: the handler's core now ([`synthetic_kpi`]: whole days from the per-day
//!   index built once per snapshot, partial days aggregated per call);
//! - `kpi/route_memory`: the whole route through the router (query parsing, blocking pool,
//!   JSON); `kpi/route_memory_system` without `by` (no group list);
//! - `kpi/route_postgres`: the same route served from PostgreSQL after `db load` of the same
//!   grid and its three outage years (skipped without a database).
//!
//! ```text
//! cargo bench --bench kpi
//! GRIDTILES_BENCH_DATABASE_URL=postgres://… cargo bench --bench kpi
//! ```

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{criterion_group, criterion_main, Criterion};
use gridtiles::analytics::outage_history::History;
use gridtiles::analytics::time::now;
use gridtiles::analytics::time::{DAY_S, HOUSTON_UTC_OFFSET_S};
use gridtiles::analytics::{breakdown, report, GroupBy, KpiConfig, Period};
use gridtiles::cache::TileCache;
use gridtiles::http::api::history_source::synthetic_kpi;
use gridtiles::http::{router, App, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::source::postgres::admin::history_rows::HistoryOptions;
use gridtiles::source::postgres::admin::{copy_in, schema};
use gridtiles::source::postgres::PgConfig;
use tower::ServiceExt;

const URI: &str = "/api/kpi?by=feeder&exclude_med=true";
/// The same without the 401 groups (what their JSON costs).
const URI_SYSTEM: &str = "/api/kpi?exclude_med=true";

async fn get(app: &App) {
    get_uri(app, URI).await
}

async fn get_uri(app: &App, uri: &str) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let _ = http_body_util::BodyExt::collect(res.into_body()).await;
}

fn kpi(c: &mut Criterion) {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 1.0,
    });
    let snap = SnapshotBuilder::default().build(layers.clone(), 1).unwrap();
    let t = now();
    let h = History::synthetic(&snap, t);
    let q: HashMap<String, String> = [("by", "feeder"), ("exclude_med", "true")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let cfg = KpiConfig {
        period: Period {
            start: t - 365 * DAY_S,
            end: t,
        },
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
        t_med_override: None,
    };
    println!(
        "{} events over {} feeders",
        h.events.len(),
        h.base.by_feeder.len()
    );
    let mut g = c.benchmark_group("kpi");
    g.bench_function("per_event", |b| {
        b.iter(|| {
            let rep = report(&h.events, &h.base, &cfg);
            let groups = breakdown(&h.events, &h.base, &cfg, GroupBy::Feeder);
            (rep, groups)
        })
    });
    g.bench_function("per_day", |b| {
        b.iter(|| synthetic_kpi(&h, &q, t).map(|k| k.groups.len()))
    });
    g.bench_function("load_mw", |b| {
        b.iter(|| gridtiles::analytics::load::total_load_mw(&snap))
    });
    g.bench_function("active_outages", |b| {
        b.iter(|| {
            gridtiles::analytics::active_outages(
                &h.feeders,
                t,
                &gridtiles::analytics::ActiveParams::default(),
            )
            .len()
        })
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let state = AppState::new(snap, TileCache::new(1 << 20), Settings::default());
    let app = router(state);
    rt.block_on(get(&app)); // builds the history once
    g.bench_function("route_memory", |b| b.iter(|| rt.block_on(get(&app))));
    g.bench_function("route_memory_system", |b| {
        b.iter(|| rt.block_on(get_uri(&app, URI_SYSTEM)))
    });
    // `cargo test --benches` runs each routine once: no database load then.
    let benching = std::env::args().any(|a| a == "--bench");
    if let Some((pg, cfg)) = benching
        .then(|| rt.block_on(postgres_state(&layers)))
        .flatten()
    {
        g.bench_function("route_postgres", |b| b.iter(|| rt.block_on(get(&pg))));
        rt.block_on(drop_schema(&cfg));
    }
    g.finish();
}

/// A server on PostgreSQL with the grid and its outage years loaded; `None` without a
/// database.
async fn postgres_state(layers: &[gridtiles::model::LayerData]) -> Option<(App, PgConfig)> {
    let url = std::env::var("GRIDTILES_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .is_err()
    {
        println!("kpi: no PostgreSQL at {url}: route_postgres skipped");
        return None;
    }
    let cfg = PgConfig {
        url: Some(url),
        schema: "bench_kpi".to_owned(),
        channel: "gridtiles_bench_kpi".to_owned(),
        ..PgConfig::default()
    };
    schema::init(&cfg).await.expect("db init");
    let opts = HistoryOptions {
        outage_years: 3,
        ami_days: 0,
        ami_meters: 0,
        now: now(),
    };
    copy_in::load_with_history(&cfg, layers, Some(&opts))
        .await
        .expect("db load");
    let mut config = gridtiles::settings::Config::default();
    config.server.cache_mb = 1;
    let (state, live) =
        gridtiles::app::postgres::start(&config, cfg.clone(), std::future::pending())
            .await
            .expect("server on PostgreSQL");
    tokio::spawn(live);
    let app = router(state);
    get(&app).await;
    Some((app, cfg))
}

async fn drop_schema(cfg: &PgConfig) {
    let url = cfg.url.clone().unwrap_or_default();
    if let Ok((c, conn)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = c
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", cfg.schema))
            .await;
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = kpi
}
criterion_main!(benches);
