//! HTTP tests of the Grid API's query and analytics routes through the real router, on the
//! demo grid at scale 0.1: nearest assets, KPIs, outage trends, AMI history, and their
//! error cases.

mod api_support;
mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::Value;

use api_support::*;

fn lonlat(g: &geo_types::Geometry<f64>) -> (f64, f64) {
    match g {
        geo_types::Geometry::Point(p) => (p.x(), p.y()),
        other => panic!("not a point: {other:?}"),
    }
}

#[tokio::test]
async fn nearest_is_sorted_within_range_and_in_metres() {
    use geo::{Distance, Haversine, Point};
    let sub = &layer("substations").features[0];
    let (lon, lat) = lonlat(&sub.geometry);
    // 200 m north-east of the substation, substations only: the first is it.
    let (qlon, qlat) = (lon + 0.0015, lat + 0.0012);
    let uri = format!("/api/nearest?lon={qlon}&lat={qlat}&layers=substations&k=3&max_m=50000");
    let j = get(&uri).await.json();
    let res = j["results"].as_array().unwrap();
    assert_eq!(res[0]["id"], sub.id);
    let want = Haversine.distance(Point::new(qlon, qlat), Point::new(lon, lat));
    let got = res[0]["distance_m"].as_f64().unwrap();
    assert!((got - want).abs() < want * 0.005 + 0.5, "{got} vs {want}");
    // Every layer: sorted, within max_m, at most k.
    let uri = format!("/api/nearest?lon={qlon}&lat={qlat}&k=25&max_m=400");
    let j = get(&uri).await.json();
    let res = j["results"].as_array().unwrap();
    assert!(!res.is_empty() && res.len() <= 25);
    let d: Vec<f64> = res
        .iter()
        .map(|r| r["distance_m"].as_f64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    assert!(d.iter().all(|&x| x <= 400.0));
}

#[tokio::test]
async fn nearest_span_is_measured_to_the_line() {
    let span = &layer("feeders").features[20];
    let geo_types::Geometry::LineString(line) = &span.geometry else {
        panic!("span is a line")
    };
    let (a, b) = (line.0[0], line.0[line.0.len() - 1]);
    let mid = ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
    let uri = format!(
        "/api/nearest?lon={}&lat={}&layers=feeders&k=1",
        mid.0, mid.1
    );
    let j = get(&uri).await.json();
    let first = &j["results"][0];
    assert!(first["distance_m"].as_f64().unwrap() < 1.0, "{first}");
    assert_eq!(first["layer"], "feeders");
}

#[tokio::test]
async fn nearest_errors() {
    let base = "/api/nearest?lon=-95.37&lat=29.76";
    assert_error(
        &get("/api/nearest?lat=29.76").await,
        StatusCode::BAD_REQUEST,
        "lon",
    );
    assert_error(
        &get("/api/nearest?lon=-95.37&lat=north").await,
        StatusCode::BAD_REQUEST,
        "lat",
    );
    assert_error(
        &get(&format!("{base}&k=0")).await,
        StatusCode::BAD_REQUEST,
        "k",
    );
    assert_error(
        &get(&format!("{base}&k=101")).await,
        StatusCode::BAD_REQUEST,
        "k",
    );
    assert_error(
        &get(&format!("{base}&max_m=50001")).await,
        StatusCode::BAD_REQUEST,
        "max_m",
    );
    assert_error(
        &get(&format!("{base}&max_m=NaN")).await,
        StatusCode::BAD_REQUEST,
        "max_m",
    );
    assert_error(
        &get(&format!("{base}&layers=poles,bogus")).await,
        StatusCode::NOT_FOUND,
        "bogus",
    );
    let j = get(&format!("{base}&max_m=1")).await.json();
    assert!(j["results"].as_array().is_some());
}

#[tokio::test]
async fn kpi_over_the_last_year_is_realistic() {
    let r = get("/api/kpi?exclude_med=true").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    let ix = &j["indices"];
    let (saifi, saidi) = (
        ix["saifi"].as_f64().unwrap(),
        ix["saidi_min"].as_f64().unwrap(),
    );
    // Excluding major event days: at most the indices with them (checked below), and a
    // plausible year.
    assert!((0.6..=1.6).contains(&saifi), "SAIFI {saifi}");
    assert!((50.0..=190.0).contains(&saidi), "SAIDI {saidi}");
    let caidi = ix["caidi_min"].as_f64().unwrap();
    assert!(
        (caidi - saidi / saifi).abs() < 0.01 * caidi,
        "CAIDI {caidi}"
    );
    assert!(ix["asai"].as_f64().unwrap() > 0.999);
    assert!(ix["maifi"].as_f64().unwrap() >= 0.0 && ix["caifi"].as_f64().unwrap() >= 1.0);
    assert!(j["t_med_min"].as_f64().unwrap() > 0.0);
    assert!(j["major_event_days"].is_array());
    assert!(j["total_load_mw"].as_f64().unwrap() > 0.0);
    assert_eq!(j["power_factor"], 0.9);
    assert!(j["active_outages"].as_u64().is_some() && j["customers_out_now"].as_u64().is_some());
    // The demo grid's outages and crews layers (see tests/live_ops.rs).
    assert!(j["crews"]["total"].as_u64().unwrap() >= 3);
    // With MEDs the indices can only grow; all in, the last 365 days are a realistic year
    // (SAIFI ≈ 1–1.5, SAIDI ≈ 90–180 min; the 60 feeders of scale 0.1 vary a little more
    // from year to year than the full grid, hence the margin).
    let all = get("/api/kpi").await.json();
    let a = &all["indices"];
    let (a_saifi, a_saidi) = (
        a["saifi"].as_f64().unwrap(),
        a["saidi_min"].as_f64().unwrap(),
    );
    assert!(a_saifi >= saifi && a_saidi >= saidi);
    assert!((0.85..=1.6).contains(&a_saifi), "SAIFI {a_saifi}");
    assert!((75.0..=190.0).contains(&a_saidi), "SAIDI {a_saidi}");
    assert!(all.get("t_med_min").is_none());
    // Per substation: one group per substation with customers.
    let by = get("/api/kpi?by=substation").await.json();
    let groups = by["groups"].as_array().unwrap();
    assert_eq!(groups.len(), layer("substations").features.len());
    let served: u64 = groups
        .iter()
        .map(|g| g["indices"]["customers_served"].as_u64().unwrap())
        .sum();
    assert_eq!(served, all["indices"]["customers_served"].as_u64().unwrap());
}

/// The member names of the outer object of a raw JSON body, in the order they appear.
fn top_level_keys(body: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(body).unwrap();
    let (mut keys, mut depth, mut chars) = (Vec::new(), 0, text.char_indices());
    while let Some((i, c)) = chars.next() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            '"' => {
                let mut end = i + 1;
                for (j, c) in chars.by_ref() {
                    end = j;
                    if c == '"' {
                        break;
                    }
                }
                if depth == 1 && text[end + 1..].starts_with(':') {
                    keys.push(text[i + 1..end].to_owned());
                }
            }
            _ => {}
        }
    }
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort_unstable();
    v
}

/// The response is serialized from typed structs: the same members, in the same
/// (alphabetical) order as when it was built as a `serde_json::Value`, present exactly when
/// `by` / `exclude_med` ask for them.
#[tokio::test]
async fn kpi_members_and_their_order_are_stable() {
    let always = [
        "active_outages",
        "crews",
        "customers_out_now",
        "exclude_med",
        "from",
        "history",
        "indices",
        "power_factor",
        "to",
        "total_load_mw",
    ];
    let indices = [
        "asai",
        "caidi_min",
        "caifi",
        "customer_interruptions",
        "customer_minutes",
        "customers_served",
        "maifi",
        "momentary_events",
        "saidi_min",
        "saifi",
        "sustained_events",
    ];
    let meds = ["major_event_days", "t_med_min"];
    let groups = ["by", "groups", "groups_truncated"];
    for (uri, by, med) in [
        ("/api/kpi", false, false),
        ("/api/kpi?exclude_med=true", false, true),
        ("/api/kpi?by=feeder", true, false),
        ("/api/kpi?by=substation&exclude_med=true", true, true),
    ] {
        let r = get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(r.header("content-type"), "application/json", "{uri}");
        let mut want: Vec<&str> = always.to_vec();
        if by {
            want.extend(groups);
        }
        if med {
            want.extend(meds);
        }
        assert_eq!(top_level_keys(&r.body), sorted(&want), "{uri}");
        let j = r.json();
        let inner = serde_json::to_vec(&j["indices"]).unwrap();
        assert_eq!(top_level_keys(&inner), indices, "{uri}");
        let at = |needle: &[u8]| r.body.windows(needle.len()).position(|w| w == needle);
        // `indices` as written: its members in this order.
        let ix = at(b"\"indices\":{").unwrap();
        assert_eq!(
            top_level_keys(&r.body[ix + 10..])[..indices.len()],
            indices,
            "{uri}"
        );
        if by {
            let list = j["groups"].as_array().unwrap();
            assert!(!list.is_empty() && j["groups_truncated"] == false, "{uri}");
            let g = at(b"\"groups\":[").unwrap();
            assert!(r.body[g..].starts_with(b"\"groups\":[{\"id\":"), "{uri}");
            let first = top_level_keys(&r.body[g + 10..]);
            assert_eq!(first[..2], ["id", "indices"], "{uri}");
            assert_eq!(
                top_level_keys(&serde_json::to_vec(&list[0]).unwrap()),
                ["id", "indices"]
            );
        }
    }
}

#[tokio::test]
async fn kpi_errors() {
    let r = get("/api/kpi?from=2025-13-01T00:00:00Z").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "from");
    let j = get("/api/kpi").await.json();
    let (from, to) = (j["from"].as_str().unwrap(), j["to"].as_str().unwrap());
    let r = get(&format!("/api/kpi?from={to}&to={from}")).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "before");
    let r = get("/api/kpi?from=1990-01-01T00:00:00Z&to=1991-01-01T00:00:00Z").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "history");
    assert_error(
        &get("/api/kpi?by=pole").await,
        StatusCode::BAD_REQUEST,
        "by",
    );
    assert_error(
        &get("/api/kpi?exclude_med=sure").await,
        StatusCode::BAD_REQUEST,
        "exclude_med",
    );
    // An explicit period round-trips.
    let r = get(&format!("/api/kpi?from={from}&to={to}")).await;
    assert_eq!(r.json()["indices"], j["indices"]);
}

#[tokio::test]
async fn outage_trends_add_up_to_the_kpi_events() {
    let kpi = get("/api/kpi").await.json();
    let ix = &kpi["indices"];
    let events =
        ix["sustained_events"].as_u64().unwrap() + ix["momentary_events"].as_u64().unwrap();
    for bucket in ["day", "week", "month"] {
        let j = get(&format!("/api/outages/trends?bucket={bucket}&by=cause"))
            .await
            .json();
        let b = j["buckets"].as_array().unwrap();
        let count: u64 = b.iter().map(|x| x["count"].as_u64().unwrap()).sum();
        assert_eq!(count, events, "{bucket}");
        let starts: Vec<&str> = b.iter().map(|x| x["start"].as_str().unwrap()).collect();
        assert!(starts.windows(2).all(|w| w[0] < w[1]), "{bucket} sorted");
        for x in b {
            let g: u64 = x["groups"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v["count"].as_u64().unwrap())
                .sum();
            assert_eq!(g, x["count"].as_u64().unwrap());
        }
        let n = b.len();
        let max = match bucket {
            "day" => 366,
            "week" => 54,
            _ => 13,
        };
        assert!(n > 1 && n <= max, "{bucket}: {n}");
    }
    let j = get("/api/outages/trends?bucket=month&by=feeder")
        .await
        .json();
    assert!(j["buckets"][0]["groups"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| k.parse::<i64>().is_ok()));
    assert_error(
        &get("/api/outages/trends?bucket=year").await,
        StatusCode::BAD_REQUEST,
        "bucket",
    );
    assert_error(
        &get("/api/outages/trends?by=crew").await,
        StatusCode::BAD_REQUEST,
        "by",
    );
    assert_error(
        &get("/api/outages/trends?to=soon").await,
        StatusCode::BAD_REQUEST,
        "to",
    );
}

#[tokio::test]
async fn ami_history_of_meter_transformer_and_feeder() {
    let m = &layer("meters").features[0];
    let xf = i(&column(layer("meters"), "transformer_id")[&m.id]);
    let day = "from=2025-07-01T06:00:00Z&to=2025-07-02T06:00:00Z"; // a local (UTC−6) day
    let j = get(&format!("/api/ami/history?meter={}&{day}&bucket=1h", m.id))
        .await
        .json();
    let b = j["buckets"].as_array().unwrap();
    assert_eq!(b.len(), 24);
    assert_eq!(j["meters"], 1);
    assert!(b.iter().all(|x| x["kwh"].as_f64().unwrap() >= 0.0));
    assert!(b
        .iter()
        .all(|x| x["peak_kw"].as_f64().unwrap() * 0.25 <= x["kwh"].as_f64().unwrap() * 4.0 + 1e-9));
    let quarter = get(&format!("/api/ami/history?meter={}&{day}&bucket=15m", m.id))
        .await
        .json();
    let q = quarter["buckets"].as_array().unwrap();
    assert_eq!(q.len(), 96);
    let sum = |v: &[Value]| -> f64 { v.iter().map(|x| x["kwh"].as_f64().unwrap()).sum() };
    assert!((sum(q) - sum(b)).abs() < 0.01, "bucketing keeps the energy");
    let t = get(&format!(
        "/api/ami/history?transformer={xf}&{day}&bucket=1d"
    ))
    .await
    .json();
    assert!(t["meters"].as_u64().unwrap() >= 1);
    assert_eq!(t["buckets"].as_array().unwrap().len(), 1);
    let spans = layer("feeders");
    let fid = i(&column(spans, "feeder_id")[&spans.features[100].id]);
    let f = get(&format!("/api/ami/history?feeder={fid}&{day}"))
        .await
        .json();
    assert!(f["meters"].as_u64().unwrap() >= t["meters"].as_u64().unwrap());
}

#[tokio::test]
async fn ami_history_errors() {
    let m = layer("meters").features[0].id;
    let r = get("/api/ami/history").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "exactly one");
    let r = get(&format!("/api/ami/history?meter={m}&feeder=1")).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "exactly one");
    let r = get(&format!("/api/ami/history?meter={m}&bucket=5m")).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bucket");
    let r = get("/api/ami/history?meter=7").await;
    assert_error(&r, StatusCode::NOT_FOUND, "meter");
    let r = get("/api/ami/history?transformer=7").await;
    assert_error(&r, StatusCode::NOT_FOUND, "transformer");
    let r = get(&format!(
        "/api/ami/history?meter={m}&from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&bucket=15m"
    ))
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "narrow");
    // A feeder, a substation and the system come from the per-version rollups: no work
    // cap, ten years of the largest feeder at 1 d answers (over the old cap of the
    // per-meter series).
    let meters = layer("meters");
    let mut per_feeder: HashMap<i64, usize> = HashMap::new();
    for v in column(meters, "feeder_id").values() {
        *per_feeder.entry(i(v)).or_default() += 1;
    }
    let (&fid, &n) = per_feeder.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(n * 35_040 * 10 > 20_000_000);
    let r = get(&format!(
        "/api/ami/history?feeder={fid}&from=2015-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&bucket=1d"
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // 3,653 days whose local (UTC−6) days start at 18:00 UTC: 3,654 buckets.
    assert_eq!(r.json()["buckets"].as_array().unwrap().len(), 3654);
}
