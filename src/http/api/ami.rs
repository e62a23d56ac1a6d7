//! `GET /api/ami/history?meter=|transformer=|feeder=&from=&to=&bucket=15m|1h|1d`: interval
//! energy (kWh) and peak demand (kW) per bucket for one meter, or summed over the meters of
//! a transformer or feeder (from the topology graph): synthetic, or summed in SQL over
//! PostgreSQL's `ami_readings` ([`super::history_source`]; buckets without readings are
//! absent there).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::dates;
use super::graph::with_graph;
use super::history_source::query_error;
use super::kpi::now;
use super::params;
use crate::analytics::ami::{
    check_work, members, series, AmiError, AmiQuery, Bucket, DEFAULT_MAX_WORK, INTERVAL_S,
};
use crate::analytics::time::HOUSTON_UTC_OFFSET_S;
use crate::http::ApiError;
use crate::http::AppState;
use crate::topology::TopologySchema;

/// Buckets one response carries at most.
pub const MAX_BUCKETS: i64 = 10_000;

/// `GET /api/ami/history`.
pub async fn history(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let given: Vec<&str> = ["meter", "transformer", "feeder"]
        .into_iter()
        .filter(|k| q.contains_key(*k))
        .collect();
    let [which] = given[..] else {
        return Err(ApiError::BadRequest(
            "give exactly one of meter, transformer, feeder".into(),
        ));
    };
    let id = params::int(&q, which)?;
    let bucket = match q.get("bucket") {
        None => Bucket::Hour,
        Some(b) => Bucket::parse(b).ok_or_else(|| params::bad("bucket", "15m | 1h | 1d"))?,
    };
    let (from, to) = dates::period(&q, now(), 1)?;
    let buckets = (to - from) / bucket.seconds() + 1;
    if buckets > MAX_BUCKETS {
        return Err(ApiError::BadRequest(format!(
            "{buckets} buckets requested (at most {MAX_BUCKETS}): narrow the range or choose a wider bucket"
        )));
    }
    let which = which.to_string();
    let label = which.clone();
    let ms = with_graph(&state, move |snapshot, graph| {
        let not_found = |e: &str| ApiError::NotFound(format!("{which} {id}: {e}"));
        let meter_ids: Vec<u64> = match which.as_str() {
            "meter" => vec![u64::try_from(id).map_err(|_| not_found("not a meter id"))?],
            "transformer" => {
                let t = u64::try_from(id).map_err(|_| not_found("not a transformer id"))?;
                graph
                    .transformer_meters(t)
                    .map_err(|e| not_found(e.to_string().as_str()))?
            }
            _ => graph
                .feeder_meters(id)
                .map_err(|e| not_found(e.to_string().as_str()))?,
        };
        let ms = members(snapshot, &TopologySchema::default(), &meter_ids);
        if which == "meter" && ms.is_empty() {
            return Err(not_found("no meter has this id"));
        }
        Ok(ms)
    })
    .await?;
    let query = AmiQuery {
        start: from,
        end: to,
        bucket,
        seed: 1,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    };
    let too_much = |e: AmiError| {
        match e {
        AmiError::TooMuchWork { requested, cap } => ApiError::BadRequest(format!(
            "request too large: {requested} meter-intervals (cap {cap}); narrow the range or bucket, or ask for a smaller asset"
        )),
        other => ApiError::BadRequest(other.to_string()),
    }
    };
    let meters = ms.len();
    let values = match state.pg_history() {
        Some(backend) => {
            // The same work cap as the synthetic series (readings scanned).
            check_work(meters, &query, DEFAULT_MAX_WORK).map_err(too_much)?;
            let ids: Vec<i64> = ms
                .iter()
                .filter_map(|m| i64::try_from(m.meter_id).ok())
                .collect();
            // Whole 15-minute intervals, as the synthetic series.
            let start = from.div_euclid(INTERVAL_S) * INTERVAL_S;
            let width = bucket.seconds();
            let most = MAX_BUCKETS as usize;
            backend
                .db
                .ami_buckets(&ids, start, to, width, HOUSTON_UTC_OFFSET_S, most)
                .await
                .map_err(query_error)?
        }
        None => tokio::task::spawn_blocking(move || series(&ms, &query, DEFAULT_MAX_WORK))
            .await
            .map_err(|e| ApiError::Internal(format!("AMI task failed: {e}")))?
            .map_err(too_much)?,
    };
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let list: Vec<Json_> = values
        .iter()
        .map(|b| json!({"start": dates::format(b.start), "kwh": r3(b.kwh), "peak_kw": r3(b.peak_kw)}))
        .collect();
    let source = if state.pg_history().is_some() {
        json!({"source": "postgres", "table": "ami_readings"})
    } else {
        Json_::Null
    };
    Ok(Json(json!({
        label.as_str(): id,
        "meters": meters,
        "from": dates::format(from),
        "to": dates::format(to),
        "bucket": bucket,
        "buckets": list,
        "synthetic": source.is_null(),
        "history": source,
    })))
}
