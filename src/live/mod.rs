//! The live store: the one place the served snapshot changes.
//!
//! [`Store`] owns the current [`crate::index::Snapshot`] and its publishing — whole
//! ([`Store::publish`]) or incremental ([`Store::publish_update`]) — with the invalidation of
//! the tile cache that comes first, the change broadcast ([`ChangeEvent`]) and a publish log
//! hook (the server-sent-event replay log of `/api/events`), the data source's status
//! ([`SourceStatus`]), the shutdown signal, the command queue of the running live writer
//! ([`Command`]) and the values built once per snapshot version and shared ([`PerVersion`]:
//! the topology graph here; HTTP keeps its own).
//!
//! Sources (the PostgreSQL live loop), the simulator and request handlers that write all
//! publish through a store and never through HTTP. Invariant: readers never wait —
//! a reader loads the snapshot `Arc` without a lock and keeps it; writers serialize among
//! themselves.

mod commands;
mod events;
mod per_version;
mod store;

pub use commands::{Command, CommandSender, COMMAND_QUEUE};
pub use events::{
    ChangeEvent, SourceKind, SourceState, SourceStatus, CHANNEL_CAPACITY, MAX_EVENT_CHANGES,
    MAX_EVENT_TILES,
};
pub use per_version::PerVersion;
pub use store::{PublishLog, Store};
