//! The OpenAPI paths of the operations routes (outages with restoration estimates,
//! dispatch, reliability by month, worst feeders), merged into [`super::openapi::document`].

use serde_json::{json, Map, Value as Json_};

use super::openapi::{err, get_op, int, ok_json, param};

/// The path items.
pub fn paths() -> Map<String, Json_> {
    let auth = "401/403 when the route group requires authentication";
    let no_layer = "the data has no outages layer";
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
    });
    match paths {
        Json_::Object(m) => m,
        _ => Map::new(),
    }
}
