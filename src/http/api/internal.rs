//! In-process Grid API calls: the assistant and the MCP server answer through the very
//! routes a client would call (same parsing, limits and values), without a network hop
//! and after the caller's own authentication.

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use serde_json::Value as Json_;
use tower::ServiceExt;

use crate::http::{ApiError, AppState};

/// Largest in-process response read, bytes.
const MAX_BODY: usize = 64 << 20;

/// A failed call: its status and error message.
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    pub status: StatusCode,
    pub message: String,
}

impl From<CallError> for ApiError {
    fn from(e: CallError) -> ApiError {
        match e.status {
            StatusCode::NOT_FOUND => ApiError::NotFound(e.message),
            s if s.is_client_error() => ApiError::BadRequest(e.message),
            _ => ApiError::Internal(e.message),
        }
    }
}

/// `GET uri` through the API routes; the JSON body, or the status and `error` message.
pub async fn get_json(state: &AppState, uri: &str) -> Result<Json_, CallError> {
    let app = super::routes()
        .merge(crate::http::ogc::feature_routes())
        .with_state(state.clone());
    let internal = |message: String| CallError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message,
    };
    // OGC responses build links from the Host (not shown to the caller).
    let request = Request::get(uri)
        .header("host", "localhost")
        .body(Body::empty())
        .map_err(|e| internal(format!("bad internal request {uri}: {e}")))?;
    let response = app
        .oneshot(request)
        .await
        .map_err(|e| internal(format!("{uri}: {e}")))?;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), MAX_BODY)
        .await
        .map_err(|e| internal(format!("{uri}: {e}")))?;
    let json: Json_ = serde_json::from_slice(&bytes).unwrap_or(Json_::Null);
    if status.is_success() {
        Ok(json)
    } else {
        Err(CallError {
            status,
            message: json["error"]
                .as_str()
                .map_or_else(|| format!("{uri}: {status}"), str::to_string),
        })
    }
}

/// `value` percent-encoded for a query string.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, crate::http::ogc::links::UNRESERVED).to_string()
}
