//! The front end and map styles from directories on disk: `index.html` at `/`, other files
//! by path; the styles directory is resolved here too (served by [`super::styles`]).
//!
//! A URL path is resolved by hand before any file is opened: percent-decoded, split into
//! segments, and refused (404) if a segment is empty after decoding, `.`/`..`, hidden
//! (starts with `.`) or holds `\`, `:` or NUL. The resolved file is then canonicalized and
//! must still lie inside the canonical root, so a symlink pointing out of the folder is
//! refused too. tower-http's `ServeFile` then serves it (ranges, `Last-Modified`, HEAD), or
//! its precompressed `.br` / `.gz` sibling (written by the front end's build, checked the same
//! way) when the client accepts that encoding.
//! HTML and styles get the security headers (CSP allowing only our own origin).
//!
//! The front end is a single-page app with deep links (`/outages/5000123`, `/ami/feeder/…`):
//! a GET or HEAD of a path that names no file, whose segments are plain route words
//! (`[A-Za-z0-9_-]`, so no extension), outside the server's own prefixes (`/api`, `/tiles`,
//! `/styles`, `/ogc`, `/data`, `/metrics`) and with nothing at all on disk under
//! that name, is answered with `index.html` (see [`spa_route`]). Anything else that names no
//! file stays a JSON 404.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::error::{truncate, ApiError};
use super::AppState;

/// The page's Content-Security-Policy: only our own origin; inline styles and blob/data
/// images and workers, which MapLibre needs.
pub const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; \
     style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; \
     base-uri 'self'; frame-ancestors 'none'";

/// A directory files are served from, canonicalized once.
#[derive(Clone, Debug)]
pub struct StaticDir {
    root: PathBuf,
}

impl StaticDir {
    /// Opens `dir` (it must exist and be a directory).
    pub fn open(dir: &Path) -> std::io::Result<StaticDir> {
        let root = std::fs::canonicalize(dir)?;
        if !root.is_dir() {
            return Err(std::io::Error::other(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        Ok(StaticDir { root })
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file a URL path names, if it is a regular file inside the root; a directory
    /// names its `index.html`.
    pub async fn resolve(&self, url_path: &str) -> Option<PathBuf> {
        let decoded = percent_decode_str(url_path).decode_utf8().ok()?;
        let mut path = self.root.clone();
        for seg in decoded.split('/').filter(|s| !s.is_empty()) {
            if seg.starts_with('.') || seg.contains(['\\', ':', '\0']) {
                return None;
            }
            path.push(seg);
        }
        let mut real = tokio::fs::canonicalize(&path).await.ok()?;
        if tokio::fs::metadata(&real).await.ok()?.is_dir() {
            real = tokio::fs::canonicalize(real.join("index.html"))
                .await
                .ok()?;
        }
        if !real.starts_with(&self.root) || !tokio::fs::metadata(&real).await.ok()?.is_file() {
            return None;
        }
        Some(real)
    }
}

/// The fallback: a file of the front end, or a JSON 404.
pub(crate) async fn serve_static(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let found = match state.static_dir() {
        Some(dir) => dir
            .resolve(&path)
            .await
            .map(|f| (f, dir.root().to_path_buf())),
        None => None,
    };
    let found = match (found, state.static_dir()) {
        (None, Some(dir)) if is_page_method(req.method()) && spa_route(dir.root(), &path).await => {
            dir.resolve("/index.html")
                .await
                .map(|f| (f, dir.root().to_path_buf()))
        }
        (found, _) => found,
    };
    let Some((file, root)) = found else {
        return ApiError::NotFound(format!("no such path: {}", truncate(&path, 200)))
            .into_response();
    };
    let cache = if file.extension().is_some_and(|e| e == "html") {
        "no-cache"
    } else if path.starts_with("/assets/") {
        // Vite's content-hashed build output.
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    send_file(file, &root, req, cache).await
}

/// Prefixes of the server's own routes: never answered with the page.
/// (`/assets/` is not one: the build's files there all have an extension, and `/assets/{id}` is
/// a front-end route.)
const RESERVED_PREFIXES: [&str; 6] = ["api", "tiles", "styles", "ogc", "data", "metrics"];

fn is_page_method(m: &Method) -> bool {
    m == Method::GET || m == Method::HEAD
}

/// Whether `url_path` (not decoded) is a front-end route to answer with `index.html`: one or
/// more non-empty segments of `[A-Za-z0-9_-]` (a trailing `/` allowed), the first not a
/// reserved prefix, and nothing (file, folder or link) at that path under `root`.
pub async fn spa_route(root: &Path, url_path: &str) -> bool {
    let Some(rest) = url_path.strip_prefix('/') else {
        return false;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<&str> = rest.split('/').collect();
    let plain = |s: &&str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if rest.is_empty() || segments.len() > 6 || !segments.iter().all(plain) {
        return false;
    }
    if RESERVED_PREFIXES.contains(&segments[0]) {
        return false;
    }
    let on_disk = segments.iter().fold(root.to_path_buf(), |p, s| p.join(s));
    tokio::fs::symlink_metadata(on_disk).await.is_err()
}

async fn send_file(
    file: PathBuf,
    root: &Path,
    req: Request,
    cache_control: &'static str,
) -> Response {
    let mut serve = ServeFile::new(&file);
    if sibling(&file, "gz", root).await {
        serve = serve.precompressed_gzip();
    }
    if sibling(&file, "br", root).await {
        serve = serve.precompressed_br();
    }
    match serve.oneshot(req).await {
        Ok(res) => {
            let mut res = res.map(Body::new);
            let h = res.headers_mut();
            h.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
            security_headers(h);
            res
        }
        Err(e) => ApiError::Internal(format!("reading file: {e}")).into_response(),
    }
}

/// Whether the precompressed sibling `FILE.ext` (written by the front end's build) exists as
/// a regular file inside `root`: checked like the file itself, so a symlinked sibling cannot
/// lead out of the folder.
async fn sibling(file: &Path, ext: &str, root: &Path) -> bool {
    let Some(name) = file.file_name() else {
        return false;
    };
    let mut name = name.to_os_string();
    name.push(".");
    name.push(ext);
    let Ok(real) = tokio::fs::canonicalize(file.with_file_name(name)).await else {
        return false;
    };
    real.starts_with(root) && tokio::fs::metadata(&real).await.is_ok_and(|m| m.is_file())
}

/// Adds the page security headers (CSP, frame and referrer policies).
pub fn security_headers(h: &mut HeaderMap) {
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}
