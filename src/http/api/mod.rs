//! The Grid API: JSON endpoints over the in-memory snapshot (auth group `api`).
//!
//! [`assets`] (one asset with attributes, geometry, feeder, substation, neighbours),
//! [`trace`] (upstream / downstream / isolate traces and feeder connections over the
//! topology graph, which [`graph`] builds once per snapshot version), [`grid`] (abnormal
//! switches, substation status), [`kpi`] (reliability indices over the synthetic
//! history, cached per snapshot, or PostgreSQL's: [`history_source`]), [`trends`] (outages
//! per day / week / month), [`ami`] (interval energy and demand), [`nearest`] (nearest assets
//! in metres), [`ami_analytics`] (transformer loading, consumption by class),
//! [`asset_health`] (health distribution, worst assets, synthetic health history),
//! [`search`] (ids and names; [`crate::live::PerVersion`] keeps the per-version rollups and search
//! index), [`crews`] (field crews; [`operations`] reads the live `outages` and `crews`
//! layers for the KPIs), [`outages`] (outages in progress with restoration estimates) and
//! the OpenAPI document of every route ([`crate::http::openapi`]); [`warm`] builds the
//! analytics' derived values off the request path (at startup and after changes).
//! Query parsing with clear `400` messages lives in [`params`]; GeoJSON output in
//! [`geojson`]. Every list is capped.

pub mod ami;
pub mod ami_analytics;
pub mod asset_health;
pub mod assets;
pub mod assistant;
pub mod crews;
pub mod dates;
pub mod dispatch;
pub mod geojson;
pub mod graph;
pub mod grid;
pub mod history_source;
pub mod internal;
pub mod kpi;
pub mod mcp;
pub mod nearest;
pub mod operations;
pub mod outages;
pub mod params;
pub mod quality;
pub mod reliability;
pub mod search;
pub mod trace;
pub mod trends;
pub mod warm;

use axum::routing::{get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;

use super::AppState;

/// The `503` of the routes that read PostgreSQL's history.
pub const PG_DOWN: &str =
    "PostgreSQL history: database unavailable, tables missing or query past history_timeout_ms";

/// The API routes (without authentication; the router wraps them in the `api` group).
/// Every route here must also be documented in [`crate::http::openapi::ApiDoc`] (a test
/// checks).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/assets/{id}", get(assets::asset))
        .route("/api/nearest", get(nearest::nearest))
        .route("/api/trace/{id}", get(trace::trace))
        .route("/api/topology/connections", get(trace::connections))
        .route("/api/quality", get(quality::quality))
        .route("/api/kpi", get(kpi::kpi))
        .route("/api/ami/history", get(ami::history))
        .route("/api/outages/trends", get(trends::trends))
        .route("/api/switches/abnormal", get(grid::abnormal))
        .route("/api/substations/status", get(grid::substations))
        .route("/api/crews", get(crews::crews))
        .route("/api/outages", get(outages::outages))
        .route("/api/outages/{id}", get(outages::outage))
        .route("/api/outages/{id}/dispatch", post(dispatch::dispatch))
        .route("/api/outages/worst-feeders", get(reliability::worst))
        .route("/api/kpi/monthly", get(reliability::kpi_monthly))
        .route(
            "/api/ami/transformers/loading",
            get(ami_analytics::transformer_loading),
        )
        .route(
            "/api/ami/consumption/by-class",
            get(ami_analytics::consumption_by_class),
        )
        .route(
            "/api/assets/health/distribution",
            get(asset_health::health_distribution),
        )
        .route("/api/assets/worst", get(asset_health::worst_assets))
        .route(
            "/api/assets/{id}/health/history",
            get(asset_health::health_history),
        )
        .route("/api/search", get(search::search))
        .route("/api/assistant", get(assistant::assistant))
        .route("/api/openapi.json", get(crate::http::openapi::openapi))
        .layer(CompressionLayer::new())
        // Never compressed: a compressor would buffer the stream.
        .route("/api/events", get(crate::http::events::events))
        .route(
            "/mcp",
            post(mcp::post)
                .get(mcp::get_not_allowed)
                .delete(mcp::delete_not_allowed),
        )
}
