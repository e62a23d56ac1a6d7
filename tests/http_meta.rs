//! TileJSON, health, JSON 404/405 and CORS through the router (no network).

mod common;

use common::*;
use gridtiles::http::{router, CorsOrigins, Settings};

#[tokio::test]
async fn tilejson_from_host_header() {
    let state = fake_state();
    let r = get(&state, "/tiles.json", &[("host", "tiles.local:8080")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("cache-control"), "no-cache");
    assert!(r.header("vary").contains("host"));
    let tj = r.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://tiles.local:8080/tiles/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["scheme"], "xyz");
    assert_eq!(tj["name"], "gridtiles");
    assert_eq!(tj["version"], "1.1.0");
    assert_eq!(tj["minzoom"], 5, "lowest layer minzoom (substations)");
    assert_eq!(tj["maxzoom"], 16);
    let bounds: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
    let (lon, lat) = HOUSTON;
    assert!(
        (bounds[0] - lon).abs() < 1e-6 && (bounds[1] - lat).abs() < 1e-6,
        "{bounds:?}"
    );
    assert!(bounds[2] > bounds[0] && bounds[3] > bounds[1]);
    let center: Vec<f64> = serde_json::from_value(tj["center"].clone()).unwrap();
    assert!(center[0] > bounds[0] && center[0] < bounds[2]);
    assert!(center[1] > bounds[1] && center[1] < bounds[3]);
    assert_eq!(center[2], 11.0);
    assert!(tj.get("attribution").is_none());
}

#[tokio::test]
async fn tilejson_vector_layers() {
    let state = fake_state();
    let tj = get(&state, "/tiles.json", &[("host", "h")]).await.json();
    let layers = tj["vector_layers"].as_array().unwrap();
    let ids: Vec<&str> = layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["substations", "feeders", "poles"]);
    let feeders = &layers[1];
    assert_eq!(feeders["minzoom"], 8);
    assert_eq!(feeders["maxzoom"], 16);
    assert_eq!(
        feeders["fields"],
        serde_json::json!({"feeder_id": "Number", "status": "String", "voltage_kv": "Number"})
    );
    assert!(feeders["description"]
        .as_str()
        .unwrap()
        .contains("Line layer, 2 features"));
    let poles = &layers[2];
    assert_eq!(poles["minzoom"], 14);
    assert_eq!(
        poles["fields"],
        serde_json::json!({"height_m": "Number", "grounded": "Boolean", "point_count": "Number"})
    );
    assert_eq!(layers[0]["fields"], serde_json::json!({"name": "String"}));
}

#[tokio::test]
async fn tilejson_from_forwarded_headers_and_public_url() {
    let forwarded = [
        ("host", "10.0.0.5:8080"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "maps.example.com, proxy.internal"),
    ];
    let state = state_with(fake_render, 1 << 20, behind_proxy(Settings::default()));
    let tj = get_from(&state, "10.1.2.3:40000", "/tiles.json", &forwarded)
        .await
        .json();
    assert_eq!(
        tj["tiles"][0],
        "https://maps.example.com/tiles/{z}/{x}/{y}.mvt"
    );
    // From a peer outside the trusted proxies, or with none configured: the Host header.
    for (state, peer) in [
        (state.clone(), "203.0.113.7:40000"),
        (fake_state(), "10.1.2.3:40000"),
    ] {
        let tj = get_from(&state, peer, "/tiles.json", &forwarded)
            .await
            .json();
        assert_eq!(tj["tiles"][0], "http://10.0.0.5:8080/tiles/{z}/{x}/{y}.mvt");
    }
    // In-process requests (no peer address) are not trusted either.
    let tj = get(&state, "/tiles.json", &forwarded).await.json();
    assert_eq!(tj["tiles"][0], "http://10.0.0.5:8080/tiles/{z}/{x}/{y}.mvt");

    let settings = Settings {
        public_url: Some("https://grid.example.com/gt".into()),
        attribution: Some("© Utility".into()),
        ..Settings::default()
    };
    let state = state_with(fake_render, 1 << 20, settings);
    let r = get(&state, "/tiles.json", &[("host", "ignored:1")]).await;
    assert!(!r.header("vary").contains("host"), "{}", r.header("vary"));
    let tj = r.json();
    assert_eq!(
        tj["tiles"][0],
        "https://grid.example.com/gt/tiles/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["attribution"], "© Utility");
}

#[tokio::test]
async fn tilejson_bad_host_headers() {
    let state = state_with(fake_render, 1 << 20, behind_proxy(Settings::default()));
    let r = get(&state, "/tiles.json", &[]).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("--public-url"));
    for bad in [
        [("host", "a"), ("x-forwarded-host", "evil\"/x")],
        [("host", "a"), ("x-forwarded-proto", "gopher")],
    ] {
        let r = get_from(&state, "10.0.0.1:1", "/tiles.json", &bad).await;
        assert_eq!(r.status, 400, "{bad:?}");
        // Not from a trusted proxy: ignored.
        let r = get_from(&state, "192.0.2.1:1", "/tiles.json", &bad).await;
        assert_eq!(r.status, 200, "{bad:?}");
    }
}

#[tokio::test]
async fn tilejson_for_a_layer_subset() {
    let state = fake_state();
    let r = get(&state, "/tiles.json?layers=poles,feeders", &[("host", "h")]).await;
    assert_eq!(r.status, 200);
    let tj = r.json();
    assert_eq!(
        tj["tiles"][0],
        "http://h/tiles/{z}/{x}/{y}.mvt?layers=feeders,poles"
    );
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["feeders", "poles"]);
    assert_eq!(tj["minzoom"], 8);
    assert_eq!(tj["center"][2], 11.0);
    let r = get(&state, "/tiles.json?layers=poles", &[("host", "h")]).await;
    assert_eq!(r.json()["center"][2], 14.0, "center zoom clamps to minzoom");
    let r = get(&state, "/tiles.json?layers=nope", &[("host", "h")]).await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("nope"));
}

#[tokio::test]
async fn tilejson_version_follows_the_snapshot() {
    let state = fake_state();
    let v1 = get(&state, "/tiles.json", &[("host", "h")]).await.json();
    state.publish(snapshot(5));
    let v5 = get(&state, "/tiles.json", &[("host", "h")]).await.json();
    assert_eq!(v1["version"], "1.1.0");
    assert_eq!(v5["version"], "1.5.0");
}

#[tokio::test]
async fn json_routes_are_compressed_on_request() {
    let state = fake_state();
    let r = get(
        &state,
        "/tiles.json",
        &[("host", "h"), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.header("content-encoding"), "gzip");
    let tj: serde_json::Value = serde_json::from_slice(&gunzip(&r.body)).unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
}

#[tokio::test]
async fn health_reports_data_and_cache() {
    let state = fake_state();
    get(&state, Z14_TILE, &[]).await;
    get(&state, Z14_TILE, &[]).await;
    let r = get(&state, "/api/health", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), "no-store");
    let h = r.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], 1);
    assert_eq!(
        h["data"]["layers"],
        serde_json::json!({"substations": 1, "feeders": 2, "poles": 20})
    );
    assert_eq!(h["data"]["features"], 23);
    assert_eq!(h["data"]["bounds"].as_array().unwrap().len(), 4);
    let c = &h["cache"];
    assert_eq!(
        (c["hits"].as_u64(), c["misses"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(c["entries"], 1);
    assert!(c["bytes"].as_u64().unwrap() > 0);
    assert_eq!(c["capacity_bytes"], 16 << 20);
    assert_eq!(c["evictions"], 0);
    assert!(h["uptime_s"].is_u64());
}

#[tokio::test]
async fn unknown_paths_and_methods_are_json() {
    let app = router(fake_state());
    for path in ["/nope", "/tiles/1/2", "/tiles/1/2/3/4.mvt", "/api"] {
        let r = send(&app, "GET", path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("content-type"), "application/json");
        assert!(r.json()["error"].as_str().unwrap().contains(path));
    }
    for (method, path) in [
        ("POST", Z14_TILE),
        ("DELETE", "/tiles.json"),
        ("PUT", "/api/health"),
    ] {
        let r = send(&app, method, path, &[]).await;
        assert_eq!(r.status, 405, "{method} {path}");
        assert_eq!(r.header("content-type"), "application/json");
        assert!(r.header("allow").contains("GET"), "{:?}", r.headers);
        assert!(r.json()["error"].as_str().unwrap().contains(method));
    }
}

#[tokio::test]
async fn cors_any_origin() {
    let app = router(fake_state());
    let origin = ("origin", "https://viewer.example.org");
    let r = send(&app, "GET", Z14_TILE, &[origin]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), "*");
    assert!(r.header("access-control-expose-headers").contains("etag"));
    let r = send(&app, "GET", "/nope", &[origin]).await;
    assert_eq!(r.header("access-control-allow-origin"), "*");
    let pre = send(
        &app,
        "OPTIONS",
        Z14_TILE,
        &[origin, ("access-control-request-method", "GET")],
    )
    .await;
    assert!(pre.status.is_success(), "{}", pre.status);
    assert_eq!(pre.header("access-control-allow-origin"), "*");
    assert!(pre.header("access-control-allow-methods").contains("GET"));
}

#[tokio::test]
async fn cors_origin_list() {
    let settings = Settings {
        cors_origins: CorsOrigins::List(vec!["https://maps.example.com".parse().unwrap()]),
        ..Settings::default()
    };
    let app = router(state_with(fake_render, 1 << 20, settings));
    let ok = send(
        &app,
        "GET",
        Z14_TILE,
        &[("origin", "https://maps.example.com")],
    )
    .await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        "https://maps.example.com"
    );
    assert!(ok
        .headers
        .get_all("vary")
        .iter()
        .any(|v| v == "origin" || v.to_str().unwrap().contains("origin")));
    let other = send(&app, "GET", Z14_TILE, &[("origin", "https://evil.example")]).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), "");
}
