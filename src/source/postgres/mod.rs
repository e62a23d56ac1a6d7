//! The PostgreSQL/PostGIS source: load layers from tables or queries, then stay live.
//!
//! Three jobs, three submodules, over the shared reading code:
//! - [`live`]: the live source — the `LISTEN` connection and the trigger payloads
//!   ([`live::listen`]), batching ([`live::pending`]), re-reading changed ids
//!   ([`live::reread`]), the loop that applies and publishes through the live store and
//!   reconnects/resynchronizes ([`live::sync`]), and crew dispatches as one transaction
//!   ([`live::dispatch`]);
//! - [`admin`]: the `gridtiles db` commands — reference schema and triggers
//!   ([`admin::schema`]), the binary COPY-in loader ([`admin::copy_in`]) with the open
//!   `outage_events` of an `outages` layer ([`admin::outage_rows`]), the synthetic outage
//!   years and AMI readings ([`admin::history_rows`]), monthly `ami_readings` partitions
//!   ([`admin::partitions`]);
//! - [`history`]: the history backend of `/api/kpi`, `/api/outages/trends` and
//!   `/api/ami/history` (aggregation in SQL over `outage_events` and `ami_readings`; outage
//!   durations in [`history::durations`]).
//!
//! Shared: [`config`] (the `[postgres]` section: connection, pool, layers as table or SQL,
//! id, geometry or lon/lat columns, SRID, attribute columns, watched tables), [`plan`] (each
//! layer resolved against the database once at startup into a [`plan::LayerPlan`], every
//! problem a startup error naming the layer and column), [`load`] (binary
//! `COPY (SELECT …) TO STDOUT` of every layer in parallel, WKB decoded through geozero),
//! [`unique_ids`]. [`PgLiveSource`] is the source contract's implementation
//! ([`crate::source::contract::Source`]).
//!
//! SQL text lives in `sql/` (`include_str!`). Identifiers are always quoted
//! ([`quote_ident`]); values are always bind parameters, except inside `COPY`, which takes
//! none: there only quoted identifiers and integers from typed configuration appear.

pub mod admin;
pub mod config;
mod decode;
pub mod history;
pub mod live;
pub mod load;
pub mod plan;
mod plan_watch;
mod source;
pub mod unique_ids;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use thiserror::Error;
use tokio_postgres::NoTls;

use crate::index::BuildError;

pub use config::{PgConfig, PgLayerConfig, WatchConfig};
pub use source::PgLiveSource;

/// Why the PostgreSQL source failed.
#[derive(Debug, Error)]
pub enum PgError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("no PostgreSQL connection string: set DATABASE_URL or postgres.url")]
    NoUrl,
    #[error("invalid PostgreSQL connection string: {0}")]
    BadUrl(String),
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("layer {layer:?}: {reason}")]
    Layer { layer: String, reason: String },
    #[error("{context}: {reason}")]
    Db { context: String, reason: String },
    #[error(transparent)]
    Build(#[from] BuildError),
}

impl PgError {
    /// An error about one layer.
    pub fn layer(layer: &str, reason: impl Into<String>) -> PgError {
        PgError::Layer {
            layer: layer.to_owned(),
            reason: reason.into(),
        }
    }

    /// A database error while doing `context`.
    pub fn db(context: impl Into<String>, err: &tokio_postgres::Error) -> PgError {
        PgError::Db {
            context: context.into(),
            reason: describe(err),
        }
    }
}

/// A database error as one line: the server's message, detail and hint, or the client
/// error and its causes. Never contains the password (the client never puts it in errors).
pub fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut s = db.message().to_owned();
        if let Some(d) = db.detail() {
            s.push_str(&format!(" ({d})"));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!("; hint: {h}"));
        }
        return s;
    }
    let mut s = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        s.push_str(&format!(": {e}"));
        source = e.source();
    }
    s
}

/// `name` as a quoted SQL identifier (`"` doubled).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `schema.name`, both quoted.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// `value` as a quoted SQL string literal (for DDL, which takes no parameters).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Parses the connection string of `cfg` (never logged: only [`target`] is).
pub fn connection_config(cfg: &PgConfig) -> Result<tokio_postgres::Config, PgError> {
    let url = cfg.connection_string().ok_or(PgError::NoUrl)?;
    let mut pg: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| PgError::BadUrl(describe(&e)))?;
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(std::time::Duration::from_secs(cfg.connect_timeout_s));
    }
    if pg.get_application_name().is_none() {
        pg.application_name("gridtiles");
    }
    pg.keepalives(true);
    pg.keepalives_idle(std::time::Duration::from_secs(10));
    Ok(pg)
}

/// `user@host:port/dbname` of a connection: what logs and errors may show.
pub fn target(pg: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match pg.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        pg.get_user().unwrap_or("?"),
        pg.get_dbname().unwrap_or("?")
    )
}

/// A pool of `cfg.pool_size` connections. Connections open lazily; call [`check`] to fail
/// fast when the database is unreachable.
pub fn pool(cfg: &PgConfig, pg: tokio_postgres::Config) -> Result<Pool, PgError> {
    let manager = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(cfg.pool_size)
        .build()
        .map_err(|e| PgError::Config(format!("pool: {e}")))
}

/// Takes a connection from the pool, as a clear error naming the server when it fails.
pub async fn client(pool: &Pool, target: &str) -> Result<deadpool_postgres::Object, PgError> {
    pool.get().await.map_err(|e| PgError::Connect {
        target: target.to_owned(),
        reason: match &e {
            deadpool_postgres::PoolError::Backend(b) => describe(b),
            other => other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(qualified("s", "t"), "\"s\".\"t\"");
        assert_eq!(quote_literal("o'k"), "'o''k'");
    }

    #[test]
    fn targets_never_show_the_password() {
        let pg: tokio_postgres::Config = "postgres://u:secret@db:6543/grid".parse().unwrap();
        assert_eq!(target(&pg), "u@db:6543/grid");
    }
}
