//! OGC API - Features under `/ogc` over the demo grid (scale 0.1): landing page,
//! conformance, collections, items (bbox, property filters, paging, limits) and single
//! features, checked against the spec's required fields and links and against the layers.

mod api_support;
mod common;

use std::collections::HashSet;

use api_support::*;
use axum::http::StatusCode;
use common::{send, Reply};
use geo::{BoundingRect, Intersects};
use gridtiles::http::{router, AppState, AuthPolicy, Settings};
use gridtiles::model::Value as V;
use gridtiles::settings::{AuthConfig, AuthMode, Secret};
use serde_json::Value;

const HOST: &str = "gis.test";
const ROOT: &str = "http://gis.test/ogc";

async fn ogc(uri: &str) -> Reply {
    send(&app(), "GET", uri, &[("host", HOST)]).await
}

/// The link with `rel` (and media type `ty` when given).
fn link<'a>(doc: &'a Value, rel: &str, ty: Option<&str>) -> &'a Value {
    doc["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == rel && ty.is_none_or(|t| l["type"] == t))
        .unwrap_or_else(|| panic!("no {rel} link in {}", doc["links"]))
}

/// Every link has an absolute href, a rel, a type and a title.
fn check_links(doc: &Value) {
    for l in doc["links"].as_array().expect("links") {
        assert!(
            l["href"].as_str().unwrap().starts_with("http://gis.test/"),
            "{l}"
        );
        for k in ["rel", "type", "title"] {
            assert!(l[k].as_str().is_some_and(|s| !s.is_empty()), "{k} of {l}");
        }
    }
}

#[tokio::test]
async fn landing_page_links_everything() {
    let r = ogc("/ogc").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/json");
    assert!(r.header("vary").contains("host"));
    let doc = r.json();
    assert!(doc["title"].is_string() && doc["description"].is_string());
    check_links(&doc);
    assert_eq!(link(&doc, "self", None)["href"], ROOT);
    let desc = link(&doc, "service-desc", None);
    assert_eq!(desc["href"], "http://gis.test/api/openapi.json");
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert_eq!(
        link(&doc, "conformance", None)["href"],
        format!("{ROOT}/conformance")
    );
    assert_eq!(
        link(&doc, "data", None)["href"],
        format!("{ROOT}/collections")
    );
    let tiles = link(
        &doc,
        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
        None,
    );
    assert_eq!(tiles["href"], format!("{ROOT}/tiles"));
    // The service description is served as the type the link advertises, and documents
    // the OGC routes it is linked from.
    let r = ogc("/api/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), desc["type"]);
    let api = r.json();
    for p in [
        "/ogc",
        "/ogc/collections/{collectionId}/items",
        "/data/{file}",
    ] {
        assert!(api["paths"][p]["get"].is_object(), "{p}");
    }
    assert_eq!(ogc("/ogc?f=json").await.status, 200);
    assert_error(&ogc("/ogc?f=html").await, StatusCode::BAD_REQUEST, "\"f\"");
}

#[tokio::test]
async fn conformance_claims_what_is_implemented() {
    let r = ogc("/ogc/conformance").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    let classes: Vec<&str> = doc["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    ] {
        assert!(classes.contains(&c), "{c}");
    }
    // Not implemented, so not claimed: HTML, CRS (Part 2), CQL2 filtering (Part 3).
    assert!(!classes
        .iter()
        .any(|c| c.contains("html") || c.contains("features-2") || c.contains("features-3")));
    assert_eq!(
        link(&doc, "self", None)["href"],
        format!("{ROOT}/conformance")
    );
}

#[tokio::test]
async fn collections_describe_every_layer() {
    let r = ogc("/ogc/collections").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    check_links(&doc);
    assert_eq!(
        link(&doc, "self", None)["href"],
        format!("{ROOT}/collections")
    );
    let list = doc["collections"].as_array().unwrap();
    let layers = &demo().0;
    assert_eq!(list.len(), layers.len());
    for (c, l) in list.iter().zip(layers.iter()) {
        assert_eq!(c["id"], l.name.as_str());
        assert_eq!(c["itemType"], "feature");
        assert_eq!(c["crs"][0], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        check_links(c);
        let items = link(c, "items", Some("application/geo+json"));
        assert_eq!(
            items["href"],
            format!("{ROOT}/collections/{}/items", l.name)
        );
        assert_eq!(
            link(c, "self", None)["href"],
            format!("{ROOT}/collections/{}", l.name)
        );
        let fgb = link(c, "enclosure", Some("application/flatgeobuf"));
        assert_eq!(fgb["href"], format!("http://gis.test/data/{}.fgb", l.name));
        // The extent holds every feature of the layer.
        let b: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(b.len(), 4);
        for f in &l.features {
            let r = f.geometry.bounding_rect().unwrap();
            assert!(
                r.min().x >= b[0] && r.min().y >= b[1] && r.max().x <= b[2] && r.max().y <= b[3],
                "{} feature {} outside {b:?}",
                l.name,
                f.id
            );
        }
        // The single collection document is the same.
        let one = ogc(&format!("/ogc/collections/{}", l.name)).await;
        assert_eq!(one.status, 200);
        assert_eq!(one.json(), *c);
    }
    assert_error(
        &ogc("/ogc/collections/nope").await,
        StatusCode::NOT_FOUND,
        "nope",
    );
}

#[tokio::test]
async fn items_first_page_has_the_required_members() {
    let l = layer("poles");
    let r = ogc("/ogc/collections/poles/items").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/geo+json");
    let doc = r.json();
    assert_eq!(doc["type"], "FeatureCollection");
    assert_eq!(doc["numberMatched"], l.features.len());
    assert_eq!(doc["numberReturned"], 100);
    assert!(gridtiles::http::api::dates::parse(doc["timeStamp"].as_str().unwrap()).is_some());
    check_links(&doc);
    assert_eq!(
        link(&doc, "self", None)["href"],
        format!("{ROOT}/collections/poles/items?limit=100&offset=0")
    );
    assert_eq!(
        link(&doc, "next", None)["href"],
        format!("{ROOT}/collections/poles/items?limit=100&offset=100")
    );
    assert!(doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["rel"] != "prev"));
    let features = doc["features"].as_array().unwrap();
    assert_eq!(features.len(), 100);
    // Feature order; id = asset id; every attribute, typed; WGS84 geometry.
    for (f, src) in features.iter().zip(&l.features) {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["id"], src.id);
        assert_eq!(f["properties"].as_object().unwrap().len(), l.fields.len());
        for (field, v) in l.fields.iter().zip(&src.properties) {
            assert_eq!(f["properties"][&field.name], json_of(v), "{}", field.name);
        }
        let geo_types::Geometry::Point(p) = src.geometry else {
            panic!("poles are points")
        };
        assert_eq!(f["geometry"]["type"], "Point");
        let c = &f["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() - p.x()).abs() < 1e-6);
        assert!((c[1].as_f64().unwrap() - p.y()).abs() < 1e-6);
    }
}

fn json_of(v: &Option<V>) -> Value {
    v.as_ref().map_or(Value::Null, V::to_json)
}

/// Follows `next` links from `first` to the end; returns the ids in order and the pages.
async fn follow(first: &str) -> (Vec<u64>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut uri = first.to_owned();
    loop {
        let r = ogc(&uri).await;
        assert_eq!(r.status, 200, "{uri}: {}", String::from_utf8_lossy(&r.body));
        let doc = r.json();
        pages += 1;
        let features = doc["features"].as_array().unwrap();
        assert_eq!(doc["numberReturned"], features.len());
        ids.extend(features.iter().map(|f| f["id"].as_u64().unwrap()));
        let next = doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_owned());
        match next {
            Some(href) => uri = href.strip_prefix("http://gis.test").unwrap().to_owned(),
            None => return (ids, pages),
        }
        assert!(pages < 10_000, "paging does not end");
    }
}

#[tokio::test]
async fn paging_with_next_links_returns_every_feature_once() {
    for name in ["substations", "switches", "transformers"] {
        let l = layer(name);
        let (ids, pages) = follow(&format!("/ogc/collections/{name}/items?limit=7")).await;
        let expected: Vec<u64> = l.features.iter().map(|f| f.id).collect();
        assert_eq!(
            ids, expected,
            "{name}: every feature once, in feature order"
        );
        assert_eq!(pages, expected.len().div_ceil(7).max(1), "{name}");
    }
    // A page in the middle links back.
    let doc = ogc("/ogc/collections/poles/items?limit=10&offset=25")
        .await
        .json();
    assert_eq!(
        link(&doc, "prev", None)["href"],
        format!("{ROOT}/collections/poles/items?limit=10&offset=15")
    );
    // Past the end: no features, no next.
    let n = layer("poles").features.len();
    let doc = ogc(&format!("/ogc/collections/poles/items?offset={}", n + 5))
        .await
        .json();
    assert_eq!(doc["numberReturned"], 0);
    assert_eq!(doc["numberMatched"], n);
    assert!(doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["rel"] != "next"));
}

/// The lon/lat box around the middle of the feeders' extent, `frac` of its size.
fn middle_box(frac: f64) -> [f64; 4] {
    let l = layer("feeders");
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for f in &l.features {
        let r = f.geometry.bounding_rect().unwrap();
        b = [
            b[0].min(r.min().x),
            b[1].min(r.min().y),
            b[2].max(r.max().x),
            b[3].max(r.max().y),
        ];
    }
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let (w, h) = ((b[2] - b[0]) * frac / 2.0, (b[3] - b[1]) * frac / 2.0);
    [cx - w, cy - h, cx + w, cy + h]
}

#[tokio::test]
async fn bbox_and_filters_select_what_the_layers_hold() {
    let b = middle_box(0.2);
    let rect = geo::Rect::new(
        geo::coord! {x: b[0], y: b[1]},
        geo::coord! {x: b[2], y: b[3]},
    );
    let bbox = format!("{},{},{},{}", b[0], b[1], b[2], b[3]);
    for (name, filter) in [
        ("feeders", None),
        ("feeders", Some(("status", "energized"))),
        ("poles", None),
        ("transformers", Some(("phase", "A"))),
        ("switches", None),
    ] {
        let l = layer(name);
        let column = filter.map(|(f, _)| l.field_index(f).unwrap_or_else(|| panic!("{name}.{f}")));
        let expected: Vec<u64> = l
            .features
            .iter()
            .filter(|f| f.geometry.intersects(&rect))
            .filter(|f| match (column, filter) {
                (Some(i), Some((_, v))) => matches!(&f.properties[i], Some(V::Str(s)) if &**s == v),
                _ => true,
            })
            .map(|f| f.id)
            .collect();
        assert!(
            !expected.is_empty(),
            "{name} {filter:?}: choose a box with data"
        );
        let mut uri = format!("/ogc/collections/{name}/items?bbox={bbox}&limit=10000");
        if let Some((f, v)) = filter {
            uri.push_str(&format!("&{f}={v}"));
        }
        let doc = ogc(&uri).await.json();
        assert_eq!(doc["numberMatched"], expected.len(), "{uri}");
        let got: Vec<u64> = doc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_u64().unwrap())
            .collect();
        assert_eq!(got, expected, "{uri}");
        // Paging the same query keeps bbox and filter in the links.
        let (paged, _) = follow(&uri.replace("limit=10000", "limit=50")).await;
        assert_eq!(paged, expected, "{uri} paged");
    }
    // Numbers and booleans filter by value.
    let l = layer("feeders");
    let i = l.field_index("feeder_id").unwrap();
    let feeder = match &l.features[0].properties[i] {
        Some(V::Int(v)) => *v,
        other => panic!("feeder_id {other:?}"),
    };
    let expected = l
        .features
        .iter()
        .filter(|f| f.properties[i] == Some(V::Int(feeder)))
        .count();
    let doc = ogc(&format!(
        "/ogc/collections/feeders/items?feeder_id={feeder}&limit=1"
    ))
    .await
    .json();
    assert_eq!(doc["numberMatched"], expected);
    assert_eq!(doc["numberReturned"], 1);
}

#[tokio::test]
async fn limits_are_clamped_and_bad_queries_are_400() {
    let n = layer("meters").features.len();
    assert!(n > 10_000, "the demo has more than a page of meters");
    let doc = ogc("/ogc/collections/meters/items?limit=50000")
        .await
        .json();
    assert_eq!(doc["numberReturned"], 10_000);
    assert!(link(&doc, "next", None)["href"]
        .as_str()
        .unwrap()
        .contains("limit=10000&offset=10000"));
    for (query, needle) in [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=0,0,1,1,2,2", "bbox"),
        ("bbox=-200,0,0,1", "longitudes"),
        ("bbox=0,-95,1,1", "latitudes"),
        ("bbox=1,0,0,1", "minLon <= maxLon"),
        ("bbox=NaN,0,1,1", "bbox"),
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("datetime=yesterday", "datetime"),
        ("f=html", "\"f\""),
        ("colour=red", "unknown query parameter \"colour\""),
        ("height_ft=tall", "height_ft"),
        ("limit=5&limit=6", "given twice"),
        ("crs=EPSG:3857", "\"crs\""),
        (
            "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
            "bbox-crs",
        ),
    ] {
        let r = ogc(&format!("/ogc/collections/poles/items?{query}")).await;
        assert_error(&r, StatusCode::BAD_REQUEST, needle);
    }
    let all = ogc("/ogc/collections/poles/items?limit=1").await.json();
    for ok in [
        "f=json",
        "f=geojson",
        "datetime=2025-01-01T00:00:00Z/..",
        "bbox=-180,-90,180,90",
        "bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    ] {
        let doc = ogc(&format!("/ogc/collections/poles/items?limit=1&{ok}"))
            .await
            .json();
        assert_eq!(doc["numberMatched"], all["numberMatched"], "{ok}");
    }
    assert_error(
        &ogc("/ogc/collections/nope/items").await,
        StatusCode::NOT_FOUND,
        "nope",
    );
}

#[tokio::test]
async fn single_features_by_asset_id() {
    let l = layer("feeders");
    let src = &l.features[3];
    let r = ogc(&format!("/ogc/collections/feeders/items/{}", src.id)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/geo+json");
    let doc = r.json();
    assert_eq!(doc["type"], "Feature");
    assert_eq!(doc["id"], src.id);
    assert_eq!(doc["geometry"]["type"], "LineString");
    check_links(&doc);
    assert_eq!(
        link(&doc, "self", None)["href"],
        format!("{ROOT}/collections/feeders/items/{}", src.id)
    );
    assert_eq!(
        link(&doc, "collection", None)["href"],
        format!("{ROOT}/collections/feeders")
    );
    for (field, v) in l.fields.iter().zip(&src.properties) {
        assert_eq!(doc["properties"][&field.name], json_of(v));
    }
    // An id of another layer, a missing one, a non-number: 404.
    let pole = layer("poles").features[0].id;
    for id in [pole.to_string(), "999999999999".into(), "abc".into()] {
        let r = ogc(&format!("/ogc/collections/feeders/items/{id}")).await;
        assert_error(&r, StatusCode::NOT_FOUND, "no feature");
    }
    assert_error(
        &ogc("/ogc/collections/nope/items/1").await,
        StatusCode::NOT_FOUND,
        "nope",
    );
}

fn auth_state(auth: AuthConfig, public_url: Option<&str>) -> AppState {
    let (_, demo_state) = demo();
    AppState::new(
        gridtiles::index::SnapshotBuilder::default()
            .build(demo().0.clone(), 1)
            .unwrap(),
        gridtiles::cache::TileCache::new(1 << 20),
        Settings {
            auth: AuthPolicy::from_config(&auth),
            public_url: public_url.map(str::to_owned),
            ..demo_state.settings().clone()
        },
    )
}

#[tokio::test]
async fn feature_routes_are_in_the_api_group_and_links_follow_public_url() {
    let token = "tok-0123456789abcdef";
    let auth = AuthConfig {
        api: AuthMode::Token,
        tokens: vec![Secret(token.into())],
        ..AuthConfig::default()
    };
    let app = router(auth_state(auth, Some("https://maps.example.com/grid")));
    for uri in [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/poles/items",
        "/data/poles.fgb",
    ] {
        assert_eq!(send(&app, "GET", uri, &[]).await.status, 401, "{uri}");
    }
    // Tiles stay public.
    assert_eq!(send(&app, "GET", "/ogc/tiles", &[]).await.status, 200);
    let bearer = format!("Bearer {token}");
    let r = send(&app, "GET", "/ogc", &[("authorization", &bearer)]).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.header("vary").contains("host"),
        "links do not depend on the request"
    );
    let doc = r.json();
    assert_eq!(
        link(&doc, "self", None)["href"],
        "https://maps.example.com/grid/ogc"
    );
    let ids: HashSet<&str> = ["self", "service-desc", "conformance", "data"].into();
    for l in doc["links"].as_array().unwrap() {
        if ids.contains(l["rel"].as_str().unwrap()) {
            assert!(l["href"]
                .as_str()
                .unwrap()
                .starts_with("https://maps.example.com/grid/"));
        }
    }
    // Without a Host header and without public_url, links cannot be built: 400.
    let r = send(&router(demo().1.clone()), "GET", "/ogc", &[]).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "Host");
}

#[tokio::test]
async fn tile_routes_are_in_the_tiles_group() {
    let auth = AuthConfig {
        tiles: AuthMode::Token,
        tokens: vec![Secret("tok-0123456789abcdef".into())],
        ..AuthConfig::default()
    };
    let app = router(auth_state(auth, None));
    let host = ("host", HOST);
    for uri in [
        "/ogc/tileMatrixSets",
        "/ogc/tileMatrixSets/WebMercatorQuad",
        "/ogc/tiles",
        "/ogc/tiles/WebMercatorQuad",
        "/ogc/tiles/WebMercatorQuad/1/0/0",
        "/ogc/collections/poles/tiles",
        "/ogc/collections/poles/tiles/WebMercatorQuad",
        "/ogc/collections/poles/tiles/WebMercatorQuad/1/0/0",
    ] {
        assert_eq!(send(&app, "GET", uri, &[host]).await.status, 401, "{uri}");
    }
    for uri in [
        "/ogc",
        "/ogc/collections/poles/items?limit=1",
        "/data/substations.fgb",
    ] {
        assert_eq!(send(&app, "GET", uri, &[host]).await.status, 200, "{uri}");
    }
    let bearer = [host, ("authorization", "Bearer tok-0123456789abcdef")];
    let r = send(&app, "GET", "/ogc/tiles/WebMercatorQuad/1/0/0", &bearer).await;
    assert_eq!(r.status, 204);
}
