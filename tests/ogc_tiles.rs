//! OGC API - Tiles under `/ogc` over the demo grid (scale 0.1): the tile matrix set, tile set
//! lists and metadata (required members and links), and tiles that are byte for byte the
//! `/tiles` tiles, with the same ETag/304, gzip and 204 behaviour and errors.

mod api_support;
mod common;

use api_support::*;
use axum::http::StatusCode;
use common::{send, Reply};
use gridtiles::tiles::TileCoord;
use serde_json::Value;

const ROOT: &str = "http://gis.test/ogc";
const MVT: &str = "application/vnd.mapbox-vector-tile";

async fn req(uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut h = vec![("host", "gis.test")];
    h.extend_from_slice(headers);
    send(&app(), "GET", uri, &h).await
}

async fn ogc(uri: &str) -> Reply {
    req(uri, &[]).await
}

fn link<'a>(doc: &'a Value, rel: &str) -> &'a Value {
    doc["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == rel)
        .unwrap_or_else(|| panic!("no {rel} link in {}", doc["links"]))
}

#[tokio::test]
async fn tile_matrix_sets() {
    let doc = ogc("/ogc/tileMatrixSets").await.json();
    let tms = &doc["tileMatrixSets"][0];
    assert_eq!(tms["id"], "WebMercatorQuad");
    assert_eq!(
        tms["uri"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    assert_eq!(
        link(tms, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")["href"],
        format!("{ROOT}/tileMatrixSets/WebMercatorQuad")
    );
    let r = ogc("/ogc/tileMatrixSets/WebMercatorQuad").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/json");
    let d = r.json();
    assert_eq!(d["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let m = d["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), 25);
    for (z, matrix) in m.iter().enumerate() {
        assert_eq!(matrix["id"], z.to_string());
        assert_eq!(matrix["matrixWidth"], 1u64 << z);
        assert_eq!(matrix["tileWidth"], 256);
        assert_eq!(matrix["cornerOfOrigin"], "topLeft");
        for k in [
            "scaleDenominator",
            "cellSize",
            "pointOfOrigin",
            "matrixHeight",
            "tileHeight",
        ] {
            assert!(!matrix[k].is_null(), "{k}");
        }
    }
    let r = ogc("/ogc/tileMatrixSets/WorldCRS84Quad").await;
    assert_error(&r, StatusCode::NOT_FOUND, "WorldCRS84Quad");
}

/// Checks a tile set document for `layers` and returns its tile URL template.
fn check_tileset(doc: &Value, prefix: &str, layers: &[&str]) -> String {
    assert_eq!(doc["dataType"], "vector");
    assert_eq!(doc["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    assert_eq!(
        doc["tileMatrixSetURI"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    assert_eq!(
        link(doc, "self")["href"],
        format!("{ROOT}{prefix}/tiles/WebMercatorQuad")
    );
    assert_eq!(
        link(doc, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")["href"],
        format!("{ROOT}/tileMatrixSets/WebMercatorQuad")
    );
    let item = link(doc, "item");
    assert_eq!(item["type"], MVT);
    assert_eq!(item["templated"], true);
    let template = item["href"].as_str().unwrap().to_owned();
    assert_eq!(
        template,
        format!("{ROOT}{prefix}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")
    );
    let snapshot = demo().1.snapshot_arc();
    let chosen: Vec<_> = layers.iter().map(|n| snapshot.layer(n).unwrap()).collect();
    let got: Vec<&str> = doc["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, layers);
    for (entry, l) in doc["layers"].as_array().unwrap().iter().zip(&chosen) {
        assert_eq!(entry["minTileMatrix"], l.config.minzoom.to_string());
        assert_eq!(entry["maxTileMatrix"], l.config.maxzoom.to_string());
        let props = entry["propertiesSchema"]["properties"].as_object().unwrap();
        for &i in &l.tile_fields {
            assert!(
                props.contains_key(&l.fields[i].name),
                "{} {}",
                l.name,
                l.fields[i].name
            );
        }
    }
    // One limit per zoom from the lowest layer zoom to the maximum, holding the data.
    let minzoom = chosen.iter().map(|l| l.config.minzoom).min().unwrap();
    let limits = doc["tileMatrixSetLimits"].as_array().unwrap();
    let maxzoom = snapshot.tiling.tiles.maxzoom;
    assert_eq!(limits.len(), usize::from(maxzoom - minzoom + 1));
    let bbox = &doc["boundingBox"];
    let (ll, ur) = (&bbox["lowerLeft"], &bbox["upperRight"]);
    let b = [&ll[0], &ll[1], &ur[0], &ur[1]].map(|v| v.as_f64().unwrap());
    for (lim, z) in limits.iter().zip(minzoom..) {
        assert_eq!(lim["tileMatrix"], z.to_string());
        let tiles: Vec<TileCoord> = TileCoord::covering(b, z).collect();
        let min_col = tiles.iter().map(|t| t.x).min().unwrap();
        let max_row = tiles.iter().map(|t| t.y).max().unwrap();
        assert_eq!(lim["minTileCol"], min_col, "z{z}");
        assert_eq!(lim["maxTileRow"], max_row, "z{z}");
        assert!(lim["minTileRow"].as_u64() <= lim["maxTileRow"].as_u64());
    }
    template
}

#[tokio::test]
async fn tileset_lists_and_metadata() {
    let doc = ogc("/ogc/tiles").await.json();
    let set = &doc["tilesets"][0];
    assert_eq!(set["dataType"], "vector");
    assert_eq!(
        link(set, "self")["href"],
        format!("{ROOT}/tiles/WebMercatorQuad")
    );
    assert_eq!(link(&doc, "self")["href"], format!("{ROOT}/tiles"));
    let names: Vec<&str> = demo().0.iter().map(|l| l.name.as_str()).collect();
    let r = ogc("/ogc/tiles/WebMercatorQuad").await;
    assert_eq!(r.status, 200);
    check_tileset(&r.json(), "", &names);

    let doc = ogc("/ogc/collections/feeders/tiles").await.json();
    assert_eq!(
        link(&doc["tilesets"][0], "self")["href"],
        format!("{ROOT}/collections/feeders/tiles/WebMercatorQuad")
    );
    let doc = ogc("/ogc/collections/feeders/tiles/WebMercatorQuad")
        .await
        .json();
    check_tileset(&doc, "/collections/feeders", &["feeders"]);
    assert_eq!(
        link(&doc, "http://www.opengis.net/def/rel/ogc/1.0/geodata")["href"],
        format!("{ROOT}/collections/feeders")
    );
    assert_eq!(doc["layers"][0]["geometryDimension"], 1);

    assert_error(
        &ogc("/ogc/tiles/Other").await,
        StatusCode::NOT_FOUND,
        "Other",
    );
    assert_error(
        &ogc("/ogc/collections/x/tiles").await,
        StatusCode::NOT_FOUND,
        "\"x\"",
    );
    let r = ogc("/ogc/collections/x/tiles/WebMercatorQuad").await;
    assert_error(&r, StatusCode::NOT_FOUND, "\"x\"");
    let r = ogc("/ogc/collections/feeders/tiles/Other").await;
    assert_error(&r, StatusCode::NOT_FOUND, "Other");
}

/// Tiles over the demo's centre at several zooms, and a few away from the data.
fn sample_tiles() -> Vec<TileCoord> {
    let b = demo().1.snapshot_arc().bounds;
    let c = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    let mut out = Vec::new();
    for z in [5u8, 8, 11, 13, 14, 15, 16] {
        out.extend(TileCoord::covering([c[0], c[1], c[0] + 0.01, c[1] + 0.01], z).take(2));
    }
    out.push(TileCoord { z: 3, x: 0, y: 0 });
    out.push(TileCoord { z: 16, x: 1, y: 1 });
    out
}

#[tokio::test]
async fn ogc_tiles_are_the_tiles_of_tiles() {
    let mut non_empty = 0;
    let mut empty = 0;
    for t in sample_tiles() {
        let ogc_uri = format!("/ogc/tiles/WebMercatorQuad/{}/{}/{}", t.z, t.y, t.x);
        let xyz = format!("/tiles/{}/{}/{}.mvt", t.z, t.x, t.y);
        for headers in [&[("accept-encoding", "gzip")][..], &[]] {
            let a = req(&ogc_uri, headers).await;
            let b = req(&xyz, headers).await;
            assert_eq!(a.status, b.status, "{ogc_uri}");
            assert_eq!(a.body, b.body, "{ogc_uri}");
            for h in [
                "etag",
                "content-type",
                "content-encoding",
                "cache-control",
                "vary",
            ] {
                assert_eq!(a.header(h), b.header(h), "{ogc_uri} {h}");
            }
            if a.status == 200 {
                non_empty += 1;
                assert_eq!(a.header("content-type"), MVT);
                let etag = a.header("etag").to_owned();
                let mut h = headers.to_vec();
                h.push(("if-none-match", &etag));
                let again = req(&ogc_uri, &h).await;
                assert_eq!(again.status, 304);
                assert!(again.body.is_empty());
            } else {
                assert_eq!(a.status, 204, "{ogc_uri}");
                empty += 1;
            }
        }
        // One collection = /tiles?layers=that.
        for name in ["feeders", "poles"] {
            let a = req(
                &format!(
                    "/ogc/collections/{name}/tiles/WebMercatorQuad/{}/{}/{}",
                    t.z, t.y, t.x
                ),
                &[("accept-encoding", "gzip")],
            )
            .await;
            let b = req(
                &format!("{xyz}?layers={name}"),
                &[("accept-encoding", "gzip")],
            )
            .await;
            assert_eq!((a.status, &a.body), (b.status, &b.body), "{name} {t}");
            assert_eq!(a.header("etag"), b.header("etag"));
        }
    }
    assert!(
        non_empty >= 10 && empty >= 2,
        "{non_empty} tiles, {empty} empty"
    );
}

#[tokio::test]
async fn bad_tile_addresses() {
    let max = demo().1.snapshot_arc().tiling.tiles.maxzoom;
    // Above the maximum zoom: 400, as on /tiles.
    let xyz = req(&format!("/tiles/{}/0/0.mvt", max + 1), &[]).await;
    assert_eq!(xyz.status, 400);
    for (uri, needle) in [
        (
            format!("/ogc/tiles/WebMercatorQuad/{}/0/0", max + 1),
            "tileMatrix",
        ),
        ("/ogc/tiles/WebMercatorQuad/2/4/0".into(), "tileRow 4"),
        ("/ogc/tiles/WebMercatorQuad/2/0/4".into(), "tileCol 4"),
        ("/ogc/tiles/WebMercatorQuad/a/0/0".into(), "tileMatrix"),
        ("/ogc/tiles/WebMercatorQuad/2/0.mvt/0".into(), "tileRow"),
        ("/ogc/tiles/WebMercatorQuad/2/0/-1".into(), "tileCol"),
        ("/ogc/tiles/WebMercatorQuad/1/0/0?f=png".into(), "\"f\""),
        (
            "/ogc/collections/feeders/tiles/WebMercatorQuad/2/9/0".into(),
            "tileRow 9",
        ),
    ] {
        assert_error(&req(&uri, &[]).await, StatusCode::BAD_REQUEST, needle);
    }
    assert_eq!(
        req("/ogc/tiles/WebMercatorQuad/1/0/0?f=mvt", &[])
            .await
            .status,
        204
    );
    let r = req("/ogc/tiles/Other/1/0/0", &[]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Other");
    let r = req("/ogc/collections/nope/tiles/WebMercatorQuad/1/0/0", &[]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "nope");
}

#[tokio::test]
async fn every_document_route_refuses_an_unknown_format() {
    for uri in [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/poles",
        "/ogc/collections/poles/items/1",
        "/ogc/tileMatrixSets",
        "/ogc/tileMatrixSets/WebMercatorQuad",
        "/ogc/tiles",
        "/ogc/tiles/WebMercatorQuad",
        "/ogc/collections/poles/tiles",
        "/ogc/collections/poles/tiles/WebMercatorQuad",
    ] {
        let r = ogc(&format!("{uri}?f=xml")).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "\"f\"");
        if !uri.ends_with("/items/1") {
            let ok = ogc(&format!("{uri}?f=json")).await;
            assert_eq!(ok.status, 200, "{uri}");
            assert_eq!(ok.header("content-type"), "application/json", "{uri}");
            assert_eq!(ok.header("cache-control"), "no-cache", "{uri}");
        }
    }
}
