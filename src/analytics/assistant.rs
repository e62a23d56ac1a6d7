//! The operations assistant's intent parser: plain-English questions to a typed
//! [`Intent`], deterministically (keywords and numbers, no language model). The HTTP layer
//! turns an intent into Grid API calls and a table.
//!
//! Understood (case-insensitive, extra words ignored):
//! - "outages on feeder 1000042", "outages at <substation>", "outages" / "active outages";
//! - "transformers over 100% load at <substation>" (any percentage; "overloaded
//!   transformers" = 100 %), optionally "on feeder N";
//! - "customers out now", "how many customers are out";
//! - "available crews near the <name> substation", "crews near <name>", "crews";
//! - "asset 123", "show 123", "where is pole 123";
//! - "trace downstream of 456", "trace upstream from 456", "isolate 456";
//! - "SAIDI last month" (SAIDI, SAIFI, CAIDI, reliability / KPIs; last or this month or
//!   year, last N days; default the last 365 days);
//! - "worst poles", "poles under 40";
//! - "find <text>", "search <text>".

use serde::Serialize;

/// A place named in a question: an id or a name to look up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Place {
    Id(i64),
    Name(String),
}

/// A reliability period named in a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum KpiPeriod {
    LastMonth,
    ThisMonth,
    LastYear,
    ThisYear,
    LastDays(i64),
}

/// Which reliability index was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum KpiMetric {
    Saidi,
    Saifi,
    Caidi,
    All,
}

/// What a question asks.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub enum Intent {
    /// Outages in progress, optionally on one feeder or at one substation.
    Outages {
        feeder: Option<i64>,
        substation: Option<Place>,
    },
    /// Transformers at or above `min_pct` loading (AMI peak vs rating).
    TransformerLoading {
        min_pct: f64,
        substation: Option<Place>,
        feeder: Option<i64>,
    },
    /// Customers out and outages in progress now.
    CustomersOut,
    /// Crews (optionally of one status) by distance from a place.
    Crews {
        status: Option<&'static str>,
        near: Option<Place>,
    },
    /// One asset.
    Asset(u64),
    /// A network trace.
    Trace { id: u64, direction: &'static str },
    /// Reliability indices over a period.
    Kpi {
        metric: KpiMetric,
        period: KpiPeriod,
    },
    /// Poles by lowest health, optionally at or below a score.
    WorstPoles { max_health: Option<f64> },
    /// Search by id or name.
    Search(String),
}

impl Intent {
    /// The intent's name in responses.
    pub fn name(&self) -> &'static str {
        match self {
            Intent::Outages { .. } => "outages",
            Intent::TransformerLoading { .. } => "transformer_loading",
            Intent::CustomersOut => "customers_out",
            Intent::Crews { .. } => "crews",
            Intent::Asset(_) => "asset",
            Intent::Trace { .. } => "trace",
            Intent::Kpi { .. } => "kpi",
            Intent::WorstPoles { .. } => "worst_poles",
            Intent::Search(_) => "search",
        }
    }
}

/// Examples of what the assistant understands (the fallback's suggestions).
pub const SUGGESTIONS: &[&str] = &[
    "outages on feeder 1000042",
    "transformers over 100% load at Midtown",
    "customers out now",
    "available crews near the Washington Avenue substation",
    "asset 123",
    "trace downstream of 456",
    "SAIDI last month",
    "worst poles under 40",
    "find Midtown",
];

/// Words between a keyword and a place name that are not part of the name.
const FILLER: &[&str] = &[
    "the",
    "a",
    "an",
    "of",
    "substation",
    "sub",
    "station",
    "please",
    "now",
];

/// The words of a question, lower-cased, punctuation (except `%`, `-`, `.` in numbers)
/// turned into spaces.
fn words(q: &str) -> Vec<String> {
    q.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '%' || c == '.' || c == '-' || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .map(|w| w.trim_matches(['.', '\'', '-']).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn has(ws: &[String], any: &[&str]) -> bool {
    ws.iter().any(|w| any.contains(&w.as_str()))
}

fn position(ws: &[String], any: &[&str]) -> Option<usize> {
    ws.iter().position(|w| any.contains(&w.as_str()))
}

/// The first whole number in `ws` after index `from`.
fn number_after(ws: &[String], from: usize) -> Option<i64> {
    ws.iter().skip(from).find_map(|w| w.parse::<i64>().ok())
}

/// The number right after any of the keywords `keys`.
fn keyed_number(ws: &[String], keys: &[&str]) -> Option<i64> {
    let i = position(ws, keys)?;
    ws.get(i + 1)?.parse().ok()
}

/// The place after one of `keys` ("at", "near", ...), up to the next keyword of `stop`:
/// an id when it is a number, else the name without filler words.
fn place_after(ws: &[String], keys: &[&str], stop: &[&str]) -> Option<Place> {
    let i = position(ws, keys)?;
    let rest: Vec<&str> = ws[i + 1..]
        .iter()
        .map(String::as_str)
        .take_while(|w| !stop.contains(w))
        .filter(|w| !FILLER.contains(w))
        .collect();
    match rest[..] {
        [] => None,
        [one] if one.parse::<i64>().is_ok() => one.parse().ok().map(Place::Id),
        _ => Some(Place::Name(rest.join(" "))),
    }
}

/// A percentage in `ws` ("100%", "100 %", "100 percent").
fn percentage(ws: &[String]) -> Option<f64> {
    ws.iter().enumerate().find_map(|(i, w)| {
        if let Some(n) = w.strip_suffix('%') {
            return n.parse().ok();
        }
        let next = ws.get(i + 1).map(String::as_str);
        matches!(next, Some("%" | "percent" | "pct"))
            .then(|| w.parse().ok())
            .flatten()
    })
}

fn kpi_period(ws: &[String]) -> KpiPeriod {
    let text = ws.join(" ");
    if text.contains("last month") || text.contains("previous month") {
        KpiPeriod::LastMonth
    } else if text.contains("this month") {
        KpiPeriod::ThisMonth
    } else if text.contains("last year") || text.contains("previous year") {
        KpiPeriod::LastYear
    } else if text.contains("this year") || text.contains("year to date") || text.contains("ytd") {
        KpiPeriod::ThisYear
    } else if let Some(i) = position(ws, &["days"]) {
        match i.checked_sub(1).and_then(|j| ws[j].parse::<i64>().ok()) {
            Some(n) if (1..=1095).contains(&n) => KpiPeriod::LastDays(n),
            _ => KpiPeriod::LastDays(365),
        }
    } else {
        KpiPeriod::LastDays(365)
    }
}

/// The `[from, to)` Unix seconds of `p` at `now`, in local days of `utc_offset_s` (a period
/// that has not ended ends at `now`).
pub fn period_bounds(p: KpiPeriod, now: i64, utc_offset_s: i64) -> (i64, i64) {
    use super::time::{civil_from_days, day_start, days_from_civil, local_day};
    let today = local_day(now, utc_offset_s);
    let (y, m, _) = civil_from_days(today);
    let at = |y: i64, m: u32| day_start(days_from_civil(y, m, 1), utc_offset_s);
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    match p {
        KpiPeriod::LastMonth => (at(py, pm), at(y, m)),
        KpiPeriod::ThisMonth => (at(y, m), now),
        KpiPeriod::LastYear => (at(y - 1, 1), at(y, 1)),
        KpiPeriod::ThisYear => (at(y, 1), now),
        KpiPeriod::LastDays(n) => (now - n * 86_400, now),
    }
}

/// Parses a question; `None` when it is not understood.
pub fn parse(question: &str) -> Option<Intent> {
    let ws = words(question);
    if ws.is_empty() {
        return None;
    }
    let first = ws[0].as_str();
    if matches!(first, "find" | "search" | "lookup") && ws.len() > 1 {
        let words: Vec<&str> = question.split_whitespace().skip(1).collect();
        return Some(Intent::Search(words.join(" ")));
    }
    if has(&ws, &["trace", "isolate", "isolation"]) {
        let direction = if has(&ws, &["upstream", "up"]) {
            "upstream"
        } else if has(&ws, &["isolate", "isolation"]) {
            "isolate"
        } else {
            "downstream"
        };
        let id = number_after(&ws, 0)?;
        return Some(Intent::Trace {
            id: u64::try_from(id).ok()?,
            direction,
        });
    }
    if has(
        &ws,
        &[
            "saidi",
            "saifi",
            "caidi",
            "reliability",
            "kpi",
            "kpis",
            "indices",
        ],
    ) {
        let metric = if has(&ws, &["saidi"]) {
            KpiMetric::Saidi
        } else if has(&ws, &["saifi"]) {
            KpiMetric::Saifi
        } else if has(&ws, &["caidi"]) {
            KpiMetric::Caidi
        } else {
            KpiMetric::All
        };
        return Some(Intent::Kpi {
            metric,
            period: kpi_period(&ws),
        });
    }
    if has(&ws, &["transformer", "transformers", "xfmr", "xfmrs"])
        && (has(
            &ws,
            &["load", "loaded", "loading", "overloaded", "over", "above"],
        ) || percentage(&ws).is_some())
    {
        let stop = &["on", "over", "above", "with", "feeder"];
        return Some(Intent::TransformerLoading {
            min_pct: percentage(&ws).unwrap_or(100.0),
            substation: place_after(&ws, &["at", "in"], stop),
            feeder: keyed_number(&ws, &["feeder"]),
        });
    }
    if has(&ws, &["customers", "customer"]) && has(&ws, &["out", "outage", "without", "dark"]) {
        return Some(Intent::CustomersOut);
    }
    if has(&ws, &["outage", "outages"]) {
        let feeder = keyed_number(&ws, &["feeder", "circuit"]);
        let substation = if feeder.is_none() {
            place_after(&ws, &["at", "in"], &["feeder", "with"])
        } else {
            None
        };
        return Some(Intent::Outages { feeder, substation });
    }
    if has(&ws, &["crew", "crews", "truck", "trucks"]) {
        let status = if has(&ws, &["available", "free", "idle"]) {
            Some("available")
        } else if has(&ws, &["dispatched", "assigned", "busy"]) {
            Some("dispatched")
        } else if has(&ws, &["on_site", "onsite"]) {
            Some("on_site")
        } else {
            None
        };
        return Some(Intent::Crews {
            status,
            near: place_after(
                &ws,
                &["near", "closest", "nearest", "around", "at", "by"],
                &[],
            ),
        });
    }
    if has(&ws, &["pole", "poles"]) && has(&ws, &["worst", "unhealthy", "under", "below", "health"])
    {
        let max_health = position(&ws, &["under", "below"])
            .and_then(|i| number_after(&ws, i))
            .map(|n| n as f64);
        return Some(Intent::WorstPoles { max_health });
    }
    if has(
        &ws,
        &[
            "asset",
            "show",
            "pole",
            "meter",
            "transformer",
            "switch",
            "span",
            "where",
            "what",
            "id",
        ],
    ) || ws.len() == 1
    {
        if let Some(id) = number_after(&ws, 0).and_then(|n| u64::try_from(n).ok()) {
            return Some(Intent::Asset(id));
        }
    }
    None
}

#[cfg(test)]
#[path = "assistant_tests.rs"]
mod tests;
