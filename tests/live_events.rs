//! `GET /api/events` over real TCP: hello, change events after a publish, resume with
//! `Last-Event-ID` (exactly the missed events), reset for unknown or evicted ids, for ids of
//! another server process (a restart, another replica) and for a client that fell behind, heartbeats, the client cap, streams outliving the request
//! timeout, and graceful shutdown ending the streams.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use common::*;
use geo_types::{Geometry, Point};
use gridtiles::http::events::EventsSettings;
use gridtiles::http::{self, router, AppState, Settings, ShutdownTiming};
use gridtiles::index::{ChangeSet, LayerChanges};
use gridtiles::model::{Feature, Value};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tower::ServiceExt;

/// Publishes the next version: pole 1000's height set to the new version number.
fn publish_next(state: &AppState) -> u64 {
    let snap = state.snapshot_arc();
    let version = snap.version + 1;
    let (lon, lat) = HOUSTON;
    let changes = ChangeSet {
        layers: BTreeMap::from([(
            "poles".to_owned(),
            LayerChanges {
                upserts: vec![Feature {
                    id: 1000,
                    geometry: Geometry::Point(Point::new(lon, lat + 0.0005)),
                    properties: vec![Some(Value::Float(version as f64)), Some(Value::Bool(true))],
                }],
                ..LayerChanges::default()
            },
        )]),
    };
    let update = snap.apply(changes, version).expect("update applies");
    state.publish_update(update, false).version
}

struct Server {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<bool>>,
}

async fn start(settings: Settings) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = state_with(fake_render, 1 << 20, settings);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(http::serve_until(
        listener,
        state.clone(),
        async {
            let _ = stopped.await;
        },
        ShutdownTiming {
            delay: Duration::ZERO,
            grace: Some(Duration::from_secs(10)),
        },
    ));
    Server {
        addr,
        state,
        stop: Some(stop),
        task,
    }
}

fn settings(events: EventsSettings) -> Settings {
    Settings {
        events,
        ..Settings::default()
    }
}

/// A raw HTTP/1.1 client reading the stream as text (each frame is one chunk, so frames
/// are contiguous in the text).
struct Sse {
    tcp: TcpStream,
    text: String,
    eof: bool,
}

impl Sse {
    async fn connect(addr: SocketAddr, headers: &[(&str, &str)], path: &str) -> Sse {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let mut req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        tcp.write_all(req.as_bytes()).await.unwrap();
        Sse {
            tcp,
            text: String::new(),
            eof: false,
        }
    }

    /// Reads until `needle` appears after byte `from` (panics after `limit`).
    async fn wait_for(&mut self, needle: &str, limit: Duration) -> usize {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(i) = self.text.find(needle) {
                return i;
            }
            assert!(!self.eof, "stream ended without {needle:?}:\n{}", self.text);
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no {needle:?} within {limit:?}:\n{}",
                self.text
            );
            self.read(left).await;
        }
    }

    async fn read(&mut self, limit: Duration) {
        let mut buf = [0u8; 8192];
        if let Ok(r) = tokio::time::timeout(limit, self.tcp.read(&mut buf)).await {
            match r {
                Ok(0) | Err(_) => self.eof = true,
                Ok(n) => self.text.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    }

    /// Reads until the server closes the connection (panics after `limit`).
    async fn wait_eof(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.eof {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "stream still open after {limit:?}");
            self.read(left).await;
        }
    }
}

const T: Duration = Duration::from_secs(5);

/// The event id of `version` on `state`'s server: `<epoch>-<version>`.
fn id(state: &AppState, version: u64) -> String {
    format!("{}-{version}", state.event_log().epoch())
}

/// The start of the `change` frame of `version` on `state`'s server.
fn change(state: &AppState, version: u64) -> String {
    format!("id: {}\nevent: change", id(state, version))
}

/// The `reset` frame to `version` on `state`'s server.
fn reset(state: &AppState, version: u64) -> String {
    format!(
        "id: {}\nevent: reset\ndata: {{\"version\":{version}}}\n\n",
        id(state, version)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gets_hello_then_every_published_change() {
    let s = start(Settings::default()).await;
    let mut c = Sse::connect(s.addr, &[], "/api/events").await;
    let hello = format!(
        "retry: 2000\nid: {}\nevent: hello\ndata: {{\"version\":1}}\n\n",
        id(&s.state, 1)
    );
    c.wait_for(&hello, T).await;
    let head = &c.text[..c.text.find("\r\n\r\n").unwrap()].to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    assert!(head.contains("x-accel-buffering: no"), "{head}");
    assert!(
        !head.contains("content-encoding"),
        "never compressed: {head}"
    );
    assert!(c.text.contains("retry: 2000\n"));
    assert_eq!(s.state.metrics().events_clients(), 1);
    let sent = Instant::now();
    assert_eq!(publish_next(&s.state), 2);
    let at = c
        .wait_for(&format!("{}\ndata: ", change(&s.state, 2)), T)
        .await;
    println!("publish -> client: {:?}", sent.elapsed());
    let data = &c.text[at..];
    let line = data.lines().nth(2).unwrap().trim_start_matches("data: ");
    let json: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["changes"][0]["layer"], "poles");
    assert_eq!(json["changes"][0]["id"], 1000);
    assert_eq!(json["changes"][0]["attributes"]["height_m"], 2.0);
    assert_eq!(json["changes"][0]["geometry_changed"], false);
    assert!(!json["invalidated_tiles"].as_array().unwrap().is_empty());
    publish_next(&s.state);
    c.wait_for(&change(&s.state, 3), T).await;
    drop(c);
    // The gauge follows the disconnect once the server notices it (its next write).
    let deadline = Instant::now() + T;
    while s.state.metrics().events_clients() != 0 {
        assert!(Instant::now() < deadline, "client still counted");
        publish_next(&s.state);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_replays_exactly_the_missed_events() {
    let s = start(Settings::default()).await;
    let st = &s.state;
    for _ in 0..4 {
        publish_next(st); // 2..=5
    }
    let mut c = Sse::connect(s.addr, &[("Last-Event-ID", &id(st, 3))], "/api/events").await;
    c.wait_for("event: hello\ndata: {\"version\":3}", T).await;
    c.wait_for(&change(st, 5), T).await;
    assert!(c.text.contains(&change(st, 4)));
    assert!(!c.text.contains(&change(st, 3)));
    assert!(!c.text.contains(&change(st, 2)));
    assert!(!c.text.contains("event: reset"));
    assert!(c.text.find(&change(st, 4)).unwrap() < c.text.find(&change(st, 5)).unwrap());
    publish_next(st);
    c.wait_for(&change(st, 6), T).await;
    assert_eq!(c.text.matches("event: change").count(), 3, "{}", c.text);
    // The query parameter works the same way.
    let path = format!("/api/events?last_event_id={}", id(st, 5));
    let mut q = Sse::connect(s.addr, &[], &path).await;
    q.wait_for(&change(st, 6), T).await;
    assert_eq!(q.text.matches("event: change").count(), 1);
    // Up to date: nothing to replay.
    let mut u = Sse::connect(s.addr, &[("Last-Event-ID", &id(st, 6))], "/api/events").await;
    u.wait_for("event: hello\ndata: {\"version\":6}", T).await;
    publish_next(st);
    u.wait_for(&change(st, 7), T).await;
    assert_eq!(u.text.matches("event: change").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_evicted_ids_get_a_reset() {
    let s = start(settings(EventsSettings {
        replay_events: 2,
        ..EventsSettings::default()
    }))
    .await;
    for _ in 0..5 {
        publish_next(&s.state); // 2..=6, buffered: 5, 6
    }
    let ids = [
        id(&s.state, 3),
        id(&s.state, 99),
        "not-a-version".to_owned(),
    ];
    for last in &ids {
        let v = s.state.snapshot_arc().version;
        let mut c = Sse::connect(s.addr, &[("Last-Event-ID", last)], "/api/events").await;
        c.wait_for(&reset(&s.state, v), T).await;
        assert!(!c.text.contains("event: change"), "{last}: {}", c.text);
        publish_next(&s.state);
        let next = s.state.snapshot_arc().version;
        c.wait_for(&change(&s.state, next), T).await;
        // Later events of this loop are replayed from the buffer.
        publish_next(&s.state);
        publish_next(&s.state);
    }
    let v = s.state.snapshot_arc().version;
    let mut ok = Sse::connect(
        s.addr,
        &[("Last-Event-ID", &id(&s.state, v - 1))],
        "/api/events",
    )
    .await;
    ok.wait_for(&change(&s.state, v), T).await;
    assert!(!ok.text.contains("event: reset"));
}

/// Versions restart at 1 with the process and count independently on each replica: an id
/// of another server (same version numbers, another epoch) or a bare version is a reset,
/// never a replay of that server's events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_another_server_process_get_a_reset() {
    let a = start(Settings::default()).await;
    let b = start(Settings::default()).await;
    for _ in 0..4 {
        publish_next(&a.state); // 2..=5 on both
        publish_next(&b.state);
    }
    assert_ne!(a.state.event_log().epoch(), b.state.event_log().epoch());
    // The id a client of `a` last saw (from the wire, not from the state).
    let mut first = Sse::connect(a.addr, &[], "/api/events").await;
    let at = first.wait_for("\nevent: hello", T).await;
    let line_start = first.text[..at].rfind('\n').unwrap() + 1;
    let seen = first.text[line_start..at]
        .trim_start_matches("id: ")
        .to_owned();
    assert_eq!(seen, id(&a.state, 5));
    let (epoch, version) = seen.split_once('-').unwrap();
    assert!(epoch.parse::<u64>().is_ok() && version == "5", "{seen}");
    // Valid on `a`: replays from version 3 there.
    let own = id(&a.state, 3);
    let mut ok = Sse::connect(a.addr, &[("Last-Event-ID", &own)], "/api/events").await;
    ok.wait_for(&change(&a.state, 5), T).await;
    assert!(!ok.text.contains("event: reset"));
    // The same id on `b` (a restart, or the load balancer's other replica): reset.
    for last in [
        own.clone(),
        "3".to_owned(),
        format!("{}-", b.state.event_log().epoch()),
    ] {
        let v = b.state.snapshot_arc().version;
        let mut c = Sse::connect(b.addr, &[("Last-Event-ID", &last)], "/api/events").await;
        c.wait_for(&reset(&b.state, v), T).await;
        assert!(!c.text.contains("event: change"), "{last}: {}", c.text);
        publish_next(&b.state);
        let next = b.state.snapshot_arc().version;
        c.wait_for(&change(&b.state, next), T).await;
        assert_eq!(c.text.matches("event: change").count(), 1, "{}", c.text);
    }
    let path = format!("/api/events?last_event_id={own}");
    let mut q = Sse::connect(b.addr, &[], &path).await;
    let v = b.state.snapshot_arc().version;
    q.wait_for(&reset(&b.state, v), T).await;
}

#[tokio::test]
async fn a_client_that_falls_behind_gets_a_reset_and_continues() {
    let state = fake_state();
    let req = Request::get("/api/events").body(Body::empty()).unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    // The body is not read while far more events than the client queue are published.
    let n = gridtiles::http::events::log::CLIENT_QUEUE as u64 + 10;
    for _ in 0..n {
        publish_next(&state);
    }
    let last = state.snapshot_arc().version;
    let mut text = String::new();
    while !text.contains("event: reset") {
        let frame = body.frame().await.unwrap().unwrap();
        text.push_str(std::str::from_utf8(frame.data_ref().unwrap()).unwrap());
    }
    assert!(text.contains("event: hello\ndata: {\"version\":1}"));
    assert!(text.contains(&reset(&state, last)), "{text}");
    assert!(
        !text.contains("event: change"),
        "nothing older than the reset"
    );
    publish_next(&state);
    let frame = body.frame().await.unwrap().unwrap();
    let next = std::str::from_utf8(frame.data_ref().unwrap())
        .unwrap()
        .to_owned();
    assert!(next.starts_with(&change(&state, last + 1)), "{next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_an_idle_stream_alive_past_the_request_timeout() {
    let s = start(Settings {
        request_timeout: Duration::from_secs(1),
        ..settings(EventsSettings {
            heartbeat: Duration::from_millis(200),
            ..EventsSettings::default()
        })
    })
    .await;
    let mut c = Sse::connect(s.addr, &[], "/api/events").await;
    c.wait_for("event: hello", T).await;
    c.wait_for(": heartbeat\n\n", T).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    c.read(Duration::from_millis(300)).await;
    assert!(!c.eof, "stream closed");
    assert!(c.text.matches(": heartbeat").count() >= 4, "{}", c.text);
    assert!(!c.text.contains("timed out"));
    publish_next(&s.state);
    c.wait_for(&change(&s.state, 2), T).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_beyond_the_cap_get_503() {
    let s = start(settings(EventsSettings {
        max_clients: 1,
        ..EventsSettings::default()
    }))
    .await;
    let mut first = Sse::connect(s.addr, &[], "/api/events").await;
    first.wait_for("event: hello", T).await;
    let r = get(&s.state, "/api/events", &[]).await;
    assert_eq!(r.status, 503);
    assert!(r.json()["error"].as_str().unwrap().contains("too many"));
    assert_eq!(r.header("retry-after"), "1");
    drop(first);
    // The permit is released once the server notices the disconnect.
    let deadline = Instant::now() + T;
    loop {
        publish_next(&s.state);
        let mut again = Sse::connect(s.addr, &[], "/api/events").await;
        again.read(Duration::from_millis(300)).await;
        if again.text.contains("event: hello") {
            break;
        }
        assert!(again.text.contains(" 503 "), "{}", again.text);
        assert!(Instant::now() < deadline, "permit never released");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_the_streams() {
    let mut s = start(Settings::default()).await;
    let mut a = Sse::connect(s.addr, &[], "/api/events").await;
    let mut b = Sse::connect(
        s.addr,
        &[("Last-Event-ID", &id(&s.state, 1))],
        "/api/events",
    )
    .await;
    a.wait_for("event: hello", T).await;
    b.wait_for("event: hello", T).await;
    let started = Instant::now();
    s.stop.take().unwrap().send(()).unwrap();
    a.wait_eof(T).await;
    b.wait_eof(T).await;
    let clean = tokio::time::timeout(T, &mut s.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(clean, "every response finished within the grace period");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        a.text.ends_with("0\r\n\r\n"),
        "a complete chunked body: {:?}",
        a.text
    );
    assert_eq!(s.state.metrics().events_clients(), 0);
    // Draining: new streams are refused.
    let r = get(&s.state, "/api/events", &[]).await;
    assert_eq!(r.status, 503);
}
