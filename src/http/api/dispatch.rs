//! `POST /api/outages/{id}/dispatch` with `{"crew_id": N}`: sends a field crew to an outage
//! through the one writer of the snapshot ([`crate::dispatch`]): the simulator's task when
//! it runs, the PostgreSQL tables with the PostgreSQL source (the live loop then publishes
//! the change), otherwise the served snapshot directly (read, apply, publish under
//! [`crate::live::Store::serialize_direct_writes`]). The change reaches `/api/events`, the tiles and
//! `/api/crews` like any other.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::params;
use crate::dispatch::{plan, DispatchError, Dispatched};
use crate::http::{ApiError, AppState};
use crate::simulate::Command;

/// The request body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DispatchBody {
    /// The crew to send (an available crew of the `crews` layer).
    pub crew_id: u64,
}

/// The response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DispatchDoc {
    pub outage_id: u64,
    pub crew_id: u64,
    pub crew_status: &'static str,
    pub outage_status: &'static str,
    pub version: u64,
}

fn api_error(e: DispatchError) -> ApiError {
    match e {
        DispatchError::UnknownOutage(_)
        | DispatchError::UnknownCrew(_)
        | DispatchError::MissingLayer(_) => ApiError::NotFound(e.to_string()),
        DispatchError::CrewBusy(..) | DispatchError::OutageNotOpen(..) => {
            ApiError::Conflict(e.to_string())
        }
        DispatchError::Unavailable(why) => {
            tracing::warn!(%why, "dispatch not applied");
            ApiError::Unavailable("no writer can apply the dispatch now: retry later")
        }
        DispatchError::Failed(_) => ApiError::Internal(e.to_string()),
    }
}

/// The crew id of a JSON body (`400` for anything else).
fn crew_id(headers: &HeaderMap, body: &[u8]) -> Result<u64, ApiError> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::BadRequest(
            "the body must be JSON (Content-Type: application/json): {\"crew_id\": N}".into(),
        ));
    }
    serde_json::from_slice::<DispatchBody>(body)
        .map(|b| b.crew_id)
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "the body must be {{\"crew_id\": N}} with a non-negative integer N: {e}"
            ))
        })
}

/// Applies the dispatch to the served snapshot (no live writer runs).
async fn direct(state: &AppState, outage: u64, crew: u64) -> Result<Dispatched, DispatchError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let _writer = state.store().serialize_direct_writes();
        let snap = state.snapshot_arc();
        let now = crate::analytics::time::rfc3339_utc(super::kpi::now());
        let changes = plan(&snap, outage, crew, &now)?;
        let update = snap
            .apply(changes, snap.version + 1)
            .map_err(|e| DispatchError::Failed(e.to_string()))?;
        let version = state.publish_update(update, false).version;
        Ok(Dispatched {
            outage_id: outage,
            crew_id: crew,
            version,
        })
    })
    .await
    .map_err(|e| DispatchError::Failed(format!("dispatch task failed: {e}")))?
}

/// Asks the simulator's task to apply it.
async fn simulated(
    commands: &tokio::sync::mpsc::Sender<Command>,
    outage: u64,
    crew: u64,
) -> Result<Dispatched, DispatchError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    commands
        .try_send(Command::Dispatch {
            outage,
            crew,
            reply,
        })
        .map_err(|e| DispatchError::Unavailable(format!("simulator: {e}")))?;
    answer
        .await
        .map_err(|_| DispatchError::Unavailable("the simulator stopped".into()))?
}

/// Dispatch an available field crew to an outage in progress: the crew becomes dispatched
/// (`assigned_outage_id`, `dispatched_at`), the outage `crew_dispatched` (`crew_id`).
/// Applied by the one writer: the simulator's task with `serve --simulate` (it then drives
/// the crew there), the `crews` / `outage_events` rows in one transaction with the
/// PostgreSQL source (the live loop publishes the change), else the served snapshot; the
/// change reaches `/api/events` like any other.
#[utoipa::path(post, path = "/api/outages/{id}/dispatch", tag = "live",
    params(("id" = u64, Path, description = "outage id")),
    request_body(content = DispatchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "dispatched", body = DispatchDoc),
        (status = 400, description = "bad outage id, body not JSON (Content-Type: application/json), or no non-negative integer crew_id", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown outage or crew, or the data has no outages / crews layer", body = crate::http::error::ErrorBody),
        (status = 409, description = "the crew is not available, or the outage is not open for dispatch (it has a crew or is restored)", body = crate::http::error::ErrorBody),
        (status = 413, description = "body larger than server.max_body_bytes", body = crate::http::error::ErrorBody),
        (status = 503, description = "no writer can apply it now (simulator stopped or busy, database unavailable)", body = crate::http::error::ErrorBody),
    ))]
pub async fn dispatch(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DispatchDoc>, ApiError> {
    let outage = params::asset_id(&raw)?;
    let crew = crew_id(&headers, &body)?;
    let done = if let Some(commands) = state.store().writer() {
        simulated(commands, outage, crew).await
    } else if let Some(pg) = state.pg_dispatch() {
        // Committed; the live loop publishes the change (the version served now).
        pg.dispatch(outage, crew).await.map(|()| Dispatched {
            outage_id: outage,
            crew_id: crew,
            version: state.snapshot_arc().version,
        })
    } else if state.source_status().kind == crate::live::SourceKind::Postgres {
        Err(DispatchError::Unavailable("no PostgreSQL writer".into()))
    } else {
        direct(&state, outage, crew).await
    }
    .map_err(api_error)?;
    tracing::info!(outage, crew, version = done.version, "crew dispatched");
    Ok(Json(DispatchDoc {
        outage_id: done.outage_id,
        crew_id: done.crew_id,
        crew_status: "dispatched",
        outage_status: "crew_dispatched",
        version: done.version,
    }))
}
