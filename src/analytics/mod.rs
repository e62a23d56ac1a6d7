//! Grid analytics: IEEE 1366 reliability indices ([`kpi`], [`med`]), a deterministic
//! synthetic outage history ([`history`]), the same indices from per-day sums ([`daily`]), synthetic AMI interval data computed on demand
//! ([`ami`]) with per-group rollups ([`ami_rollup`]) and transformer loading
//! ([`loading`]), the assistant's intent parser ([`assistant`]), asset health ([`health`],
//! sorted once in [`health_index`]),
//! search by id or name ([`search`]), customer counts from a snapshot ([`customers`]),
//! restoration estimates from past outage durations ([`etr`]) and indices by month and worst
//! feeders ([`monthly`]); [`inputs`] records what a derived value read, so it is reused
//! across snapshot versions that did not change that.
//!
//! Everything here is a pure function of its inputs (and a seed): no I/O, no global state,
//! and no clock but [`time::now`], which callers read once and pass down. The outage
//! history a snapshot's KPIs read is [`outage_history`]. Timestamps are Unix seconds (UTC); local days use a fixed UTC offset
//! ([`time`]).

pub mod ami;
pub mod ami_rollup;
pub mod assistant;
pub mod customers;
pub mod daily;
pub mod etr;
pub mod health;
pub mod health_index;
pub mod history;
pub mod inputs;
pub mod kpi;
pub mod kpi_request;
pub mod load;
pub mod loading;
pub mod med;
pub mod monthly;
pub mod outage_history;
mod random;
pub mod search;
pub mod time;

#[cfg(test)]
mod kpi_tests;
#[cfg(test)]
mod prop_tests;

pub use ami::{AmiError, AmiQuery, Bucket, BucketValue, CustomerClass, Member};
pub use customers::{customer_base, feeder_customers, FeederCustomers};
pub use daily::{report_from_days, DailyIndex, DayFeeder};
pub use history::{active_outages, calendar_years, synthetic_year, ActiveParams, HistoryParams};
pub use kpi::{
    breakdown, indices, report, Cause, CustomerBase, GroupBy, GroupIndices, Interruption,
    KpiConfig, KpiReport, Period, ReliabilityIndices,
};
pub use med::{MajorEventDay, MedThreshold};
