//! `GET /api/openapi.json`: a hand-written OpenAPI 3.0 document of every route the server
//! registers (tiles, TileJSON, styles, health, metrics and the Grid API; the OGC API and
//! `/data` paths come from [`crate::http::ogc::openapi`]).

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value as Json_};

/// Every route path of the router, in OpenAPI form (`{param}`); a test checks the router.
pub const PATHS: &[&str] = &[
    "/tiles/{z}/{x}/{y}",
    "/tiles.json",
    "/basemap/{z}/{x}/{y}",
    "/basemap.json",
    "/styles/{file}",
    "/api/health",
    "/metrics",
    "/api/assets/{id}",
    "/api/nearest",
    "/api/trace/{id}",
    "/api/topology/connections",
    "/api/kpi",
    "/api/ami/history",
    "/api/outages/trends",
    "/api/switches/abnormal",
    "/api/substations/status",
    "/api/openapi.json",
    "/api/events",
    "/api/crews",
    "/api/outages",
    "/api/outages/{id}",
    "/api/outages/{id}/dispatch",
    "/api/outages/worst-feeders",
    "/api/kpi/monthly",
    "/fonts",
    "/fonts/{fontstack}/{range}",
    "/sprites/{file}",
];

pub(crate) fn param(
    name: &str,
    location: &str,
    required: bool,
    schema: Json_,
    what: &str,
) -> Json_ {
    json!({"name": name, "in": location, "required": required, "schema": schema, "description": what})
}

pub(crate) fn int() -> Json_ {
    json!({"type": "integer", "minimum": 0})
}

pub(crate) fn err(what: &str) -> Json_ {
    json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

pub(crate) fn ok_json(what: &str) -> Json_ {
    json!({"description": what, "content": {"application/json": {"schema": {"type": "object"}}}})
}

pub(crate) fn get_op(summary: &str, tag: &str, params: Vec<Json_>, responses: Json_) -> Json_ {
    json!({"get": {"summary": summary, "tags": [tag], "parameters": params, "responses": responses}})
}

/// The OpenAPI 3.0 document.
pub fn document() -> Json_ {
    let id = |what: &str| param("id", "path", true, int(), what);
    let auth = "401/403 when the route group requires authentication";
    let paths = json!({
        "/tiles/{z}/{x}/{y}": get_op("A Mapbox Vector Tile (path ends in .mvt)", "tiles", vec![
            param("z", "path", true, int(), "zoom"),
            param("x", "path", true, int(), "column"),
            param("y", "path", true, json!({"type": "string"}), "row with the .mvt suffix"),
            param("layers", "query", false, json!({"type": "string"}), "comma-separated layer subset"),
        ], json!({
            "200": {"description": "the tile", "content": {"application/vnd.mapbox-vector-tile": {}}},
            "204": {"description": "empty tile"}, "304": {"description": "not modified (If-None-Match)"},
            "400": err("malformed address or zoom above the maximum"), "404": err("unknown layer"),
            "401": err(auth),
        })),
        "/tiles.json": get_op("TileJSON 3.0.0", "tiles", vec![
            param("layers", "query", false, json!({"type": "string"}), "comma-separated layer subset"),
        ], json!({"200": ok_json("TileJSON"), "404": err("unknown layer"), "401": err(auth)})),
        "/basemap/{z}/{x}/{y}": get_op("A basemap vector tile (path ends in .mvt): the demo city's streets, or the tile of the basemap archive (basemap.path) as stored, gzip passed through or inflated", "tiles", vec![
            param("z", "path", true, int(), "zoom"),
            param("x", "path", true, int(), "column"),
            param("y", "path", true, json!({"type": "string"}), "row with the .mvt suffix"),
        ], json!({
            "200": {"description": "the tile", "content": {"application/vnd.mapbox-vector-tile": {}}},
            "204": {"description": "empty tile"}, "304": {"description": "not modified (If-None-Match)"},
            "400": err("malformed address or zoom above the basemap's maximum"), "404": err("no basemap configured"),
            "401": err(auth),
        })),
        "/basemap.json": get_op("TileJSON 3.0.0 of the basemap (from the archive's metadata for a file basemap)", "tiles", vec![],
            json!({"200": ok_json("TileJSON"), "400": err("invalid Host or X-Forwarded-Proto"), "404": err("no basemap configured"), "401": err(auth)})),
        "/styles/{file}": get_op("A map style from the styles directory; sources with url /tiles.json get this server's absolute tiles URL, minzoom, maxzoom and bounds inline", "tiles", vec![
            param("file", "path", true, json!({"type": "string"}), "style file name (name.json)"),
            param("client", "query", false, json!({"type": "string", "enum": ["static"]}), "static: the variant without feature-state (QGIS)"),
        ], json!({"200": ok_json("the style"), "304": {"description": "not modified (If-None-Match)"}, "400": err("invalid Host or X-Forwarded-Proto, unknown client or query parameter"), "404": err("no such style"), "401": err(auth)})),
        "/fonts": get_op("The font names /fonts/{fontstack}/{range}.pbf serves", "tiles", vec![],
            json!({"200": {"description": "font names, sorted", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}, "401": err(auth)})),
        "/fonts/{fontstack}/{range}": get_op("MapLibre glyphs: an SDF protobuf of 256 code points; a comma-separated stack falls back in order", "tiles", vec![
            param("fontstack", "path", true, json!({"type": "string"}), "font names separated by commas (1 to 8)"),
            param("range", "path", true, json!({"type": "string", "pattern": "^[0-9]+-[0-9]+\\.pbf$"}), "START-END.pbf, START a multiple of 256 up to 65280, END = START + 255"),
        ], json!({"200": {"description": "the glyph range", "content": {"application/x-protobuf": {}}}, "304": {"description": "not modified (If-None-Match)"}, "400": err("bad range or font stack"), "404": err("no font of the stack is served, or not a .pbf"), "401": err(auth)})),
        "/sprites/{file}": get_op("A sprite sheet (name.png, name@2x.png) or its index (name.json, name@2x.json), built from the SVG symbols of styles/sprites/{name}/", "tiles", vec![
            param("file", "path", true, json!({"type": "string"}), "NAME.json, NAME.png, NAME@2x.json or NAME@2x.png"),
        ], json!({"200": {"description": "the sheet or its index", "content": {"image/png": {}, "application/json": {"schema": {"type": "object"}}}}, "304": {"description": "not modified (If-None-Match)"}, "404": err("no such sprite"), "401": err(auth)})),
        "/api/health": get_op("Health: status, features per layer, cache statistics", "operations", vec![],
            json!({"200": ok_json("serving"), "503": err("shutting down")})),
        "/metrics": get_op("Prometheus metrics (text format)", "operations", vec![],
            json!({"200": {"description": "metrics", "content": {"text/plain": {}}}, "401": err(auth)})),
        "/api/assets/{id}": get_op("One asset: layer, attributes, GeoJSON geometry (WGS84), feeder, substation, topology neighbours", "grid",
            vec![id("asset id")],
            json!({"200": ok_json("the asset"), "400": err("id is not a non-negative integer"), "404": err("no asset has this id"), "401": err(auth)})),
        "/api/nearest": get_op("Nearest assets by true distance in metres (to the line for spans)", "grid", vec![
            param("lon", "query", true, json!({"type": "number"}), "longitude (WGS84)"),
            param("lat", "query", true, json!({"type": "number"}), "latitude (WGS84)"),
            param("k", "query", false, json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 10}), "how many"),
            param("max_m", "query", false, json!({"type": "number", "maximum": 50000, "default": 1000}), "search radius in metres"),
            param("layers", "query", false, json!({"type": "string"}), "comma-separated layers (default: all)"),
        ], json!({"200": ok_json("results sorted by distance_m"), "400": err("bad parameter"), "404": err("unknown layer"), "401": err(auth)})),
        "/api/trace/{id}": get_op("Network trace from an asset", "grid", vec![
            id("asset id"),
            param("direction", "query", false, json!({"type": "string", "enum": ["upstream", "downstream", "isolate"], "default": "downstream"}), "trace direction"),
            param("geometry", "query", false, json!({"type": "boolean", "default": false}), "add a GeoJSON FeatureCollection of the traced assets (at most 20,000 features, geometry_truncated)"),
        ], json!({"200": ok_json("ids per layer, customer_count, truncated (isolate: devices_to_open, isolable)"), "400": err("bad id or parameter"), "404": err("not a network asset"), "401": err(auth)})),
        "/api/topology/connections": get_op("The spans of a feeder with end nodes, state and end devices", "grid", vec![
            param("feeder", "query", true, json!({"type": "integer"}), "feeder id"),
        ], json!({"200": ok_json("edges"), "400": err("missing or bad feeder"), "404": err("unknown feeder"), "401": err(auth)})),
        "/api/kpi": get_op("IEEE 1366 indices (SAIFI, SAIDI, CAIDI, MAIFI, CAIFI, ASAI) over the outage history (synthetic; on the PostgreSQL source with postgres.history, outage_events aggregated in SQL: history.source = postgres, periods up to 3660 days), active outages and customers out now (the outages layer when there is one, else synthetic), field crews by status (the crews layer, null without one), total load (MW at power factor 0.9)", "analytics", vec![
            param("from", "query", false, json!({"type": "string", "format": "date-time"}), "period start (RFC 3339; default: to - 365 days)"),
            param("to", "query", false, json!({"type": "string", "format": "date-time"}), "period end (RFC 3339; default: now)"),
            param("by", "query", false, json!({"type": "string", "enum": ["feeder", "substation"]}), "add indices per group"),
            param("exclude_med", "query", false, json!({"type": "boolean", "default": false}), "exclude major event days (2.5 beta); adds t_med_min"),
        ], json!({"200": ok_json("indices"), "400": err("bad date, from >= to, outside the history, or bad parameter"), "401": err(auth), "503": err("PostgreSQL history: database unavailable, tables missing or query past history_timeout_ms")})),
        "/api/outages/trends": get_op("Interruptions per bucket (count, customers interrupted, customer-minutes), optionally per cause or feeder; from outage_events (grouped in SQL) on the PostgreSQL source with postgres.history", "analytics", vec![
            param("from", "query", false, json!({"type": "string", "format": "date-time"}), "period start (RFC 3339; default: to - 365 days)"),
            param("to", "query", false, json!({"type": "string", "format": "date-time"}), "period end (RFC 3339; default: now)"),
            param("bucket", "query", false, json!({"type": "string", "enum": ["day", "week", "month"], "default": "day"}), "bucket (local Houston days; weeks from Monday)"),
            param("by", "query", false, json!({"type": "string", "enum": ["cause", "feeder"]}), "add sums per group in each bucket (at most 50,000 entries, truncated)"),
        ], json!({"200": ok_json("buckets"), "400": err("bad date, from >= to, outside the history, or bad parameter"), "401": err(auth), "503": err("PostgreSQL history: database unavailable, tables missing or query past history_timeout_ms")})),
        "/api/ami/history": get_op("AMI interval energy (kWh) and peak demand (kW) per bucket for a meter, or summed over a transformer's, feeder's or substation's meters or the whole system: synthetic (feeders, substations and the system from per-version rollups), or from ami_readings (summed in SQL; buckets without readings absent) on the PostgreSQL source with postgres.history", "analytics", super::openapi_analytics::ami_history_params(), json!({"200": ok_json("buckets (at most 10,000)"), "400": err("bad parameter, not exactly one asset, or too much work: narrow the range"), "404": err("unknown meter, transformer, feeder or substation"), "401": err(auth), "503": err("PostgreSQL history: database unavailable, tables missing or query past history_timeout_ms")})),
        "/api/switches/abnormal": get_op("Switches whose current state differs from their normal state", "grid", vec![],
            json!({"200": ok_json("switches (at most 10,000, truncated)"), "401": err(auth)})),
        "/api/substations/status": get_op("Per substation: feeders energized / partially / de-energized, load in MW", "grid", vec![],
            json!({"200": ok_json("substations"), "401": err(auth)})),
        "/api/events": get_op("Server-sent events: `hello`, then one `change` per published update (id = `<epoch>-<version>`: a random per-process epoch and the snapshot version; data = the change event: version, changes [{layer, id, kind, attributes, geometry_changed}], changes_incomplete, invalidated_tiles [\"z/x/y\"], tiles_incomplete, collapsed_zooms, resync), `: heartbeat` comments, `reset` (reload tiles and state) when the resume point is unknown or the client fell behind", "live", vec![
            param("Last-Event-ID", "header", false, json!({"type": "string", "pattern": "^[0-9]+-[0-9]+$"}), "resume after this event id `<epoch>-<version>` (replays the buffered events after it; an id of another epoch, i.e. a restarted server or another replica, gets `reset`)"),
            param("last_event_id", "query", false, json!({"type": "string", "pattern": "^[0-9]+-[0-9]+$"}), "the same as a query parameter (the header wins)"),
        ], json!({"200": {"description": "the event stream (ends when the server shuts down)", "content": {"text/event-stream": {}}},
                  "503": err("too many events clients, or shutting down"), "401": err(auth)})),
        "/api/crews": get_op("Field crews (the crews layer): id, name, lon/lat, status, assignment (outage_id, feeder_id, outage_status; null when free), home substation", "live", vec![
            param("status", "query", false, json!({"type": "string", "enum": ["available", "dispatched", "on_site"]}), "only crews with this status"),
        ], json!({"200": ok_json("crews (at most 10,000, truncated), count, version"), "400": err("unknown status"), "404": err("the data has no crews layer"), "401": err(auth)})),
        "/api/openapi.json": get_op("This document", "operations", vec![],
            json!({"200": {"description": "OpenAPI 3.0 document", "content": {"application/vnd.oai.openapi+json;version=3.0": {}}}, "401": err(auth)})),
    });
    let mut paths = paths;
    if let Some(map) = paths.as_object_mut() {
        map.extend(crate::http::ogc::openapi::paths());
        map.extend(super::openapi_ops::paths());
        map.extend(super::openapi_analytics::paths());
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "gridtiles", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Vector tiles and the Grid API over an in-memory distribution grid."},
        "paths": paths,
        "components": {
            "parameters": crate::http::ogc::openapi::parameters(),
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    })
}

/// `GET /api/openapi.json`, as `application/vnd.oai.openapi+json;version=3.0` (the media
/// type the OGC landing page's `service-desc` link advertises).
pub async fn openapi() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, crate::http::ogc::links::OPENAPI)],
        Json(document()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The route templates registered in the router's sources (`.route("...")`).
    fn registered() -> Vec<String> {
        let sources = [
            include_str!("../router.rs"),
            include_str!("mod.rs"),
            include_str!("../ogc/mod.rs"),
            include_str!("../carto.rs"),
        ];
        let mut out = Vec::new();
        for src in sources {
            for part in src.split(".route(").skip(1) {
                let part = part.trim_start();
                if let Some(rest) = part.strip_prefix('"') {
                    if let Some(end) = rest.find('"') {
                        out.push(rest[..end].to_string());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_registered_route_is_documented() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let routes = registered();
        assert!(routes.len() >= 10, "{routes:?}");
        let all: Vec<&str> = PATHS
            .iter()
            .chain(crate::http::ogc::openapi::PATHS)
            .chain(super::super::openapi_analytics::PATHS)
            .copied()
            .collect();
        for r in routes.iter().filter(|r| r.as_str() != "/api/{*rest}") {
            assert!(
                paths.contains_key(r),
                "route {r} is not in the OpenAPI document"
            );
            assert!(all.contains(&r.as_str()), "route {r} is not in PATHS");
        }
        for p in &all {
            assert!(
                routes.iter().any(|r| r == p),
                "{p} documented but not routed"
            );
            let op = &paths[*p]
                .get("get")
                .filter(|op| op["responses"]["200"].is_object());
            let op = op.or(paths[*p].get("post")).unwrap();
            assert!(op["responses"]["200"].is_object(), "{p} has a 200 response");
        }
        assert_eq!(paths.len(), all.len());
        assert_eq!(doc["openapi"], "3.0.3");
        // Every local $ref points at something.
        let text = doc.to_string();
        for r in text.split("\"$ref\":\"#/").skip(1) {
            let target = &r[..r.find('"').unwrap()];
            let found = target.split('/').try_fold(&doc, |v, k| v.get(k));
            assert!(found.is_some_and(|v| v.is_object()), "$ref {target}");
        }
        let limit = &doc["components"]["parameters"]["limit"]["schema"];
        assert_eq!(
            (limit["maximum"].as_u64(), limit["default"].as_u64()),
            (Some(10_000), Some(100))
        );
    }
}
