//! The OpenAPI paths of the operations-analytics routes (AMI rollups, transformer loading,
//! consumption by class, asset health, search, assistant, MCP), merged into
//! [`super::openapi::document`].

use serde_json::{json, Map, Value as Json_};

use super::openapi::{err, get_op, int, ok_json, param};

/// The route paths documented here.
pub const PATHS: &[&str] = &[
    "/api/ami/transformers/loading",
    "/api/ami/consumption/by-class",
    "/api/assets/health/distribution",
    "/api/assets/worst",
    "/api/assets/{id}/health/history",
    "/api/search",
    "/api/assistant",
    "/mcp",
];

fn date(name: &str, what: &str) -> Json_ {
    param(
        name,
        "query",
        false,
        json!({"type": "string", "format": "date-time"}),
        what,
    )
}

fn limit(default: u64, max: u64) -> Json_ {
    param(
        "limit",
        "query",
        false,
        json!({"type": "integer", "minimum": 1, "maximum": max, "default": default}),
        "most entries returned (count, truncated)",
    )
}

/// The `/api/ami/history` parameters (meter, transformer, feeder, substation, system).
pub fn ami_history_params() -> Vec<Json_> {
    vec![
        param(
            "meter",
            "query",
            false,
            json!({"type": "integer"}),
            "meter id (exactly one of meter, transformer, feeder, substation, system=true)",
        ),
        param(
            "transformer",
            "query",
            false,
            json!({"type": "integer"}),
            "transformer id",
        ),
        param(
            "feeder",
            "query",
            false,
            json!({"type": "integer"}),
            "feeder id",
        ),
        param(
            "substation",
            "query",
            false,
            json!({"type": "integer"}),
            "substation id (its feeders' meters)",
        ),
        param(
            "system",
            "query",
            false,
            json!({"type": "boolean"}),
            "true: every meter of the grid",
        ),
        date("from", "start (RFC 3339; default: to - 1 day)"),
        date("to", "end (RFC 3339; default: now)"),
        param(
            "bucket",
            "query",
            false,
            json!({"type": "string", "enum": ["15m", "1h", "1d"], "default": "1h"}),
            "bucket width",
        ),
    ]
}

/// The paths, keyed by template.
pub fn paths() -> Map<String, Json_> {
    let auth = "401/403 when the route group requires authentication";
    let period = |days: &str| {
        vec![
            date(
                "from",
                &format!("period start (RFC 3339; default: to - {days})"),
            ),
            date("to", "period end (RFC 3339; default: now)"),
        ]
    };
    let mut loading = period("7 days");
    loading.extend([
        param(
            "substation",
            "query",
            false,
            json!({"type": "integer"}),
            "only this substation's transformers",
        ),
        param(
            "feeder",
            "query",
            false,
            json!({"type": "integer"}),
            "only this feeder's transformers",
        ),
        param(
            "min_pct",
            "query",
            false,
            json!({"type": "number"}),
            "only loading_pct at or above this",
        ),
        limit(100, 10_000),
    ]);
    let mut by_class = period("7 days");
    by_class.extend([
        param(
            "feeder",
            "query",
            false,
            json!({"type": "integer"}),
            "a feeder's meters (at most one of feeder, substation; neither: the system)",
        ),
        param(
            "substation",
            "query",
            false,
            json!({"type": "integer"}),
            "a substation's meters",
        ),
    ]);
    let layer = param(
        "layer",
        "query",
        false,
        json!({"type": "string", "enum": ["poles", "transformers"], "default": "poles"}),
        "asset layer",
    );
    let json = json!({
        "/api/ami/transformers/loading": get_op("Transformers ranked by loading_pct = peak kW of their summed synthetic meter demand (largest 15-minute interval) / (kVA x 0.9) x 100, highest first", "analytics", loading,
            json!({"200": ok_json("transformers [{id, feeder_id, substation_id, kva, peak_kw, peak_time, loading_pct, meters}], count, truncated, version"), "400": err("bad parameter or too much work: narrow the period or filter"), "404": err("the data has no transformers layer or no topology"), "401": err(auth)})),
        "/api/ami/consumption/by-class": get_op("Energy (kWh) and peak demand (kW) per customer class of a feeder, a substation or the system (synthetic AMI rollups)", "analytics", by_class,
            json!({"200": ok_json("classes [{class, meters, kwh, peak_kw, peak_time}]"), "400": err("bad parameter"), "404": err("unknown feeder or substation"), "401": err(auth)})),
        "/api/assets/health/distribution": get_op("Distribution of a layer's health scores (poles: health_score; transformers, which have no score: load_pct) in equal bins", "assets", vec![
            layer.clone(),
            param("bins", "query", false, json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 10}), "number of bins"),
        ], json!({"200": ok_json("layer, attribute, bins [{from, to, count}], count, mean, median"), "400": err("bad parameter"), "404": err("the layer is missing or has no health attribute"), "401": err(auth)})),
        "/api/assets/worst": get_op("The worst assets: poles by lowest health_score, transformers by highest load_pct", "assets", vec![
            layer,
            param("by", "query", false, json!({"type": "string", "enum": ["health", "load"]}), "ranking (default: health for poles, load for transformers)"),
            param("max_health", "query", false, json!({"type": "number"}), "only health_score at or below this"),
            param("feeder", "query", false, json!({"type": "integer"}), "only this feeder's assets"),
            limit(100, 10_000),
        ], json!({"200": ok_json("assets [{id, layer, feeder_id, health_score, load_pct, lon, lat, ...attributes}], count, truncated, matched"), "400": err("bad parameter or the layer lacks the ranking attribute"), "404": err("no such layer"), "401": err(auth)})),
        "/api/assets/{id}/health/history": get_op("Daily health score of an asset (synthetic for the demo: deterministic per asset, ending today at its current score)", "assets", vec![
            param("id", "path", true, int(), "asset id"),
            date("from", "first day (RFC 3339; default: to - 365 days)"),
            date("to", "end (RFC 3339; default: now; never past today)"),
        ], json!({"200": ok_json("id, layer, current, synthetic, days [{date, health_score}]"), "400": err("bad id or date, or more than 3660 days"), "404": err("no asset has this id, or it has no health_score"), "401": err(auth)})),
        "/api/search": get_op("Find assets (exact id), feeders, substations, crews and outages (exact id or case-insensitive name substring), ranked exact first", "grid", vec![
            param("q", "query", true, json!({"type": "string", "minLength": 1, "maxLength": 200}), "id or name text"),
            limit(20, 100),
        ], json!({"200": ok_json("results [{kind, id, layer, label, lon, lat, bbox}], count, truncated"), "400": err("missing, blank or too long q, or bad limit"), "401": err(auth)})),
        "/api/assistant": get_op("A plain-English operations question (outages on a feeder or at a substation, transformers over N% load, customers out, crews near a substation, an asset, a trace, SAIDI/SAIFI/CAIDI over a period, worst poles, find) answered deterministically through Grid API calls", "assistant", vec![
            param("q", "query", true, json!({"type": "string", "minLength": 1, "maxLength": 200}), "the question"),
        ], json!({"200": ok_json("understood: question, understood, intent, answer {columns, rows}, highlight {ids, bbox}, calls, note; not understood: question, understood false, suggestions"), "400": err("missing, blank or too long q, or a bad id in the question"), "404": err("the question names an asset or feeder that does not exist"), "401": err(auth)})),
        "/mcp": {
            "post": {"summary": "Model Context Protocol (streamable HTTP, stateless): one JSON-RPC 2.0 message per request (initialize, ping, tools/list, tools/call with the tools search, asset, trace, kpi, outages, crews, ami_history)", "tags": ["assistant"],
                     "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                     "responses": {"200": ok_json("the JSON-RPC response"), "202": {"description": "a notification or response accepted"}, "400": {"description": "not one JSON-RPC 2.0 message (JSON-RPC error body)", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": err(auth)}},
            "get": {"summary": "No server-initiated stream", "tags": ["assistant"], "responses": {"405": err("use POST"), "401": err(auth)}},
            "delete": {"summary": "No sessions", "tags": ["assistant"], "responses": {"405": err("use POST"), "401": err(auth)}},
        },
    });
    match json {
        Json_::Object(map) => map,
        _ => Map::new(),
    }
}
