//! A real GIS client against the real server: GDAL's `ogrinfo` lists every layer through the
//! OAPIF (OGC API - Features) driver, reads whole collections through its paging, and reads a
//! bounding box of `/data/poles.fgb` through `/vsicurl/` (HTTP range requests).
//!
//! Needs `ogrinfo` (Debian: `gdal-bin`). Without it the tests print why and pass, unless
//! `GRIDTILES_REQUIRE_GDAL=1` (set by `scripts/test.sh`), which makes a missing GDAL a failure.

mod api_support;
mod common;

use std::net::SocketAddr;
use std::process::Command;

use geo::BoundingRect;
use gridtiles::cache::TileCache;
use gridtiles::http::{self, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::LayerData;
use tokio::net::TcpListener;

/// Runs `ogrinfo args` on the blocking pool; returns its standard output (panics on failure).
async fn ogrinfo(args: Vec<String>) -> String {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("ogrinfo")
            .args(&args)
            // No directory listing probes next to /vsicurl/ files, no HTTP retries.
            .env("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
            .env("GDAL_HTTP_MAX_RETRY", "0")
            .output()
            .expect("ogrinfo runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "ogrinfo {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    })
    .await
    .unwrap()
}

async fn serve() -> (
    Vec<LayerData>,
    AppState,
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
) {
    let layers = api_support::demo().0.clone();
    let snapshot = SnapshotBuilder::default().build(layers.clone(), 1).unwrap();
    let state = AppState::new(snapshot, TileCache::new(1 << 20), Settings::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    (layers, state, addr, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_lists_and_reads_every_layer_through_oapif() {
    if !common::have_gdal() {
        return;
    }
    let (layers, _state, addr, stop) = serve().await;
    let source = format!("OAPIF:http://{addr}/ogc");
    let listing = ogrinfo(vec!["-ro".into(), "-so".into(), source.clone()]).await;
    for l in &layers {
        assert!(
            listing
                .lines()
                .any(|line| line.contains(&format!(": {} (", l.name))),
            "{} not listed:\n{listing}",
            l.name
        );
    }
    // Every feature of the smaller layers, read through the items paging.
    for name in ["substations", "switches"] {
        let layer = layers.iter().find(|l| l.name == name).unwrap();
        let out = ogrinfo(vec![
            "-ro".into(),
            "-al".into(),
            source.clone(),
            name.into(),
        ])
        .await;
        let read = out.lines().filter(|l| l.starts_with("OGRFeature(")).count();
        assert_eq!(read, layer.features.len(), "{name}");
    }
    // A whole large layer in pages of 10,000 (the server's maximum).
    let poles = layers.iter().find(|l| l.name == "poles").unwrap();
    let out = ogrinfo(vec![
        "-ro".into(),
        "-al".into(),
        "-oo".into(),
        "PAGE_SIZE=10000".into(),
        source.clone(),
        "poles".into(),
    ])
    .await;
    let read = out.lines().filter(|l| l.starts_with("OGRFeature(")).count();
    assert_eq!(read, poles.features.len(), "poles");
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_reads_a_bbox_of_a_flatgeobuf_download_with_ranges() {
    if !common::have_gdal() {
        return;
    }
    let (layers, state, addr, stop) = serve().await;
    let poles = layers.iter().find(|l| l.name == "poles").unwrap();
    let mid = poles.features[poles.features.len() / 2]
        .geometry
        .bounding_rect()
        .unwrap();
    let b = [
        mid.min().x - 0.003,
        mid.min().y - 0.003,
        mid.max().x + 0.003,
        mid.max().y + 0.003,
    ];
    let expected = poles
        .features
        .iter()
        .filter(|f| {
            let r = f.geometry.bounding_rect().unwrap();
            r.min().x >= b[0] && r.max().x <= b[2] && r.min().y >= b[1] && r.max().y <= b[3]
        })
        .count();
    assert!(expected > 0);
    let file_len = gridtiles::source::file::layer_to_fgb(poles).unwrap().len() as u64;
    let mut args: Vec<String> = vec!["-ro".into(), "-al".into(), "-spat".into()];
    args.extend(b.iter().map(|v| v.to_string()));
    args.push(format!("/vsicurl/http://{addr}/data/poles.fgb"));
    let out = ogrinfo(args).await;
    let read = out.lines().filter(|l| l.starts_with("OGRFeature(")).count();
    assert_eq!(read, expected, "poles in {b:?}");
    let served = state.fgb_cache().served_bytes();
    println!("GDAL read {read} poles with {served} of {file_len} bytes");
    assert!(served * 4 < file_len, "read {served} of {file_len} bytes");
    let _ = stop.send(());
}
