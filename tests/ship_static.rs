//! The front end and styles from disk: `index.html` at `/`, cache headers, security headers,
//! and every way out of the folder refused: `..`, encoded `%2e%2e` and `%2f`, backslashes,
//! absolute paths, NUL, hidden files, symlinks to files and folders outside.

mod common;

use std::path::Path;

use common::*;
use gridtiles::http::{AppState, Settings};

struct Site {
    _tmp: tempfile::TempDir,
    state: AppState,
}

/// `root/{www,styles}` served, `root/secret.txt` and `root/outside/` next to them.
fn site() -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let www = root.join("www");
    let styles = root.join("styles");
    for d in [
        &www.join("assets"),
        &www.join("docs"),
        &styles,
        &root.join("outside"),
    ] {
        std::fs::create_dir_all(d).unwrap();
    }
    let write = |p: &Path, s: &str| std::fs::write(p, s).unwrap();
    write(
        &www.join("index.html"),
        "<!doctype html><title>grid</title>",
    );
    write(&www.join("assets/app-1a2b3c.js"), "console.log(1)");
    write(&www.join("docs/index.html"), "docs");
    write(&www.join(".env"), "DOTENV-CONTENT");
    write(&root.join("secret.txt"), "TOP-SECRET-CONTENT");
    write(&root.join("outside/index.html"), "OUTSIDE-CONTENT");
    write(&styles.join("dark.json"), r#"{"version":8}"#);
    write(&root.join("private.json"), r#"{"PRIVATE-STYLE":true}"#);
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(root.join("secret.txt"), www.join("leak.txt")).unwrap();
        symlink(root.join("outside"), www.join("out")).unwrap();
        symlink(root.join("private.json"), styles.join("private.json")).unwrap();
        symlink(www.join("index.html"), www.join("home.html")).unwrap();
    }
    let settings = Settings {
        static_dir: Some(www),
        styles_dir: Some(styles),
        ..Settings::default()
    };
    Site {
        state: state_with(fake_render, 1 << 20, settings),
        _tmp: tmp,
    }
}

#[tokio::test]
async fn serves_index_files_and_styles_with_security_headers() {
    let s = site();
    let r = get(&s.state, "/", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"<!doctype html><title>grid</title>");
    assert!(r.header("content-type").starts_with("text/html"));
    assert_eq!(r.header("cache-control"), "no-cache");
    let csp = r.header("content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("worker-src 'self' blob:"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(r.header("x-frame-options"), "DENY");
    assert_eq!(r.header("referrer-policy"), "no-referrer");

    let r = get(&s.state, "/assets/app-1a2b3c.js", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").contains("javascript"));
    assert!(r.header("cache-control").contains("immutable"));
    assert_eq!(&get(&s.state, "/docs/", &[]).await.body[..], b"docs");
    assert_eq!(&get(&s.state, "/docs", &[]).await.body[..], b"docs");
    // A symlink that stays inside the folder is fine.
    #[cfg(unix)]
    assert_eq!(get(&s.state, "/home.html", &[]).await.status, 200);

    let r = get(&s.state, "/styles/dark.json", &[("host", "a.test")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"version": 8}));
    assert_eq!(r.header("content-type"), "application/json");
    assert!(r.header("content-security-policy").contains("'self'"));

    // HEAD works and conditional GETs revalidate.
    let head = send(&gridtiles::http::router(s.state.clone()), "HEAD", "/", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let lm = get(&s.state, "/", &[])
        .await
        .header("last-modified")
        .to_owned();
    let again = get(&s.state, "/", &[("if-modified-since", &lm)]).await;
    assert_eq!(again.status, 304);
    let etag = r.header("etag").to_owned();
    let again = get(
        &s.state,
        "/styles/dark.json",
        &[("host", "a.test"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn precompressed_copies_are_served_to_clients_that_accept_them() {
    let s = site();
    let www = s._tmp.path().join("www");
    let js = b"console.log('a long bundle');".repeat(100);
    std::fs::write(www.join("assets/big-1.js"), &js).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &js).unwrap();
    std::fs::write(www.join("assets/big-1.js.gz"), gz.finish().unwrap()).unwrap();

    let r = get(&s.state, "/assets/big-1.js", &[("accept-encoding", "gzip")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), "gzip");
    assert!(r.header("content-type").contains("javascript"));
    assert!(r.header("content-security-policy").contains("'self'"));
    assert_eq!(gunzip(&r.body), js);
    // Without gzip in Accept-Encoding: the file itself.
    let r = get(&s.state, "/assets/big-1.js", &[]).await;
    assert_eq!(r.header("content-encoding"), "");
    assert_eq!(&r.body[..], &js[..]);
    // No brotli copy: a brotli-only client gets the file itself.
    let r = get(&s.state, "/assets/big-1.js", &[("accept-encoding", "br")]).await;
    assert_eq!(r.header("content-encoding"), "");
    assert_eq!(&r.body[..], &js[..]);
}

#[cfg(unix)]
#[tokio::test]
async fn a_precompressed_copy_linking_out_of_the_folder_is_ignored() {
    let s = site();
    let root = s._tmp.path();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, b"TOP-SECRET-CONTENT").unwrap();
    std::fs::write(root.join("secret.js.gz"), gz.finish().unwrap()).unwrap();
    std::os::unix::fs::symlink(
        root.join("secret.js.gz"),
        root.join("www/assets/app-1a2b3c.js.gz"),
    )
    .unwrap();
    let r = get(
        &s.state,
        "/assets/app-1a2b3c.js",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), "");
    assert_eq!(&r.body[..], b"console.log(1)");
}

#[tokio::test]
async fn nothing_outside_the_folder_is_reachable() {
    let s = site();
    for uri in [
        "/../secret.txt",
        "/docs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/docs/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/docs/..\\..\\secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:/Windows/win.ini",
        "/index.html%00.js",
        "/.env",
        "/%2eenv",
        "/leak.txt",
        "/out/",
        "/out/index.html",
        "/styles/../secret.txt",
        "/styles/%2e%2e%2fprivate.json",
        "/styles/private.json",
        "/styles/dark.txt",
        "/styles/.json",
    ] {
        let r = get(&s.state, uri, &[]).await;
        assert!(
            r.status == 404 || r.status == 400,
            "{uri} answered {}",
            r.status
        );
        let body = String::from_utf8_lossy(&r.body);
        for marker in ["TOP-SECRET", "OUTSIDE-CONTENT", "PRIVATE-STYLE", "DOTENV"] {
            assert!(!body.contains(marker), "{uri} leaked {marker}");
        }
    }
    // 404s are JSON like the rest of the API.
    let r = get(&s.state, "/missing.js", &[]).await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("/missing.js"));
}

#[tokio::test]
async fn without_a_front_end_unknown_paths_are_json_404s() {
    let state = fake_state();
    for uri in ["/", "/index.html", "/styles/dark.json"] {
        let r = get(&state, uri, &[]).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].is_string());
        assert_eq!(r.header("x-content-type-options"), "nosniff");
    }
}

#[tokio::test]
async fn front_end_routes_without_a_file_get_the_page() {
    let s = site();
    for uri in [
        "/operations",
        "/outages/5000123",
        "/ami/feeder/1000042?from=2026-01-01&bucket=1h",
        "/field/crews/7",
        "/assets/20000000",
        "/assistant/",
    ] {
        let r = get(&s.state, uri, &[]).await;
        assert_eq!(r.status, 200, "{uri}");
        assert_eq!(&r.body[..], b"<!doctype html><title>grid</title>", "{uri}");
        assert!(r.header("content-type").starts_with("text/html"), "{uri}");
        assert_eq!(r.header("cache-control"), "no-cache", "{uri}");
        assert!(r
            .header("content-security-policy")
            .contains("default-src 'self'"));
        assert_eq!(r.header("x-frame-options"), "DENY");
    }
    let head = send(
        &gridtiles::http::router(s.state.clone()),
        "HEAD",
        "/outages",
        &[],
    )
    .await;
    assert_eq!(head.status, 200);
    // Server prefixes, files with an extension, odd segments and other methods stay 404s.
    for uri in [
        "/api/nothing",
        "/tiles/nothing",
        "/ogc/nothing/here",
        "/data/nothing",
        "/assets/missing-1a2b.js",
        "/missing.js",
        "/outages/5000123.json",
        "/a%20b",
        "/a//b",
    ] {
        let r = get(&s.state, uri, &[]).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].is_string(), "{uri}");
    }
    let post = send(
        &gridtiles::http::router(s.state.clone()),
        "POST",
        "/outages",
        &[],
    )
    .await;
    assert_ne!(post.status, 200);
    // Without a front end there is no page to fall back to.
    let r = get(&fake_state(), "/outages", &[]).await;
    assert_eq!(r.status, 404);
}
