//! `GET /api/outages` and `GET /api/outages/{id}`: the outages in progress of the
//! snapshot's `outages` layer with names (feeder, substation, crew), the kind of the device
//! that operated, how long they have lasted, and the estimated restoration time from the
//! outage history ([`crate::analytics::etr`]: the synthetic history's table is built once
//! per snapshot version with the history; PostgreSQL's is read once per version by
//! [`super::history_source::PgBackend::durations`]). One outage adds the isolation trace of
//! its device (the same as `/api/trace/{device}?direction=isolate`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;

use super::assets::{int_attr, str_attr};
use super::{dates, params};
use crate::analytics::etr::{device_kind_name, Basis, Confidence, DurationTable};
use crate::http::{ApiError, AppState};
use crate::index::{IndexedFeature, IndexedLayer, Snapshot, WorldGeometry};
use crate::mercator::world_to_lonlat;
use crate::topology::{AssetIds, GridGraph, TopologySchema};

/// Outages listed at most (`limit` is clamped to it).
pub const MAX_OUTAGES: usize = 10_000;
/// Outages listed without `limit`.
pub const DEFAULT_LIMIT: usize = 1_000;
/// The statuses `status=` accepts (`predicted`: none yet, the layer has no predictions).
pub const OUTAGE_STATUSES: [&str; 4] = ["active", "crew_dispatched", "restoring", "predicted"];

/// The estimated restoration of one outage.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EtrDoc {
    pub time: String,
    pub minutes_remaining: f64,
    pub median_minutes: f64,
    pub p90_minutes: f64,
    pub confidence: Confidence,
    pub basis: Basis,
    pub sample_size: u64,
}

/// An outage status, as `/api/outages?status=` takes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutageStatus {
    Active,
    CrewDispatched,
    Restoring,
    Predicted,
}

/// One outage in progress.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OutageDoc {
    pub id: u64,
    pub feeder_id: Option<i64>,
    pub feeder_name: Option<String>,
    pub substation_id: Option<i64>,
    pub substation_name: Option<String>,
    pub device_id: Option<i64>,
    pub device_kind: Option<&'static str>,
    pub cause: Option<String>,
    pub customers_out: i64,
    pub start_time: Option<String>,
    pub duration_s: Option<i64>,
    pub status: Option<String>,
    pub crew_id: Option<i64>,
    pub crew_name: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub etr: Option<EtrDoc>,
}

/// `GET /api/outages`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OutageList {
    pub outages: Vec<OutageDoc>,
    pub count: usize,
    pub truncated: bool,
    pub version: u64,
    pub now: String,
}

/// The isolation trace of an outage's device.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OutageTrace {
    pub devices_to_open: Vec<u64>,
    pub de_energized: AssetIds,
    pub customer_count: u64,
    pub isolable: bool,
    pub truncated: bool,
}

/// `GET /api/outages/{id}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OutageDetail {
    #[serde(flatten)]
    pub outage: OutageDoc,
    /// `null` when the outage names no device or the data has no topology.
    pub trace: Option<OutageTrace>,
    pub version: u64,
    pub now: String,
}

/// What the outage rows are read with: the snapshot's layers, the topology graph (feeder
/// names) and the duration table.
struct Ctx<'a> {
    snapshot: &'a Snapshot,
    graph: Option<&'a GridGraph>,
    durations: Option<&'a DurationTable>,
    now: i64,
}

fn name_of(snapshot: &Snapshot, layer: &str, id: Option<i64>, field: &str) -> Option<String> {
    let l = snapshot.layer(layer)?;
    let f = l.feature(u64::try_from(id?).ok()?)?;
    str_attr(l, f, field).map(str::to_owned)
}

impl Ctx<'_> {
    fn feeder_name(&self, feeder: Option<i64>) -> Option<String> {
        let span = self.graph?.feeder_span(feeder?)?;
        name_of(
            self.snapshot,
            "feeders",
            i64::try_from(span).ok(),
            "feeder_name",
        )
    }

    fn device_kind(&self, device: Option<i64>) -> Option<&'static str> {
        let schema = TopologySchema::default();
        let kind = name_of(
            self.snapshot,
            &schema.switches_layer,
            device,
            &schema.device_type,
        )?;
        Some(device_kind_name(schema.device_kind(&kind)))
    }

    fn doc(&self, l: &IndexedLayer, f: &IndexedFeature) -> OutageDoc {
        let (lon, lat) = match &f.geometry {
            WorldGeometry::Points(p) if !p.is_empty() => {
                let (lon, lat) = world_to_lonlat(p[0]);
                (Some(lon), Some(lat))
            }
            _ => (None, None),
        };
        let feeder_id = int_attr(l, f, "feeder_id");
        let substation_id = int_attr(l, f, "substation_id");
        let device_id = int_attr(l, f, "device_id");
        let crew_id = int_attr(l, f, "crew_id");
        let device_kind = self.device_kind(device_id);
        let cause = str_attr(l, f, "cause").map(str::to_owned);
        let start_time = str_attr(l, f, "start_time").map(str::to_owned);
        let start = start_time.as_deref().and_then(dates::parse);
        let duration_s = start.map(|s| (self.now - s).max(0));
        let etr = match (start, self.durations) {
            (Some(s), Some(t)) => {
                let elapsed = (self.now - s).max(0) as f64 / 60.0;
                t.estimate(cause.as_deref(), device_kind, elapsed)
                    .map(|e| EtrDoc {
                        time: dates::format(s + (e.total_minutes * 60.0).round() as i64),
                        minutes_remaining: (e.minutes_remaining * 10.0).round() / 10.0,
                        median_minutes: (e.median_minutes * 10.0).round() / 10.0,
                        p90_minutes: (e.p90_minutes * 10.0).round() / 10.0,
                        confidence: e.confidence,
                        basis: e.basis,
                        sample_size: e.sample_size,
                    })
            }
            _ => None,
        };
        OutageDoc {
            id: f.id,
            feeder_id,
            feeder_name: self.feeder_name(feeder_id),
            substation_id,
            substation_name: name_of(self.snapshot, "substations", substation_id, "name"),
            device_id,
            device_kind,
            cause,
            customers_out: int_attr(l, f, "customers_out").unwrap_or(0).max(0),
            start_time,
            duration_s,
            status: str_attr(l, f, "status").map(str::to_owned),
            crew_id,
            crew_name: name_of(self.snapshot, "crews", crew_id, "name"),
            lon,
            lat,
            etr,
        }
    }
}

fn outages_layer(snapshot: &Snapshot) -> Result<&IndexedLayer, ApiError> {
    snapshot.layer("outages").ok_or_else(|| {
        ApiError::NotFound(
            "the data has no outages layer (the demo grid and `serve --simulate` have one)".into(),
        )
    })
}

/// The filters of a list request.
struct Filter {
    status: Option<&'static str>,
    feeder: Option<i64>,
    substation: Option<i64>,
    limit: usize,
}

fn opt_int(q: &params::Query, name: &str) -> Result<Option<i64>, ApiError> {
    q.contains_key(name)
        .then(|| params::int(q, name))
        .transpose()
}

fn filter(q: &params::Query) -> Result<Filter, ApiError> {
    let status = match q.get("status") {
        None => None,
        Some(_) => Some(params::choice(q, "status", &OUTAGE_STATUSES, "")?),
    };
    let limit = match opt_int(q, "limit")? {
        None => DEFAULT_LIMIT,
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(MAX_OUTAGES).min(MAX_OUTAGES),
        Some(_) => return Err(params::bad("limit", "an integer of at least 1")),
    };
    Ok(Filter {
        status,
        feeder: opt_int(q, "feeder")?,
        substation: opt_int(q, "substation")?,
        limit,
    })
}

fn list(ctx: &Ctx<'_>, fl: &Filter) -> Result<OutageList, ApiError> {
    let l = outages_layer(ctx.snapshot)?;
    let mut rows: Vec<(Option<i64>, &IndexedFeature)> = l
        .features
        .iter()
        .filter(|f| {
            fl.status
                .is_none_or(|s| str_attr(l, f, "status") == Some(s))
        })
        .filter(|f| {
            fl.feeder
                .is_none_or(|v| int_attr(l, f, "feeder_id") == Some(v))
        })
        .filter(|f| {
            fl.substation
                .is_none_or(|v| int_attr(l, f, "substation_id") == Some(v))
        })
        .map(|f| (str_attr(l, f, "start_time").and_then(dates::parse), &**f))
        .collect();
    // Newest first (no start time last), then by id.
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
    let count = rows.len();
    let outages = rows
        .into_iter()
        .take(fl.limit)
        .map(|(_, f)| ctx.doc(l, f))
        .collect::<Vec<_>>();
    Ok(OutageList {
        truncated: count > outages.len(),
        outages,
        count,
        version: ctx.snapshot.version,
        now: dates::format(ctx.now),
    })
}

fn detail(ctx: &Ctx<'_>, id: u64) -> Result<OutageDetail, ApiError> {
    let l = outages_layer(ctx.snapshot)?;
    let f = l
        .feature(id)
        .ok_or_else(|| ApiError::NotFound(format!("no outage in progress with id {id}")))?;
    let outage = ctx.doc(l, f);
    let trace = match (outage.device_id, ctx.graph) {
        (Some(d), Some(g)) => u64::try_from(d)
            .ok()
            .and_then(|d| g.isolate(d).ok())
            .map(|r| OutageTrace {
                devices_to_open: r.devices,
                de_energized: r.de_energized,
                customer_count: r.customer_count,
                isolable: r.isolable,
                truncated: r.truncated,
            }),
        _ => None,
    };
    Ok(OutageDetail {
        outage,
        trace,
        version: ctx.snapshot.version,
        now: dates::format(ctx.now),
    })
}

/// Runs `f` on the blocking pool with the current snapshot, its graph (if any) and the
/// duration table of the history the server reads (`None` when it cannot be read: the
/// outages are listed without estimates, and the reason is logged).
async fn with_ctx<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Ctx<'_>) -> Result<T, ApiError> + Send + 'static,
{
    let pg: Option<Arc<DurationTable>> = match state.pg_history() {
        Some(pg) => match pg.durations(state).await {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!(error = %e, "outage durations unavailable: no estimates");
                None
            }
        },
        None => None,
    };
    let from_pg = state.pg_history().is_some();
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let now = super::kpi::now();
        let graph = state.store().graph(&snapshot).ok();
        let durations = if from_pg {
            pg
        } else {
            Some(Arc::clone(
                &super::kpi::history_of(&state, &snapshot, now).durations,
            ))
        };
        let ctx = Ctx {
            snapshot: &snapshot,
            graph: graph.as_deref(),
            durations: durations.as_deref(),
            now,
        };
        f(&ctx)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("outages task failed: {e}")))?
}

/// Outages in progress (the outages layer), newest first, with their estimated restoration
/// (`etr`: median and p90 duration of past outages of the same cause and device kind,
/// falling back to the cause, then all; confidence from sample size and spread; null
/// without history).
#[utoipa::path(get, path = "/api/outages", tag = "live",
    params(
        ("status" = Option<OutageStatus>, Query, description = "only outages with this status"),
        ("feeder" = Option<i64>, Query, description = "only outages of this feeder"),
        ("substation" = Option<i64>, Query, description = "only outages of this substation"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "list at most this many (default 1000; count, truncated)"),
    ),
    responses(
        (status = 200, description = "outages, count, truncated, version, now", body = OutageList),
        (status = 400, description = "bad parameter", body = crate::http::error::ErrorBody),
        (status = 404, description = "the data has no outages layer", body = crate::http::error::ErrorBody),
    ))]
pub async fn outages(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<OutageList>, ApiError> {
    let fl = filter(&q)?;
    with_ctx(&state, move |ctx| list(ctx, &fl)).await.map(Json)
}

/// One outage in progress (as in `/api/outages`) plus `trace`: the isolation trace of its
/// device (as `/api/trace/{device}?direction=isolate`; null without a device or topology).
#[utoipa::path(get, path = "/api/outages/{id}", tag = "live",
    params(("id" = u64, Path, description = "outage id")),
    responses(
        (status = 200, description = "the outage", body = OutageDetail),
        (status = 400, description = "id is not a non-negative integer", body = crate::http::error::ErrorBody),
        (status = 404, description = "no outage in progress with this id, or no outages layer", body = crate::http::error::ErrorBody),
    ))]
pub async fn outage(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<OutageDetail>, ApiError> {
    let id = params::asset_id(&raw)?;
    with_ctx(&state, move |ctx| detail(ctx, id)).await.map(Json)
}
