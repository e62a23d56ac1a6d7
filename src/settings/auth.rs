//! `[auth]`: who may call which route group. Three groups — `tiles` (tiles, TileJSON,
//! styles, the front end), `api` (`/api/*` except `/api/health`, which stays open for
//! probes) and `metrics` (`/metrics`) — each with its own mode.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a route group authenticates requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Open to anyone.
    #[default]
    None,
    /// A token from `tokens`, sent as `Authorization: Bearer TOKEN` or `X-API-Key: TOKEN`.
    Token,
    /// An identity header set by the ingress in front of the server (`identity_header`),
    /// optionally limited to `allowed_users`.
    Header,
}

/// A secret string (an API token): never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The `[auth]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Mode of the `tiles` group: `/tiles/*`, `/tiles.json`, `/styles/*`, the front end.
    pub tiles: AuthMode,
    /// Mode of the `api` group: `/api/*` except `/api/health`.
    pub api: AuthMode,
    /// Mode of the `metrics` group: `/metrics`.
    pub metrics: AuthMode,
    /// Accepted tokens for `token` mode (secret; at least 16 characters each). In the
    /// environment: comma-separated.
    pub tokens: Vec<Secret>,
    /// Header carrying the authenticated user for `header` mode. Trust it only behind an
    /// ingress that sets it and strips it from client requests.
    pub identity_header: String,
    /// `header` mode: users allowed in (others get `403`). Empty: any identified user.
    pub allowed_users: Vec<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            tiles: AuthMode::None,
            api: AuthMode::None,
            metrics: AuthMode::None,
            tokens: Vec::new(),
            identity_header: "Sf-Context-Current-User".to_owned(),
            allowed_users: Vec::new(),
        }
    }
}

/// Shortest token accepted: a guessable token is no protection.
pub const MIN_TOKEN_LEN: usize = 16;

impl AuthConfig {
    /// The modes of the three groups.
    pub fn modes(&self) -> [(&'static str, AuthMode); 3] {
        [
            ("tiles", self.tiles),
            ("api", self.api),
            ("metrics", self.metrics),
        ]
    }

    /// Checks that every mode in use has what it needs.
    pub fn validate(&self) -> Result<(), String> {
        let uses = |m: AuthMode| self.modes().iter().any(|(_, g)| *g == m);
        if uses(AuthMode::Token) {
            if self.tokens.is_empty() {
                return Err("auth: a group uses `token` mode but `tokens` is empty".into());
            }
            if let Some(i) = self
                .tokens
                .iter()
                .position(|t| t.0.chars().count() < MIN_TOKEN_LEN)
            {
                return Err(format!(
                    "auth.tokens[{i}] is shorter than {MIN_TOKEN_LEN} characters"
                ));
            }
            if let Some(i) = self.tokens.iter().position(|t| {
                t.0.bytes()
                    .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b',')
            }) {
                return Err(format!(
                    "auth.tokens[{i}] contains whitespace, a comma or a control character"
                ));
            }
        }
        if uses(AuthMode::Header)
            && axum::http::HeaderName::from_bytes(self.identity_header.as_bytes()).is_err()
        {
            return Err(format!(
                "auth.identity_header {:?} is not a valid header name",
                self.identity_header
            ));
        }
        Ok(())
    }
}
