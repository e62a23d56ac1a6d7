//! The `gridtiles db` commands: `db init` creates the reference schema (asset tables, the
//! live `crews` table, `outage_events` with its `outages_active` view, monthly
//! `ami_readings` partitions) and `db triggers` the change triggers ([`schema`],
//! [`partitions`]); `db load` copies a grid in with binary COPY ([`copy_in`]; an `outages`
//! layer as open `outage_events` rows, [`outage_rows`]) and the synthetic outage years and
//! AMI readings ([`history_rows`]).

pub mod copy_in;
pub mod history_rows;
mod outage_rows;
pub mod partitions;
pub mod schema;
