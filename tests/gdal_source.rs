//! The GDAL-backed source (`--features gdal`): GeoPackage, Shapefile and File Geodatabase in
//! projected coordinate systems, loaded and compared with GDAL's own reading (`ogrinfo`,
//! `ogr2ogr -t_srs EPSG:4326`) to 1e-7 degrees; a real network (data/real, made by
//! scripts/fetch-real-grid.py) served as tiles that hold every feature at the maximum zoom;
//! and the errors (corrupt file, missing layer, invalid geometry) naming file, layer,
//! feature and reason.
//!
//! Fixtures are written by GDAL's `ogr2ogr` (Debian `gdal-bin`, installed by scripts/test.sh).

#![cfg(feature = "gdal")]

mod tiles_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use geo::CoordsIter;
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::{LayerData, Value};
use gridtiles::source::file::LoadOptions;
use gridtiles::source::gdal::{self, GdalError};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};
use gridtiles::tiling::TilingConfig;
use serde_json::Value as Json;

/// Tolerance between our reprojection and GDAL's, in degrees.
const TOLERANCE: f64 = 1e-7;

fn real(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/real")
        .join(path)
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} runs (apt-get install gdal-bin): {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn load(path: &Path, select: &[(&str, &str)]) -> Result<Vec<LayerData>, GdalError> {
    let select: BTreeMap<String, String> = select
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    gdal::load(path, &select, LoadOptions::default()).map(|l| l.layers)
}

fn layer<'a>(layers: &'a [LayerData], name: &str) -> &'a LayerData {
    layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("layer {name} loaded"))
}

/// GDAL's own reading of `layer` of `path`, reprojected by `ogr2ogr` to EPSG:4326: the
/// features in read order, as GeoJSON.
fn ogr_wgs84(path: &Path, layer: &str) -> Vec<Json> {
    let text = run(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "-t_srs",
            "EPSG:4326",
            "-lco",
            "COORDINATE_PRECISION=15",
            "/vsistdout/",
            path.to_str().unwrap(),
            layer,
        ],
    );
    let doc: Json = serde_json::from_str(&text).expect("ogr2ogr writes GeoJSON");
    doc["features"].as_array().expect("features").clone()
}

/// Feature count of `layer` as `ogrinfo` reports it.
fn ogr_count(path: &Path, layer: &str) -> usize {
    let text = run("ogrinfo", &["-so", path.to_str().unwrap(), layer]);
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .expect("a feature count")
        .trim()
        .parse()
        .unwrap()
}

fn json_coords(v: &Json, out: &mut Vec<[f64; 2]>) {
    match v.as_array() {
        Some(a) if a.first().is_some_and(Json::is_number) => {
            out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
        }
        Some(a) => a.iter().for_each(|x| json_coords(x, out)),
        None => panic!("coordinates expected, got {v}"),
    }
}

/// Checks every feature of `ours` against GDAL's reprojection of the same layer: same count,
/// same order, every coordinate within [`TOLERANCE`], the same `name` attribute.
fn assert_matches_gdal(path: &Path, source_layer: &str, ours: &LayerData) {
    let theirs = ogr_wgs84(path, source_layer);
    assert_eq!(ours.features.len(), theirs.len(), "{source_layer}: count");
    let name = ours.field_index("name");
    for (i, (f, g)) in ours.features.iter().zip(&theirs).enumerate() {
        let a: Vec<[f64; 2]> = f.geometry.coords_iter().map(|c| [c.x, c.y]).collect();
        let mut b = Vec::new();
        json_coords(&g["geometry"]["coordinates"], &mut b);
        assert_eq!(a.len(), b.len(), "{source_layer} feature {i}: vertex count");
        for (p, q) in a.iter().zip(&b) {
            let d = (p[0] - q[0]).abs().max((p[1] - q[1]).abs());
            assert!(
                d <= TOLERANCE,
                "{source_layer} feature {i}: {p:?} vs GDAL {q:?}"
            );
        }
        if let Some(n) = name {
            let ours = match &f.properties[n] {
                Some(Value::Str(s)) => Some(s.to_string()),
                _ => None,
            };
            assert_eq!(ours.as_deref(), g["properties"]["name"].as_str(), "{i}");
        }
    }
}

/// A small grid around downtown Houston in lon/lat: spans (LineStrings with typed
/// attributes, no id) and poles (points with an integer `id` field).
fn write_lonlat_fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let spans = serde_json::json!({
        "type": "FeatureCollection",
        "features": (0..12).map(|i| {
            let x = -95.37 + 0.002 * f64::from(i);
            serde_json::json!({"type": "Feature",
                "properties": {"name": format!("span {i}"), "kv": 12.47, "phases": 3 - i % 3,
                               "installed": "2019-04-01"},
                "geometry": {"type": "LineString",
                             "coordinates": [[x, 29.76], [x + 0.0013, 29.7611], [x + 0.002, 29.76]]}})
        }).collect::<Vec<_>>()
    });
    let poles = serde_json::json!({
        "type": "FeatureCollection",
        "features": (0..13).map(|i| serde_json::json!({"type": "Feature",
            "properties": {"id": 5000 + i, "name": format!("pole {i}"), "height_m": 12.5},
            "geometry": {"type": "Point", "coordinates": [-95.37 + 0.002 * f64::from(i), 29.76]}}))
            .collect::<Vec<_>>()
    });
    let (a, b) = (dir.join("spans.geojson"), dir.join("poles.geojson"));
    std::fs::write(&a, spans.to_string()).unwrap();
    std::fs::write(&b, poles.to_string()).unwrap();
    (a, b)
}

fn ogr2ogr(format: &str, out: &Path, src: &Path, layer: &str, srs: &str, update: bool) {
    let mut args = vec!["-f", format];
    if update {
        args.push("-update");
    }
    args.extend([
        out.to_str().unwrap(),
        src.to_str().unwrap(),
        "-nln",
        layer,
        "-t_srs",
        srs,
    ]);
    run("ogr2ogr", &args);
}

#[test]
fn state_plane_feet_in_three_formats_match_gdal_reprojection() {
    let tmp = tempfile::tempdir().unwrap();
    let (spans, poles) = write_lonlat_fixture(tmp.path());
    let gpkg = tmp.path().join("grid.gpkg");
    let gdb = tmp.path().join("grid.gdb");
    let shp_dir = tmp.path().join("shp");
    std::fs::create_dir(&shp_dir).unwrap();
    // EPSG:2278: NAD83 / Texas South Central, US survey feet.
    for (format, out) in [("GPKG", &gpkg), ("OpenFileGDB", &gdb)] {
        ogr2ogr(format, out, &spans, "spans", "EPSG:2278", false);
        ogr2ogr(format, out, &poles, "poles", "EPSG:2278", true);
    }
    ogr2ogr(
        "ESRI Shapefile",
        &shp_dir.join("spans.shp"),
        &spans,
        "spans",
        "EPSG:2278",
        false,
    );
    ogr2ogr(
        "ESRI Shapefile",
        &shp_dir.join("poles.shp"),
        &poles,
        "poles",
        "EPSG:2278",
        false,
    );
    assert!(
        run("ogrinfo", &["-so", gpkg.to_str().unwrap(), "spans"]).contains("Texas South Central")
    );

    for (dataset, spans_src, poles_src) in [
        (&gpkg, gpkg.clone(), gpkg.clone()),
        (&gdb, gdb.clone(), gdb.clone()),
        (
            &shp_dir,
            shp_dir.join("spans.shp"),
            shp_dir.join("poles.shp"),
        ),
    ] {
        let layers = load(dataset, &[]).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["poles", "spans"], "{}", dataset.display());
        let (p, s) = (layer(&layers, "poles"), layer(&layers, "spans"));
        assert_matches_gdal(&spans_src, "spans", s);
        assert_matches_gdal(&poles_src, "poles", p);
        // Explicit ids from the `id` field; the id-less layer numbered after them.
        let pole_ids: Vec<u64> = p.features.iter().map(|f| f.id).collect();
        assert_eq!(pole_ids, (5000..5013).collect::<Vec<_>>());
        let span_ids: Vec<u64> = s.features.iter().map(|f| f.id).collect();
        assert_eq!(span_ids, (5013..5025).collect::<Vec<_>>());
        assert!(
            p.field_index("id").is_none(),
            "the id field is the feature id"
        );
        // Typed attributes (a shapefile has no booleans or dates, all three have these).
        let kv = s.field_index("kv").unwrap();
        assert_eq!(s.features[0].properties[kv], Some(Value::Float(12.47)));
        let phases = s.field_index("phases").unwrap();
        assert_eq!(s.features[1].properties[phases], Some(Value::Int(2)));
        // And the round trip lon/lat → feet → lon/lat lands where it started.
        let first = s.features[0].geometry.coords_iter().next().unwrap();
        assert!(
            (first.x + 95.37).abs() < 1e-8 && (first.y - 29.76).abs() < 1e-8,
            "{first:?}"
        );
    }
}

#[test]
fn select_picks_and_renames_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let (spans, poles) = write_lonlat_fixture(tmp.path());
    let gpkg = tmp.path().join("grid.gpkg");
    ogr2ogr("GPKG", &gpkg, &spans, "ElecConductor", "EPSG:2278", false);
    ogr2ogr("GPKG", &gpkg, &poles, "Structure", "EPSG:2278", true);
    let layers = load(&gpkg, &[("ElecConductor", "feeders")]).unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].name, "feeders");
    assert_eq!(layers[0].features.len(), 12);
    // Two source layers served under one name: refused.
    let err = load(&gpkg, &[("ElecConductor", "x"), ("Structure", "x")]).unwrap_err();
    assert!(
        err.to_string()
            .contains("two layers would be served as \"x\""),
        "{err}"
    );
}

#[test]
fn real_network_counts_and_coordinates_match_gdal() {
    let gpkg = real("mv_oberrhein.gpkg");
    let layers = load(&gpkg, &[]).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "buses",
            "lines",
            "loads",
            "substations",
            "switches",
            "transformers"
        ]
    );
    for l in &layers {
        assert_eq!(l.features.len(), ogr_count(&gpkg, &l.name), "{}", l.name);
        assert_matches_gdal(&gpkg, &l.name, l);
    }
    // The known size of pandapower's MV Oberrhein network with its MV/LV substations.
    let count = |n| layer(&layers, n).features.len();
    assert_eq!(
        [
            count("buses"),
            count("lines"),
            count("transformers"),
            count("switches")
        ],
        [320, 181, 143, 322]
    );
    // Ids unique across the whole grid.
    let ids: BTreeSet<u64> = layers
        .iter()
        .flat_map(|l| l.features.iter().map(|f| f.id))
        .collect();
    assert_eq!(
        ids.len(),
        layers.iter().map(|l| l.features.len()).sum::<usize>()
    );
    // A boolean of the GeoPackage (`closed`) loads as a boolean.
    let sw = layer(&layers, "switches");
    let closed = sw.field_index("closed").unwrap();
    assert!(sw
        .features
        .iter()
        .any(|f| f.properties[closed] == Some(Value::Bool(false))));

    // The same network as shapefiles in DHDN / Gauss-Kruger zone 3: same places.
    let shp = real("mv_oberrhein_shp");
    let shp_layers = load(&shp, &[]).unwrap_or_else(|e| panic!("{e}"));
    for l in &shp_layers {
        let file = shp.join(format!("{}.shp", l.name));
        assert_eq!(l.features.len(), ogr_count(&file, &l.name), "{}", l.name);
        assert_matches_gdal(&file, &l.name, l);
        // Both datums to WGS84 agree to well under a metre (the datum shift is PROJ's).
        let g = layer(&layers, &l.name);
        for (a, b) in l.features.iter().zip(&g.features) {
            let (p, q) = (
                a.geometry.coords_iter().next().unwrap(),
                b.geometry.coords_iter().next().unwrap(),
            );
            assert!(
                (p.x - q.x).abs() < 2e-5 && (p.y - q.y).abs() < 2e-5,
                "{p:?} {q:?}"
            );
        }
    }
}

#[test]
fn real_network_tiles_hold_every_feature_at_max_zoom() {
    let layers = load(&real("mv_oberrhein.gpkg"), &[]).unwrap();
    let want: BTreeMap<String, BTreeSet<u64>> = layers
        .iter()
        .map(|l| (l.name.clone(), l.features.iter().map(|f| f.id).collect()))
        .collect();
    let snap = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 1)
        .expect("snapshot");
    let z = snap.layers.iter().map(|l| l.config.maxzoom).max().unwrap();
    let mut seen: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    let mut tiles = 0;
    for t in TileCoord::covering(snap.bounds, z) {
        let r = render_tile(&snap, t, &LayerSelection::All).expect("renders");
        if r.feature_count == 0 {
            continue;
        }
        tiles += 1;
        let tile = tiles_support::decode(&r.data);
        for l in &tile.layers {
            for f in &l.features {
                tiles_support::parse_geometry(f).unwrap_or_else(|e| panic!("{t} {}: {e}", l.name));
                seen.entry(l.name.clone())
                    .or_default()
                    .insert(f.id.expect("feature id"));
            }
        }
    }
    assert!(tiles > 10, "{tiles} tiles at z{z}");
    assert_eq!(seen, want, "every feature in a max-zoom tile");
}

#[test]
fn corrupt_file_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("broken.gpkg");
    std::fs::write(&path, b"SQLite format 3\0this is not a database").unwrap();
    let err = load(&path, &[]).unwrap_err();
    assert_eq!(err.path, path);
    assert!(err.layer.is_none());
    let text = err.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(text.contains("cannot open"), "{text}");
}

#[test]
fn missing_layer_names_the_dataset_and_its_layers() {
    let gpkg = real("mv_oberrhein.gpkg");
    let err = load(&gpkg, &[("lines", "spans"), ("ElecConductor", "feeders")]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("mv_oberrhein.gpkg"), "{text}");
    assert!(
        text.contains("\"ElecConductor\", which is not there"),
        "{text}"
    );
    assert!(text.contains("buses, lines"), "lists the layers: {text}");
}

#[test]
fn invalid_geometry_names_file_layer_feature_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("spans.csv");
    std::fs::write(
        &csv,
        "wkt,name\n\"LINESTRING (-95 29,-95.1 29.1)\",a\n\"LINESTRING (-95.2 29.2,-95.3 29.3)\",b\n\"LINESTRING (-95 29)\",c\n",
    )
    .unwrap();
    let gpkg = tmp.path().join("bad.gpkg");
    run(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            gpkg.to_str().unwrap(),
            csv.to_str().unwrap(),
            "-oo",
            "GEOM_POSSIBLE_NAMES=wkt",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
            "-a_srs",
            "EPSG:4326",
            "-nln",
            "spans",
            "-nlt",
            "LINESTRING",
        ],
    );
    let err = load(&gpkg, &[]).unwrap_err();
    assert_eq!(err.path, gpkg);
    assert_eq!(err.layer.as_deref(), Some("spans"));
    let feature = err.feature.expect("names the feature");
    assert_eq!((feature.index, feature.fid), (2, Some(3)));
    assert!(err.reason.contains("LineString with 1 point(s)"), "{err}");
    assert!(
        err.to_string()
            .ends_with(", layer \"spans\", feature 2 (fid 3): LineString with 1 point(s); at least 2 are needed"),
        "{err}"
    );
    // Lenient: the bad feature is skipped and counted, the rest loads.
    let loaded = gdal::load(
        &gpkg,
        &BTreeMap::new(),
        LoadOptions {
            lenient: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(loaded.layers[0].features.len(), 2);
    assert_eq!(loaded.skipped, [("spans".to_string(), 1)]);
}

#[tokio::test]
async fn a_dataset_path_in_the_configuration_is_served_through_the_gdal_source() {
    let mut config = gridtiles::settings::Config::default();
    config.data.dir = Some(real("mv_oberrhein.gpkg"));
    config.data.select = [("lines", "spans"), ("buses", "poles")]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .into();
    gridtiles::source::validate_config(&config).expect("valid with the gdal build");
    let mut source = gridtiles::source::from_config(&config).unwrap();
    assert_eq!(source.kind(), gridtiles::live::SourceKind::Files);
    let loaded = source.load().await.unwrap_or_else(|e| panic!("{e:#}"));
    let names: Vec<&str> = loaded.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["poles", "spans"]);
    // `serve` and `bake` prepare the same way.
    let state = tokio::task::spawn_blocking(move || gridtiles::app::prepare(&config))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e:#}"));
    let snap = state.snapshot_arc();
    let counts: Vec<(&str, usize)> = snap
        .layers
        .iter()
        .map(|l| (l.name.as_str(), l.features.len()))
        .collect();
    // No `feeders` layer: no network to check, an empty quality layer.
    assert_eq!(counts, [("poles", 320), ("spans", 181), ("quality", 0)]);
}

#[tokio::test]
async fn inspect_lists_layers_and_proposes_a_configuration_that_serves() {
    let gpkg = real("mv_oberrhein.gpkg");
    let text = gdal::inspect(&gpkg).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        text.contains("# layer \"buses\" of ")
            && text.contains(": Point, EPSG:25832 (ETRS89 / UTM zone 32N), 320 features"),
        "{text}"
    );
    assert!(text.contains("#   length_km: Real"), "{text}");
    assert!(text.contains("#   closed: Integer"), "{text}");
    let config: gridtiles::settings::Config = toml::from_str(&text).expect("TOML config");
    let select: Vec<(&str, &str)> = config
        .data
        .select
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        select,
        [
            ("buses", "buses"),
            ("lines", "feeders"),
            ("loads", "meters"),
            ("substations", "substations"),
            ("switches", "switches"),
            ("transformers", "transformers"),
        ]
    );
    // The proposal, as it is, loads and indexes (the built-in `feeders` rules merge by
    // feeder_id and status, which this network lacks: the proposal turns merging off).
    assert!(text.contains("[layers.feeders]\n"), "{text}");
    assert!(text.contains("merge_by = []\n"), "{text}");
    assert!(config.tiling().layer("feeders").merge_by.is_empty());
    let state = tokio::task::spawn_blocking(move || gridtiles::app::prepare(&config))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e:#}"));
    let snap = state.snapshot_arc();
    let names: Vec<&str> = snap.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "buses",
            "feeders",
            "meters",
            "substations",
            "switches",
            "transformers",
            "quality"
        ]
    );
    // The proposed [network]: the switches' type and state columns with their codes, which
    // is what data/real/mv_oberrhein.toml says by hand; the topology from the geometry then
    // has the same quality report (no loop: the open switches are found).
    let fields = &config_fields(&text);
    assert_eq!(fields["switches"]["device_type"], "type", "{text}");
    assert_eq!(fields["switches"]["current_state"], "closed", "{text}");
    let quality = snap.layer("quality").unwrap();
    let kinds: Vec<String> = quality
        .features
        .iter()
        .map(|f| format!("{:?}", f.properties[0]))
        .collect();
    assert_eq!(quality.features.len(), 7, "{kinds:?}");
    assert!(!kinds.iter().any(|k| k.contains("loop")), "{kinds:?}");
}

fn config_fields(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let config: gridtiles::settings::Config = toml::from_str(text).unwrap();
    let values = &config.network.values["switches"];
    assert_eq!(values["device_type"]["CB"], "breaker");
    assert_eq!(values["current_state"]["false"], "open");
    config.network.fields
}
