//! Loading from PostgreSQL (real server, PostGIS): every supported geometry and attribute
//! type, SRID transformation, geography, lon/lat-column layers without PostGIS types, and
//! the reference schema filled by `db load` served like the demo grid (every layer, the
//! live `crews` and `outages` included).

mod pg_common;

use std::collections::BTreeMap;

use geo_types::Geometry;
use gridtiles::model::{FieldType, LayerData, Value};
use gridtiles::source::demo::{self, DemoParams};
use gridtiles::source::postgres::admin::{copy_in, schema};
use gridtiles::source::postgres::load::PgSource;
use gridtiles::source::postgres::PgLayerConfig;
use pg_common::*;

fn layer<'a>(layers: &'a [LayerData], name: &str) -> &'a LayerData {
    layers.iter().find(|l| l.name == name).expect("layer")
}

fn value(l: &LayerData, id: u64, field: &str) -> Option<Value> {
    let i = l.field_index(field).expect("field");
    let f = l.features.iter().find(|f| f.id == id).expect("feature");
    f.properties[i].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_geometry_and_attribute_type_loads() {
    let s = TestSchema::new("types").await;
    let n = &s.name;
    let c = connect().await;
    c.batch_execute(&format!(
        "CREATE TYPE {n}.mood AS ENUM ('ok', 'bad');
         CREATE DOMAIN {n}.pct AS double precision CHECK (VALUE >= 0);
         CREATE TABLE {n}.assets (
             id bigint PRIMARY KEY,
             b boolean, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
             n numeric(10,3), t text, v varchar(20), c char(3), u uuid, e {n}.mood, d {n}.pct,
             dt date, ts timestamp, tstz timestamptz, tm time,
             geom geometry(Geometry, 3857));
         INSERT INTO {n}.assets VALUES
           (1, true, 2, 4, 8, 1.5, 2.25, 12.345, 'text', 'var', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
            'bad', 0.5, '2024-03-01', '2024-03-01 12:34:56', '2024-03-01 12:34:56+02', '12:34:56',
            ST_Transform(ST_SetSRID(ST_MakePoint(-95.37, 29.76), 4326), 3857)),
           (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, ST_Transform(ST_GeomFromText('LINESTRING(-95.37 29.76, -95.36 29.77)', 4326), 3857)),
           (3, false, -2, -4, -8, -1.5, -2.25, -1, '', 'é', 'x', NULL, 'ok', 0, NULL, NULL, NULL, NULL,
            ST_Transform(ST_GeomFromText('POLYGON((-95.37 29.76, -95.36 29.76, -95.36 29.77, -95.37 29.76))', 4326), 3857)),
           (4, NULL, NULL, NULL, 9007199254740993, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            ST_Transform(ST_GeomFromText('MULTIPOINT((-95.37 29.76), (-95.36 29.77))', 4326), 3857)),
           (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            ST_Transform(ST_GeomFromText('MULTILINESTRING((-95.37 29.76, -95.36 29.77), (-95.35 29.76, -95.34 29.75))', 4326), 3857)),
           (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            ST_Transform(ST_GeomFromText('MULTIPOLYGON(((-95.37 29.76, -95.36 29.76, -95.36 29.77, -95.37 29.76)))', 4326), 3857)),
           (7, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
         CREATE TABLE {n}.places (id integer PRIMARY KEY, label text, g geography(Point, 4326));
         INSERT INTO {n}.places VALUES (10, 'geo', 'SRID=4326;POINT(-95.1 29.5)');"
    ))
    .await
    .unwrap();
    let mut cfg = s.config();
    cfg.layers = BTreeMap::from([
        (
            "assets".to_owned(),
            PgLayerConfig {
                table: Some("assets".into()),
                ..Default::default()
            },
        ),
        (
            "places".to_owned(),
            PgLayerConfig {
                sql: Some(format!("SELECT id, label, g FROM {n}.places;")),
                geometry_column: Some("g".into()),
                ..Default::default()
            },
        ),
    ]);
    let src = PgSource::connect(cfg.clone()).await.unwrap();
    let layers = src.load_all().await.unwrap();
    let a = layer(&layers, "assets");
    let kinds: Vec<(&str, FieldType)> =
        a.fields.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    use FieldType::*;
    assert_eq!(
        kinds,
        [
            ("b", Bool),
            ("i2", Int),
            ("i4", Int),
            ("i8", Int),
            ("f4", Float),
            ("f8", Float),
            ("n", Float),
            ("t", String),
            ("v", String),
            ("c", String),
            ("u", String),
            ("e", String),
            ("d", Float),
            ("dt", String),
            ("ts", String),
            ("tstz", String),
            ("tm", String),
        ]
    );
    let expect: &[(&str, Value)] = &[
        ("b", Value::Bool(true)),
        ("i2", Value::Int(2)),
        ("i4", Value::Int(4)),
        ("i8", Value::Int(8)),
        ("f4", Value::Float(1.5)),
        ("f8", Value::Float(2.25)),
        ("n", Value::Float(12.345)),
        ("t", Value::from("text")),
        ("v", Value::from("var")),
        ("c", Value::from("ab")),
        ("u", Value::from("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
        ("e", Value::from("bad")),
        ("d", Value::Float(0.5)),
        ("dt", Value::from("2024-03-01")),
        ("ts", Value::from("2024-03-01T12:34:56")),
        ("tstz", Value::from("2024-03-01T10:34:56Z")),
        ("tm", Value::from("12:34:56")),
    ];
    for (field, v) in expect {
        assert_eq!(value(a, 1, field).as_ref(), Some(v), "{field}");
    }
    assert!(
        a.fields.iter().all(|f| value(a, 2, &f.name).is_none()),
        "NULLs stay absent"
    );
    assert_eq!(value(a, 3, "v"), Some(Value::from("é")));
    assert_eq!(value(a, 4, "i8"), Some(Value::Int(9_007_199_254_740_993)));
    assert!(matches!(value(a, 4, "f8"), Some(Value::Float(f)) if f.is_nan()));
    assert!(
        !a.features.iter().any(|f| f.id == 7),
        "a row without geometry is not shown"
    );
    let geom = |id: u64| &a.features.iter().find(|f| f.id == id).unwrap().geometry;
    match geom(1) {
        Geometry::Point(p) => {
            assert!(
                (p.x() + 95.37).abs() < 1e-9 && (p.y() - 29.76).abs() < 1e-9,
                "{p:?}"
            )
        }
        g => panic!("{g:?}"),
    }
    assert!(matches!(geom(2), Geometry::LineString(_)));
    assert!(matches!(geom(3), Geometry::Polygon(_)));
    assert!(matches!(geom(4), Geometry::MultiPoint(_)));
    assert!(matches!(geom(5), Geometry::MultiLineString(_)));
    assert!(matches!(geom(6), Geometry::MultiPolygon(_)));
    let p = layer(&layers, "places");
    assert_eq!(value(p, 10, "label"), Some(Value::from("geo")));
    assert!(matches!(&p.features[0].geometry, Geometry::Point(q) if (q.x() + 95.1).abs() < 1e-9));

    // Served: the point's z14 tile carries it with its attributes.
    let state = start(cfg).await;
    let (z, x, y) = tile_at(-95.37, 29.76, 14);
    let t = get_tile(&state, z, x, y).await;
    let f = features(&t.tile, "assets");
    let (l, one) = f
        .iter()
        .find(|(_, f)| f.id == Some(1))
        .expect("feature 1 in its tile");
    assert_eq!(
        attr(l, one, "tstz").as_deref(),
        Some("2024-03-01T10:34:56Z")
    );
    assert_eq!(attr(l, one, "i8").as_deref(), Some("8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lon_lat_columns_need_no_postgis_types() {
    let s = TestSchema::new("lonlat").await;
    let n = &s.name;
    let c = connect().await;
    c.batch_execute(&format!(
        "CREATE TABLE {n}.grid_assets_cache (
             asset_id bigint PRIMARY KEY, asset_type text NOT NULL,
             longitude numeric(10,6), latitude numeric(10,6), status text, health real);
         INSERT INTO {n}.grid_assets_cache VALUES
             (1, 'pole', -95.370000, 29.760000, 'ok', 0.9),
             (2, 'pole', -95.371000, 29.761000, 'bad', 0.2),
             (3, 'meter', -95.372000, 29.762000, 'ok', NULL),
             (4, 'pole', NULL, NULL, 'ok', NULL);"
    ))
    .await
    .unwrap();
    let mut cfg = s.config();
    cfg.layers = BTreeMap::from([(
        "poles".to_owned(),
        PgLayerConfig {
            sql: Some(format!(
                "SELECT asset_id, longitude, latitude, status, health \
                 FROM {n}.grid_assets_cache WHERE asset_type = 'pole'"
            )),
            id_column: Some("asset_id".into()),
            lon_column: Some("longitude".into()),
            lat_column: Some("latitude".into()),
            watch: Some(vec![gridtiles::source::postgres::WatchConfig {
                table: "grid_assets_cache".into(),
                schema: None,
                key: "asset_id".into(),
                column: None,
            }]),
            ..Default::default()
        },
    )]);
    let src = PgSource::connect(cfg.clone()).await.unwrap();
    let layers = src.load_all().await.unwrap();
    let poles = layer(&layers, "poles");
    assert_eq!(
        poles.features.len(),
        2,
        "the meter and the pole without position are out"
    );
    assert_eq!(value(poles, 2, "status"), Some(Value::from("bad")));
    assert_eq!(
        value(poles, 1, "health"),
        Some(Value::Float(f64::from(0.9f32)))
    );
    match &poles.features.iter().find(|f| f.id == 2).unwrap().geometry {
        Geometry::Point(p) => assert_eq!((p.x(), p.y()), (-95.371, 29.761)),
        g => panic!("{g:?}"),
    }
    // Live, through the triggers installed by `db triggers`.
    schema::triggers(&cfg).await.unwrap();
    let state = start(cfg).await;
    c.batch_execute(&format!(
        "UPDATE {n}.grid_assets_cache SET status = 'fixed' WHERE asset_id = 2;
         UPDATE {n}.grid_assets_cache SET asset_type = 'meter' WHERE asset_id = 1;"
    ))
    .await
    .unwrap();
    let (z, x, y) = tile_at(-95.371, 29.761, 15);
    let seen = within(std::time::Duration::from_secs(2), || async {
        let t = get_tile(&state, z, x, y).await;
        let f = features(&t.tile, "poles");
        f.len() == 1
            && f.iter()
                .any(|(l, f)| f.id == Some(2) && attr(l, f, "status").as_deref() == Some("fixed"))
    })
    .await;
    assert!(
        seen.is_some(),
        "the update and the row leaving the query are visible"
    );
    // A row made invalid (not WGS84) is left out, and live updates go on.
    c.batch_execute(&format!(
        "UPDATE {n}.grid_assets_cache SET longitude = 512.5 WHERE asset_id = 2;
         UPDATE {n}.grid_assets_cache SET asset_type = 'pole' WHERE asset_id = 3;"
    ))
    .await
    .unwrap();
    let poles_now = || {
        let state = state.clone();
        async move {
            let snap = state.snapshot_arc();
            let l = snap.layer("poles").unwrap();
            let mut ids: Vec<u64> = l.features.iter().map(|f| f.id).collect();
            ids.sort_unstable();
            ids
        }
    };
    let seen = within(std::time::Duration::from_secs(2), || async {
        poles_now().await == [3]
    })
    .await;
    assert!(seen.is_some(), "{:?}", poles_now().await);
    assert_eq!(
        state.source_status().state,
        gridtiles::live::SourceState::Ok
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_init_and_load_serve_the_demo_grid() {
    let s = TestSchema::new("demo").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    schema::init(&cfg).await.expect("db init is idempotent");
    let grid = demo::generate(&DemoParams {
        seed: 3,
        scale: 0.02,
    });
    let written = copy_in::load(&cfg, &grid).await.unwrap();
    copy_in::load(&cfg, &grid)
        .await
        .expect("db load can run again");
    assert_eq!(written["meters"], layer(&grid, "meters").features.len());
    let src = PgSource::connect(cfg.clone()).await.unwrap();
    let loaded = src.load_all().await.unwrap();
    let names = |layers: &[gridtiles::model::LayerData]| {
        layers.iter().map(|l| l.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        names(&loaded),
        names(&grid),
        "every layer, in the demo's order"
    );
    for l in &grid {
        let got = layer(&loaded, &l.name);
        assert_eq!(
            got.fields, l.fields,
            "{}: the demo's attribute names and types",
            l.name
        );
        let mut a = got.features.clone();
        let mut b = l.features.clone();
        a.sort_by_key(|f| f.id);
        b.sort_by_key(|f| f.id);
        assert_eq!(a.len(), b.len(), "{}", l.name);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.properties, y.properties, "{} {}", l.name, x.id);
            assert_eq!(x.geometry, y.geometry, "{} {}", l.name, x.id);
        }
    }
}
