//! Dates in query parameters: the `[from, to)` period of a request. Parsing and formatting
//! RFC 3339 timestamps are the domain's ([`crate::analytics::time`]); re-exported here for
//! handlers.

use crate::analytics::time::DAY_S;
use crate::http::ApiError;

pub use crate::analytics::time::{format_rfc3339 as format, parse_rfc3339 as parse};

use super::params::{bad, Query};

/// The `[from, to)` period of a request: defaults `to` = `now`, `from` = `to` − `default_days`;
/// a bad date or `from >= to` is a `400`.
pub fn period(q: &Query, now: i64, default_days: i64) -> Result<(i64, i64), ApiError> {
    let get = |name: &str| {
        q.get(name)
            .map(|v| {
                parse(v)
                    .ok_or_else(|| bad(name, "an RFC 3339 date-time, e.g. 2025-06-01T00:00:00Z"))
            })
            .transpose()
    };
    let to = get("to")?.unwrap_or(now);
    let from = get("from")?.unwrap_or(to - default_days * DAY_S);
    if from >= to {
        return Err(ApiError::BadRequest(format!(
            "from ({}) must be before to ({})",
            format(from),
            format(to)
        )));
    }
    Ok((from, to))
}
