//! `GET /api/ami/history?meter=|transformer=|feeder=|substation=|system=true&from=&to=&bucket=15m|1h|1d`:
//! interval energy (kWh) and peak demand (kW) per bucket for one meter, or summed over the
//! meters of a transformer, feeder, substation or the whole system (from the topology
//! graph). Synthetic: a meter or transformer is computed from its meters (work-capped);
//! feeders, substations and the system from the per-version rollups
//! ([`crate::analytics::ami_rollup`], built once through [`crate::live::PerVersion`]).
//! PostgreSQL: summed in SQL over `ami_readings` ([`super::history_source`]; buckets
//! without readings are absent there).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;

use super::dates;
use super::graph::with_graph;
use super::history_source::query_error;
use super::kpi::now;
use super::params;
use crate::analytics::ami::{
    check_work, members, series, AmiError, AmiQuery, Bucket, BucketValue, DEFAULT_MAX_WORK,
    DEMO_SEED, INTERVAL_S,
};
use crate::analytics::ami_rollup::{group_meters, AmiAggregates, AmiGroup, AmiRollups};
use crate::analytics::time::HOUSTON_UTC_OFFSET_S;
use crate::http::ApiError;
use crate::http::AppState;
use crate::index::Snapshot;
use crate::topology::{GridGraph, TopologySchema};

/// Buckets one response carries at most.
pub const MAX_BUCKETS: i64 = 10_000;

/// What a history request sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Meter(i64),
    Transformer(i64),
    Group(AmiGroup),
}

/// The target: exactly one of `meter`, `transformer`, `feeder`, `substation`,
/// `system=true`.
fn target(q: &params::Query) -> Result<Target, ApiError> {
    let system = params::flag(q, "system", false)?;
    let given: Vec<&str> = ["meter", "transformer", "feeder", "substation"]
        .into_iter()
        .filter(|k| q.contains_key(*k))
        .collect();
    let one = "give exactly one of meter, transformer, feeder, substation, system=true";
    match (&given[..], system) {
        (&[], true) => Ok(Target::Group(AmiGroup::System)),
        (&[which], false) => {
            let id = params::int(q, which)?;
            Ok(match which {
                "meter" => Target::Meter(id),
                "transformer" => Target::Transformer(id),
                "feeder" => Target::Group(AmiGroup::Feeder(id)),
                _ => Target::Group(AmiGroup::Substation(id)),
            })
        }
        _ => Err(ApiError::BadRequest(one.into())),
    }
}

/// The period and bucket of an AMI request (default the last `default_days`, hourly).
pub fn ami_query(q: &params::Query, default_days: i64) -> Result<AmiQuery, ApiError> {
    let bucket = match q.get("bucket") {
        None => Bucket::Hour,
        Some(b) => Bucket::parse(b).ok_or_else(|| params::bad("bucket", "15m | 1h | 1d"))?,
    };
    let (from, to) = dates::period(q, now(), default_days)?;
    Ok(AmiQuery {
        start: from,
        end: to,
        bucket,
        seed: DEMO_SEED,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    })
}

/// An AMI error as a `400`.
pub fn ami_error(e: AmiError) -> ApiError {
    match e {
        AmiError::TooMuchWork { requested, cap } => ApiError::BadRequest(format!(
            "request too large: {requested} meter-intervals (cap {cap}); narrow the range or bucket, or ask for a smaller asset"
        )),
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Runs `f` with the current snapshot, its graph and its AMI rollups (built on first use,
/// reused by later versions with the same meters and grid structure) on the blocking pool.
pub async fn with_rollups<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot, &GridGraph, &AmiRollups) -> Result<T, ApiError> + Send + 'static,
{
    let caches = state.clone();
    with_graph(state, move |snapshot, graph| {
        let rollups = rollups_of(&caches, snapshot, graph);
        f(snapshot, graph, &rollups)
    })
    .await
}

/// The AMI rollups of `snapshot` (blocking: the first call after a change of the meters or
/// the grid structure builds them).
pub fn rollups_of(state: &AppState, snapshot: &Snapshot, graph: &GridGraph) -> Arc<AmiRollups> {
    let built = state.analytics_caches().ami_rollups.get_or_reuse(
        snapshot.version,
        |_| true,
        |r| r.valid_for(snapshot, graph),
        |_| {
            let started = std::time::Instant::now();
            let r = AmiRollups::build(snapshot, graph, DEMO_SEED);
            tracing::info!(
                version = snapshot.version,
                ms = started.elapsed().as_millis() as u64,
                mb = r.heap_bytes() / 1_000_000,
                "AMI rollups built"
            );
            Ok::<_, std::convert::Infallible>(r)
        },
    );
    match built {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// The group's name in messages.
pub fn group_name(g: AmiGroup) -> String {
    match g {
        AmiGroup::Feeder(id) => format!("feeder {id}"),
        AmiGroup::Substation(id) => format!("substation {id}"),
        AmiGroup::System => "the system".into(),
    }
}

/// One bucket of a response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BucketDoc {
    pub start: String,
    pub kwh: f64,
    pub peak_kw: f64,
}

/// Where PostgreSQL-backed values came from.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SourceDoc {
    source: &'static str,
    table: &'static str,
}

/// The `/api/ami/history` response; exactly one of the target members is present.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub meter: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub transformer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub feeder: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub substation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub system: Option<bool>,
    pub meters: usize,
    pub from: String,
    pub to: String,
    pub bucket: Bucket,
    pub buckets: Vec<BucketDoc>,
    pub synthetic: bool,
    pub history: Option<SourceDoc>,
    pub version: u64,
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Values computed for a target: meters summed, buckets, snapshot version.
struct Computed {
    meters: usize,
    values: Vec<BucketValue>,
    version: u64,
}

/// The synthetic series of `t` (rollups for groups, the meters for a meter or transformer).
async fn synthetic(state: &AppState, t: Target, query: AmiQuery) -> Result<Computed, ApiError> {
    if let Target::Group(g) = t {
        return with_rollups(state, move |snapshot, _, rollups| {
            let meters = rollups
                .meters(g)
                .ok_or_else(|| ApiError::NotFound(format!("{}: no such group", group_name(g))))?;
            let values = rollups.group_series(g, &query).map_err(ami_error)?;
            Ok(Computed {
                meters: meters as usize,
                values,
                version: snapshot.version,
            })
        })
        .await;
    }
    let (ms, version) = with_graph(state, move |snapshot, graph| {
        Ok((target_members(snapshot, graph, t)?, snapshot.version))
    })
    .await?;
    let meters = ms.len();
    let values = tokio::task::spawn_blocking(move || series(&ms, &query, DEFAULT_MAX_WORK))
        .await
        .map_err(|e| ApiError::Internal(format!("AMI task failed: {e}")))?
        .map_err(ami_error)?;
    Ok(Computed {
        meters,
        values,
        version,
    })
}

/// The meters of a target, with their classes.
fn target_members(
    snapshot: &Snapshot,
    graph: &GridGraph,
    t: Target,
) -> Result<Vec<crate::analytics::Member>, ApiError> {
    let not_found = |what: String, e: &str| ApiError::NotFound(format!("{what}: {e}"));
    let ids: Vec<u64> = match t {
        Target::Meter(id) => {
            vec![u64::try_from(id)
                .map_err(|_| not_found(format!("meter {id}"), "not a meter id"))?]
        }
        Target::Transformer(id) => {
            let what = format!("transformer {id}");
            let t =
                u64::try_from(id).map_err(|_| not_found(what.clone(), "not a transformer id"))?;
            graph
                .transformer_meters(t)
                .map_err(|e| not_found(what, &e.to_string()))?
        }
        Target::Group(g) => group_meters(snapshot, graph, g)
            .ok_or_else(|| not_found(group_name(g), "no such group"))?,
    };
    let ms = members(snapshot, &TopologySchema::default(), &ids);
    if let (Target::Meter(id), true) = (t, ms.is_empty()) {
        return Err(not_found(format!("meter {id}"), "no meter has this id"));
    }
    Ok(ms)
}

/// AMI interval energy (kWh) and peak demand (kW) per bucket for a meter, or summed over a
/// transformer's, feeder's or substation's meters or the whole system: synthetic (feeders,
/// substations and the system from per-version rollups), or from `ami_readings` (summed in
/// SQL; buckets without readings absent) on the PostgreSQL source with `postgres.history`.
#[utoipa::path(get, path = "/api/ami/history", tag = "analytics",
    params(
        ("meter" = Option<u64>, Query, description = "meter id (exactly one of meter, transformer, feeder, substation, system=true)"),
        ("transformer" = Option<u64>, Query, description = "transformer id"),
        ("feeder" = Option<i64>, Query, description = "feeder id"),
        ("substation" = Option<i64>, Query, description = "substation id (its feeders' meters)"),
        ("system" = Option<bool>, Query, description = "true: every meter of the grid"),
        ("from" = Option<String>, Query, format = DateTime, description = "start (RFC 3339; default: to - 1 day)"),
        ("to" = Option<String>, Query, format = DateTime, description = "end (RFC 3339; default: now)"),
        ("bucket" = Option<crate::analytics::ami::Bucket>, Query, description = "bucket width (default 1h)"),
    ),
    responses(
        (status = 200, description = "buckets (at most 10,000)", body = HistoryDoc),
        (status = 400, description = "bad parameter, not exactly one asset, or too much work: narrow the range", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown meter, transformer, feeder or substation", body = crate::http::error::ErrorBody),
        (status = 503, description = super::PG_DOWN, body = crate::http::error::ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<HistoryDoc>, ApiError> {
    let t = target(&q)?;
    let query = ami_query(&q, 1)?;
    let buckets = (query.end - query.start) / query.bucket.seconds() + 1;
    if buckets > MAX_BUCKETS {
        return Err(ApiError::BadRequest(format!(
            "{buckets} buckets requested (at most {MAX_BUCKETS}): narrow the range or choose a wider bucket"
        )));
    }
    let computed = match state.pg_history() {
        Some(backend) => {
            let (ms, version) = with_graph(&state, move |snapshot, graph| {
                Ok((target_members(snapshot, graph, t)?, snapshot.version))
            })
            .await?;
            // The same work cap as the synthetic series (readings scanned).
            check_work(ms.len(), &query, DEFAULT_MAX_WORK).map_err(ami_error)?;
            let ids: Vec<i64> = ms
                .iter()
                .filter_map(|m| i64::try_from(m.meter_id).ok())
                .collect();
            // Whole 15-minute intervals, as the synthetic series.
            let start = query.start.div_euclid(INTERVAL_S) * INTERVAL_S;
            let values = backend
                .db
                .ami_buckets(
                    &ids,
                    start,
                    query.end,
                    query.bucket.seconds(),
                    HOUSTON_UTC_OFFSET_S,
                    MAX_BUCKETS as usize,
                )
                .await
                .map_err(query_error)?;
            Computed {
                meters: ms.len(),
                values,
                version,
            }
        }
        None => synthetic(&state, t, query).await?,
    };
    let pg = state.pg_history().is_some();
    let (mut meter, mut transformer, mut feeder, mut substation, mut system) =
        (None, None, None, None, None);
    match t {
        Target::Meter(id) => meter = Some(id),
        Target::Transformer(id) => transformer = Some(id),
        Target::Group(AmiGroup::Feeder(id)) => feeder = Some(id),
        Target::Group(AmiGroup::Substation(id)) => substation = Some(id),
        Target::Group(AmiGroup::System) => system = Some(true),
    }
    Ok(Json(HistoryDoc {
        meter,
        transformer,
        feeder,
        substation,
        system,
        meters: computed.meters,
        from: dates::format(query.start),
        to: dates::format(query.end),
        bucket: query.bucket,
        buckets: computed
            .values
            .iter()
            .map(|b| BucketDoc {
                start: dates::format(b.start),
                kwh: r3(b.kwh),
                peak_kw: r3(b.peak_kw),
            })
            .collect(),
        synthetic: !pg,
        history: pg.then_some(SourceDoc {
            source: "postgres",
            table: "ami_readings",
        }),
        version: computed.version,
    }))
}
