//! HTTP server (placeholder until the HTTP layer lands).
