//! The live PostgreSQL source: after the first load, follow the tables' changes and keep the
//! served snapshot in sync through the live store — `LISTEN` and the trigger payloads
//! ([`listen`]), debounced batches ([`pending`]), re-reads of the changed ids ([`reread`]),
//! the loop ([`sync`]: apply, publish, report `degraded` on a lost connection, reconnect
//! with backoff, resynchronize fully) and operator writes ([`dispatch`]: a crew dispatch as
//! one transaction the loop then publishes).

pub mod dispatch;
pub mod listen;
mod pending;
pub mod reread;
pub mod sync;
