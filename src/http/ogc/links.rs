//! Links of the OGC API documents: absolute URLs under `server.public_url` or the request's
//! `Host` / `X-Forwarded-*` (as TileJSON builds its tile URL), and the `rel` / `type` /
//! `title` triples the specifications require.

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value as Json;

use crate::http::tilejson::request_base_url;
use crate::http::{ApiError, AppState};

/// `application/json`.
pub const JSON: &str = "application/json";
/// `application/geo+json` (feature collections and features).
pub const GEOJSON: &str = "application/geo+json";
/// The OpenAPI 3.1 media type of the service description.
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.1";
/// The FlatGeobuf media type.
pub const FLATGEOBUF: &str = "application/flatgeobuf";

/// One link of an OGC API document.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Link {
    /// Absolute URL (a URL template when `templated`).
    pub href: String,
    /// Link relation (`self`, `items`, or an OGC relation URI).
    pub rel: &'static str,
    /// Media type of the target.
    #[serde(rename = "type")]
    pub media_type: &'static str,
    /// Human-readable title.
    pub title: String,
    /// `true` when `href` is a URI template (tile URLs).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub templated: bool,
}

impl Link {
    /// A link to `href` (absolute).
    pub fn new(href: String, rel: &'static str, media_type: &'static str, title: &str) -> Link {
        Link {
            href,
            rel,
            media_type,
            title: title.to_owned(),
            templated: false,
        }
    }

    /// The same link marked as a URI template.
    pub fn templated(mut self) -> Link {
        self.templated = true;
        self
    }
}

/// The base of every absolute URL of one response: `scheme://host` (or the configured public
/// URL) plus `/ogc`.
#[derive(Clone, Debug)]
pub struct Base {
    /// `scheme://host[:port][/prefix]`, no trailing `/`.
    pub root: String,
    /// The root came from the request's headers (the response must `Vary` on them).
    from_request: bool,
}

impl Base {
    /// The base for `req` (forwarded headers believed only from a trusted proxy).
    pub fn of(state: &AppState, req: &Request) -> Result<Base, ApiError> {
        let (headers, uri) = (req.headers(), req.uri());
        let trusted = state.settings().trusted_proxies.trusts(req.extensions());
        Ok(match &state.settings().public_url {
            Some(url) => Base {
                root: url.clone(),
                from_request: false,
            },
            None => Base {
                root: request_base_url(headers, uri, trusted)?,
                from_request: true,
            },
        })
    }

    /// `root` + `/ogc` + `path` (`path` empty or starting with `/`).
    pub fn ogc(&self, path: &str) -> String {
        format!("{}/ogc{path}", self.root)
    }

    /// `root` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    /// `body` as a JSON response of `media_type`, revalidated on every use (the data can
    /// change) and varying on the headers the links were built from.
    pub fn respond(&self, body: &impl Serialize, media_type: &'static str) -> Response {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.respond_bytes(bytes, media_type),
            Err(e) => ApiError::Internal(format!("serializing a document: {e}")).into_response(),
        }
    }

    /// Serialized JSON `body` as a response, with the headers of [`Base::respond`].
    pub fn respond_bytes(&self, body: Vec<u8>, media_type: &'static str) -> Response {
        let mut res = Response::new(axum::body::Body::from(body));
        let h = res.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if self.from_request {
            h.insert(
                VARY,
                HeaderValue::from_static("host, x-forwarded-host, x-forwarded-proto"),
            );
        }
        res
    }
}

/// The links as a JSON array.
pub fn to_json(links: &[Link]) -> Json {
    serde_json::to_value(links).unwrap_or(Json::Null)
}

/// RFC 3986 unreserved bytes: everything else is percent-encoded.
pub(crate) const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `s` percent-encoded for a URL path segment or query value (RFC 3986 unreserved bytes kept).
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_serializes() {
        assert_eq!(encode("a b,c/é"), "a%20b%2Cc%2F%C3%A9");
        let l = Link::new("http://h/x".into(), "self", JSON, "this document");
        let j = serde_json::to_value(&l).unwrap();
        assert_eq!(j["type"], "application/json");
        assert!(j.get("templated").is_none());
        let j = serde_json::to_value(l.templated()).unwrap();
        assert_eq!(j["templated"], true);
    }
}
