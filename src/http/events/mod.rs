//! `GET /api/events`: the change stream as server-sent events (auth group `api`).
//!
//! A stream starts with `retry: 2000` and `event: hello` (`{"version": N}`), then sends one
//! `event: change` per published update (`id:` = the snapshot version, `data:` = the
//! [`crate::live::ChangeEvent`] as JSON) and a `: heartbeat` comment every
//! [`EventsSettings::heartbeat`]. `Last-Event-ID` (or `?last_event_id=`) replays the
//! buffered events after that version ([`log::EventLog`]); an id of another epoch (a restarted
//! server, another replica) or one that does not parse, an unknown or no longer buffered
//! version, or a client that falls [`log::CLIENT_QUEUE`] events behind, gets `event: reset`
//! (`{"version": current}`: reload tiles and state) and continues live.
//!
//! Limits: at most [`EventsSettings::max_clients`] streams (`503` beyond); frames are
//! serialized once and shared; a slow client costs at most its broadcast slot position and
//! what the socket buffers. The request timeout covers only the response head, so a stream
//! lives on; it ends when shutdown begins (the server would otherwise wait for it).

pub mod log;

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::{broadcast, watch, OwnedSemaphorePermit};

use crate::http::{ApiError, AppState};
use crate::metrics::EventsClient;
use log::{hello_frame, reset_frame, Frame, Start};

/// Limits and timing of the events endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct EventsSettings {
    /// Streams open at most (`503` beyond).
    pub max_clients: usize,
    /// Interval of `: heartbeat` comments.
    pub heartbeat: Duration,
    /// Change events kept for resume, by count...
    pub replay_events: usize,
    /// ...and by serialized size.
    pub replay_bytes: usize,
}

impl Default for EventsSettings {
    fn default() -> Self {
        EventsSettings {
            max_clients: 1000,
            heartbeat: Duration::from_secs(15),
            replay_events: 1024,
            replay_bytes: 16 << 20,
        }
    }
}

impl EventsSettings {
    /// The settings of an `[events]` table.
    pub fn from_config(c: &crate::settings::EventsConfig) -> EventsSettings {
        EventsSettings {
            max_clients: c.max_clients,
            heartbeat: Duration::from_secs(c.heartbeat_s.max(1)),
            replay_events: c.replay_events,
            replay_bytes: usize::try_from(c.replay_mb.saturating_mul(1 << 20))
                .unwrap_or(usize::MAX),
        }
    }
}

const HEARTBEAT: Bytes = Bytes::from_static(b": heartbeat\n\n");

/// The resume point: the `Last-Event-ID` header, else `?last_event_id=`, as a version of
/// `log`. An id of another epoch or one that does not parse is an unknown id (`Some(None)`,
/// answered with a reset).
fn resume_point(
    log: &log::EventLog,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
) -> Option<Option<u64>> {
    let raw = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or(""))
        .or_else(|| q.get("last_event_id").map(String::as_str))?;
    Some(log.version_of(raw))
}

/// Server-sent events: `hello`, then one `change` per published update (id =
/// `<epoch>-<version>`: a random per-process epoch and the snapshot version; data = the change
/// event), `: heartbeat` comments, `reset` (reload tiles and state) when the resume point is
/// unknown or the client fell behind.
#[utoipa::path(get, path = "/api/events", tag = "live",
    params(
        ("Last-Event-ID" = Option<String>, Header, pattern = "^[0-9]+-[0-9]+$", description = "resume after this event id (replays the buffered events after it; an id of another epoch gets reset)"),
        ("last_event_id" = Option<String>, Query, pattern = "^[0-9]+-[0-9]+$", description = "the same as a query parameter (the header wins)"),
    ),
    responses(
        (status = 200, description = "the event stream (ends when the server shuts down); each change event's data is a ChangeEvent", content_type = "text/event-stream"),
        (status = 503, description = "too many events clients, or shutting down", body = crate::http::error::ErrorBody),
    ))]
pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut shutdown = state.shutdown_signal();
    if *shutdown.borrow_and_update() {
        return Err(ApiError::Unavailable("the server is shutting down"));
    }
    let permit = state.events_permit().ok_or(ApiError::Unavailable(
        "too many events clients: try again later",
    ))?;
    let log = state.event_log();
    let epoch = log.epoch();
    let resume = resume_point(log, &headers, &q);
    let sub = log.subscribe(resume.map(|l| l.unwrap_or(u64::MAX)));
    let mut pending = VecDeque::new();
    let delivered = match sub.start {
        Start::Fresh(v) => {
            pending.push_back(hello_frame(epoch, v));
            v
        }
        Start::Resume { from, replay } => {
            pending.push_back(hello_frame(epoch, from));
            let last = replay.last().map_or(from, |f| f.version);
            pending.extend(replay.iter().map(|f| f.bytes.clone()));
            last
        }
        Start::Reset(v) => {
            pending.push_back(hello_frame(epoch, v));
            pending.push_back(reset_frame(epoch, v).bytes);
            v
        }
    };
    let period = state.settings().events.heartbeat;
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let client = Client {
        pending,
        rx: sub.rx,
        delivered,
        heartbeat,
        shutdown,
        state: state.clone(),
        _permit: permit,
        _gauge: state.metrics().events_client(),
    };
    let stream = futures_util::stream::unfold(client, |mut c| async move {
        let bytes = c.next().await?;
        Some((Ok::<Bytes, Infallible>(bytes), c))
    });
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(res)
}

/// One connected client's stream state.
struct Client {
    /// Frames to write before reading the queue again.
    pending: VecDeque<Bytes>,
    rx: broadcast::Receiver<Arc<Frame>>,
    /// Highest version written: older frames still queued are skipped (after a reset).
    delivered: u64,
    heartbeat: tokio::time::Interval,
    shutdown: watch::Receiver<bool>,
    state: AppState,
    _permit: OwnedSemaphorePermit,
    _gauge: EventsClient,
}

impl Client {
    /// After falling behind: a reset to the current version, and the queue emptied of
    /// everything older (what is left queued would otherwise lag again at once).
    fn reset(&mut self) {
        use broadcast::error::TryRecvError;
        let reset_to = |c: &mut Client| {
            let log = c.state.event_log();
            let v = log.current();
            c.delivered = v;
            c.pending.clear();
            c.pending.push_back(reset_frame(log.epoch(), v).bytes);
        };
        reset_to(self);
        loop {
            match self.rx.try_recv() {
                Ok(frame) if frame.version > self.delivered => {
                    self.delivered = frame.version;
                    self.pending.push_back(frame.bytes.clone());
                }
                Ok(_) => {}
                Err(TryRecvError::Lagged(_)) => reset_to(self),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
    }

    /// The next bytes to write; `None` ends the stream (shutdown).
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if *self.shutdown.borrow() {
                return None;
            }
            if let Some(b) = self.pending.pop_front() {
                return Some(b);
            }
            tokio::select! {
                biased;
                _ = self.shutdown.changed() => {}
                r = self.rx.recv() => match r {
                    Ok(frame) if frame.version > self.delivered => {
                        self.delivered = frame.version;
                        return Some(frame.bytes.clone());
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => self.reset(),
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.heartbeat.tick() => return Some(HEARTBEAT),
            }
        }
    }
}
