//! The OpenAPI paths of the operations routes (outages with restoration estimates,
//! dispatch, reliability by month, worst feeders), merged into [`super::openapi::document`].

use serde_json::{json, Map, Value as Json_};

use super::openapi::{err, get_op, int, ok_json, param};

/// The path items.
pub fn paths() -> Map<String, Json_> {
    let auth = "401/403 when the route group requires authentication";
    let no_layer = "the data has no outages layer";
    let pg_down =
        "PostgreSQL history: database unavailable, tables missing or query past history_timeout_ms";
    let period = |name: &str, what: &str| {
        param(
            name,
            "query",
            false,
            json!({"type": "string", "format": "date-time"}),
            what,
        )
    };
    let paths = json!({
        "/api/outages": get_op("Outages in progress (the outages layer), newest first: feeder, substation, device (kind), cause, customers out, start, duration_s, status, crew, lon/lat, and etr (estimated restoration: median and p90 duration of past outages of the same cause and device kind, falling back to the cause, then all; confidence from sample size and spread; the synthetic history records no device kinds, so its basis is cause or all; null without history)", "live", vec![
            param("status", "query", false, json!({"type": "string", "enum": super::outages::OUTAGE_STATUSES}), "only outages with this status"),
            param("feeder", "query", false, json!({"type": "integer"}), "only outages of this feeder"),
            param("substation", "query", false, json!({"type": "integer"}), "only outages of this substation"),
            param("limit", "query", false, json!({"type": "integer", "minimum": 1, "maximum": super::outages::MAX_OUTAGES, "default": super::outages::DEFAULT_LIMIT}), "list at most this many (count, truncated)"),
        ], json!({"200": ok_json("outages, count, truncated, version, now"), "400": err("bad parameter"), "404": err(no_layer), "401": err(auth)})),
        "/api/outages/{id}": get_op("One outage in progress (as in /api/outages) plus trace: the isolation trace of its device (devices_to_open, de_energized ids per layer, customer_count; as /api/trace/{device}?direction=isolate; null without a device or topology)", "live", vec![
            param("id", "path", true, int(), "outage id"),
        ], json!({"200": ok_json("the outage"), "400": err("id is not a non-negative integer"), "404": err("no outage in progress with this id, or no outages layer"), "401": err(auth)})),
        "/api/kpi/monthly": get_op("IEEE 1366 indices per local calendar month of the period (clipped to it) from the same per-day, per-feeder sums as /api/kpi (synthetic history, or outage_events on the PostgreSQL source with postgres.history): saidi, saifi, caidi (excluding major event days with exclude_med=true), saidi_excl_med, saifi_excl_med, caidi_excl_med, customers_interrupted, customer_minutes, sustained_events, med_days (the period's major event days, 2.5 beta over the whole period, in that month); the months' customer_minutes and SAIDI add up to /api/kpi's for the same period", "analytics", vec![
            period("from", "period start (RFC 3339; default: to - 365 days)"),
            period("to", "period end (RFC 3339; default: now)"),
            param("exclude_med", "query", false, json!({"type": "boolean", "default": false}), "saidi / saifi / caidi / customers_interrupted / customer_minutes without major event days"),
        ], json!({"200": ok_json("months (at most 120), from, to, customers_served, version"), "400": err("bad date, from >= to, outside the history, or bad parameter"), "401": err(auth), "503": err(pg_down)})),
        "/api/outages/worst-feeders": get_op("Feeders with sustained interruptions in the period by customer-minutes (most first): feeder and substation (ids, names), customer_minutes, interruptions, customers_interrupted, customers_served, saidi and saifi of the feeder's customers; from the same rows as /api/kpi", "analytics", vec![
            period("from", "period start (RFC 3339; default: to - 365 days)"),
            period("to", "period end (RFC 3339; default: now)"),
            param("limit", "query", false, json!({"type": "integer", "minimum": 1, "maximum": super::reliability::MAX_FEEDERS, "default": super::reliability::DEFAULT_FEEDERS}), "list at most this many (count, truncated)"),
        ], json!({"200": ok_json("feeders, count, truncated, from, to, version"), "400": err("bad date, from >= to, outside the history, or bad parameter"), "401": err(auth), "503": err(pg_down)})),
        "/api/outages/{id}/dispatch": {"post": {
            "summary": "Dispatch an available field crew to an outage in progress: the crew becomes dispatched (assigned_outage_id, dispatched_at), the outage crew_dispatched (crew_id). Applied by the one writer: the simulator's task with serve --simulate (it then drives the crew there), the crews / outage_events rows in one transaction with the PostgreSQL source (the live loop publishes the change), else the served snapshot; the change reaches /api/events like any other",
            "tags": ["live"],
            "parameters": [param("id", "path", true, int(), "outage id")],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["crew_id"],
                "properties": {"crew_id": {"type": "integer", "minimum": 0}}}}}},
            "responses": {
                "200": {"description": "dispatched", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["outage_id", "crew_id", "crew_status", "outage_status", "version"],
                    "properties": {"outage_id": {"type": "integer"}, "crew_id": {"type": "integer"},
                                   "crew_status": {"type": "string", "enum": ["dispatched"]},
                                   "outage_status": {"type": "string", "enum": ["crew_dispatched"]},
                                   "version": {"type": "integer"}}}}}},
                "400": err("bad outage id, body not JSON (Content-Type: application/json), or no non-negative integer crew_id"),
                "404": err("unknown outage or crew, or the data has no outages / crews layer"),
                "409": err("the crew is not available, or the outage is not open for dispatch (it has a crew or is restored)"),
                "413": err("body larger than server.max_body_bytes"),
                "401": err(auth),
                "503": err("no writer can apply it now (simulator stopped or busy, database unavailable)"),
            },
        }},
    });
    match paths {
        Json_::Object(m) => m,
        _ => Map::new(),
    }
}
