//! `GET /api/quality`: the data-quality report of the snapshot being served
//! ([`crate::topology::quality`]): islands, dangling ends, devices off the network, meters
//! without a transformer, loops, duplicate ids, invalid geometry.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;

use super::graph::with_graph_opt;
use super::params;
use crate::http::error::ErrorBody;
use crate::http::{ApiError, AppState};
use crate::topology::quality::{self, QualityReport, KINDS};

/// Findings listed by default.
pub const DEFAULT_LIMIT: usize = 1000;
/// Findings listed at most.
pub const MAX_LIMIT: usize = 100_000;

/// The data-quality report: counts per kind and the findings (lon/lat, asset, message).
#[utoipa::path(get, path = "/api/quality", tag = "grid",
    params(
        ("limit" = Option<u32>, Query, minimum = 0, maximum = 100000, description = "most findings listed (default 1000; counts are complete, truncated says when some were left out)"),
        ("kind" = Option<String>, Query, pattern = "^(island|dangling_end|unconnected_span|device_off_network|meter_without_transformer|loop|duplicate_id|invalid_geometry)$", description = "list only findings of this kind"),
    ),
    responses(
        (status = 200, description = "the report", body = QualityReport),
        (status = 400, description = "bad limit or kind", body = ErrorBody),
    ))]
pub async fn quality(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<QualityReport>, ApiError> {
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= MAX_LIMIT)
            .ok_or_else(|| params::bad("limit", "an integer from 0 to 100000"))?,
    };
    let kind = match q.get("kind") {
        None => None,
        Some(k) => Some(
            *KINDS
                .iter()
                .find(|x| **x == k.as_str())
                .ok_or_else(|| params::bad("kind", &KINDS.join(" | ")))?,
        ),
    };
    let radial = state.settings().network_radial;
    with_graph_opt(&state, move |snapshot, graph| {
        let mut report = quality::check(snapshot, graph, radial, usize::MAX);
        if let Some(kind) = kind {
            report.findings.retain(|f| f.kind == kind);
        }
        report.truncated = report.findings.len() > limit;
        report.findings.truncate(limit);
        Ok(Json(report))
    })
    .await
}
