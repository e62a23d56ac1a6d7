//! Commands to the running live writer (today the simulator, `serve --simulate`) from request
//! handlers, answered on a reply channel. The writer drains them between its own changes, so
//! it stays the snapshot's only writer; the store keeps the sending end
//! ([`super::Store::writer`]).

use tokio::sync::oneshot;

use crate::dispatch::{DispatchError, Dispatched};

/// Commands waiting for the writer at most (a full queue answers `503`).
pub const COMMAND_QUEUE: usize = 64;

/// A request to the live writer, answered on its `reply` channel.
#[derive(Debug)]
pub enum Command {
    /// Send crew `crew` to outage `outage`.
    Dispatch {
        outage: u64,
        crew: u64,
        reply: oneshot::Sender<Result<Dispatched, DispatchError>>,
    },
}

/// The sending end of the writer's command queue.
pub type CommandSender = tokio::sync::mpsc::Sender<Command>;
