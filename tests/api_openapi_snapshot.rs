//! `/api/openapi.json` pinned: the served API description is compared with
//! `tests/snapshots/openapi.json`, so every change to a route, parameter or response shape
//! shows up in review as a change to that file. After a deliberate change, rewrite it with
//! `GRIDTILES_UPDATE_SNAPSHOTS=1 cargo test --test api_openapi_snapshot` and commit both.

mod common;

use std::path::Path;

use axum::http::StatusCode;

#[tokio::test]
async fn the_served_openapi_document_is_the_pinned_one() {
    let app = gridtiles::http::router(common::fake_state());
    let r = common::send(&app, "GET", "/api/openapi.json", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let served = serde_json::to_string_pretty(&r.json()).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var_os("GRIDTILES_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &served).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (GRIDTILES_UPDATE_SNAPSHOTS=1 writes it)",
            path.display()
        )
    });
    if served != pinned {
        // The first differing line, to say where.
        let (line, (a, b)) = served
            .lines()
            .zip(pinned.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((0, ("(length)", "(length)")));
        panic!(
            "/api/openapi.json differs from {} at line {}:\n  served: {a}\n  pinned: {b}\n\
             (a deliberate change: GRIDTILES_UPDATE_SNAPSHOTS=1 rewrites the file)",
            path.display(),
            line + 1
        );
    }
}
