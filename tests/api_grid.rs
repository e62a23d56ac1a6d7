//! HTTP tests of the Grid API's topology and grid-state routes through the real router, on
//! the demo grid at scale 0.1: assets, traces, connections, abnormal switches, substation
//! status, the OpenAPI document, and their error cases.

mod api_support;
mod common;

use std::collections::HashSet;

use axum::http::StatusCode;

use api_support::*;

#[tokio::test]
async fn asset_has_layer_attributes_geometry_feeder_substation_and_neighbours() {
    let sw = layer("switches");
    let f = &sw.features[0];
    let r = get(&format!("/api/assets/{}", f.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("application/json"));
    let j = r.json();
    assert_eq!(j["layer"], "switches");
    assert_eq!(j["id"], f.id);
    let feeder = i(&column(sw, "feeder_id")[&f.id]);
    assert_eq!(j["properties"]["feeder_id"], feeder, "typed integer");
    assert!(j["properties"]["device_type"].is_string());
    assert_eq!(j["geometry"]["type"], "Point");
    let c = &j["geometry"]["coordinates"];
    let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    assert!(
        (-96.5..-94.5).contains(&lon) && (29.0..30.5).contains(&lat),
        "{c}"
    );
    assert_eq!(j["feeder"]["id"], feeder);
    assert!(j["feeder"]["name"].is_string(), "{}", j["feeder"]);
    assert_eq!(
        j["substation"]["id"],
        i(&column(sw, "substation_id")[&f.id])
    );
    assert!(j["substation"]["name"].is_string());
    let poles = ids(&j["neighbours"]["ids"]["poles"]);
    let spans = ids(&j["neighbours"]["ids"]["spans"]);
    assert!(poles.len() + spans.len() > 0, "{}", j["neighbours"]);
    // A span: a LineString.
    let span = &layer("feeders").features[10];
    let j = get(&format!("/api/assets/{}", span.id)).await.json();
    assert_eq!(j["geometry"]["type"], "LineString");
    assert_eq!(j["layer"], "feeders");
}

#[tokio::test]
async fn asset_errors() {
    assert_error(
        &get("/api/assets/abc").await,
        StatusCode::BAD_REQUEST,
        "abc",
    );
    assert_error(&get("/api/assets/-4").await, StatusCode::BAD_REQUEST, "-4");
    assert_error(&get("/api/assets/7").await, StatusCode::NOT_FOUND, "7");
}

#[tokio::test]
async fn downstream_of_a_breaker_has_every_energized_span_of_its_feeder() {
    let sw = layer("switches");
    let (kind, feeder, normal, current) = (
        column(sw, "device_type"),
        column(sw, "feeder_id"),
        column(sw, "normal_state"),
        column(sw, "current_state"),
    );
    // Feeders with a switch out of its normal state may be fed in part by a neighbour.
    let disturbed: HashSet<i64> = sw
        .features
        .iter()
        .filter(|f| s(&normal[&f.id]) != s(&current[&f.id]))
        .map(|f| i(&feeder[&f.id]))
        .collect();
    let spans = layer("feeders");
    let (span_feeder, status, section) = (
        column(spans, "feeder_id"),
        column(spans, "status"),
        column(spans, "section"),
    );
    let mut checked = 0;
    for b in sw.features.iter().filter(|f| s(&kind[&f.id]) == "breaker") {
        let fid = i(&feeder[&b.id]);
        if disturbed.contains(&fid) || checked >= 5 {
            continue;
        }
        let want: HashSet<u64> = spans
            .features
            .iter()
            .filter(|f| i(&span_feeder[&f.id]) == fid && s(&section[&f.id]) != "tie")
            .filter(|f| s(&status[&f.id]) == "energized")
            .map(|f| f.id)
            .collect();
        if want.len() < 20 {
            continue; // a stub feeder without customers
        }
        let r = get(&format!("/api/trace/{}?direction=downstream", b.id)).await;
        assert_eq!(r.status, StatusCode::OK);
        let j = r.json();
        assert_eq!(j["direction"], "downstream");
        assert_eq!(j["truncated"], false);
        let got = ids(&j["ids"]["spans"]);
        assert!(want.is_subset(&got), "breaker {} misses spans", b.id);
        assert!(
            j["customer_count"].as_u64().unwrap() > 0,
            "breaker {}",
            b.id
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[tokio::test]
async fn upstream_of_a_meter_reaches_its_substation() {
    let m = layer("meters");
    let (status, sub) = (column(m, "status"), column(m, "substation_id"));
    let on = m
        .features
        .iter()
        .find(|f| s(&status[&f.id]) == "energized")
        .unwrap();
    let j = get(&format!("/api/trace/{}?direction=upstream", on.id))
        .await
        .json();
    assert_eq!(j["energized_from"], i(&sub[&on.id]));
    assert!(j["path"].as_array().unwrap().len() > 1);
    assert_eq!(ids(&j["ids"]["meters"]), HashSet::from([on.id]));
    let off = m
        .features
        .iter()
        .find(|f| s(&status[&f.id]) == "de-energized")
        .unwrap();
    let j = get(&format!("/api/trace/{}?direction=upstream", off.id))
        .await
        .json();
    assert!(j["energized_from"].is_null());
}

#[tokio::test]
async fn isolate_names_devices_and_geometry_covers_the_ids() {
    let m = layer("meters");
    let status = column(m, "status");
    let on = m
        .features
        .iter()
        .find(|f| s(&status[&f.id]) == "energized")
        .unwrap();
    let r = get(&format!(
        "/api/trace/{}?direction=isolate&geometry=true",
        on.id
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["isolable"], true);
    assert!(!j["devices_to_open"].as_array().unwrap().is_empty());
    assert!(j["customer_count"].as_u64().unwrap() >= 1);
    assert!(ids(&j["ids"]["meters"]).contains(&on.id));
    let total: usize = j["ids"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_array().unwrap().len())
        .sum();
    let fc = &j["geometry"];
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"].as_array().unwrap().len(), total);
    assert_eq!(j["geometry_truncated"], false);
    let first = &fc["features"][0];
    assert_eq!(first["type"], "Feature");
    assert!(first["properties"]["layer"].is_string());
}

#[tokio::test]
async fn trace_errors() {
    let sw = layer("switches").features[0].id;
    let r = get(&format!("/api/trace/{sw}?direction=sideways")).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "direction");
    let r = get(&format!("/api/trace/{sw}?geometry=maybe")).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "geometry");
    assert_error(&get("/api/trace/x1").await, StatusCode::BAD_REQUEST, "x1");
    assert_error(&get("/api/trace/7").await, StatusCode::NOT_FOUND, "7");
}

#[tokio::test]
async fn connections_of_a_feeder() {
    let spans = layer("feeders");
    let fid = i(&column(spans, "feeder_id")[&spans.features[0].id]);
    let want = column(spans, "feeder_id")
        .values()
        .filter(|v| i(v) == fid)
        .count();
    let j = get(&format!("/api/topology/connections?feeder={fid}"))
        .await
        .json();
    assert_eq!(j["feeder_id"], fid);
    assert_eq!(j["edges"].as_array().unwrap().len(), want);
    assert_eq!(j["truncated"], false);
    let r = get("/api/topology/connections").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "feeder");
    let r = get("/api/topology/connections?feeder=ten").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "feeder");
    let r = get("/api/topology/connections?feeder=5").await;
    assert_error(&r, StatusCode::NOT_FOUND, "5");
}

#[tokio::test]
async fn abnormal_switches_are_exactly_those_out_of_normal_state() {
    let sw = layer("switches");
    let (normal, current) = (column(sw, "normal_state"), column(sw, "current_state"));
    let want: HashSet<u64> = sw
        .features
        .iter()
        .filter(|f| s(&normal[&f.id]) != s(&current[&f.id]))
        .map(|f| f.id)
        .collect();
    assert!(!want.is_empty());
    let j = get("/api/switches/abnormal").await.json();
    let got: HashSet<u64> = j["switches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_ne!(s["normal_state"], s["current_state"]);
            s["id"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(j["count"], want.len());
}

#[tokio::test]
async fn substation_status_counts_feeders_and_load() {
    let j = get("/api/substations/status").await.json();
    let subs = j["substations"].as_array().unwrap();
    assert_eq!(subs.len(), layer("substations").features.len());
    let n = |k: &str| -> u64 { subs.iter().map(|s| s[k].as_u64().unwrap()).sum() };
    let spans = layer("feeders");
    let feeders: HashSet<i64> = column(spans, "feeder_id").values().map(i).collect();
    let all = n("feeders_energized") + n("feeders_partially_energized") + n("feeders_de_energized");
    assert_eq!(all as usize, feeders.len());
    assert!(n("feeders_partially_energized") + n("feeders_de_energized") > 0);
    let dark = column(spans, "status")
        .iter()
        .filter(|(id, v)| s(v) != "energized" && s(&column(spans, "section")[id]) != "tie")
        .count();
    assert_eq!(n("spans_de_energized") as usize, dark);
    assert!(subs.iter().all(|s| s["load_mw"].as_f64().unwrap() > 0.0));
    assert!(subs.iter().all(|s| s["name"].is_string()));
    assert_eq!(j["power_factor"], 0.9);
    // Outages in progress add up to the KPI's figures (both read the outages layer).
    let kpi = get("/api/kpi").await.json();
    assert_eq!(n("active_outages"), kpi["active_outages"].as_u64().unwrap());
    assert_eq!(
        n("customers_out_now"),
        kpi["customers_out_now"].as_u64().unwrap()
    );
    assert_eq!(
        n("active_outages") as usize,
        layer("outages").features.len()
    );
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let r = get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-type"),
        "application/vnd.oai.openapi+json;version=3.1"
    );
    let j = r.json();
    assert_eq!(j["openapi"], "3.1.0");
    let paths = j["paths"].as_object().unwrap();
    // The generated document and the router agree (src/http/openapi.rs checks every route);
    // here: the API's own routes are served with it.
    for p in [
        "/api/assets/{id}",
        "/api/kpi",
        "/api/outages/{id}/dispatch",
        "/mcp",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    // Each documented API path is routed (not the catch-all 404).
    for p in ["/api/switches/abnormal", "/api/substations/status"] {
        assert_eq!(get(p).await.status, StatusCode::OK, "{p}");
    }
}

#[tokio::test]
async fn grid_api_routes_are_in_the_api_auth_group() {
    use gridtiles::http::AuthPolicy;
    use gridtiles::settings::{AuthConfig, AuthMode, Secret};
    let token = "tok-0123456789abcdef";
    let auth = AuthConfig {
        api: AuthMode::Token,
        tokens: vec![Secret(token.into())],
        ..AuthConfig::default()
    };
    let settings = gridtiles::http::Settings {
        auth: AuthPolicy::from_config(&auth),
        ..gridtiles::http::Settings::default()
    };
    let snap = gridtiles::index::SnapshotBuilder::default()
        .build(demo().0.clone(), 1)
        .unwrap();
    let state =
        gridtiles::http::AppState::new(snap, gridtiles::cache::TileCache::new(1 << 20), settings);
    let app = gridtiles::http::router(state);
    let sw = layer("switches").features[0].id;
    for uri in [
        format!("/api/assets/{sw}"),
        format!("/api/trace/{sw}"),
        "/api/switches/abnormal".into(),
        "/api/openapi.json".into(),
    ] {
        let r = common::send(&app, "GET", &uri, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        let r = common::send(&app, "GET", &uri, &[("x-api-key", token)]).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn without_a_network_assets_still_answer_and_traces_are_404() {
    let app = gridtiles::http::router(common::fake_state());
    let r = common::send(&app, "GET", "/api/assets/1000", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["layer"], "poles");
    assert!(j["neighbours"].is_null());
    let r = common::send(&app, "GET", "/api/trace/1000", &[]).await;
    assert_error(&r, StatusCode::NOT_FOUND, "topology");
}
