//! Authentication per route group: off, bearer / API-key tokens, the ingress identity
//! header with an allowlist; 401 vs 403, JSON bodies, probes and CORS preflights stay open.

mod common;

use common::*;
use gridtiles::http::{router, AppState, AuthPolicy, Settings};
use gridtiles::settings::{AuthConfig, AuthMode, Secret};

const TOKEN: &str = "tok-0123456789abcdef";
const OTHER: &str = "tok-fedcba9876543210";

fn state(auth: AuthConfig) -> AppState {
    auth.validate().expect("valid auth config");
    let settings = Settings {
        auth: AuthPolicy::from_config(&auth),
        public_url: Some("https://tiles.example.com".into()),
        ..Settings::default()
    };
    state_with(fake_render, 16 << 20, settings)
}

fn tokens() -> Vec<Secret> {
    vec![Secret(OTHER.into()), Secret(TOKEN.into())]
}

#[tokio::test]
async fn auth_off_everything_is_open() {
    let s = state(AuthConfig::default());
    for uri in [Z14_TILE, "/tiles.json", "/api/health", "/metrics"] {
        assert_eq!(get(&s, uri, &[]).await.status, 200, "{uri}");
    }
    // Unknown API paths are JSON 404s, not 401s.
    let r = get(&s, "/api/nothing", &[]).await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].is_string());
}

#[tokio::test]
async fn token_mode_on_the_api_keeps_tiles_public() {
    let s = state(AuthConfig {
        api: AuthMode::Token,
        metrics: AuthMode::Token,
        tokens: tokens(),
        ..AuthConfig::default()
    });
    // Tiles stay public, probes stay open.
    assert_eq!(get(&s, Z14_TILE, &[]).await.status, 200);
    assert_eq!(get(&s, "/tiles.json", &[]).await.status, 200);
    assert_eq!(get(&s, "/api/health", &[]).await.status, 200);

    // No credentials: 401 with a Bearer challenge and a JSON body.
    for uri in ["/api/anything", "/metrics"] {
        let r = get(&s, uri, &[]).await;
        assert_eq!(r.status, 401, "{uri}");
        assert_eq!(r.header("www-authenticate"), r#"Bearer realm="gridtiles""#);
        assert_eq!(r.header("content-type"), "application/json");
        assert!(r.json()["error"]
            .as_str()
            .unwrap()
            .contains("authentication required"));
    }
    // Wrong token, a prefix of the right one, another scheme: 401 invalid_token / 401.
    for h in [
        ("authorization", "Bearer tok-0123456789abcdeX"),
        ("authorization", "Bearer tok-0123456789abcde"),
        ("x-api-key", "nope"),
    ] {
        let r = get(&s, "/metrics", &[h]).await;
        assert_eq!(r.status, 401, "{h:?}");
        assert!(r.header("www-authenticate").contains("invalid_token"));
        assert_eq!(r.json()["error"], "invalid token");
    }
    let basic = get(&s, "/metrics", &[("authorization", "Basic dXNlcjpwYXNz")]).await;
    assert_eq!(basic.status, 401);

    // Either configured token, either header.
    let bearer = format!("Bearer {TOKEN}");
    for h in [
        ("authorization", bearer.as_str()),
        ("authorization", &format!("bearer {OTHER}")),
        ("x-api-key", TOKEN),
    ] {
        assert_eq!(get(&s, "/metrics", &[h]).await.status, 200, "{h:?}");
    }
    // Authenticated requests reach routing: an unknown API path is a 404.
    let r = get(&s, "/api/anything", &[("authorization", &bearer)]).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn token_mode_on_tiles_protects_tiles_tilejson_styles_and_the_front_end() {
    let s = state(AuthConfig {
        tiles: AuthMode::Token,
        tokens: tokens(),
        ..AuthConfig::default()
    });
    for uri in [
        Z14_TILE,
        "/tiles.json",
        "/styles/dark.json",
        "/",
        "/index.html",
    ] {
        assert_eq!(get(&s, uri, &[]).await.status, 401, "{uri}");
    }
    let key = [("x-api-key", TOKEN)];
    assert_eq!(get(&s, Z14_TILE, &key).await.status, 200);
    assert_eq!(get(&s, "/tiles.json", &key).await.status, 200);
    // The API and metrics groups are independent.
    assert_eq!(get(&s, "/metrics", &[]).await.status, 200);
    assert_eq!(get(&s, "/api/health", &[]).await.status, 200);
}

#[tokio::test]
async fn header_mode_trusts_the_ingress_identity_with_an_allowlist() {
    let s = state(AuthConfig {
        api: AuthMode::Header,
        tiles: AuthMode::Header,
        allowed_users: vec!["ALICE".into(), "bob".into()],
        ..AuthConfig::default()
    });
    let r = get(&s, Z14_TILE, &[]).await;
    assert_eq!(r.status, 401, "no identity header");
    assert!(r.json()["error"].as_str().unwrap().contains("ingress"));
    let r = get(&s, Z14_TILE, &[("sf-context-current-user", "  ")]).await;
    assert_eq!(r.status, 401, "blank identity");
    let r = get(&s, Z14_TILE, &[("Sf-Context-Current-User", "mallory")]).await;
    assert_eq!(r.status, 403, "identified but not allowed");
    assert!(r.json()["error"].as_str().unwrap().contains("mallory"));
    assert_eq!(
        get(&s, Z14_TILE, &[("sf-context-current-user", "alice")])
            .await
            .status,
        200,
        "allowlist is case-insensitive"
    );
    assert_eq!(
        get(&s, "/api/x", &[("sf-context-current-user", "bob")])
            .await
            .status,
        404
    );

    // Without an allowlist any identified user is in.
    let open = state(AuthConfig {
        tiles: AuthMode::Header,
        identity_header: "X-Forwarded-User".into(),
        ..AuthConfig::default()
    });
    assert_eq!(
        get(&open, Z14_TILE, &[("x-forwarded-user", "carol")])
            .await
            .status,
        200
    );
    assert_eq!(get(&open, Z14_TILE, &[]).await.status, 401);
}

#[tokio::test]
async fn cors_preflight_is_answered_without_credentials() {
    let s = state(AuthConfig {
        tiles: AuthMode::Token,
        tokens: tokens(),
        ..AuthConfig::default()
    });
    let r = send(
        &router(s.clone()),
        "OPTIONS",
        Z14_TILE,
        &[
            ("origin", "https://maps.example.com"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("access-control-allow-headers")
        .contains("authorization"));
    // The 401 itself carries CORS headers, so a browser app can read it.
    let r = get(&s, Z14_TILE, &[("origin", "https://maps.example.com")]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin"), "*");
}

#[test]
fn auth_config_is_validated() {
    let bad = |c: AuthConfig| c.validate().unwrap_err();
    let e = bad(AuthConfig {
        api: AuthMode::Token,
        ..AuthConfig::default()
    });
    assert!(e.contains("tokens"), "{e}");
    let e = bad(AuthConfig {
        api: AuthMode::Token,
        tokens: vec![Secret("short".into())],
        ..AuthConfig::default()
    });
    assert!(e.contains("16"), "{e}");
    let e = bad(AuthConfig {
        tiles: AuthMode::Header,
        identity_header: "bad header".into(),
        ..AuthConfig::default()
    });
    assert!(e.contains("identity_header"), "{e}");
    // Tokens are never printed by Debug.
    let c = AuthConfig {
        tokens: tokens(),
        ..AuthConfig::default()
    };
    assert!(!format!("{c:?}").contains(TOKEN));
}
