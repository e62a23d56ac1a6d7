//! [`EventLog`]: the change stream as server-sent-event frames, serialized once per event
//! and shared by every client, with a bounded replay buffer for `Last-Event-ID` resume.
//!
//! Event ids are `<epoch>-<version>`: the epoch is a random `u64` chosen when the log is
//! created (once per server process), so an id from before a restart, or from another
//! replica whose versions count independently, never matches and is answered with a reset
//! instead of a replay of the wrong events.
//!
//! Publishing and subscribing take the same short lock, so a subscriber sees every event
//! exactly once: those at most the version it resumes from are in its replay list, later
//! ones arrive on its broadcast receiver.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::broadcast;

use super::EventsSettings;
use crate::live::ChangeEvent;

/// Frames queued per client at most (the broadcast channel's capacity). A client further
/// behind gets `reset` and continues live.
pub const CLIENT_QUEUE: usize = 256;

/// One frame of the stream, ready to write.
#[derive(Debug)]
pub struct Frame {
    /// The snapshot version it brings the client to.
    pub version: u64,
    /// `id:`, `event:`, `data:` lines and the blank line.
    pub bytes: Bytes,
}

/// A `change` frame for `event`, with an id of `epoch`.
pub fn change_frame(epoch: u64, event: &ChangeEvent) -> Frame {
    let json = serde_json::to_string(event).unwrap_or_else(|e| {
        tracing::error!("change event not serializable: {e}");
        format!(r#"{{"version":{},"resync":true}}"#, event.version)
    });
    Frame {
        version: event.version,
        bytes: Bytes::from(format!(
            "id: {epoch}-{}\nevent: change\ndata: {json}\n\n",
            event.version
        )),
    }
}

/// A `reset` frame: the client should reload tiles and state as of `version`.
pub fn reset_frame(epoch: u64, version: u64) -> Frame {
    Frame {
        version,
        bytes: Bytes::from(format!(
            "id: {epoch}-{version}\nevent: reset\ndata: {{\"version\":{version}}}\n\n"
        )),
    }
}

/// The first frame of every stream: the reconnection delay and `hello` with the version the
/// stream starts from (also its id, so a reconnect resumes from there).
pub fn hello_frame(epoch: u64, version: u64) -> Bytes {
    Bytes::from(format!(
        "retry: 2000\nid: {epoch}-{version}\nevent: hello\ndata: {{\"version\":{version}}}\n\n"
    ))
}

struct Ring {
    /// Recent `change` frames, oldest first, versions increasing.
    frames: VecDeque<Arc<Frame>>,
    bytes: usize,
    /// Every change after this version is in `frames` (a resume from below it is a reset).
    floor: u64,
    /// The version of the last frame sent (or the starting snapshot's).
    current: u64,
}

/// See the module docs.
pub struct EventLog {
    /// The first part of every id: this log's (process's) identity.
    epoch: u64,
    ring: Mutex<Ring>,
    tx: broadcast::Sender<Arc<Frame>>,
    max_events: usize,
    max_bytes: usize,
}

/// Where a new subscriber starts.
pub enum Start {
    /// Live from `version` (no resume asked).
    Fresh(u64),
    /// Resumed: `replay` are the buffered frames after `from`, in order.
    Resume { from: u64, replay: Vec<Arc<Frame>> },
    /// The resume point is unknown or no longer buffered: reset to `version`.
    Reset(u64),
}

/// A subscriber: where it starts and its queue of later frames.
pub struct Subscription {
    pub start: Start,
    pub rx: broadcast::Receiver<Arc<Frame>>,
}

impl EventLog {
    /// An empty log starting at snapshot `version`, with a random epoch.
    pub fn new(version: u64, settings: &EventsSettings) -> EventLog {
        EventLog::with_epoch(rand::random(), version, settings)
    }

    /// An empty log starting at snapshot `version` whose ids carry `epoch`.
    pub fn with_epoch(epoch: u64, version: u64, settings: &EventsSettings) -> EventLog {
        let (tx, _) = broadcast::channel(CLIENT_QUEUE);
        EventLog {
            epoch,
            ring: Mutex::new(Ring {
                frames: VecDeque::new(),
                bytes: 0,
                floor: version,
                current: version,
            }),
            tx,
            max_events: settings.replay_events,
            max_bytes: settings.replay_bytes,
        }
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records and sends a published change (serialized here, outside the lock).
    pub fn push_change(&self, event: &ChangeEvent) {
        let frame = Arc::new(change_frame(self.epoch, event));
        let mut ring = self.ring();
        ring.current = frame.version;
        ring.bytes += frame.bytes.len();
        ring.frames.push_back(Arc::clone(&frame));
        while ring.frames.len() > self.max_events || ring.bytes > self.max_bytes {
            let Some(old) = ring.frames.pop_front() else {
                break;
            };
            ring.bytes -= old.bytes.len();
            ring.floor = old.version;
        }
        // No subscriber is not an error.
        let _ = self.tx.send(frame);
    }

    /// Records a wholesale replacement of the data at `version`: nothing before it can be
    /// replayed, and every client is told to reset.
    pub fn push_reset(&self, version: u64) {
        let frame = Arc::new(reset_frame(self.epoch, version));
        let mut ring = self.ring();
        ring.frames.clear();
        ring.bytes = 0;
        ring.floor = version;
        ring.current = version;
        let _ = self.tx.send(frame);
    }

    /// The first part of this log's event ids.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The version an event id `<epoch>-<version>` of this log names; `None` for an id of
    /// another epoch (another process) or one that does not parse.
    pub fn version_of(&self, id: &str) -> Option<u64> {
        let (epoch, version) = id.trim().split_once('-')?;
        (epoch.parse::<u64>().ok()? == self.epoch)
            .then(|| version.parse().ok())
            .flatten()
    }

    /// The version of the last frame sent.
    pub fn current(&self) -> u64 {
        self.ring().current
    }

    /// Subscribes, resuming after version `last` when given.
    pub fn subscribe(&self, last: Option<u64>) -> Subscription {
        let ring = self.ring();
        let rx = self.tx.subscribe();
        let start = match last {
            None => Start::Fresh(ring.current),
            Some(l) if l >= ring.floor && l <= ring.current => Start::Resume {
                from: l,
                replay: ring
                    .frames
                    .iter()
                    .filter(|f| f.version > l)
                    .cloned()
                    .collect(),
            },
            Some(_) => Start::Reset(ring.current),
        };
        Subscription { start, rx }
    }

    /// Frames buffered for replay and their size in bytes.
    pub fn buffered(&self) -> (usize, usize) {
        let ring = self.ring();
        (ring.frames.len(), ring.bytes)
    }
}

impl crate::live::PublishLog for EventLog {
    fn reset(&self, version: u64) {
        self.push_reset(version);
    }

    fn change(&self, event: &ChangeEvent) {
        self.push_change(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Invalidation;

    fn event(version: u64) -> ChangeEvent {
        ChangeEvent::new(version, Vec::new(), &Invalidation::new(1, 16), false)
    }

    fn settings(events: usize, bytes: usize) -> EventsSettings {
        EventsSettings {
            replay_events: events,
            replay_bytes: bytes,
            ..EventsSettings::default()
        }
    }

    fn versions(start: &Start) -> Vec<u64> {
        match start {
            Start::Resume { replay, .. } => replay.iter().map(|f| f.version).collect(),
            _ => panic!("not a resume"),
        }
    }

    #[test]
    fn resumes_within_the_buffer_and_resets_outside() {
        let log = EventLog::new(1, &settings(3, 1 << 20));
        for v in 2..=6 {
            log.push_change(&event(v));
        }
        // Buffered: 4, 5, 6; complete after 3.
        assert_eq!(log.buffered().0, 3);
        assert_eq!(versions(&log.subscribe(Some(3)).start), vec![4, 5, 6]);
        assert_eq!(versions(&log.subscribe(Some(5)).start), vec![6]);
        assert!(versions(&log.subscribe(Some(6)).start).is_empty());
        assert!(matches!(log.subscribe(Some(2)).start, Start::Reset(6)));
        assert!(matches!(log.subscribe(Some(7)).start, Start::Reset(6)));
        assert!(matches!(log.subscribe(None).start, Start::Fresh(6)));
        log.push_reset(9);
        assert!(matches!(log.subscribe(Some(6)).start, Start::Reset(9)));
        assert!(versions(&log.subscribe(Some(9)).start).is_empty());
    }

    #[test]
    fn ids_carry_the_epoch() {
        let log = EventLog::new(4, &settings(3, 1 << 20));
        let other = EventLog::new(4, &settings(3, 1 << 20));
        assert_ne!(log.epoch(), other.epoch(), "each log has its own epoch");
        let e = log.epoch();
        assert_eq!(log.version_of(&format!("{e}-4")), Some(4));
        assert_eq!(log.version_of(&format!(" {e}-17 ")), Some(17));
        assert_eq!(other.version_of(&format!("{e}-4")), None);
        for bad in [
            "4",
            "",
            "-4",
            &format!("{e}-"),
            &format!("{e}-x"),
            &format!("{e}-4-5"),
        ] {
            assert_eq!(log.version_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_buffer_is_bounded_by_bytes() {
        // Versions of two digits: frames of equal size.
        let one = change_frame(7, &event(11)).bytes.len();
        let log = EventLog::with_epoch(7, 10, &settings(1000, one * 2 + 1));
        for v in 11..=19 {
            log.push_change(&event(v));
        }
        let (n, bytes) = log.buffered();
        assert_eq!(n, 2);
        assert!(bytes <= one * 2 + 1);
        assert!(matches!(log.subscribe(Some(16)).start, Start::Reset(19)));
        assert_eq!(versions(&log.subscribe(Some(17)).start), vec![18, 19]);
    }

    #[test]
    fn frames_are_sse() {
        let f = change_frame(12, &event(4));
        let text = std::str::from_utf8(&f.bytes).unwrap();
        assert!(text.starts_with("id: 12-4\nevent: change\ndata: {\"version\":4,"));
        assert!(text.ends_with("}\n\n") && text.matches('\n').count() == 4);
        let r = reset_frame(12, 5);
        assert_eq!(
            &r.bytes[..],
            b"id: 12-5\nevent: reset\ndata: {\"version\":5}\n\n"
        );
        assert_eq!(
            &hello_frame(12, 3)[..],
            b"retry: 2000\nid: 12-3\nevent: hello\ndata: {\"version\":3}\n\n"
        );
    }
}
