//! Authentication per route group (see [`crate::settings::auth`]): `none`, `token`
//! (`Authorization: Bearer` or `X-API-Key`, compared in constant time) or `header` (an
//! identity header set by the ingress, optionally limited to an allowlist).
//!
//! No credentials → `401` with `WWW-Authenticate: Bearer`; a wrong token → `401` with
//! `error="invalid_token"`; an identified user outside the allowlist → `403`. Bodies are
//! JSON like every other error. The authenticated [`Identity`] is put in the request's
//! extensions for handlers.

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderName, Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use tower_http::validate_request::{ValidateRequest, ValidateRequestHeaderLayer};

use super::error::ApiError;
use crate::settings::{AuthConfig, AuthMode};

/// The `X-API-Key` header, an alternative to `Authorization: Bearer`.
pub const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// Who a request was authenticated as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// The `n`th configured token (tokens themselves are never kept with the request).
    Token(usize),
    /// A user named by the ingress's identity header.
    User(String),
}

/// How one route group is protected.
#[derive(Clone, Debug, Default)]
pub enum GroupAuth {
    /// Open.
    #[default]
    Open,
    /// Any of these tokens.
    Token(Arc<[Vec<u8>]>),
    /// The identity header, and the allowed users (empty: any).
    Header {
        /// The header the ingress sets.
        name: HeaderName,
        /// Allowed users; empty allows every identified user.
        allowed: Arc<[String]>,
    },
}

/// The protection of the three route groups.
#[derive(Clone, Debug, Default)]
pub struct AuthPolicy {
    /// `/tiles/*`, `/tiles.json`, `/styles/*`, the front end.
    pub tiles: GroupAuth,
    /// `/api/*` except `/api/health`.
    pub api: GroupAuth,
    /// `/metrics`.
    pub metrics: GroupAuth,
}

impl AuthPolicy {
    /// The policy `config` describes (validate it first: a bad identity header name falls
    /// back to an open group here).
    pub fn from_config(config: &AuthConfig) -> AuthPolicy {
        let tokens: Arc<[Vec<u8>]> = config
            .tokens
            .iter()
            .map(|t| t.expose().as_bytes().to_vec())
            .collect();
        let allowed: Arc<[String]> = config.allowed_users.iter().cloned().collect();
        let group = |mode: AuthMode| match mode {
            AuthMode::None => GroupAuth::Open,
            AuthMode::Token => GroupAuth::Token(Arc::clone(&tokens)),
            AuthMode::Header => match HeaderName::from_bytes(config.identity_header.as_bytes()) {
                Ok(name) => GroupAuth::Header {
                    name,
                    allowed: Arc::clone(&allowed),
                },
                Err(_) => GroupAuth::Open,
            },
        };
        AuthPolicy {
            tiles: group(config.tiles),
            api: group(config.api),
            metrics: group(config.metrics),
        }
    }
}

impl GroupAuth {
    /// `router` with every route (and fallback) behind this protection; unchanged when open.
    pub fn protect<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        match self {
            GroupAuth::Open => router,
            _ => router.layer(ValidateRequestHeaderLayer::custom(self.clone())),
        }
    }

    /// Who the request is, or the error to answer.
    pub fn check<B>(&self, req: &Request<B>) -> Result<Option<Identity>, ApiError> {
        match self {
            GroupAuth::Open => Ok(None),
            GroupAuth::Token(tokens) => {
                let given = presented_token(req).ok_or(ApiError::Unauthorized {
                    message:
                        "authentication required: send Authorization: Bearer TOKEN or X-API-Key",
                    invalid: false,
                })?;
                match_token(tokens, given)
                    .map(|i| Some(Identity::Token(i)))
                    .ok_or(ApiError::Unauthorized {
                        message: "invalid token",
                        invalid: true,
                    })
            }
            GroupAuth::Header { name, allowed } => {
                let user = req
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .ok_or(ApiError::Unauthorized {
                        message: "authentication required (no identity from the ingress)",
                        invalid: false,
                    })?;
                if !allowed.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(user)) {
                    return Err(ApiError::Forbidden(format!(
                        "user {:?} is not allowed",
                        super::error::truncate(user, 100)
                    )));
                }
                Ok(Some(Identity::User(user.to_owned())))
            }
        }
    }
}

impl<B> ValidateRequest<B> for GroupAuth {
    type ResponseBody = Body;

    fn validate(&mut self, req: &mut Request<B>) -> Result<(), Response<Body>> {
        match self.check(req) {
            Ok(Some(id)) => {
                req.extensions_mut().insert(id);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The token of `Authorization: Bearer TOKEN` (scheme case-insensitive) or `X-API-Key`.
fn presented_token<B>(req: &Request<B>) -> Option<&[u8]> {
    let h = req.headers();
    if let Some(v) = h.get(AUTHORIZATION) {
        let v = v.as_bytes();
        let (scheme, rest) = v.split_at(v.iter().position(|&b| b == b' ')?);
        if scheme.eq_ignore_ascii_case(b"bearer") {
            let t = rest.trim_ascii();
            return (!t.is_empty()).then_some(t);
        }
        return None;
    }
    h.get(X_API_KEY)
        .map(|v| v.as_bytes().trim_ascii())
        .filter(|t| !t.is_empty())
}

/// Index of the token equal to `given`. Every token is compared, each in constant time
/// for its length, so timing reveals neither which token matched nor how much of one did.
fn match_token(tokens: &[Vec<u8>], given: &[u8]) -> Option<usize> {
    let mut index = u64::MAX;
    let mut found = Choice::from(0);
    for (i, t) in (0u64..).zip(tokens.iter()) {
        let eq = t.as_slice().ct_eq(given);
        index = u64::conditional_select(&index, &i, eq & !found);
        found |= eq;
    }
    bool::from(found)
        .then(|| usize::try_from(index).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_either_header() {
        let req = |k: &str, v: &str| Request::builder().header(k, v).body(()).unwrap();
        assert_eq!(
            presented_token(&req("authorization", "Bearer abc")),
            Some(&b"abc"[..])
        );
        assert_eq!(
            presented_token(&req("authorization", "bearer  abc ")),
            Some(&b"abc"[..])
        );
        assert_eq!(presented_token(&req("authorization", "Basic abc")), None);
        assert_eq!(presented_token(&req("authorization", "Bearer ")), None);
        assert_eq!(presented_token(&req("x-api-key", "abc")), Some(&b"abc"[..]));
        let tokens = vec![b"first-token".to_vec(), b"second-token".to_vec()];
        assert_eq!(match_token(&tokens, b"second-token"), Some(1));
        assert_eq!(match_token(&tokens, b"second-toke"), None);
        assert_eq!(match_token(&tokens, b""), None);
    }
}
