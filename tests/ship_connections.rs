//! Hostile clients over real TCP: a client sending its request head too slowly is
//! disconnected, connections beyond `max_connections` wait until one closes, and the
//! errors hyper answers by itself (414, 431, 400) carry the JSON `{"error": ...}` body.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use gridtiles::http::{self, Settings, ShutdownTiming};
use tokio::net::TcpListener;

/// Serves the fixture state with `settings` on a free loopback port (until the test ends).
async fn start(settings: Settings) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = state_with(fake_render, 1 << 20, settings);
    tokio::spawn(http::serve_until(
        listener,
        state,
        std::future::pending(),
        ShutdownTiming::default(),
    ));
    addr
}

/// Reads one response (head and `content-length` body) from `s`; `None` on EOF first.
fn read_response(s: &mut TcpStream) -> Option<(u16, String, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(0) => return None,
            Ok(_) => buf.push(byte[0]),
            Err(e) => panic!("read failed: {e}"),
        }
    }
    let head = String::from_utf8(buf).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    Some((status, head, String::from_utf8(body).unwrap()))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

const HEALTH: &[u8] = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_its_head_slowly_is_disconnected() {
    let addr = start(Settings {
        header_read_timeout: Duration::from_secs(2),
        ..Settings::default()
    })
    .await;
    tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        let t0 = Instant::now();
        // One byte every 400 ms: the head would take 15 s.
        for b in HEALTH {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(400));
            if t0.elapsed() > Duration::from_secs(6) {
                break;
            }
        }
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut rest = [0u8; 64];
        let read = s.read(&mut rest);
        let closed = matches!(&read, Ok(0))
            || matches!(&read, Err(e) if e.kind() == ErrorKind::ConnectionReset);
        assert!(closed, "the slow connection is closed: {read:?}");
        let elapsed = t0.elapsed();
        assert!(
            elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(4),
            "{elapsed:?}"
        );
        // A normal client is served meanwhile.
        let mut ok = connect(addr);
        ok.write_all(HEALTH).unwrap();
        assert_eq!(read_response(&mut ok).unwrap().0, 200);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let addr = start(Settings {
        max_connections: 2,
        ..Settings::default()
    })
    .await;
    tokio::task::spawn_blocking(move || {
        let mut open: Vec<TcpStream> = (0..2)
            .map(|_| {
                let mut s = connect(addr);
                s.write_all(HEALTH).unwrap();
                assert_eq!(read_response(&mut s).unwrap().0, 200);
                s
            })
            .collect();
        // The third connection is only in the backlog: its request is not answered...
        let mut third = connect(addr);
        third.write_all(HEALTH).unwrap();
        third
            .set_read_timeout(Some(Duration::from_millis(800)))
            .unwrap();
        let mut byte = [0u8; 1];
        let waited = third.read(&mut byte);
        assert!(
            matches!(&waited, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
            "{waited:?}"
        );
        // ...until one of the first two closes.
        drop(open.pop());
        third.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let t0 = Instant::now();
        assert_eq!(read_response(&mut third).unwrap().0, 200);
        assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    })
    .await
    .unwrap();
}

/// Sends `request` raw; the status and body of the answer, which must be JSON.
async fn raw_error(addr: SocketAddr, request: Vec<u8>) -> (u16, String) {
    tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        s.write_all(&request).unwrap();
        let (status, head, body) = read_response(&mut s).expect("a response");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        (
            status,
            json["error"].as_str().expect("error message").to_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_have_a_json_body() {
    let addr = start(Settings::default()).await;
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let (status, error) = raw_error(addr, long_uri.into_bytes()).await;
    assert_eq!(status, 414, "{error}");
    assert!(error.contains("URI too long"), "{error}");

    let mut many = String::from("GET /api/health HTTP/1.1\r\nHost: x\r\n");
    for i in 0..150 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let (status, error) = raw_error(addr, many.into_bytes()).await;
    assert_eq!(status, 431, "{error}");

    let space = b"GET /tiles/a b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    let (status, error) = raw_error(addr, space).await;
    assert_eq!(status, 400, "{error}");
    assert!(error.contains("malformed request"), "{error}");

    let control = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n".to_vec();
    assert_eq!(raw_error(addr, control).await.0, 400);

    // The connection still works for well-formed requests, which are not rewritten.
    let (status, _, body) = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        s.write_all(b"GET /nope/x HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_response(&mut s).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status, 404);
    assert!(body.contains("error"), "{body}");
}

/// `GET path` with `X-Forwarded-Host: elsewhere.example` over TCP; the OGC landing page's
/// `self` link.
async fn self_link(addr: SocketAddr) -> String {
    tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        s.write_all(b"GET /ogc HTTP/1.1\r\nHost: here:1\r\nX-Forwarded-Host: elsewhere.example\r\nX-Forwarded-Proto: https\r\n\r\n")
            .unwrap();
        let (status, _, body) = read_response(&mut s).unwrap();
        assert_eq!(status, 200, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .unwrap()["href"]
            .as_str()
            .unwrap()
            .to_owned()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let untrusted = start(Settings::default()).await;
    assert!(self_link(untrusted).await.starts_with("http://here:1/ogc"));
    let trusted = start(Settings {
        trusted_proxies: gridtiles::http::forwarded::TrustedProxies::parse(
            &["127.0.0.1/32".into()],
        )
        .unwrap(),
        ..Settings::default()
    })
    .await;
    assert!(self_link(trusted)
        .await
        .starts_with("https://elsewhere.example/ogc"));
}
