//! Graceful shutdown over real TCP: requests in flight finish, new connections are refused,
//! health answers 503 while draining, the grace period bounds the wait; the real binary
//! exits 0 on SIGTERM; `gridtiles healthcheck` against a live server.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use gridtiles::http::{self, Settings, ShutdownTiming};
use gridtiles::index::Snapshot;
use gridtiles::tiles::{LayerSelection, RenderError, RenderedTile, TileCoord};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn slow_render(
    s: &Snapshot,
    t: TileCoord,
    l: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    std::thread::sleep(Duration::from_millis(600));
    fake_render(s, t, l)
}

/// `GET path` on a fresh connection; the status code (0 when the connection failed).
async fn status_of(addr: SocketAddr, path: &'static str) -> u16 {
    tokio::task::spawn_blocking(move || {
        let Ok(mut s) = TcpStream::connect(addr) else {
            return 0;
        };
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if s.write_all(req.as_bytes()).is_err() {
            return 0;
        }
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out)
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    })
    .await
    .unwrap()
}

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<bool>>,
}

async fn start(timing: ShutdownTiming) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let state = state_with(slow_render, 1 << 20, Settings::default());
    let task = tokio::spawn(http::serve_until(
        listener,
        state,
        async {
            let _ = stopped.await;
        },
        timing,
    ));
    Server {
        addr,
        stop: Some(stop),
        task,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_finish_and_new_connections_are_refused() {
    let mut s = start(ShutdownTiming {
        delay: Duration::ZERO,
        grace: Some(Duration::from_secs(10)),
    })
    .await;
    let in_flight = tokio::spawn(status_of(s.addr, Z14_TILE));
    tokio::time::sleep(Duration::from_millis(150)).await;
    s.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(status_of(s.addr, "/api/health").await, 0, "listener closed");
    assert_eq!(in_flight.await.unwrap(), 200, "in-flight request completed");
    let clean = tokio::time::timeout(Duration::from_secs(10), s.task)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
    assert!(clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_keeps_serving_with_health_503_then_closes() {
    let mut s = start(ShutdownTiming {
        delay: Duration::from_millis(600),
        grace: Some(Duration::from_secs(10)),
    })
    .await;
    assert_eq!(status_of(s.addr, "/api/health").await, 200);
    s.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Still accepting during the delay; health tells the balancer to go away.
    assert_eq!(status_of(s.addr, "/api/health").await, 503);
    assert_eq!(status_of(s.addr, "/tiles.json").await, 200);
    tokio::time::timeout(Duration::from_secs(10), s.task)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
    assert_eq!(status_of(s.addr, "/api/health").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grace_period_bounds_the_wait() {
    let mut s = start(ShutdownTiming {
        delay: Duration::ZERO,
        grace: Some(Duration::from_millis(100)),
    })
    .await;
    let _in_flight = tokio::spawn(status_of(s.addr, Z14_TILE));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let t0 = Instant::now();
    s.stop.take().unwrap().send(()).unwrap();
    let clean = tokio::time::timeout(Duration::from_secs(10), s.task)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
    assert!(!clean, "a request was cut off");
    assert!(
        t0.elapsed() < Duration::from_millis(450),
        "{:?}",
        t0.elapsed()
    );
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(unix)]
#[test]
fn the_binary_exits_0_on_sigterm_and_healthcheck_follows_it() {
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_gridtiles");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(bin)
        .args(["serve", "--scale=0.02", "--cache-mb=1", "--listen", &listen])
        .env("GRIDTILES_LOG_FORMAT", "json")
        .env("GRIDTILES_SERVER__SHUTDOWN_GRACE_S", "5")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let healthcheck = |extra: &[&str]| {
        Command::new(bin)
            .arg("healthcheck")
            .args(extra)
            .env("GRIDTILES_SERVER__LISTEN", &listen)
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while !healthcheck(&[]) {
        assert!(Instant::now() < deadline, "server did not come up");
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        std::thread::sleep(Duration::from_millis(100));
    }
    let url = format!("--url=http://127.0.0.1:{port}/api/health");
    assert!(healthcheck(&[&url]));
    // `/api/*` never falls back to the page (the SPA fallback serves extensionless paths).
    let wrong = format!("--url=http://127.0.0.1:{port}/api/nope");
    assert!(!healthcheck(&[&wrong]), "404 is unhealthy");

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let mut log = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("\"server stopped\""), "{log}");
    assert!(log.lines().all(|l| l.starts_with('{')), "JSON logs:\n{log}");
    let unreachable = format!("--url=http://127.0.0.1:{port}/api/health");
    assert!(!healthcheck(&[&unreachable, "--timeout-s=2"]));
}
