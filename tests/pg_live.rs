//! Live updates from PostgreSQL (real server): a row changes, the tiles change within a
//! second, exactly the affected cached tiles are invalidated, and the change stream says so.

mod pg_common;

use std::time::Duration;

use gridtiles::http::AppState;
use gridtiles::index::ChangeKind;
use gridtiles::source::postgres::admin::schema;
use pg_common::*;

/// The near feeder runs east from here; the far one is ~150 km away.
const NEAR: (f64, f64) = (-95.37, 29.76);
const FAR: (f64, f64) = (-94.0, 30.5);
const LIMIT: Duration = Duration::from_secs(1);

/// A reference schema with two substations, two feeders of 10 and 3 segments, and poles.
async fn grid(s: &TestSchema) -> tokio_postgres::Client {
    schema::init(&s.config()).await.unwrap();
    let c = connect().await;
    let n = &s.name;
    let (x0, y0) = NEAR;
    let (x1, y1) = FAR;
    c.batch_execute(&format!(
        "INSERT INTO {n}.substations (id, name, geom) VALUES
             (1, 'Near', ST_SetSRID(ST_MakePoint({x0}, {y0}), 4326)),
             (2, 'Far', ST_SetSRID(ST_MakePoint({x1}, {y1}), 4326));
         INSERT INTO {n}.feeders (id, name, substation_id) VALUES (100, 'N1', 1), (200, 'F1', 2);
         INSERT INTO {n}.feeder_segments (id, feeder_id, status, geom)
             SELECT 1000 + k, 100, 'energized', ST_SetSRID(ST_MakeLine(
                 ST_MakePoint({x0} + 0.001 * (k - 1), {y0}), ST_MakePoint({x0} + 0.001 * k, {y0})), 4326)
             FROM generate_series(1, 10) k;
         INSERT INTO {n}.feeder_segments (id, feeder_id, status, geom)
             SELECT 2000 + k, 200, 'energized', ST_SetSRID(ST_MakeLine(
                 ST_MakePoint({x1} + 0.001 * (k - 1), {y1}), ST_MakePoint({x1} + 0.001 * k, {y1})), 4326)
             FROM generate_series(1, 3) k;
         INSERT INTO {n}.poles (id, feeder_id, status, health_score, geom)
             SELECT 3000 + k, 100, 'energized', 0.9, ST_SetSRID(ST_MakePoint({x0} + 0.001 * k, {y0}), 4326)
             FROM generate_series(1, 10) k;"
    ))
    .await
    .unwrap();
    c
}

/// The status attribute of feeder feature `id` in tile (z, x, y), if drawn there.
async fn feeder_status(state: &AppState, t: (u8, u32, u32), id: u64) -> Option<String> {
    let r = get_tile(state, t.0, t.1, t.2).await;
    features(&r.tile, "feeders")
        .into_iter()
        .find(|(_, f)| f.id == Some(id))
        .and_then(|(l, f)| attr(l, f, "status"))
}

/// The geometry commands of feeder feature `id` in a tile.
async fn feeder_geometry(state: &AppState, t: (u8, u32, u32), id: u64) -> Vec<Vec<u32>> {
    let r = get_tile(state, t.0, t.1, t.2).await;
    features(&r.tile, "feeders")
        .into_iter()
        .filter(|(_, f)| f.id == Some(id))
        .map(|(_, f)| f.geometry.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_geometry_updates_show_at_every_zoom_and_spare_other_tiles() {
    let s = TestSchema::new("live").await;
    let c = grid(&s).await;
    let state = start(s.config()).await;
    let n = &s.name;
    // Segment 1005 runs from +0.004 to +0.005 east of NEAR.
    let mid = (NEAR.0 + 0.0045, NEAR.1);
    let near: Vec<_> = [10, 14, 16].map(|z| tile_at(mid.0, mid.1, z)).into();
    let far: Vec<_> = [10, 14, 16]
        .map(|z| tile_at(FAR.0 + 0.0015, FAR.1, z))
        .into();
    let mut far_tags = Vec::new();
    for &t in near.iter().chain(&far) {
        let r = get_tile(&state, t.0, t.1, t.2).await;
        assert_eq!(r.status, 200, "tile {t:?} has data");
        far_tags.push(r.etag);
    }
    let far_tags = far_tags.split_off(3);
    let near_z16_before = get_tile(&state, near[2].0, near[2].1, near[2].2).await.etag;

    // Status: spans at z14/z16, the merged feeder (id 100) at z10, where 500 m of
    // de-energized line (3 pixels) is drawn as its own group.
    c.execute(
        &format!(
            "UPDATE {n}.feeder_segments SET status = 'de-energized' WHERE id BETWEEN 1003 AND 1007"
        ),
        &[],
    )
    .await
    .unwrap();
    let took = within(LIMIT, || async {
        feeder_status(&state, near[2], 1005).await.as_deref() == Some("de-energized")
            && feeder_status(&state, near[1], 1005).await.as_deref() == Some("de-energized")
            && {
                let r = get_tile(&state, near[0].0, near[0].1, near[0].2).await;
                features(&r.tile, "feeders").iter().any(|(l, f)| {
                    f.id == Some(100) && attr(l, f, "status").as_deref() == Some("de-energized")
                })
            }
    })
    .await
    .expect("status change visible at z10, z14 and z16 within 1 s");
    println!("status update visible after {took:?}");
    let after = get_tile(&state, near[2].0, near[2].1, near[2].2).await.etag;
    assert_ne!(after, near_z16_before, "the changed tile has a new ETag");

    // Unaffected tiles are still cached: same ETag, no render.
    let misses = state.cache().stats().misses;
    for (t, tag) in far.iter().zip(&far_tags) {
        assert_eq!(
            &get_tile(&state, t.0, t.1, t.2).await.etag,
            tag,
            "tile {t:?}"
        );
    }
    assert_eq!(
        state.cache().stats().misses,
        misses,
        "far tiles served from the cache"
    );

    // Geometry: the segment's end moves north.
    let before: Vec<_> = [
        feeder_geometry(&state, near[2], 1005).await,
        feeder_geometry(&state, near[1], 1005).await,
        feeder_geometry(&state, near[0], 100).await,
    ]
    .into();
    c.execute(
        &format!(
            "UPDATE {n}.feeder_segments SET geom = ST_SetSRID(ST_MakeLine(
                 ST_MakePoint({x} + 0.004, {y}), ST_MakePoint({x} + 0.0045, {y} + 0.002)), 4326)
             WHERE id = 1005",
            x = NEAR.0,
            y = NEAR.1
        ),
        &[],
    )
    .await
    .unwrap();
    let took = within(LIMIT, || async {
        feeder_geometry(&state, near[2], 1005).await != before[0]
            && feeder_geometry(&state, near[1], 1005).await != before[1]
            && feeder_geometry(&state, near[0], 100).await != before[2]
    })
    .await
    .expect("geometry change visible at z10, z14 and z16 within 1 s");
    println!("geometry update visible after {took:?}");
    let misses = state.cache().stats().misses;
    for (t, tag) in far.iter().zip(&far_tags) {
        assert_eq!(
            &get_tile(&state, t.0, t.1, t.2).await.etag,
            tag,
            "tile {t:?}"
        );
    }
    assert_eq!(state.cache().stats().misses, misses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_and_deletes_show_and_the_change_stream_reports_them() {
    let s = TestSchema::new("insdel").await;
    let c = grid(&s).await;
    let state = start(s.config()).await;
    let mut events = state.subscribe_changes();
    let n = &s.name;
    let spot = (NEAR.0 + 0.0025, NEAR.1 + 0.0005);
    let t16 = tile_at(spot.0, spot.1, 16);
    let has_pole = |id: u64| {
        let state = state.clone();
        async move {
            let r = get_tile(&state, t16.0, t16.1, t16.2).await;
            features(&r.tile, "poles")
                .iter()
                .any(|(_, f)| f.id == Some(id))
        }
    };
    assert!(!has_pole(3999).await);
    c.execute(
        &format!(
            "INSERT INTO {n}.poles (id, feeder_id, status, health_score, geom)
             VALUES (3999, 100, 'energized', 0.7, ST_SetSRID(ST_MakePoint($1, $2), 4326))"
        ),
        &[&spot.0, &spot.1],
    )
    .await
    .unwrap();
    within(LIMIT, || has_pole(3999))
        .await
        .expect("insert visible within 1 s");
    let ev = events.recv().await.unwrap();
    let ch = ev.changes.iter().find(|c| c.id == 3999).expect("reported");
    assert_eq!(
        (ch.kind, ch.geometry_changed, ch.layer.as_str()),
        (ChangeKind::Insert, true, "poles")
    );
    assert_eq!(ch.attributes["health_score"], 0.7);
    let tile = gridtiles::tiles::TileCoord {
        z: t16.0,
        x: t16.1,
        y: t16.2,
    };
    assert!(ev.invalidated_tiles.contains(&tile));
    assert!(!ev.tiles_incomplete);

    // An attribute-only change: reported without a geometry change.
    c.execute(
        &format!("UPDATE {n}.poles SET health_score = 0.1 WHERE id = 3999"),
        &[],
    )
    .await
    .unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.changes.len(), 1);
    assert_eq!(
        (ev.changes[0].kind, ev.changes[0].geometry_changed),
        (ChangeKind::Update, false)
    );
    assert_eq!(ev.changes[0].attributes["health_score"], 0.1);
    assert_eq!(state.source_status().last_change_version, ev.version);

    c.execute(&format!("DELETE FROM {n}.poles WHERE id = 3999"), &[])
        .await
        .unwrap();
    within(LIMIT, || async { !has_pole(3999).await })
        .await
        .expect("delete visible within 1 s");
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.changes[0].kind, ChangeKind::Delete);
    assert!(ev.invalidated_tiles.contains(&tile));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_touching_many_rows_stay_within_the_payload_limit() {
    let s = TestSchema::new("bulk").await;
    let c = grid(&s).await;
    let state = start(s.config()).await;
    let mut events = state.subscribe_changes();
    let n = &s.name;
    // 300 rows: two chunked notices, applied as one batch or two.
    c.batch_execute(&format!(
        "INSERT INTO {n}.poles (id, feeder_id, status, geom)
         SELECT 10000 + k, 100, 'new', ST_SetSRID(ST_MakePoint({x} + k * 1e-5, {y} - 0.001), 4326)
         FROM generate_series(1, 300) k",
        x = NEAR.0,
        y = NEAR.1
    ))
    .await
    .unwrap();
    let mut seen = 0;
    while seen < 300 {
        let ev = tokio::time::timeout(LIMIT, events.recv())
            .await
            .expect("event")
            .unwrap();
        seen += ev
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Insert)
            .count();
    }
    assert_eq!(seen, 300);
    // 6000 rows: one "everything in this table" notice, a whole-layer reload.
    c.batch_execute(&format!(
        "INSERT INTO {n}.poles (id, feeder_id, status, geom)
         SELECT 20000 + k, 100, 'bulk', ST_SetSRID(ST_MakePoint({x} + k * 1e-6, {y} + 0.01), 4326)
         FROM generate_series(1, 6000) k",
        x = NEAR.0,
        y = NEAR.1
    ))
    .await
    .unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(3), events.recv())
        .await
        .expect("event")
        .unwrap();
    assert_eq!(ev.changes.len(), 6000);
    assert_eq!(
        state.snapshot_arc().layer("poles").unwrap().features.len(),
        10 + 300 + 6000
    );
}
