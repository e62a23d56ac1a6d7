//! `/api/assistant` through the real router on the demo grid at scale 0.1: each intent's
//! answer against the API it calls, and the fallback.

mod api_support;
mod common;

use axum::http::StatusCode;
use serde_json::Value;

use api_support::*;

async fn ask(q: &str) -> Value {
    let r = get(&format!(
        "/api/assistant?q={}",
        q.replace(' ', "%20")
            .replace('%', "%25")
            .replace("%2520", "%20")
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {:?}", r.body);
    r.json()
}

fn column_of(j: &Value, name: &str) -> Vec<Value> {
    let cols = j["answer"]["columns"].as_array().unwrap();
    let i = cols
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("{name} in {cols:?}"));
    j["answer"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[i].clone())
        .collect()
}

#[tokio::test]
async fn outages_customers_and_kpis() {
    let outages = layer("outages");
    let o = &outages.features[0];
    let feeder = i(&column(outages, "feeder_id")[&o.id]);
    let j = ask(&format!("outages on feeder {feeder}")).await;
    assert_eq!(
        (j["understood"].as_bool(), j["intent"].as_str()),
        (Some(true), Some("outages"))
    );
    assert!(column_of(&j, "id").contains(&Value::from(o.id)));
    assert!(column_of(&j, "feeder_id")
        .iter()
        .all(|f| f == &Value::from(feeder)));
    assert!(j["highlight"]["ids"]
        .as_array()
        .unwrap()
        .contains(&Value::from(o.id)));
    assert!(j["highlight"]["bbox"].is_array());
    assert_eq!(
        j["calls"][0],
        format!("/ogc/collections/outages/items?limit=1000&feeder_id={feeder}")
    );
    let kpi = get("/api/kpi").await.json();
    let j = ask("customers out now").await;
    assert_eq!(j["answer"]["rows"][0][1], kpi["customers_out_now"]);
    assert_eq!(j["answer"]["rows"][1][1], kpi["active_outages"]);
    let j = ask("SAIDI last month").await;
    assert_eq!(j["intent"], "kpi");
    assert_eq!(j["answer"]["rows"].as_array().unwrap().len(), 1);
    assert!(j["answer"]["rows"][0][1].as_f64().unwrap() >= 0.0);
    assert!(j["calls"][0]
        .as_str()
        .unwrap()
        .starts_with("/api/kpi?from="));
}

#[tokio::test]
async fn places_crews_transformers_assets_traces() {
    let subs = layer("substations");
    let sub = &subs.features[0];
    let name = s(&column(subs, "name")[&sub.id]).to_string();
    let j = ask(&format!("available crews near the {name} substation")).await;
    assert_eq!(j["intent"], "crews");
    assert!(column_of(&j, "status").iter().all(|s| s == "available"));
    let d: Vec<f64> = column_of(&j, "distance_km")
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(!d.is_empty() && d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    let j = ask(&format!("transformers over 30% load at {name}")).await;
    assert_eq!(j["intent"], "transformer_loading");
    assert!(j["calls"][0]
        .as_str()
        .unwrap()
        .contains(&format!("substation={}", sub.id)));
    let pct = column_of(&j, "loading_pct");
    assert!(pct.iter().all(|p| p.as_f64().unwrap() >= 30.0));
    assert!(column_of(&j, "substation_id")
        .iter()
        .all(|s| s == &Value::from(sub.id)));
    let j = ask("crews near Nowhere Special").await;
    assert!(j["note"].as_str().unwrap().contains("no substation"));
    let pole = layer("poles").features[4].id;
    let j = ask(&format!("asset {pole}")).await;
    assert_eq!(j["highlight"]["ids"], serde_json::json!([pole]));
    assert_eq!(j["answer"]["rows"][0][1], "poles");
    let switch = layer("switches").features[0].id;
    let j = ask(&format!("trace downstream of {switch}")).await;
    let trace = get(&format!("/api/trace/{switch}?direction=downstream"))
        .await
        .json();
    let rows = j["answer"]["rows"].as_array().unwrap();
    assert_eq!(rows.last().unwrap()[1], trace["customer_count"]);
    assert!(!j["highlight"]["ids"].as_array().unwrap().is_empty());
    let j = ask("worst poles under 40").await;
    assert!(column_of(&j, "health_score")
        .iter()
        .all(|h| h.as_f64().unwrap() <= 40.0));
    let j = ask(&format!("find {name}")).await;
    assert_eq!(j["answer"]["rows"][0][1], sub.id);
}

#[tokio::test]
async fn not_understood_gets_suggestions_and_errors_are_json() {
    let j = ask("what is the weather").await;
    assert_eq!(j["understood"], false);
    let s = j["suggestions"].as_array().unwrap();
    assert!(s.iter().any(|x| x == "outages on feeder 1000042"));
    assert!(j.get("answer").is_none());
    assert_error(
        &get("/api/assistant").await,
        StatusCode::BAD_REQUEST,
        "\"q\"",
    );
    assert_error(
        &get("/api/assistant?q=asset%207").await,
        StatusCode::NOT_FOUND,
        "7",
    );
}
