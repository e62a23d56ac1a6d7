//! A crew dispatch with the PostgreSQL source: one transaction that locks the
//! `outage_events` row and the `crews` row (in that order, so concurrent dispatches cannot
//! deadlock), checks [`crate::dispatch::check`]'s rules on them (a row with `end_time` set
//! is a restored outage), and updates the crew (`status`, `assigned_outage_id`,
//! `dispatched_at`, `updated_at`) and the outage (`status`, `crew_id`). The triggers notify
//! the live loop, which re-reads both rows and publishes the change like any other: the
//! database stays the one writer of the snapshot.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::dispatch::{check, DispatchError};
use crate::source::postgres::config::PgConfig;
use crate::source::postgres::{connection_config, describe, qualified, PgError};

/// The dispatch writer of one schema, over a pool of at most two connections.
pub struct PgDispatch {
    pool: Pool,
    outages: String,
    crews: String,
}

impl std::fmt::Debug for PgDispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDispatch")
            .field("crews", &self.crews)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: &tokio_postgres::Error) -> DispatchError {
    DispatchError::Unavailable(describe(e))
}

impl PgDispatch {
    /// The writer of `cfg.schema` (connections open lazily).
    pub fn new(cfg: &PgConfig) -> Result<PgDispatch, PgError> {
        cfg.validate()?;
        let pg = connection_config(cfg)?;
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let wait = Duration::from_secs(cfg.connect_timeout_s.clamp(1, 10));
        let pool = Pool::builder(manager)
            .max_size(2)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(wait))
            .create_timeout(Some(wait))
            .recycle_timeout(Some(wait))
            .build()
            .map_err(|e| PgError::Config(format!("dispatch pool: {e}")))?;
        Ok(PgDispatch {
            pool,
            outages: qualified(&cfg.schema, "outage_events"),
            crews: qualified(&cfg.schema, "crews"),
        })
    }

    /// Dispatches `crew` to `outage`; returns once the transaction committed.
    pub async fn dispatch(&self, outage: u64, crew: u64) -> Result<(), DispatchError> {
        let as_id = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let (oid, cid) = (as_id(outage), as_id(crew));
        let mut c = self
            .pool
            .get()
            .await
            .map_err(|e| DispatchError::Unavailable(e.to_string()))?;
        let tx = c.transaction().await.map_err(|e| unavailable(&e))?;
        let o = tx
            .query_opt(
                &format!(
                    "SELECT status, crew_id, end_time IS NOT NULL FROM {} WHERE id = $1 FOR UPDATE",
                    self.outages
                ),
                &[&oid],
            )
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or(DispatchError::UnknownOutage(outage))?;
        let w = tx
            .query_opt(
                &format!(
                    "SELECT status, assigned_outage_id FROM {} WHERE id = $1 FOR UPDATE",
                    self.crews
                ),
                &[&cid],
            )
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or(DispatchError::UnknownCrew(crew))?;
        let restored: bool = o.get(2);
        let outage_status: Option<String> = o.get(0);
        let status = if restored {
            Some("restored")
        } else {
            outage_status.as_deref()
        };
        let crew_status: Option<String> = w.get(0);
        check(
            outage,
            status,
            o.get(1),
            crew,
            crew_status.as_deref(),
            w.get(1),
        )?;
        tx.execute(
            &format!(
                "UPDATE {} SET status = 'dispatched', assigned_outage_id = $2,
                        dispatched_at = now(), updated_at = now() WHERE id = $1",
                self.crews
            ),
            &[&cid, &oid],
        )
        .await
        .map_err(|e| DispatchError::Failed(describe(&e)))?;
        tx.execute(
            &format!(
                "UPDATE {} SET status = 'crew_dispatched', crew_id = $2 WHERE id = $1",
                self.outages
            ),
            &[&oid, &cid],
        )
        .await
        .map_err(|e| DispatchError::Failed(describe(&e)))?;
        tx.commit().await.map_err(|e| unavailable(&e))?;
        Ok(())
    }
}
