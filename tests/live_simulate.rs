//! `gridtiles serve --simulate` end to end: the flags and settings, the simulator's changes
//! arriving on `/api/events` of a real server within a tick, shutdown stopping it, and the
//! refusal with the PostgreSQL source.

use std::time::{Duration, Instant};

use clap::Parser;
use gridtiles::cli::{Cli, Command};
use gridtiles::settings::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn serve_config(args: &[&str]) -> Config {
    let cli = Cli::try_parse_from(args).unwrap();
    let Command::Serve(serve) = cli.command else {
        panic!("serve")
    };
    serve.load(Vec::<(String, String)>::new()).unwrap().config
}

#[test]
fn flags_and_environment_set_the_simulator() {
    let c = serve_config(&["gridtiles", "serve"]);
    assert!(!c.simulate.enabled);
    assert_eq!(c.simulate.interval_ms, 3000);
    let c = serve_config(&[
        "gridtiles",
        "serve",
        "--simulate",
        "--simulate-interval-ms",
        "500",
    ]);
    assert!(c.simulate.enabled);
    assert_eq!(c.simulate.interval_ms, 500);
    let env = [
        ("GRIDTILES_SIMULATE__ENABLED".to_owned(), "true".to_owned()),
        ("GRIDTILES_SIMULATE__SEED".to_owned(), "9".to_owned()),
        ("GRIDTILES_EVENTS__HEARTBEAT_S".to_owned(), "5".to_owned()),
    ];
    let loaded = Config::load(None, env).unwrap();
    assert!(loaded.config.simulate.enabled);
    assert_eq!(loaded.config.simulate.seed, 9);
    assert_eq!(loaded.config.events.heartbeat_s, 5);
    let mut bad = Config::default();
    bad.simulate.interval_ms = 1;
    bad.events.max_clients = 0;
    let err = bad.validate().unwrap_err().to_string();
    assert!(
        err.contains("simulate.interval_ms") && err.contains("events.max_clients"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[simulate]\nenabled = true\ninterval_ms = 700\n").unwrap();
    let shown = gridtiles::app::check_config(&file, Vec::<(String, String)>::new()).unwrap();
    assert!(
        shown.contains("[simulate]") && shown.contains("interval_ms = 700"),
        "{shown}"
    );
    assert!(shown.contains("[events]"), "{shown}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_changes_reach_event_clients_and_shutdown_stops_it() {
    let port = free_port();
    let mut config = serve_config(&[
        "gridtiles",
        "serve",
        "--simulate",
        "--simulate-interval-ms",
        "300",
        "--scale",
        "0.1",
    ]);
    config.server.listen = format!("127.0.0.1:{port}");
    config.server.static_dir = None;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gridtiles::app::serve(config, async {
        let _ = stopped.await;
    }));
    let started = Instant::now();
    let mut tcp = loop {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(t) => break t,
            Err(_) if started.elapsed() < Duration::from_secs(60) => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("server did not start: {e}"),
        }
    };
    tcp.write_all(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(20);
    // The first tick starts a fault: an outage appears and switches open.
    while !(text.contains("\"layer\":\"outages\"") && text.contains("\"kind\":\"insert\"")) {
        assert!(Instant::now() < deadline, "no simulated fault:\n{text}");
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("read")
            .unwrap();
        assert!(n > 0, "stream ended");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(text.contains("event: hello"));
    assert!(
        text.contains("\"current_state\":\"open\""),
        "a device opened"
    );
    assert!(
        text.contains("\"status\":\"de-energized\""),
        "assets went dark"
    );
    stop.send(()).unwrap();
    let res = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .unwrap()
        .unwrap();
    assert!(res.is_ok(), "{res:?}");
}

#[tokio::test]
async fn simulate_with_postgres_is_refused() {
    let mut config = serve_config(&["gridtiles", "serve", "--simulate"]);
    let mut pg = toml::Table::new();
    pg.insert("url".into(), "postgres://nobody@127.0.0.1:1/none".into());
    config.postgres = Some(pg);
    let err = gridtiles::app::serve(config, std::future::pending())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--simulate") && err.contains("one writer"),
        "{err}"
    );
}
