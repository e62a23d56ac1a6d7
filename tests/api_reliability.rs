//! `GET /api/kpi/monthly` and `GET /api/outages/worst-feeders` through the real router over
//! the synthetic history of the demo grid (scale 0.1): months and feeders add up to
//! `/api/kpi` for the same period (with and without major event days), rankings, limits
//! and errors.

mod api_support;
mod common;

use axum::http::StatusCode;
use serde_json::Value;

use api_support::*;

const YEAR: &str = "from=2025-01-01T06:00:00Z&to=2026-01-01T06:00:00Z";

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn sum(list: &Value, k: &str) -> f64 {
    list.as_array().unwrap().iter().map(|x| f(&x[k])).sum()
}

#[tokio::test]
async fn months_add_up_to_the_period() {
    for med in ["false", "true"] {
        let m = get(&format!("/api/kpi/monthly?{YEAR}&exclude_med={med}")).await;
        assert_eq!(m.status, StatusCode::OK);
        let m = m.json();
        let k = get(&format!("/api/kpi?{YEAR}&exclude_med={med}"))
            .await
            .json();
        let months = &m["months"];
        let names: Vec<&str> = months
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["month"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 12);
        assert_eq!((names[0], names[11]), ("2025-01", "2025-12"));
        let ix = &k["indices"];
        assert!((sum(months, "customer_minutes") - f(&ix["customer_minutes"])).abs() <= 1.0);
        assert!(
            (sum(months, "saidi") - f(&ix["saidi_min"])).abs() <= 0.01,
            "{med}"
        );
        assert!(
            (sum(months, "saifi") - f(&ix["saifi"])).abs() <= 0.01,
            "{med}"
        );
        assert_eq!(
            sum(months, "customers_interrupted"),
            f(&ix["customer_interruptions"])
        );
        assert_eq!(sum(months, "sustained_events"), f(&ix["sustained_events"]));
        assert_eq!(m["customers_served"], ix["customers_served"]);
        if med == "true" {
            let meds = k["major_event_days"].as_array().unwrap().len();
            assert!(meds >= 1, "the synthetic year has storm days");
            assert_eq!(sum(months, "med_days") as usize, meds);
            // Excluding MEDs removes the storm days' minutes.
            let all = get(&format!("/api/kpi?{YEAR}")).await.json();
            assert!(sum(months, "saidi") < f(&all["indices"]["saidi_min"]));
            assert_eq!(sum(months, "saidi"), sum(months, "saidi_excl_med"));
        }
        for x in months.as_array().unwrap() {
            let (cm, n) = (f(&x["customer_minutes"]), f(&x["customers_interrupted"]));
            if n > 0.0 {
                assert!((f(&x["caidi"]) - cm / n).abs() <= 0.001, "{x}");
            }
        }
    }
    // A partial month is clipped to the period.
    let m = get("/api/kpi/monthly?from=2025-03-10T06:00:00Z&to=2025-04-20T05:00:00Z")
        .await
        .json();
    let months = m["months"].as_array().unwrap();
    assert_eq!(months.len(), 2);
    assert_eq!(months[0]["from"], "2025-03-10T06:00:00Z");
    assert_eq!(months[0]["to"], "2025-04-01T06:00:00Z");
    assert_eq!(months[1]["to"], "2025-04-20T05:00:00Z");
}

#[tokio::test]
async fn worst_feeders_rank_by_customer_minutes_and_match_the_kpi_groups() {
    let w = get(&format!("/api/outages/worst-feeders?{YEAR}&limit=1000")).await;
    assert_eq!(w.status, StatusCode::OK);
    let w = w.json();
    let list = w["feeders"].as_array().unwrap();
    assert!(!list.is_empty());
    assert_eq!(w["count"], list.len());
    assert_eq!(w["truncated"], false);
    let cmi: Vec<f64> = list.iter().map(|x| f(&x["customer_minutes"])).collect();
    assert!(cmi.windows(2).all(|p| p[0] >= p[1]), "most first");
    let k = get(&format!("/api/kpi?{YEAR}&by=feeder")).await.json();
    assert!((cmi.iter().sum::<f64>() - f(&k["indices"]["customer_minutes"])).abs() <= 1.0);
    let groups: std::collections::HashMap<i64, &Value> = k["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_i64().unwrap(), &g["indices"]))
        .collect();
    let with_events = groups
        .values()
        .filter(|g| g["sustained_events"].as_u64().unwrap() > 0)
        .count();
    assert_eq!(list.len(), with_events);
    for x in list {
        let g = groups[&x["feeder_id"].as_i64().unwrap()];
        assert_eq!(x["interruptions"], g["sustained_events"]);
        assert_eq!(x["customers_interrupted"], g["customer_interruptions"]);
        assert!((f(&x["customer_minutes"]) - f(&g["customer_minutes"])).abs() <= 0.5);
        assert!((f(&x["saidi"]) - f(&g["saidi_min"])).abs() <= 0.001);
        assert!(
            x["feeder_name"].is_string() && x["substation_name"].is_string(),
            "{x}"
        );
    }
    let top = get(&format!("/api/outages/worst-feeders?{YEAR}&limit=1"))
        .await
        .json();
    assert_eq!(top["feeders"].as_array().unwrap().len(), 1);
    assert_eq!(top["feeders"][0], list[0]);
    assert_eq!(
        (top["count"].as_u64(), top["truncated"].as_bool()),
        (Some(list.len() as u64), Some(list.len() > 1))
    );
    let default = get("/api/outages/worst-feeders").await.json();
    assert!(default["feeders"].as_array().unwrap().len() <= 10);
}

#[tokio::test]
async fn bad_parameters_are_400() {
    for uri in [
        "/api/outages/worst-feeders?limit=0",
        "/api/outages/worst-feeders?limit=x",
        "/api/outages/worst-feeders?from=yesterday",
        "/api/kpi/monthly?exclude_med=maybe",
        "/api/kpi/monthly?from=2025-05-01T00:00:00Z&to=2025-04-01T00:00:00Z",
        "/api/kpi/monthly?from=1990-01-01T00:00:00Z&to=1991-01-01T00:00:00Z",
    ] {
        let r = get(uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(r.json()["error"].is_string(), "{uri}");
    }
}
