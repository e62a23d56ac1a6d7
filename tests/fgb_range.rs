//! `GET /data/{layer}.fgb`: FlatGeobuf downloads with HTTP range requests. A bounding box is
//! read through the flatgeobuf crate's HTTP reader against the real server over TCP (exactly
//! the snapshot's features in the box, a small share of the file's bytes); range edge cases,
//! validators, regeneration on change and single builds are checked through the router.

mod api_support;
mod common;

use std::collections::BTreeMap;

use common::*;
use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbReader, HttpFgbReader};
use geo::BoundingRect;
use geo_types::{Geometry, Point};
use gridtiles::cache::TileCache;
use gridtiles::http::{self, router, AppState, Settings};
use gridtiles::index::{ChangeSet, LayerChanges, SnapshotBuilder};
use gridtiles::model::{Feature, LayerData, Value};
use tokio::net::TcpListener;

/// A state of its own over the demo layers (scale 0.1), so byte counts are this test's.
fn demo_state() -> (Vec<LayerData>, AppState) {
    let layers = api_support::demo().0.clone();
    let snapshot = SnapshotBuilder::default().build(layers.clone(), 1).unwrap();
    let state = AppState::new(snapshot, TileCache::new(1 << 20), Settings::default());
    (layers, state)
}

/// Ids read from a FlatGeobuf file's `id` column.
fn ids_of<R: std::io::Read + std::io::Seek>(reader: R) -> Vec<u64> {
    let mut iter = FgbReader::open(reader).unwrap().select_all().unwrap();
    let mut ids = Vec::new();
    while let Some(f) = iter.next().unwrap() {
        ids.push(f.property::<i64>("id").unwrap() as u64);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_reader_reads_a_bbox_with_a_few_ranges() {
    let (layers, state) = demo_state();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    for name in ["meters", "feeders"] {
        let layer = layers.iter().find(|l| l.name == name).unwrap();
        // The whole file's size, for comparison (not counted below).
        let whole = get(&state, &format!("/data/{name}.fgb"), &[]).await;
        assert_eq!(whole.status, 200);
        let file_len = whole.body.len() as u64;
        // A box of 2 % × 2 % of the layer's extent around its middle feature.
        let mid = layer.features[layer.features.len() / 2]
            .geometry
            .bounding_rect()
            .unwrap();
        let all = layer
            .features
            .iter()
            .filter_map(|f| f.geometry.bounding_rect())
            .reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! {x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y)},
                    geo::coord! {x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y)},
                )
            })
            .unwrap();
        let (dx, dy) = (all.width() * 0.01, all.height() * 0.01);
        let b = [
            mid.min().x - dx,
            mid.min().y - dy,
            mid.max().x + dx,
            mid.max().y + dy,
        ];
        // Expected: the features whose bounding box meets the box (the index's test).
        let mut expected: Vec<u64> = layer
            .features
            .iter()
            .filter(|f| {
                let r = f.geometry.bounding_rect().unwrap();
                r.min().x <= b[2] && r.max().x >= b[0] && r.min().y <= b[3] && r.max().y >= b[1]
            })
            .map(|f| f.id)
            .collect();
        expected.sort_unstable();
        assert!(!expected.is_empty());

        let before = state.fgb_cache().served_bytes();
        let url = format!("http://{addr}/data/{name}.fgb");
        let reader = HttpFgbReader::open(&url).await.unwrap();
        assert_eq!(
            reader.header().features_count(),
            layer.features.len() as u64
        );
        let mut iter = reader.select_bbox(b[0], b[1], b[2], b[3]).await.unwrap();
        let mut got = Vec::new();
        while let Some(f) = iter.next().await.unwrap() {
            got.push(f.property::<i64>("id").unwrap() as u64);
        }
        got.sort_unstable();
        assert_eq!(got, expected, "{name}: the features in the box, each once");
        let served = state.fgb_cache().served_bytes() - before;
        println!(
            "{name}: {} of {} features, {served} of {file_len} bytes read ({:.1} %)",
            got.len(),
            layer.features.len(),
            100.0 * served as f64 / file_len as f64
        );
        assert!(
            served * 5 < file_len,
            "{name}: read {served} of {file_len} bytes"
        );
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn whole_file_and_range_edge_cases() {
    let state = fake_state();
    let whole = get(&state, "/data/poles.fgb", &[]).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("content-type"), "application/flatgeobuf");
    assert_eq!(whole.header("accept-ranges"), "bytes");
    assert_eq!(whole.header("content-length"), whole.body.len().to_string());
    let etag = whole.header("etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag {etag}"
    );
    // The file is the layer, with its spatial index.
    assert_eq!(&whole.body[..8], b"fgb\x03fgb\x00");
    let ids = ids_of(std::io::Cursor::new(whole.body.to_vec()));
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1000..1020).collect::<Vec<u64>>());
    let len = whole.body.len();

    let range = |r: &'static str| [("range", r)];
    let r = get(&state, "/data/poles.fgb", &range("bytes=0-7")).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.header("content-range"), format!("bytes 0-7/{len}"));
    assert_eq!(r.header("content-length"), "8");
    assert_eq!(&r.body[..], &whole.body[..8]);
    assert_eq!(r.header("etag"), etag);
    // Suffix, open end, an end past the file.
    let r = get(&state, "/data/poles.fgb", &range("bytes=-100")).await;
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        format!("bytes {}-{}/{len}", len - 100, len - 1)
    );
    assert_eq!(&r.body[..], &whole.body[len - 100..]);
    let r = get(&state, "/data/poles.fgb", &range("bytes=100-")).await;
    assert_eq!(r.status, 206);
    assert_eq!(&r.body[..], &whole.body[100..]);
    let r = get(&state, "/data/poles.fgb", &range("bytes=10-99999999")).await;
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        format!("bytes 10-{}/{len}", len - 1)
    );
    let r = get(&state, "/data/poles.fgb", &range("bytes=-99999999")).await;
    assert_eq!((r.status.as_u16(), r.body.len()), (206, len));
    // An end past u64::MAX is still the file's end.
    let r = get(
        &state,
        "/data/poles.fgb",
        &range("bytes=0-99999999999999999999999999"),
    )
    .await;
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        format!("bytes 0-{}/{len}", len - 1)
    );
    assert_eq!(r.body, whole.body);
    // Unsatisfiable: 416 with the length.
    for bad in ["bytes=99999999-", "bytes=-0", "bytes=20-10"] {
        let r = get(&state, "/data/poles.fgb", &[("range", bad)]).await;
        assert_eq!(r.status, 416, "{bad}");
        assert_eq!(r.header("content-range"), format!("bytes */{len}"), "{bad}");
        assert!(r.json()["error"].as_str().unwrap().contains("range"));
    }
    // Several ranges or an unknown unit: the whole file.
    for whole_please in ["bytes=0-1,4-5", "lines=0-1", "bytes=a-b"] {
        let r = get(&state, "/data/poles.fgb", &[("range", whole_please)]).await;
        assert_eq!(
            (r.status.as_u16(), r.body.len()),
            (200, len),
            "{whole_please}"
        );
    }
    // If-Range: the current ETag keeps the range; another validator gets the whole file.
    let r = get(
        &state,
        "/data/poles.fgb",
        &[("range", "bytes=0-7"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(r.status, 206);
    for other in ["\"stale\"", "Fri, 27 Nov 2026 20:00:00 GMT"] {
        let r = get(
            &state,
            "/data/poles.fgb",
            &[("range", "bytes=0-7"), ("if-range", other)],
        )
        .await;
        assert_eq!((r.status.as_u16(), r.body.len()), (200, len), "{other}");
    }
    // Conditional GET and HEAD.
    let r = get(&state, "/data/poles.fgb", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let app = router(state.clone());
    let r = send(&app, "HEAD", "/data/poles.fgb", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), len.to_string());
    assert!(r.body.is_empty());
    let r = send(&app, "HEAD", "/data/poles.fgb", &range("bytes=0-7")).await;
    assert_eq!((r.status.as_u16(), r.header("content-length")), (206, "8"));
    // Unknown layer, other extension.
    for uri in ["/data/nope.fgb", "/data/poles.geojson", "/data/poles"] {
        let r = get(&state, uri, &[]).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].is_string());
    }
}

fn pole_change(height: f64) -> ChangeSet {
    let (lon, lat) = HOUSTON;
    ChangeSet {
        layers: BTreeMap::from([(
            "poles".to_owned(),
            LayerChanges {
                upserts: vec![Feature {
                    id: 1000,
                    geometry: Geometry::Point(Point::new(lon, lat + 0.0005)),
                    properties: vec![Some(Value::Float(height)), Some(Value::Bool(true))],
                }],
                ..LayerChanges::default()
            },
        )]),
    }
}

#[tokio::test]
async fn regenerated_when_the_layer_changes_and_built_once() {
    let state = fake_state();
    // Concurrent first requests build the file once.
    let app = router(state.clone());
    let replies =
        futures_util::future::join_all((0..8).map(|_| send(&app, "GET", "/data/poles.fgb", &[])))
            .await;
    assert!(replies
        .iter()
        .all(|r| r.status == 200 && r.body == replies[0].body));
    assert_eq!(state.fgb_cache().builds(), 1);
    let poles = replies[0].header("etag").to_owned();
    let feeders = get(&state, "/data/feeders.fgb", &[])
        .await
        .header("etag")
        .to_owned();
    assert_eq!(state.fgb_cache().builds(), 2);

    let snap = state.snapshot_arc();
    state.publish_update(snap.apply(pole_change(31.5), 2).unwrap(), false);
    let after = get(&state, "/data/poles.fgb", &[]).await;
    assert_ne!(
        after.header("etag"),
        poles,
        "a changed layer has a new ETag"
    );
    let mut reader = FgbReader::open(std::io::Cursor::new(after.body.to_vec()))
        .unwrap()
        .select_all()
        .unwrap();
    let mut height = None;
    while let Some(f) = reader.next().unwrap() {
        if f.property::<i64>("id").unwrap() == 1000 {
            height = f.property::<f64>("height_m").ok();
        }
    }
    assert_eq!(height, Some(31.5), "the file holds the new data");
    // The old ETag no longer matches; an unchanged layer keeps its file.
    let stale = get(
        &state,
        "/data/poles.fgb",
        &[("range", "bytes=0-7"), ("if-range", &poles)],
    )
    .await;
    assert_eq!(stale.status, 200);
    assert_eq!(
        get(&state, "/data/feeders.fgb", &[]).await.header("etag"),
        feeders
    );
    assert_eq!(state.fgb_cache().builds(), 3);
    let metrics = String::from_utf8(get(&state, "/metrics", &[]).await.body.to_vec()).unwrap();
    assert!(
        metrics.contains("gridtiles_download_builds_total 3"),
        "{metrics}"
    );
    let served = state.fgb_cache().served_bytes();
    assert!(served > 0);
    assert!(metrics.contains(&format!("gridtiles_download_bytes_total {served}")));
}

#[tokio::test]
async fn an_empty_layer_downloads_as_an_empty_file() {
    use gridtiles::model::{Field, FieldType};
    let mut layers = houston_layers();
    layers.push(LayerData::new(
        "outages",
        vec![
            Field::new("feeder_id", FieldType::Int),
            Field::new("status", FieldType::String),
        ],
    ));
    let snapshot = SnapshotBuilder::default().build(layers, 1).unwrap();
    let state = AppState::new(
        snapshot,
        TileCache::with_renderer(1 << 20, fake_render),
        Settings::default(),
    );
    let r = get(&state, "/data/outages.fgb", &[]).await;
    assert_eq!(r.status, 200);
    assert!(ids_of(std::io::Cursor::new(r.body.to_vec())).is_empty());
    let r = get(&state, "/data/outages.fgb", &[("range", "bytes=0-7")]).await;
    assert_eq!(
        (r.status.as_u16(), &r.body[..]),
        (206, &b"fgb\x03fgb\x00"[..])
    );
    // The OGC API lists it as an empty collection.
    let host = [("host", "gis.test")];
    let doc = get(&state, "/ogc/collections/outages/items", &host)
        .await
        .json();
    assert_eq!(
        (
            doc["numberMatched"].as_u64(),
            doc["numberReturned"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let c = get(&state, "/ogc/collections/outages", &host).await.json();
    assert_eq!(
        c["extent"]["spatial"]["bbox"][0].as_array().unwrap().len(),
        4
    );
    // Paths under /ogc and /data that do not exist are JSON 404s.
    for uri in [
        "/ogc/nothing",
        "/data/a/b.fgb",
        "/ogc/collections/outages/queryables",
    ] {
        let r = get(&state, uri, &host).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].is_string(), "{uri}");
    }
}

#[test]
fn a_request_that_gives_up_does_not_cancel_the_build() {
    // One blocking thread, held busy: the build is queued behind it, so the first request
    // cannot finish and gives up deterministically.
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let state = fake_state();
        let app = router(state.clone());
        let (release, held) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::task::spawn_blocking(move || held.recv());
        let gave_up = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            send(&app, "GET", "/data/feeders.fgb", &[]),
        )
        .await;
        assert!(gave_up.is_err(), "the build cannot run yet");
        assert_eq!(state.fgb_cache().builds(), 1);
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        let r = send(&app, "GET", "/data/feeders.fgb", &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(state.fgb_cache().builds(), 1, "the first build was used");
    });
}
