//! API errors: every failure leaves the server as JSON `{"error": "..."}` with a fitting
//! status, including unknown paths (404) and wrong methods (405).

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use thiserror::Error;

use crate::cache::TileError;
use crate::tiles::TileCoordError;

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
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
        (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
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
