//! The basemap: the demo city's streets at `/basemap/{z}/{x}/{y}.mvt` and `/basemap.json`
//! (rendered by the tile engine through their own cache), the basemap in served styles,
//! and basemaps read from PMTiles and MBTiles archives (tiles as stored: gzip passed
//! through or inflated, ETag/304, 204 for missing tiles, TileJSON from the metadata).
//! Tiles are decoded with geozero's independent MVT reader.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use geozero::mvt::{tile, Message, Tile};
use gridtiles::app::basemap::demo_basemap;
use gridtiles::http::basemap::Basemap;
use gridtiles::http::{AppState, Settings};
use gridtiles::settings::Config;

/// `(z, x, y)` and the tile's gzip bytes.
type StoredTile = ((u8, u32, u32), Vec<u8>);

const GZIP: (&str, &str) = ("accept-encoding", "gzip");
const HOST: (&str, &str) = ("host", "maps.example:8080");

fn config() -> Config {
    let mut c = Config::default();
    c.data.scale = 0.1;
    c
}

/// The tile containing Houston's centre at `z`.
fn centre(z: u8) -> (u32, u32) {
    let (lon, lat) = HOUSTON;
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x as u32, y as u32)
}

fn state_with_styles(basemap: Option<Basemap>) -> AppState {
    let settings = Settings {
        styles_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("styles")),
        ..Settings::default()
    };
    let state = state_with(fake_render, 16 << 20, settings);
    if let Some(b) = basemap {
        state.set_basemap(b);
    }
    state
}

fn demo_state() -> AppState {
    state_with_styles(Some(demo_basemap(&config()).unwrap()))
}

/// Layer name → features of a decoded tile.
fn layers(mvt: &[u8]) -> Vec<tile::Layer> {
    Tile::decode(mvt).expect("valid MVT").layers
}

/// The string value of attribute `key` of `feature` in `layer`.
fn attr(layer: &tile::Layer, feature: &tile::Feature, key: &str) -> Option<String> {
    let k = layer.keys.iter().position(|k| k == key)? as u32;
    feature
        .tags
        .chunks(2)
        .find(|t| t[0] == k)
        .and_then(|t| layer.values[t[1] as usize].string_value.clone())
}

#[tokio::test]
async fn demo_streets_have_names_and_classes() {
    let state = demo_state();
    let (x, y) = centre(14);
    let uri = format!("/basemap/14/{x}/{y}.mvt");
    let r = get(&state, &uri, &[GZIP]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.header("content-type"),
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(r.header("content-encoding"), "gzip");
    assert_eq!(r.header("cache-control"), "public, max-age=60");
    assert_eq!(r.header("vary"), "accept-encoding");
    let mvt = gunzip(&r.body);
    let ls = layers(&mvt);
    let streets = ls
        .iter()
        .find(|l| l.name == "streets")
        .expect("streets layer");
    assert!(streets.features.len() > 5, "{}", streets.features.len());
    let mut classes = std::collections::BTreeSet::new();
    for f in &streets.features {
        assert_eq!(f.r#type, Some(tile::GeomType::Linestring as i32));
        let name = attr(streets, f, "name").expect("a street name");
        assert!(name.contains(' '), "{name}");
        classes.insert(attr(streets, f, "class").expect("a class"));
    }
    assert!(classes.contains("minor"), "{classes:?}");
    assert!(
        !ls.iter().any(|l| l.name == "arterials"),
        "arterials stop at z11"
    );

    // Identity, ETag and 304 as on /tiles.
    let plain = get(&state, &uri, &[]).await;
    assert_eq!(plain.body.to_vec(), mvt);
    let etag = r.header("etag").to_owned();
    let again = get(&state, &uri, &[GZIP, ("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    // Low zoom: arterials and water, no minor streets.
    let (x, y) = centre(10);
    let r = get(&state, &format!("/basemap/10/{x}/{y}.mvt"), &[GZIP]).await;
    assert_eq!(r.status, 200);
    let names: Vec<String> = layers(&gunzip(&r.body))
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert!(names.contains(&"arterials".to_owned()), "{names:?}");
    assert!(!names.contains(&"streets".to_owned()), "{names:?}");
}

#[tokio::test]
async fn demo_tilejson_empty_tiles_and_errors() {
    let state = demo_state();
    let r = get(&state, "/basemap.json", &[HOST]).await;
    assert_eq!(r.status, 200);
    let tj = r.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://maps.example:8080/basemap/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["minzoom"], 8);
    assert_eq!(tj["maxzoom"], 16);
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["water", "arterials", "streets"]);
    assert_eq!(tj["vector_layers"][2]["fields"]["name"], "String");
    assert_eq!(tj["vector_layers"][1]["maxzoom"], 11);
    let b = tj["bounds"].as_array().unwrap();
    let (lon, lat) = HOUSTON;
    assert!(b[0].as_f64().unwrap() < lon && b[2].as_f64().unwrap() > lon);
    assert!(b[1].as_f64().unwrap() < lat && b[3].as_f64().unwrap() > lat);

    assert_eq!(
        get(&state, "/basemap/14/0/0.mvt", &[GZIP]).await.status,
        204
    );
    for bad in [
        "/basemap/17/0/0.mvt",
        "/basemap/a/0/0.mvt",
        "/basemap/3/9/0.mvt",
    ] {
        let r = get(&state, bad, &[]).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.json()["error"].is_string());
    }
}

#[tokio::test]
async fn without_a_basemap_its_routes_are_404_and_styles_drop_it() {
    let state = state_with_styles(None);
    for uri in ["/basemap.json", "/basemap/10/0/0.mvt"] {
        let r = get(&state, uri, &[HOST]).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].as_str().unwrap().contains("basemap"));
    }
    let style = get(&state, "/styles/dark.json", &[HOST]).await.json();
    assert!(style["sources"].get("basemap").is_none());
    assert!(!style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["source"] == "basemap"));
    assert!(style["sources"]["gridtiles"]["tiles"].is_array());
}

#[tokio::test]
async fn styles_draw_the_demo_basemap_layers_only() {
    let state = demo_state();
    for theme in ["dark", "light"] {
        let style = get(&state, &format!("/styles/{theme}.json"), &[HOST])
            .await
            .json();
        assert_eq!(
            style["sources"]["basemap"]["tiles"][0],
            "http://maps.example:8080/basemap/{z}/{x}/{y}.mvt"
        );
        assert_eq!(style["sources"]["basemap"]["minzoom"], 8);
        let layers = style["layers"].as_array().unwrap();
        let schemas: Vec<&str> = layers
            .iter()
            .filter_map(|l| l["metadata"]["gridtiles:basemap"].as_str())
            .collect();
        assert!(
            schemas.len() >= 3 && schemas.iter().all(|s| *s == "demo"),
            "{schemas:?}"
        );
        // Drawn under the grid: every basemap layer but the street names (labels go on top)
        // comes before the first grid layer.
        let last_basemap = layers
            .iter()
            .rposition(|l| l["source"] == "basemap" && l["type"] != "symbol")
            .unwrap();
        let labels = layers
            .iter()
            .position(|l| l["id"] == "street-labels")
            .expect("street labels with the demo basemap");
        assert_eq!(labels, layers.len() - 1, "street names on top");
        let first_grid = layers
            .iter()
            .position(|l| l["source"] == "gridtiles")
            .unwrap();
        assert!(last_basemap < first_grid);
    }
}

/// Tiles of the demo basemap around the centre at z12–14, as served (gzip).
async fn served_tiles(state: &AppState) -> Vec<StoredTile> {
    let mut out = Vec::new();
    for z in 12..=14u8 {
        let (cx, cy) = centre(z);
        for x in cx - 1..=cx + 1 {
            for y in cy - 1..=cy + 1 {
                let r = get(state, &format!("/basemap/{z}/{x}/{y}.mvt"), &[GZIP]).await;
                if r.status == 200 {
                    out.push(((z, x, y), r.body.to_vec()));
                }
            }
        }
    }
    assert!(out.len() >= 20, "{}", out.len());
    out
}

fn vector_layers_json() -> String {
    serde_json::json!({"vector_layers": [
        {"id": "streets", "minzoom": 12, "maxzoom": 14, "fields": {"name": "String", "class": "String"}},
        {"id": "arterials", "minzoom": 8, "maxzoom": 11, "fields": {"name": "String"}},
        {"id": "water", "minzoom": 8, "maxzoom": 14, "fields": {}},
    ]})
    .to_string()
}

fn write_mbtiles(path: &Path, tiles: &[StoredTile]) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE metadata (name text, value text);
         CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);",
    )
    .unwrap();
    for (k, v) in [
        ("name", "houston streets".to_owned()),
        ("format", "pbf".to_owned()),
        ("minzoom", "12".to_owned()),
        ("maxzoom", "14".to_owned()),
        ("bounds", "-95.6,29.6,-95.2,29.9".to_owned()),
        ("center", "-95.37,29.76,13".to_owned()),
        ("attribution", "© test".to_owned()),
        ("json", vector_layers_json()),
    ] {
        db.execute("INSERT INTO metadata VALUES (?1, ?2)", (k, v))
            .unwrap();
    }
    for ((z, x, y), data) in tiles {
        let row = (1u32 << z) - 1 - y;
        db.execute(
            "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
            (z, x, row, data),
        )
        .unwrap();
    }
}

fn write_pmtiles(path: &Path, tiles: &[StoredTile]) {
    use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};
    let mut sorted: Vec<_> = tiles.to_vec();
    sorted.sort_by_key(|((z, x, y), _)| {
        pmtiles::TileId::from(TileCoord::new(*z, *x, *y).unwrap()).value()
    });
    let file = std::fs::File::create(path).unwrap();
    let mut w = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .min_zoom(12)
        .max_zoom(14)
        .bounds(-95.6, 29.6, -95.2, 29.9)
        .center(-95.37, 29.76)
        .center_zoom(13)
        .metadata(vector_layers_json())
        .create(file)
        .unwrap();
    for ((z, x, y), data) in &sorted {
        w.add_tile(TileCoord::new(*z, *x, *y).unwrap(), data)
            .unwrap();
    }
    w.finalize().unwrap();
}

#[tokio::test]
async fn archives_serve_their_tiles_as_stored() {
    let dir = tempfile::tempdir().unwrap();
    let tiles = served_tiles(&demo_state()).await;
    let mb = dir.path().join("streets.mbtiles");
    let pm = dir.path().join("streets.pmtiles");
    write_mbtiles(&mb, &tiles);
    write_pmtiles(&pm, &tiles);
    for path in [&mb, &pm] {
        let basemap = tokio::task::spawn_blocking({
            let path = path.clone();
            move || Basemap::open_archive(&path)
        })
        .await
        .unwrap()
        .unwrap();
        let state = state_with_styles(Some(basemap));
        let what = path.display().to_string();
        for ((z, x, y), stored) in &tiles {
            let uri = format!("/basemap/{z}/{x}/{y}.mvt");
            let r = get(&state, &uri, &[GZIP]).await;
            assert_eq!(r.status, 200, "{what} {uri}");
            assert_eq!(r.header("content-encoding"), "gzip");
            assert_eq!(r.body.to_vec(), *stored, "{what} {uri}: passed through");
            assert_eq!(r.header("cache-control"), "public, max-age=60");
            let plain = get(&state, &uri, &[]).await;
            assert_eq!(plain.header("content-encoding"), "");
            assert_eq!(
                plain.body.to_vec(),
                gunzip(stored),
                "{what} {uri}: inflated"
            );
            assert_ne!(plain.header("etag"), r.header("etag"));
            assert!(layers(&plain.body).iter().any(|l| l.name == "streets"));
            let etag = r.header("etag").to_owned();
            let not_modified = get(&state, &uri, &[GZIP, ("if-none-match", &etag)]).await;
            assert_eq!(not_modified.status, 304);
        }
        assert_eq!(
            get(&state, "/basemap/12/0/0.mvt", &[GZIP]).await.status,
            204,
            "{what}"
        );
        assert_eq!(
            get(&state, "/basemap/15/0/0.mvt", &[]).await.status,
            400,
            "{what}"
        );
        let tj = get(&state, "/basemap.json", &[HOST]).await.json();
        assert_eq!(tj["tilejson"], "3.0.0");
        assert_eq!(
            tj["tiles"][0],
            "http://maps.example:8080/basemap/{z}/{x}/{y}.mvt"
        );
        assert_eq!(
            (tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()),
            (Some(12), Some(14)),
            "{what}"
        );
        assert_eq!(
            tj["bounds"],
            serde_json::json!([-95.6, 29.6, -95.2, 29.9]),
            "{what}"
        );
        assert_eq!(tj["vector_layers"][0]["id"], "streets");
        assert_eq!(tj["vector_layers"][0]["fields"]["class"], "String");
        // The demo schema is recognised: the style keeps the demo layers.
        let style = get(&state, "/styles/light.json", &[HOST]).await.json();
        assert!(style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["metadata"]["gridtiles:basemap"] == "demo"));
    }
}

#[test]
fn a_bad_archive_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pmtiles");
    std::fs::write(&junk, b"not an archive").unwrap();
    assert!(Basemap::open_archive(&junk).is_err());
    let other = dir.path().join("tiles.zip");
    std::fs::write(&other, b"x").unwrap();
    let err = Basemap::open_archive(&other).unwrap_err().to_string();
    assert!(err.contains(".pmtiles or .mbtiles"), "{err}");
}
