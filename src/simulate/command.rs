//! Commands to the running simulator from request handlers ([`Command`], the live store's
//! writer commands), sent on the channel its task drains between ticks ([`super::spawn`]),
//! so the simulator's own
//! records and the snapshot keep one writer: an operator's dispatch is checked against
//! the simulator's crews and outages, applied as one snapshot version, and the crew then
//! drives to the outage like any other.

use super::crews;
use super::edits::Edits;
use super::model::{CrewStatus, OutageStatus};
use super::{publish, Simulator};
use crate::dispatch::{check, DispatchError, Dispatched};
pub use crate::live::Command;
use crate::live::Store;

impl Simulator {
    /// Carries out `cmd` at Unix time `now`, publishing to `state`.
    pub fn handle(&mut self, state: &Store, cmd: Command, now: i64) {
        match cmd {
            Command::Dispatch {
                outage,
                crew,
                reply,
            } => {
                let r = self.dispatch_crew(state, outage, crew, now);
                // The requester may have given up: not an error.
                let _ = reply.send(r);
            }
        }
    }

    /// Dispatches `crew` to `outage` if the rules of [`crate::dispatch`] allow it.
    pub fn dispatch_crew(
        &mut self,
        state: &Store,
        outage: u64,
        crew: u64,
        now: i64,
    ) -> Result<Dispatched, DispatchError> {
        let o = self
            .ops
            .outages
            .get(&outage)
            .ok_or(DispatchError::UnknownOutage(outage))?;
        let c = self
            .ops
            .crews
            .get(&crew)
            .ok_or(DispatchError::UnknownCrew(crew))?;
        let as_id = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let outage_status = match o.status {
            OutageStatus::Active => "active",
            s => s.as_str(),
        };
        let crew_status = match c.status {
            CrewStatus::Available => "available",
            s => s.as_str(),
        };
        check(
            outage,
            Some(outage_status),
            o.crew.map(as_id),
            crew,
            Some(crew_status),
            c.outage.map(as_id),
        )?;
        let snap = state.snapshot();
        let mut e = Edits::new(&snap);
        let failed = |e: &dyn std::fmt::Display| DispatchError::Failed(e.to_string());
        crews::assign(self, crew, outage, now, &mut e).map_err(|x| failed(&x))?;
        let version = publish(state, &snap, e).map_err(|x| failed(&x))?;
        Ok(Dispatched {
            outage_id: outage,
            crew_id: crew,
            version: version.unwrap_or(snap.version),
        })
    }
}
