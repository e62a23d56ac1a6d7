//! `GET /api/crews?status=`: every field crew of the snapshot's `crews` layer with its
//! position, status, assignment (the outage and its feeder), home substation, and time on
//! task (seconds since `dispatched_at`; `null` while available).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::assets::{int_attr, str_attr};
use super::operations::CREW_STATUSES;
use super::params;
use crate::http::{ApiError, AppState};
use crate::index::{Snapshot, WorldGeometry};
use crate::mercator::world_to_lonlat;

/// Crews listed at most (`truncated` beyond).
pub const MAX_CREWS: usize = 10_000;

/// `GET /api/crews`.
pub async fn crews(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let status = match q.get("status") {
        None => None,
        Some(_) => Some(params::choice(&q, "status", &CREW_STATUSES, "")?),
    };
    let snapshot = state.snapshot_arc();
    crews_doc(&snapshot, status, super::kpi::now()).map(Json)
}

/// Seconds since a crew was dispatched (`dispatched_at`), `null` while it is available.
fn time_on_task(status: Option<&str>, dispatched_at: Option<&str>, now: i64) -> Option<i64> {
    if matches!(status, None | Some("available")) {
        return None;
    }
    dispatched_at
        .and_then(super::dates::parse)
        .map(|t| (now - t).max(0))
}

fn crews_doc(snapshot: &Snapshot, status: Option<&str>, now: i64) -> Result<Json_, ApiError> {
    let Some(l) = snapshot.layer("crews") else {
        return Err(ApiError::NotFound(
            "the data has no crews layer (the demo grid and `serve --simulate` have one)".into(),
        ));
    };
    let outages = snapshot.layer("outages");
    let subs = snapshot.layer("substations");
    let mut list = Vec::new();
    let mut count = 0usize;
    for f in &l.features {
        let st = str_attr(l, f, "status");
        if status.is_some_and(|s| st != Some(s)) {
            continue;
        }
        count += 1;
        if list.len() >= MAX_CREWS {
            continue;
        }
        let (lon, lat) = match &f.geometry {
            WorldGeometry::Points(p) if !p.is_empty() => {
                let (lon, lat) = world_to_lonlat(p[0]);
                (Some(lon), Some(lat))
            }
            _ => (None, None),
        };
        let assignment = int_attr(l, f, "assigned_outage_id").map(|o| {
            let outage = outages.and_then(|ol| Some((ol, ol.feature(o as u64)?)));
            json!({
                "outage_id": o,
                "feeder_id": outage.and_then(|(ol, of)| int_attr(ol, of, "feeder_id")),
                "outage_status": outage.and_then(|(ol, of)| str_attr(ol, of, "status")),
            })
        });
        let home = int_attr(l, f, "substation_id");
        let home_name = home
            .and_then(|h| Some((subs?, h)))
            .and_then(|(sl, h)| str_attr(sl, sl.feature(h as u64)?, "name"));
        list.push(json!({
            "id": f.id,
            "name": str_attr(l, f, "name"),
            "lon": lon,
            "lat": lat,
            "status": st,
            "assignment": assignment,
            "substation_id": home,
            "substation_name": home_name,
            "dispatched_at": str_attr(l, f, "dispatched_at"),
            "time_on_task_s": time_on_task(st, str_attr(l, f, "dispatched_at"), now),
        }));
    }
    Ok(json!({
        "crews": list,
        "count": count,
        "truncated": count > list.len(),
        "version": snapshot.version,
    }))
}
