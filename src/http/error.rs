//! API errors: every failure leaves the server as JSON `{"error": "..."}` with a fitting
//! status, including unknown paths (404) and wrong methods (405).

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

use crate::cache::TileError;
use crate::tiles::TileCoordError;

/// The JSON body of every error answer (`4xx` and `5xx`), including hyper's own protocol
/// errors ([`super::protocol_errors`]).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in words meant for the client.
    pub error: String,
}

/// An error answered to the client.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The request is malformed (bad tile address, bad query).
    #[error("{0}")]
    BadRequest(String),
    /// The path or a named resource (a layer) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The path exists but not for this method.
    #[error("method {0} not allowed")]
    MethodNotAllowed(Method),
    /// The server failed (tile rendering, encoding).
    #[error("{0}")]
    Internal(String),
    /// No or wrong credentials (`401` with `WWW-Authenticate: Bearer`).
    #[error("{message}")]
    Unauthorized {
        /// What is wrong.
        message: &'static str,
        /// Credentials were sent but are not valid (`error="invalid_token"`).
        invalid: bool,
    },
    /// Authenticated but not allowed (`403`).
    #[error("{0}")]
    Forbidden(String),
    /// The request body is larger than `server.max_body_bytes` (`413`).
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(u64),
    /// The request took longer than `server.request_timeout_s` (`503`: the server, not
    /// the client, was slow; `408` would invite browsers to retry).
    #[error("request timed out after {}", human(.0))]
    Timeout(std::time::Duration),
    /// The server is shutting down (`503`).
    #[error("{0}")]
    Unavailable(&'static str),
    /// The request conflicts with the current state (`409`: a busy crew, a taken outage).
    #[error("{0}")]
    Conflict(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
        }
    }
}

impl From<crate::analytics::kpi_request::PeriodError> for ApiError {
    fn from(err: crate::analytics::kpi_request::PeriodError) -> Self {
        ApiError::BadRequest(err.to_string())
    }
}

impl From<TileCoordError> for ApiError {
    fn from(err: TileCoordError) -> Self {
        ApiError::BadRequest(err.to_string())
    }
}

impl From<std::sync::Arc<TileError>> for ApiError {
    fn from(err: std::sync::Arc<TileError>) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = (
            status,
            Json(ErrorBody {
                error: self.to_string(),
            }),
        )
            .into_response();
        if let ApiError::Unauthorized { invalid, .. } = self {
            res.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(if invalid {
                    r#"Bearer realm="gridtiles", error="invalid_token""#
                } else {
                    r#"Bearer realm="gridtiles""#
                }),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// `30 s`, or `250 ms` below a second or for fractions.
fn human(d: &std::time::Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// At most `max` characters of client-supplied text, for error messages.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

/// Fallback for paths no route matches.
pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no such path: {}", truncate(uri.path(), 200)))
}

/// Fallback for a known path requested with a method it does not support (axum adds the
/// `Allow` header).
pub(crate) async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}
