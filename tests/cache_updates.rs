//! The tile cache across live updates: exact invalidation keeps unaffected tiles cached, ETags
//! of changed tiles change, and a render of the old snapshot that finishes after an
//! invalidation is never cached.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use geo_types::{Geometry, Point};
use gridtiles::cache::TileCache;
use gridtiles::http::{AppState, Settings};
use gridtiles::index::{ChangeSet, Invalidation, LayerChanges, Snapshot};
use gridtiles::model::{Feature, Value};
use gridtiles::tiles::{render_tile, LayerSelection, RenderError, RenderedTile, TileCoord};

const GZIP: (&str, &str) = ("accept-encoding", "gzip");

/// A z14 tile far from the fixture (empty, but cached like any other).
const FAR_TILE: &str = "/tiles/14/3000/6000.mvt";

fn pole_attribute_change(snapshot: &Snapshot, height: f64) -> ChangeSet {
    let poles = snapshot.layer("poles").unwrap();
    let f = poles.feature(1000).unwrap();
    let (lon, lat) = gridtiles::mercator::world_to_lonlat(match &f.geometry {
        gridtiles::index::WorldGeometry::Points(p) => p[0],
        _ => unreachable!(),
    });
    ChangeSet {
        layers: BTreeMap::from([(
            "poles".to_owned(),
            LayerChanges {
                upserts: vec![Feature {
                    id: 1000,
                    geometry: Geometry::Point(Point::new(lon, lat)),
                    properties: vec![Some(Value::Float(height)), Some(Value::Bool(true))],
                }],
                ..LayerChanges::default()
            },
        )]),
    }
}

#[tokio::test]
async fn an_update_keeps_unaffected_tiles_and_changes_the_etag_of_affected_ones() {
    let state = AppState::new(snapshot(1), TileCache::new(16 << 20), Settings::default());
    let mut events = state.subscribe_changes();
    let near = get(&state, Z14_TILE, &[GZIP]).await;
    let far = get(&state, FAR_TILE, &[GZIP]).await;
    assert_eq!(near.status, 200);
    let before = state.cache().stats();
    let snap = state.snapshot_arc();
    let update = snap.apply(pole_attribute_change(&snap, 20.0), 2).unwrap();
    let event = state.publish_update(update, false);
    assert_eq!(event.version, 2);
    assert!(event
        .invalidated_tiles
        .iter()
        .any(|t| t.to_string() == "14/3851/6772"));
    assert_eq!(events.recv().await.unwrap().version, 2);
    let far2 = get(&state, FAR_TILE, &[GZIP]).await;
    assert_eq!(
        far2.header("etag"),
        far.header("etag"),
        "unaffected tile kept"
    );
    let after = state.cache().stats();
    assert_eq!(after.misses, before.misses, "served from the cache");
    let near2 = get(&state, Z14_TILE, &[GZIP]).await;
    assert_ne!(near2.header("etag"), near.header("etag"));
    assert!(near2.header("etag").starts_with("\"v2-"));
    assert_eq!(state.cache().stats().misses, before.misses + 1);
    let r = get(
        &state,
        Z14_TILE,
        &[GZIP, ("if-none-match", near.header("etag"))],
    )
    .await;
    assert_eq!(r.status, 200, "the old ETag no longer validates");
}

#[tokio::test]
async fn a_layer_subset_survives_a_change_to_another_layer() {
    let state = AppState::new(snapshot(1), TileCache::new(16 << 20), Settings::default());
    let uri = format!("{Z14_TILE}?layers=feeders");
    let a = get(&state, &uri, &[GZIP]).await;
    let snap = state.snapshot_arc();
    state.publish_update(
        snap.apply(pole_attribute_change(&snap, 21.0), 2).unwrap(),
        false,
    );
    let misses = state.cache().stats().misses;
    let b = get(&state, &uri, &[GZIP]).await;
    assert_eq!(a.header("etag"), b.header("etag"));
    assert_eq!(state.cache().stats().misses, misses);
}

/// Held by the test while a render must not finish.
static HOLD: Mutex<()> = Mutex::new(());

fn held_render(
    s: &Snapshot,
    t: TileCoord,
    l: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    drop(HOLD.lock().unwrap_or_else(|e| e.into_inner()));
    render_tile(s, t, l)
}

// The std mutex is held across awaits on purpose: it stalls the renderer's blocking thread.
#[allow(clippy::await_holding_lock)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_render_of_the_old_snapshot_is_not_cached_after_an_invalidation() {
    let cache = Arc::new(TileCache::with_renderer(16 << 20, held_render));
    let old = Arc::new(snapshot(1));
    let tile = TileCoord {
        z: 14,
        x: 3851,
        y: 6772,
    };
    let hold = HOLD.lock().unwrap();
    let slow = {
        let (cache, old) = (Arc::clone(&cache), Arc::clone(&old));
        tokio::spawn(async move { cache.get(&old, tile, LayerSelection::All).await })
    };
    // Let the render start and block, then invalidate the tile for version 2.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let update = old.apply(pole_attribute_change(&old, 30.0), 2).unwrap();
    assert!(update
        .invalidation
        .touches(&LayerSelection::All, tile, false));
    cache.invalidate(2, &Arc::new(update.invalidation));
    drop(hold);
    let stale = slow.await.unwrap().unwrap();
    assert_eq!(
        stale.version(),
        1,
        "the old request gets its own snapshot's tile"
    );
    let new = Arc::new(update.snapshot);
    let fresh = cache.get(&new, tile, LayerSelection::All).await.unwrap();
    assert_eq!(fresh.version(), 2, "the stale render was not cached");
    assert_eq!(cache.stats().misses, 2);
    // And an invalidation with nothing in it leaves the cache alone.
    assert_eq!(cache.invalidate(3, &Arc::new(Invalidation::new(3, 16))), 0);
    let again = cache.get(&new, tile, LayerSelection::All).await.unwrap();
    assert_eq!(again.version(), 2);
    assert_eq!(cache.stats().misses, 2);
}

#[tokio::test]
async fn a_full_publish_drops_everything() {
    let state = fake_state();
    let a = get(&state, FAR_TILE, &[GZIP]).await;
    state.publish(snapshot(2));
    let b = get(&state, FAR_TILE, &[GZIP]).await;
    assert_ne!(a.header("etag"), b.header("etag"));
    assert!(b.header("etag").starts_with("\"v2-"));
}
