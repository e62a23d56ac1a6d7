//! The real server over TCP on 127.0.0.1 (raw HTTP/1.1), graceful shutdown, the command line
//! and the serve/generate orchestration.

mod common;

use std::time::Duration;

use clap::Parser;
use common::*;
use gridtiles::app;
use gridtiles::cli::{Cli, Command, LogFormat};
use gridtiles::http::{self, CorsOrigins, Settings};
use gridtiles::index::Snapshot;
use gridtiles::settings::Config;
use gridtiles::tiles::{LayerSelection, RenderError, RenderedTile, TileCoord};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

type Http1Response = (u16, Vec<(String, String)>, Vec<u8>);

/// Sends `raw` (one or more pipelined HTTP/1.1 requests) to `addr` from a blocking thread
/// (std networking: the test client shares nothing with the server's stack) and reads
/// `count` responses.
async fn exchange(addr: SocketAddr, raw: String, count: usize) -> Vec<Http1Response> {
    tokio::task::spawn_blocking(move || {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut conn = BufReader::new(stream);
        conn.get_mut().write_all(raw.as_bytes()).unwrap();
        (0..count).map(|_| read_response(&mut conn)).collect()
    })
    .await
    .unwrap()
}

/// One HTTP/1.1 response read off `conn`: status, lower-cased headers, body.
fn read_response(conn: &mut BufReader<TcpStream>) -> Http1Response {
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        conn.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').unwrap();
        headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_server_over_tcp_with_graceful_shutdown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, fake_state(), async {
        let _ = stopped.await;
    }));

    let req = format!(
        "GET {Z14_TILE} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\n\r\n\
         GET /tiles.json HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    );
    let mut replies = exchange(addr, req, 2).await.into_iter();
    let (status, headers, body) = replies.next().unwrap();
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert_eq!(
        mvt_layer_names(&gunzip(&body)),
        ["substations", "feeders", "poles"]
    );
    // Second, pipelined request on the same keep-alive connection.
    let (status, _, body) = replies.next().unwrap();
    assert_eq!(status, 200);
    let tj: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        tj["tiles"][0],
        format!("http://{addr}/tiles/{{z}}/{{x}}/{{y}}.mvt")
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops after the shutdown signal")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).is_err(), "listener closed");
}

fn slow_render(
    s: &Snapshot,
    t: TileCoord,
    l: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    std::thread::sleep(Duration::from_millis(300));
    fake_render(s, t, l)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_requests_in_flight() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let state = state_with(slow_render, 1 << 20, Settings::default());
    let server = tokio::spawn(http::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let req = format!("GET {Z14_TILE} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
    let client = tokio::spawn(exchange(addr, req, 1));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let (status, _, body) = client.await.unwrap().pop().unwrap();
    assert_eq!(status, 200);
    assert!(!gunzip(&body).is_empty());
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
}

/// The configuration `gridtiles serve ARGS` runs with, given no environment.
fn serve_config(args: &[&str]) -> Config {
    serve_config_env(args, &[])
}

fn serve_config_env(args: &[&str], env: &[(&str, &str)]) -> Config {
    let cli = Cli::try_parse_from([&["gridtiles", "serve"], args].concat()).unwrap();
    match cli.command {
        Command::Serve(a) => {
            let vars = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
            a.load(vars).unwrap().config
        }
        other => panic!("not serve: {other:?}"),
    }
}

#[test]
fn command_line_flags_and_env() {
    // Defaults.
    let c = serve_config(&[]);
    assert_eq!(c.server.listen, "0.0.0.0:8080");
    assert_eq!(c.server.cache_mb, 256);
    assert_eq!(c.server.cache_bytes(), 256 << 20);
    assert!(c.data.dir.is_none() && !c.data.lenient && c.server.public_url.is_none());
    assert_eq!(c.server.cache_control, "public, max-age=60");
    let s = Settings::from_config(&c).unwrap();
    assert_eq!(s.cors_origins, CorsOrigins::Any);
    assert_eq!((c.data.seed, c.data.scale), (1, 1.0));

    // Every flag.
    let c = serve_config(&[
        "--listen=127.0.0.1:9000",
        "--data=/srv/grid",
        "--lenient",
        "--public-url=https://t.example.com/",
        "--cache-mb=0",
        "--cache-control=no-cache",
        "--cors-origins=https://a.example,https://b.example:8443",
        "--seed=42",
        "--scale=0.25",
    ]);
    assert_eq!(c.server.listen, "127.0.0.1:9000");
    assert!(c.data.lenient);
    assert_eq!(
        c.server.public_url.as_deref(),
        Some("https://t.example.com")
    );
    assert_eq!(c.server.cache_bytes(), 0);
    let s = Settings::from_config(&c).unwrap();
    assert_eq!(s.cache_control, "no-cache");
    assert_eq!(
        s.cors_origins,
        CorsOrigins::List(vec![
            "https://a.example".parse().unwrap(),
            "https://b.example:8443".parse().unwrap()
        ])
    );
    assert_eq!((c.data.seed, c.data.scale), (42, 0.25));
    let cli = Cli::try_parse_from(["gridtiles", "serve", "--log-format", "json"]).unwrap();
    assert_eq!(cli.log_format, Some(LogFormat::Json));

    // Bad values are rejected by the parser.
    for bad in [
        &["--scale=-1"][..],
        &["--public-url=ftp://x"],
        &["--cors-origins=example.com"],
        &["--cache-mb=lots"],
        &["--log-format=xml"],
    ] {
        assert!(
            Cli::try_parse_from([&["gridtiles", "serve"], bad].concat()).is_err(),
            "{bad:?}"
        );
    }
    let cli = Cli::try_parse_from(["gridtiles", "generate", "--out", "/tmp/x", "--seed", "3"]);
    assert!(matches!(cli.unwrap().command, Command::Generate(g) if g.demo.seed == Some(3)));
    assert!(
        Cli::try_parse_from(["gridtiles", "generate"]).is_err(),
        "--out is required"
    );

    // The documented flat GRIDTILES_* variables still work; a flag wins over them.
    let env = [("GRIDTILES_CACHE_MB", "12"), ("GRIDTILES_LENIENT", "true")];
    let c = serve_config_env(&[], &env);
    assert_eq!(c.server.cache_mb, 12);
    assert!(c.data.lenient);
    assert_eq!(serve_config_env(&["--cache-mb=3"], &env).server.cache_mb, 3);
}

#[test]
fn tiling_config_from_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiling.toml");
    std::fs::write(
        &path,
        "[tiles]\nmaxzoom = 18\n\n[layers.poles]\nminzoom = 13\nfull_zoom = 16\n",
    )
    .unwrap();
    let load = |p: &std::path::Path| Config::load(Some(p), std::iter::empty());
    let t = load(&path).unwrap().config.tiling();
    assert_eq!(t.tiles.maxzoom, 18);
    assert_eq!(t.tiles.extent, 4096, "unset keys keep defaults");
    assert_eq!(t.layer("poles").minzoom, 13);
    assert_eq!(t.layer("feeders").minzoom, 8);

    std::fs::write(&path, "[tiles]\nmax_zoom = 18\n").unwrap();
    let err = load(&path).unwrap_err().to_string();
    assert!(
        err.contains("tiling.toml") && err.contains("max_zoom"),
        "{err}"
    );
    let err = load(&dir.path().join("none.toml")).unwrap_err().to_string();
    assert!(err.contains("none.toml"), "{err}");
    assert_eq!(
        Config::load(None, std::iter::empty())
            .unwrap()
            .config
            .tiling(),
        Default::default()
    );
}

#[test]
fn serve_fails_before_listening_when_config_is_bad() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[tiles\n").unwrap();
    let cli = Cli::try_parse_from([
        "gridtiles",
        "serve",
        "--listen=127.0.0.1:0",
        &format!("--config={}", bad.display()),
    ])
    .unwrap();
    let Command::Serve(args) = cli.command else {
        unreachable!()
    };
    let err = args.load(std::iter::empty()).unwrap_err();
    assert!(err.to_string().contains("bad.toml"), "{err}");
}

#[test]
fn prepare_builds_the_demo_grid() {
    let state = app::prepare(&serve_config(&["--scale=0.05", "--cache-mb=1"])).unwrap();
    let snapshot = state.snapshot_arc();
    assert_eq!(snapshot.version, 1);
    assert!(snapshot.feature_count() > 0);
    assert!(snapshot.layer("feeders").is_some());
    assert_eq!(state.cache().stats().capacity_bytes, 1 << 20);
}

#[test]
fn generate_then_serve_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("grid");
    let cli = Cli::try_parse_from([
        "gridtiles",
        "generate",
        "--scale=0.05",
        &format!("--out={}", out.display()),
    ])
    .unwrap();
    let Command::Generate(g) = cli.command else {
        unreachable!()
    };
    let mut config = Config::default();
    g.demo.apply(&mut config);
    app::generate(&g, &config.data).unwrap();
    let from_files = app::prepare(&serve_config(&[&format!("--data={}", out.display())])).unwrap();
    let generated = app::prepare(&serve_config(&["--scale=0.05"])).unwrap();
    let counts = |s: &gridtiles::http::AppState| {
        let mut v: Vec<_> = s
            .snapshot_arc()
            .layers
            .iter()
            .map(|l| (l.name.clone(), l.features.len()))
            .collect();
        v.sort();
        v
    };
    // Files get the data-quality layer (the demo grid has no findings); the demo does not.
    let mut expected = counts(&generated);
    expected.push(("quality".to_string(), 0));
    expected.sort();
    assert_eq!(counts(&from_files), expected);
}

#[test]
fn malformed_data_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("poles.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":["x",1]},"properties":{}}]}"#,
    )
    .unwrap();
    let err = app::prepare(&serve_config(&[&format!(
        "--data={}",
        dir.path().display()
    )]))
    .err()
    .expect("malformed data is refused");
    let msg = format!("{err:#}");
    assert!(msg.contains("poles.geojson"), "{msg}");
}

#[tokio::test]
async fn serves_a_data_directory_and_lenient_skips_bad_features() {
    let dir = tempfile::tempdir().unwrap();
    gridtiles::source::file::write_dir(dir.path(), &houston_layers()).unwrap();
    let data = format!("--data={}", dir.path().display());
    let state = app::prepare(&serve_config(&[&data])).unwrap();
    let health = get(&state, "/api/health", &[]).await.json();
    assert_eq!(
        health["data"]["layers"],
        serde_json::json!({"substations": 1, "feeders": 2, "poles": 20, "quality": 4})
    );
    // The two spans carry no node ids: the topology comes from their geometry. The second
    // meets neither the first nor the substation: an island with two dangling ends, and the
    // first's far end dangles.
    let quality = get(&state, "/api/quality", &[]).await.json();
    assert_eq!(quality["counts"]["island"], 1, "{quality}");
    assert_eq!(quality["counts"]["dangling_end"], 3, "{quality}");
    assert_eq!(quality["total"], 4, "{quality}");

    std::fs::write(
        dir.path().join("switches.geojson"),
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":5,"geometry":{"type":"Point","coordinates":[-95.36,29.76]},"properties":{}},
            {"type":"Feature","id":6,"geometry":{"type":"Point","coordinates":[-95.36]},"properties":{}}]}"#,
    )
    .unwrap();
    let err = format!("{:#}", app::prepare(&serve_config(&[&data])).err().unwrap());
    assert!(
        err.contains("switches.geojson") && err.contains("feature 1"),
        "{err}"
    );
    let state = app::prepare(&serve_config(&[&data, "--lenient"])).unwrap();
    assert_eq!(
        state
            .snapshot_arc()
            .layer("switches")
            .unwrap()
            .features
            .len(),
        1
    );
}
