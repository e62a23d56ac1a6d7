//! `GET /api/crews?status=`: every field crew of the snapshot's `crews` layer with its
//! position, status, assignment (the outage and its feeder), home substation, and time on
//! task (seconds since `dispatched_at`; `null` while available).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::assets::{int_attr, str_attr};
use super::operations::CREW_STATUSES;
use super::params;
use crate::http::error::ErrorBody;
use crate::http::{ApiError, AppState};
use crate::index::{Snapshot, WorldGeometry};
use crate::mercator::world_to_lonlat;

/// Crews listed at most (`truncated` beyond).
pub const MAX_CREWS: usize = 10_000;

/// The outage a crew is assigned to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDoc {
    /// The outage's feeder (`null` when the outage is gone from the layer).
    pub feeder_id: Option<i64>,
    pub outage_id: i64,
    /// The outage's status (`null` when the outage is gone from the layer).
    pub outage_status: Option<String>,
}

/// One field crew.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrewDoc {
    /// `null` while the crew is available.
    pub assignment: Option<AssignmentDoc>,
    /// RFC 3339, when the crew was dispatched (`null` while available).
    pub dispatched_at: Option<String>,
    pub id: u64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub name: Option<String>,
    pub status: Option<String>,
    /// The crew's home substation (depot).
    pub substation_id: Option<i64>,
    pub substation_name: Option<String>,
    /// Seconds since `dispatched_at` (`null` while available).
    pub time_on_task_s: Option<i64>,
}

/// `GET /api/crews`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrewsDoc {
    /// Crews matching the filter (listed or not).
    pub count: usize,
    /// At most 10,000.
    pub crews: Vec<CrewDoc>,
    pub truncated: bool,
    /// The snapshot version the list was read from.
    pub version: u64,
}

/// A crew status, as `/api/crews?status=` takes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CrewStatus {
    Available,
    Dispatched,
    OnSite,
}

/// Field crews (the crews layer): id, name, lon/lat, status, assignment (outage_id,
/// feeder_id, outage_status; null when free), home substation, time on task.
#[utoipa::path(get, path = "/api/crews", tag = "live",
    params(("status" = Option<CrewStatus>, Query, description = "only crews with this status")),
    responses(
        (status = 200, description = "crews (at most 10,000, truncated), count, version", body = CrewsDoc),
        (status = 400, description = "unknown status", body = ErrorBody),
        (status = 404, description = "the data has no crews layer", body = ErrorBody),
    ))]
pub async fn crews(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<CrewsDoc>, ApiError> {
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

fn crews_doc(snapshot: &Snapshot, status: Option<&str>, now: i64) -> Result<CrewsDoc, ApiError> {
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
            AssignmentDoc {
                feeder_id: outage.and_then(|(ol, of)| int_attr(ol, of, "feeder_id")),
                outage_id: o,
                outage_status: outage
                    .and_then(|(ol, of)| str_attr(ol, of, "status"))
                    .map(str::to_string),
            }
        });
        let home = int_attr(l, f, "substation_id");
        let home_name = home
            .and_then(|h| Some((subs?, h)))
            .and_then(|(sl, h)| str_attr(sl, sl.feature(h as u64)?, "name"));
        let owned = |s: Option<&str>| s.map(str::to_string);
        list.push(CrewDoc {
            assignment,
            dispatched_at: owned(str_attr(l, f, "dispatched_at")),
            id: f.id,
            lat,
            lon,
            name: owned(str_attr(l, f, "name")),
            status: owned(st),
            substation_id: home,
            substation_name: owned(home_name),
            time_on_task_s: time_on_task(st, str_attr(l, f, "dispatched_at"), now),
        });
    }
    Ok(CrewsDoc {
        count,
        truncated: count > list.len(),
        crews: list,
        version: snapshot.version,
    })
}
