//! `/mcp`: a Model Context Protocol server over streamable HTTP (the stateless subset): each
//! `POST` carries one JSON-RPC 2.0 message and gets a JSON answer (`initialize`, `ping`,
//! `tools/list`, `tools/call`; notifications and responses get `202`); `GET` and `DELETE`
//! are `405` (no server-initiated stream, no sessions), which the transport allows.
//! Tools answer through the Grid API routes in process ([`super::internal`]): `search`,
//! `asset`, `trace`, `kpi`, `outages` (the live `outages` layer), `crews`, `ami_history`.
//! Why not the `rmcp` crate: see ARCHITECTURE.md.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value as Json_};

use super::internal::{encode, get_json};
use crate::http::AppState;

/// Protocol versions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: &[&str] = &["2025-06-18", "2025-03-26", "2024-11-05"];

/// The tools: name, description, JSON Schema of the arguments.
fn tools() -> Json_ {
    let int = json!({"type": "integer", "minimum": 0});
    let date = json!({"type": "string", "description": "RFC 3339 date-time"});
    json!([
        {"name": "search", "description": "Find assets (exact id), feeders, substations, crews and outages (id or name substring)",
         "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 100}}, "required": ["q"]}},
        {"name": "asset", "description": "One asset: layer, attributes, geometry, feeder, substation, neighbours",
         "inputSchema": {"type": "object", "properties": {"id": int}, "required": ["id"]}},
        {"name": "trace", "description": "Network trace from an asset over the current switch states",
         "inputSchema": {"type": "object", "properties": {"id": int, "direction": {"type": "string", "enum": ["upstream", "downstream", "isolate"]}}, "required": ["id"]}},
        {"name": "kpi", "description": "IEEE 1366 reliability indices (SAIDI, SAIFI, CAIDI, ...), outages in progress, customers out, crews",
         "inputSchema": {"type": "object", "properties": {"from": date, "to": date, "by": {"type": "string", "enum": ["feeder", "substation"]}}}},
        {"name": "outages", "description": "Outages in progress (the live outages layer), optionally on one feeder or substation",
         "inputSchema": {"type": "object", "properties": {"feeder": int, "substation": int}}},
        {"name": "crews", "description": "Field crews with status, assignment and depot",
         "inputSchema": {"type": "object", "properties": {"status": {"type": "string", "enum": ["available", "dispatched", "on_site"]}}}},
        {"name": "ami_history", "description": "AMI energy (kWh) and peak demand (kW) per bucket of a meter, transformer, feeder, substation or the system",
         "inputSchema": {"type": "object", "properties": {"meter": int, "transformer": int, "feeder": int, "substation": int, "system": {"type": "boolean"}, "from": date, "to": date, "bucket": {"type": "string", "enum": ["15m", "1h", "1d"]}}}},
    ])
}

/// A tool argument rendered for a query string (numbers, booleans and strings only).
fn arg(args: &Map<String, Json_>, name: &str) -> Result<Option<String>, String> {
    match args.get(name) {
        None | Some(Json_::Null) => Ok(None),
        Some(Json_::String(s)) => Ok(Some(encode(s))),
        Some(Json_::Number(n)) => Ok(Some(n.to_string())),
        Some(Json_::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(format!(
            "argument {name:?} must be a string, number or boolean"
        )),
    }
}

/// `path?k=v&...` from the arguments `names` (renamed by `(argument, parameter)`).
fn query(path: &str, args: &Map<String, Json_>, names: &[(&str, &str)]) -> Result<String, String> {
    let mut parts = Vec::new();
    for (a, p) in names {
        if let Some(v) = arg(args, a)? {
            parts.push(format!("{p}={v}"));
        }
    }
    Ok(match parts.is_empty() {
        true => path.to_string(),
        false if path.contains('?') => format!("{path}&{}", parts.join("&")),
        false => format!("{path}?{}", parts.join("&")),
    })
}

/// The API call a tool makes; `None` for an unknown tool.
fn tool_uri(name: &str, args: &Map<String, Json_>) -> Option<Result<String, String>> {
    let id = || match args.get("id").and_then(Json_::as_u64) {
        Some(id) => Ok(id),
        None => Err("argument \"id\" (a non-negative integer) is required".to_string()),
    };
    Some(match name {
        "search" => query("/api/search", args, &[("q", "q"), ("limit", "limit")]),
        "asset" => id().map(|id| format!("/api/assets/{id}")),
        "trace" => id().and_then(|id| {
            query(
                &format!("/api/trace/{id}"),
                args,
                &[("direction", "direction")],
            )
        }),
        "kpi" => query(
            "/api/kpi",
            args,
            &[("from", "from"), ("to", "to"), ("by", "by")],
        ),
        "outages" => query(
            "/ogc/collections/outages/items?limit=1000",
            args,
            &[("feeder", "feeder_id"), ("substation", "substation_id")],
        ),
        "crews" => query("/api/crews", args, &[("status", "status")]),
        "ami_history" => {
            let keys = [
                "meter",
                "transformer",
                "feeder",
                "substation",
                "system",
                "from",
                "to",
                "bucket",
            ];
            let names: Vec<(&str, &str)> = keys.iter().map(|k| (*k, *k)).collect();
            query("/api/ami/history", args, &names)
        }
        _ => return None,
    })
}

/// A tool's result: the API's JSON as text and as structured content, or the error.
async fn call_tool(state: &AppState, params: &Json_) -> Result<Json_, (i64, String)> {
    let name = params["name"]
        .as_str()
        .ok_or((-32602, "params.name is required".to_string()))?;
    let empty = Map::new();
    let args = match &params["arguments"] {
        Json_::Object(m) => m,
        Json_::Null => &empty,
        _ => return Err((-32602, "params.arguments must be an object".into())),
    };
    let uri = tool_uri(name, args).ok_or((-32602, format!("unknown tool {name:?}")))?;
    let outcome = match uri {
        Ok(uri) => get_json(state, &uri).await.map_err(|e| e.message),
        Err(msg) => Err(msg),
    };
    Ok(match outcome {
        Ok(value) => json!({
            "content": [{"type": "text", "text": value.to_string()}],
            "structuredContent": value,
            "isError": false,
        }),
        Err(message) => json!({"content": [{"type": "text", "text": message}], "isError": true}),
    })
}

fn rpc_error(id: Json_, code: i64, message: String) -> Json_ {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Model Context Protocol (streamable HTTP, stateless): one JSON-RPC 2.0 message per request
/// (`initialize`, `ping`, `tools/list`, `tools/call` with the tools search, asset, trace, kpi,
/// outages, crews, ami_history). The messages are the MCP specification's, not this API's.
#[utoipa::path(post, path = "/mcp", tag = "assistant", operation_id = "mcp_post",
    request_body(content = Object, content_type = "application/json", description = "a JSON-RPC 2.0 request or notification"),
    responses(
        (status = 200, description = "the JSON-RPC response", body = Object),
        (status = 202, description = "a notification or response accepted"),
        (status = 400, description = "not one JSON-RPC 2.0 message (JSON-RPC error body)", body = Object),
    ))]
pub async fn post(State(state): State<AppState>, body: Bytes) -> Response {
    let message: Json_ = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            let err = rpc_error(Json_::Null, -32700, format!("parse error: {e}"));
            return (StatusCode::BAD_REQUEST, Json(err)).into_response();
        }
    };
    if !message.is_object() || message["jsonrpc"] != "2.0" {
        let err = rpc_error(
            Json_::Null,
            -32600,
            "one JSON-RPC 2.0 message object expected".into(),
        );
        return (StatusCode::BAD_REQUEST, Json(err)).into_response();
    }
    let id = message.get("id").cloned();
    let Some(method) = message["method"].as_str() else {
        // A response from the client (we send no requests): accepted.
        return StatusCode::ACCEPTED.into_response();
    };
    let Some(id) = id else {
        // A notification (`notifications/initialized`, `notifications/cancelled`).
        return StatusCode::ACCEPTED.into_response();
    };
    let params = &message["params"];
    let result = match method {
        "initialize" => {
            let asked = params["protocolVersion"].as_str().unwrap_or("");
            let version = PROTOCOL_VERSIONS
                .iter()
                .find(|v| **v == asked)
                .unwrap_or(&PROTOCOL_VERSIONS[0]);
            Ok(json!({
                "protocolVersion": version,
                "capabilities": {"tools": {"listChanged": false}},
                "serverInfo": {"name": "gridtiles", "version": env!("CARGO_PKG_VERSION")},
                "instructions": "Grid operations tools: search the grid, read assets, trace the network, reliability KPIs, outages in progress, crews and AMI load history.",
            }))
        }
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({"tools": tools()})),
        "tools/call" => call_tool(&state, params).await,
        other => Err((-32601, format!("method {other:?} not found"))),
    };
    let reply = match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message)) => rpc_error(id, code, message),
    };
    Json(reply).into_response()
}

/// `GET /mcp`: no server-initiated stream (the endpoint is stateless).
#[utoipa::path(get, path = "/mcp", tag = "assistant", operation_id = "mcp_get",
    responses((status = 405, description = "use POST", body = crate::http::error::ErrorBody)))]
pub async fn get_not_allowed() -> Response {
    not_allowed()
}

/// `DELETE /mcp`: no sessions to end.
#[utoipa::path(delete, path = "/mcp", tag = "assistant", operation_id = "mcp_delete",
    responses((status = 405, description = "use POST", body = crate::http::error::ErrorBody)))]
pub async fn delete_not_allowed() -> Response {
    not_allowed()
}

/// The `405` of `GET` and `DELETE`.
fn not_allowed() -> Response {
    let body = crate::http::error::ErrorBody {
        error: "this MCP endpoint is stateless: POST one JSON-RPC message per request".into(),
    };
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "POST")],
        Json(body),
    )
        .into_response()
}
