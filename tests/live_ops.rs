//! Live operations over HTTP: `/api/crews` (filter, assignment, errors), `/api/kpi` and
//! `/api/substations/status` reading the outages and crews layers, before and after
//! simulator ticks, and the fallbacks without those layers.

mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::*;
use gridtiles::cache::TileCache;
use gridtiles::http::{AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::simulate::Simulator;
use gridtiles::source::demo::{generate, DemoParams};
use serde_json::Value;

fn demo_state(keep: impl Fn(&str) -> bool) -> AppState {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.1,
    })
    .into_iter()
    .filter(|l| keep(&l.name))
    .collect();
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    AppState::new(snap, TileCache::new(0), Settings::default())
}

/// Outages layer features' (count, customers out) and crew statuses, read directly.
fn layer_truth(state: &AppState) -> (u64, u64, HashMap<String, u64>) {
    let snap = state.snapshot_arc();
    let o = snap.layer("outages").unwrap();
    let at = |l: &gridtiles::index::IndexedLayer, f: &str| {
        l.fields.iter().position(|x| x.name == f).unwrap()
    };
    let out: i64 = o
        .features
        .iter()
        .map(|f| match &f.properties[at(o, "customers_out")] {
            Some(gridtiles::model::Value::Int(i)) => *i,
            _ => panic!("customers_out"),
        })
        .sum();
    let c = snap.layer("crews").unwrap();
    let mut crews = HashMap::new();
    for f in &c.features {
        if let Some(gridtiles::model::Value::Str(s)) = &f.properties[at(c, "status")] {
            *crews.entry(s.to_string()).or_default() += 1;
        }
    }
    (o.features.len() as u64, out as u64, crews)
}

async fn check_kpi_matches_layers(state: &AppState) {
    let (n, out, crews) = layer_truth(state);
    let kpi = get(state, "/api/kpi", &[]).await;
    assert_eq!(kpi.status, StatusCode::OK);
    let k = kpi.json();
    assert_eq!(k["active_outages"], n);
    assert_eq!(k["customers_out_now"], out);
    for s in ["available", "dispatched", "on_site"] {
        assert_eq!(k["crews"][s], crews.get(s).copied().unwrap_or(0), "{s}");
    }
    assert_eq!(k["crews"]["total"], crews.values().sum::<u64>());
    let subs = get(state, "/api/substations/status", &[]).await.json();
    let sum = |f: &str| -> u64 {
        subs["substations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[f].as_u64().unwrap())
            .sum()
    };
    assert_eq!(sum("active_outages"), n);
    assert_eq!(sum("customers_out_now"), out);
}

#[tokio::test]
async fn crews_and_kpis_follow_the_operations_layers_through_simulated_ticks() {
    let state = demo_state(|_| true);
    let r = get(&state, "/api/crews", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let list = j["crews"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(j["count"], 3);
    assert_eq!(j["truncated"], false);
    for c in list {
        assert_eq!(c["status"], "available");
        assert!(c["assignment"].is_null());
        assert!((-96.0..-94.5).contains(&c["lon"].as_f64().unwrap()), "{c}");
        assert!((29.0..30.5).contains(&c["lat"].as_f64().unwrap()), "{c}");
        assert!(c["substation_id"].as_u64().is_some() && c["substation_name"].is_string());
        assert!(c["name"].as_str().unwrap().starts_with("Crew "));
    }
    check_kpi_matches_layers(&state).await;
    let mut sim = Simulator::new(&state.snapshot_arc(), 5, 8).unwrap();
    let mut saw_assignment = false;
    for t in 0..12 {
        sim.tick(state.store(), 1_780_000_000 + t).unwrap();
        check_kpi_matches_layers(&state).await;
        let busy = get(&state, "/api/crews?status=dispatched", &[])
            .await
            .json();
        let on_site = get(&state, "/api/crews?status=on_site", &[]).await.json();
        let free = get(&state, "/api/crews?status=available", &[]).await.json();
        let total = busy["count"].as_u64().unwrap()
            + on_site["count"].as_u64().unwrap()
            + free["count"].as_u64().unwrap();
        assert_eq!(total, 3);
        for c in busy["crews"]
            .as_array()
            .unwrap()
            .iter()
            .chain(on_site["crews"].as_array().unwrap())
        {
            let a = &c["assignment"];
            assert!(a["outage_id"].as_u64().unwrap() >= 70_000_000, "{c}");
            assert!(a["feeder_id"].as_u64().unwrap() >= 2_000_000, "{c}");
            assert!(matches!(
                a["outage_status"].as_str(),
                Some("crew_dispatched" | "restoring")
            ));
            saw_assignment = true;
        }
        for c in free["crews"].as_array().unwrap() {
            assert_eq!(c["status"], "available");
            assert!(c["assignment"].is_null());
        }
    }
    assert!(saw_assignment, "crews were dispatched");
    let bad = get(&state, "/api/crews?status=asleep", &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().contains("status"));
}

#[tokio::test]
async fn without_operations_layers_crews_404_and_kpis_fall_back() {
    let state = demo_state(|name| name != "crews" && name != "outages");
    let r = get(&state, "/api/crews", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("crews layer"));
    let k = get(&state, "/api/kpi", &[]).await.json();
    assert_eq!(k["crews"], Value::Null);
    // Synthetic outages in progress.
    assert!(k["active_outages"].as_u64().is_some());
    assert!(Simulator::new(&state.snapshot_arc(), 1, 8).is_err());
}
