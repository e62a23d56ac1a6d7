//! The shipped `config/postgres.example.toml` on the legacy tables it describes (assets with
//! lon/lat columns, connections, live circuit status, substations in EPSG:3857): it loads,
//! and changes to any watched table show in the tiles.

mod pg_common;

use std::time::Duration;

use gridtiles::source::postgres::admin::schema;
use gridtiles::source::postgres::PgConfig;
use pg_common::*;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/postgres.example.toml");

/// Span `id`'s status and geometry in the z16 tile at lon/lat.
async fn span(
    state: &gridtiles::http::AppState,
    at: (f64, f64),
    id: u64,
) -> Option<(String, Vec<u32>)> {
    let (z, x, y) = tile_at(at.0, at.1, 16);
    let t = get_tile(state, z, x, y).await;
    features(&t.tile, "feeders")
        .into_iter()
        .find(|(_, f)| f.id == Some(id))
        .map(|(l, f)| (attr(l, f, "status").unwrap_or_default(), f.geometry.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_config_serves_the_legacy_tables_live() {
    let s = TestSchema::new("example").await;
    let n = &s.name;
    let c = connect().await;
    c.batch_execute(&format!(
        "CREATE TABLE {n}.substations (substation_id bigint PRIMARY KEY, name text,
             voltage_kv numeric, status text, location geometry(Point, 3857));
         CREATE TABLE {n}.grid_assets_cache (asset_id bigint PRIMARY KEY, asset_type text,
             longitude numeric(10,6), latitude numeric(10,6), circuit_id bigint, status text,
             health_score real, switch_state text);
         CREATE TABLE {n}.topology_connections_cache (connection_id bigint PRIMARY KEY,
             circuit_id bigint, from_asset_id bigint, to_asset_id bigint);
         CREATE TABLE {n}.circuit_status_realtime (circuit_id bigint PRIMARY KEY, status text);
         -- Ids are unique across the served layers (assets are 1..10).
         INSERT INTO {n}.substations VALUES (1000, 'Midtown', 138, 'energized',
             ST_Transform(ST_SetSRID(ST_MakePoint(-95.37, 29.76), 4326), 3857));
         INSERT INTO {n}.grid_assets_cache
             SELECT k, CASE WHEN k = 5 THEN 'switch' ELSE 'pole' END, -95.37 + k * 0.001, 29.76,
                    1, 'energized', 0.9, 'closed'
             FROM generate_series(1, 10) k;
         INSERT INTO {n}.topology_connections_cache
             SELECT 100 + k, 1, k, k + 1 FROM generate_series(1, 9) k;
         INSERT INTO {n}.circuit_status_realtime VALUES (1, 'energized');"
    ))
    .await
    .unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let mut cfg = PgConfig::from_toml(&text).unwrap().expect("has [postgres]");
    let test = s.config();
    // The example's SQL names tables without a schema: resolve them in the test schema.
    cfg.url = Some(format!("{}&options=-c%20search_path%3D{n},public", s.url()));
    cfg.schema = test.schema;
    cfg.channel = test.channel;
    cfg.debounce_ms = 10;
    schema::triggers(&cfg).await.unwrap();
    let tiling = gridtiles::settings::Config::load(
        Some(std::path::Path::new(EXAMPLE)),
        Vec::<(String, String)>::new(),
    )
    .unwrap()
    .config
    .tiling();
    let state = start_tiled(cfg, tiling, &[]).await.unwrap();
    let snap = state.snapshot_arc();
    let count = |l: &str| snap.layer(l).map_or(0, |l| l.features.len());
    assert_eq!(
        [
            count("substations"),
            count("feeders"),
            count("poles"),
            count("switches")
        ],
        [1, 9, 9, 1]
    );
    let mid = (-95.37 + 0.0035, 29.76); // span 103 runs from asset 3 to asset 4
    let (status, before) = span(&state, mid, 103).await.expect("span drawn");
    assert_eq!(status, "energized");

    // The live circuit status: every span of the circuit.
    c.execute(
        &format!(
            "UPDATE {n}.circuit_status_realtime SET status = 'de-energized' WHERE circuit_id = 1"
        ),
        &[],
    )
    .await
    .unwrap();
    let seen = within(Duration::from_secs(1), || async {
        span(&state, mid, 103)
            .await
            .is_some_and(|(s, _)| s == "de-energized")
    });
    assert!(seen.await.is_some(), "circuit status change visible");

    // An asset moves: the pole and both spans ending at it.
    c.execute(
        &format!("UPDATE {n}.grid_assets_cache SET latitude = 29.7605 WHERE asset_id = 4"),
        &[],
    )
    .await
    .unwrap();
    let seen = within(Duration::from_secs(1), || async {
        span(&state, mid, 103)
            .await
            .is_some_and(|(_, g)| g != before)
    });
    assert!(seen.await.is_some(), "span geometry follows its end asset");
}
