//! Synthetic AMI (smart meter) interval data, computed on demand and never stored: the kWh
//! of a meter in a 15-minute interval is a pure function of (meter id, customer class,
//! interval, seed), O(1) to evaluate.
//!
//! The load model works in Houston standard time (UTC−6):
//! - a synthetic temperature: seasonal (mean ≈ 12 °C in January, ≈ 29 °C in late July),
//!   diurnal (±5 °C, warmest at 15:00) and a per-day weather offset (±2.5 °C);
//! - **residential**: base load with a morning bump and an evening peak (≈ 19:30), air
//!   conditioning above 23 °C (following the temperature with a 2.5 h building lag and
//!   strongest while people are home, so summer peaks in the evening too), electric heating
//!   below 13 °C (winter nights and mornings); ≈ 11–12 MWh a year;
//! - **commercial**: business hours on weekdays (07–19), low nights and weekends, cooling
//!   above 20 °C mostly while open;
//! - **industrial**: flat with three shifts (day, evening, reduced night) and reduced
//!   weekends, some cooling.
//!
//! Each meter has a size factor from a hash of (seed, meter id) and per-interval noise from a
//! hash of (seed, meter id, interval number modulo [`NOISE_PERIOD`]): ±25 % residential,
//! ±10 % commercial, ±5 % industrial. The noise repeats weekly (per 15-minute interval
//! number, not per local week) so that a group's demand factors into per-class shapes of
//! time times per-class sums that depend only on the interval's phase in that period: the
//! rollups of [`super::ami_rollup`] precompute those sums once per group.
//! [`series`] sums members per interval and buckets the sums (15 min, 1 h, 1 day) into
//! energy (kWh) and peak demand (kW = the bucket's largest 15-minute kWh × 4); it refuses
//! requests above a members × intervals work cap.

use std::f64::consts::TAU;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::index::Snapshot;
use crate::topology::{str_attr, TopologySchema};

use super::random::{hash, unit};
use super::time::{day_of_year, local_day, local_second_of_day, weekday, HOUSTON_UTC_OFFSET_S};

/// Length of a meter interval, seconds.
pub const INTERVAL_S: i64 = 900;
/// Timestamps beyond ±2^50 s (≈ 35 million years) are rejected.
const MAX_TIME_S: i64 = 1 << 50;
/// Largest UTC offset honoured (±18 h); larger offsets are clamped.
const MAX_OFFSET_S: i64 = 18 * 3600;
/// The seed of the demo's synthetic AMI (what `/api/ami/*` and `db load` use).
pub const DEMO_SEED: u64 = 1;
/// Period of the per-meter noise, in 15-minute intervals (one week).
pub const NOISE_PERIOD: i64 = 7 * 96;
/// Default cap on members × intervals of one [`series`] request (≈ 0.1–0.2 s of work).
pub const DEFAULT_MAX_WORK: u64 = 20_000_000;

/// A meter's customer class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerClass {
    Residential,
    Commercial,
    Industrial,
}

impl CustomerClass {
    /// Parses `residential` / `commercial` / `industrial` (case-insensitive).
    pub fn parse(s: &str) -> Option<CustomerClass> {
        match s.trim().to_ascii_lowercase().as_str() {
            "residential" => Some(CustomerClass::Residential),
            "commercial" => Some(CustomerClass::Commercial),
            "industrial" => Some(CustomerClass::Industrial),
            _ => None,
        }
    }

    /// Position in per-class arrays (residential, commercial, industrial).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Every class, in [`CustomerClass::index`] order.
    pub const ALL: [CustomerClass; 3] = [
        CustomerClass::Residential,
        CustomerClass::Commercial,
        CustomerClass::Industrial,
    ];

    /// The class's name as in the data (`residential`, ...).
    pub fn name(self) -> &'static str {
        match self {
            CustomerClass::Residential => "residential",
            CustomerClass::Commercial => "commercial",
            CustomerClass::Industrial => "industrial",
        }
    }
}

/// One meter of an aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub meter_id: u64,
    pub class: CustomerClass,
}

/// Bucket width of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Bucket {
    #[serde(rename = "15m")]
    Min15,
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "1d")]
    Day,
}

impl Bucket {
    /// Width in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Bucket::Min15 => INTERVAL_S,
            Bucket::Hour => 3600,
            Bucket::Day => 86_400,
        }
    }

    /// Parses `15m`, `1h` or `1d`.
    pub fn parse(s: &str) -> Option<Bucket> {
        match s {
            "15m" => Some(Bucket::Min15),
            "1h" => Some(Bucket::Hour),
            "1d" => Some(Bucket::Day),
            _ => None,
        }
    }
}

/// A series request: `[start, end)` in Unix seconds, bucketed; day buckets start at local
/// midnight for `utc_offset_s` (clamped to ±18 h).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AmiQuery {
    pub start: i64,
    pub end: i64,
    pub bucket: Bucket,
    pub seed: u64,
    pub utc_offset_s: i64,
}

/// One bucket of a series.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BucketValue {
    /// Bucket start, Unix seconds.
    pub start: i64,
    /// Energy in the bucket, kWh.
    pub kwh: f64,
    /// Largest 15-minute demand in the bucket, kW.
    pub peak_kw: f64,
}

/// Why a series cannot be computed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AmiError {
    #[error("empty time range: end {end} is not after start {start}")]
    EmptyRange { start: i64, end: i64 },
    #[error("time {0} is outside the supported range (±{LIMIT_S} s)", LIMIT_S = MAX_TIME_S)]
    OutOfRange(i64),
    #[error("request too large: {requested} meter-intervals (cap {cap})")]
    TooMuchWork { requested: u64, cap: u64 },
}

/// Synthetic air temperature (°C) in Houston at `t`.
pub fn temperature_c(t: i64, seed: u64) -> f64 {
    let day = local_day(t, HOUSTON_UTC_OFFSET_S);
    let hour = local_second_of_day(t, HOUSTON_UTC_OFFSET_S) as f64 / 3600.0;
    let doy = f64::from(day_of_year(day));
    let weather = 2.5 * (2.0 * unit(hash(&[seed, 0x7E39, day as u64])) - 1.0);
    20.5 + 8.5 * (TAU * (doy - 200.0) / 365.25).cos()
        + 5.0 * (TAU * (hour - 15.0) / 24.0).cos()
        + weather
}

/// A smooth bump centred on hour `c` with width `w` hours (wraps around midnight).
fn bump(h: f64, c: f64, w: f64) -> f64 {
    let d = (h - c).rem_euclid(24.0);
    let d = d.min(24.0 - d);
    (-0.5 * (d / w).powi(2)).exp()
}

/// Class load shapes (kW, before the meter's size and noise) for the interval holding `t`,
/// indexed by [`CustomerClass::index`].
pub(crate) fn shapes(t: i64, seed: u64) -> [f64; 3] {
    let day = local_day(t, HOUSTON_UTC_OFFSET_S);
    let h =
        (local_second_of_day(t, HOUSTON_UTC_OFFSET_S) as f64 + INTERVAL_S as f64 / 2.0) / 3600.0;
    let weekend = weekday(day) >= 5;
    let temp = temperature_c(t, seed);
    // Buildings lag the air: cooling follows the temperature of 2.5 hours earlier.
    let lagged = temperature_c(t.saturating_sub(9000), seed);
    let residential = {
        let morning = if weekend {
            bump(h, 9.0, 1.5)
        } else {
            bump(h, 7.5, 1.2)
        };
        let midday = if weekend {
            0.2 * bump(h, 13.0, 3.0)
        } else {
            0.0
        };
        let base = 0.30 + 0.35 * morning + midday + 0.9 * bump(h, 19.5, 2.2);
        let cooling = 0.28 * (lagged - 23.0).max(0.0) * (0.55 + 0.45 * bump(h, 18.5, 3.5));
        base + cooling + 0.15 * (13.0 - temp).max(0.0)
    };
    let open = if weekend {
        0.0
    } else {
        // Ramps up 06–08, down 18–20.
        ((h - 6.0) / 2.0).clamp(0.0, 1.0) * ((20.0 - h) / 2.0).clamp(0.0, 1.0)
    };
    let commercial = {
        let base = if weekend { 6.0 } else { 8.0 + 22.0 * open };
        base + 1.6 * (lagged - 20.0).max(0.0) * (0.35 + 0.65 * open)
    };
    let industrial = {
        let shift = if (6.0..14.0).contains(&h) {
            1.0
        } else if (14.0..22.0).contains(&h) {
            0.9
        } else {
            0.65
        };
        let week = if weekend { 0.55 } else { 1.0 };
        350.0 * shift * week + 3.0 * (temp - 22.0).max(0.0)
    };
    [residential, commercial, industrial]
}

/// Size factor of a meter (mean ≈ 1.1 residential, ≈ 1.25 otherwise).
pub(crate) fn size(meter_id: u64, class: CustomerClass, seed: u64) -> f64 {
    let u = unit(hash(&[seed, 0x517E, meter_id]));
    match class {
        CustomerClass::Residential => 0.6 + u,
        _ => 0.5 + 1.5 * u,
    }
}

/// Noise amplitude of a class.
fn noise_amplitude(class: CustomerClass) -> f64 {
    match class {
        CustomerClass::Residential => 0.25,
        CustomerClass::Commercial => 0.10,
        CustomerClass::Industrial => 0.05,
    }
}

/// Multiplicative noise of a meter in interval number `interval` (periodic in
/// [`NOISE_PERIOD`]).
fn noise(meter_id: u64, class: CustomerClass, interval: i64, seed: u64) -> f64 {
    let phase = interval.rem_euclid(NOISE_PERIOD) as u64;
    1.0 + noise_amplitude(class) * (2.0 * unit(hash(&[seed, meter_id, phase])) - 1.0)
}

/// `size × noise` of a meter for every phase `0..NOISE_PERIOD`, added into `row` (the same
/// values as [`size`] × [`noise`], with the hash prefix of (seed, meter) computed once).
pub(crate) fn add_noise_row(meter_id: u64, class: CustomerClass, seed: u64, row: &mut [f64]) {
    let s = size(meter_id, class, seed);
    let amp = noise_amplitude(class);
    let prefix = hash(&[seed, meter_id]);
    for (phase, r) in row.iter_mut().enumerate() {
        let h = super::random::extend(prefix, phase as u64);
        *r += s * (1.0 + amp * (2.0 * unit(h) - 1.0));
    }
}

/// Average demand (kW) of a meter over the 15-minute interval holding `t`.
pub fn demand_kw(meter_id: u64, class: CustomerClass, t: i64, seed: u64) -> f64 {
    let interval = t.div_euclid(INTERVAL_S);
    let shape = shapes(interval.saturating_mul(INTERVAL_S), seed)[class.index()];
    (shape * size(meter_id, class, seed) * noise(meter_id, class, interval, seed)).max(0.0)
}

/// Energy (kWh) of a meter in the 15-minute interval holding `t`.
pub fn interval_kwh(meter_id: u64, class: CustomerClass, t: i64, seed: u64) -> f64 {
    demand_kw(meter_id, class, t, seed) * INTERVAL_S as f64 / 3600.0
}

/// Fails when `members` × the 15-minute intervals of `q` exceed `max_work` (a non-empty
/// range is assumed).
pub fn check_work(members: usize, q: &AmiQuery, max_work: u64) -> Result<(), AmiError> {
    let first = q.start.div_euclid(INTERVAL_S);
    let last = (q.end.saturating_sub(1)).div_euclid(INTERVAL_S);
    let intervals = u64::try_from(last - first + 1).unwrap_or(0);
    let requested = intervals.saturating_mul(members.max(1) as u64);
    if requested > max_work {
        return Err(AmiError::TooMuchWork {
            requested,
            cap: max_work,
        });
    }
    Ok(())
}

/// The 15-minute interval numbers `first..=last` of `q` (widened to whole intervals); fails
/// on an empty or out-of-range time range.
pub fn intervals(q: &AmiQuery) -> Result<(i64, i64), AmiError> {
    if q.end <= q.start {
        return Err(AmiError::EmptyRange {
            start: q.start,
            end: q.end,
        });
    }
    for t in [q.start, q.end] {
        if !(-MAX_TIME_S..=MAX_TIME_S).contains(&t) {
            return Err(AmiError::OutOfRange(t));
        }
    }
    Ok((
        q.start.div_euclid(INTERVAL_S),
        (q.end - 1).div_euclid(INTERVAL_S),
    ))
}

/// Buckets the summed demand `kw_at(interval number, class shapes)` of every interval of
/// `q` into energy and peak demand (the range checked by [`intervals`]).
pub fn bucketed(
    q: &AmiQuery,
    mut kw_at: impl FnMut(i64, &[f64; 3]) -> f64,
) -> Result<Vec<BucketValue>, AmiError> {
    let (first, last) = intervals(q)?;
    let width = q.bucket.seconds();
    let offset = q.utc_offset_s.clamp(-MAX_OFFSET_S, MAX_OFFSET_S);
    let bucket_of = |t: i64| {
        let local = t.saturating_add(offset);
        (local - local.rem_euclid(width)).saturating_sub(offset)
    };
    let mut out: Vec<BucketValue> = Vec::new();
    for k in first..=last {
        let t = k * INTERVAL_S;
        let kw = kw_at(k, &shapes(t, q.seed));
        let kwh = kw * INTERVAL_S as f64 / 3600.0;
        let start = bucket_of(t);
        match out.last_mut() {
            Some(b) if b.start == start => {
                b.kwh += kwh;
                b.peak_kw = b.peak_kw.max(kw);
            }
            _ => out.push(BucketValue {
                start,
                kwh,
                peak_kw: kw,
            }),
        }
    }
    Ok(out)
}

/// The summed series of `members` over `q`, bucketed. The range is widened to whole
/// intervals. Fails on an empty or out-of-range time range or when members × intervals
/// exceeds `max_work`.
pub fn series(
    members: &[Member],
    q: &AmiQuery,
    max_work: u64,
) -> Result<Vec<BucketValue>, AmiError> {
    intervals(q)?;
    check_work(members.len(), q, max_work)?;
    let sizes: Vec<f64> = members
        .iter()
        .map(|m| size(m.meter_id, m.class, q.seed))
        .collect();
    bucketed(q, |k, shape| {
        members
            .iter()
            .zip(&sizes)
            .map(|(m, s)| {
                (shape[m.class.index()] * s * noise(m.meter_id, m.class, k, q.seed)).max(0.0)
            })
            .sum()
    })
}

/// The members for meter ids, with their class from the snapshot's meter layer (unknown
/// ids are skipped; a missing or unknown class counts as residential).
pub fn members(snapshot: &Snapshot, schema: &TopologySchema, meter_ids: &[u64]) -> Vec<Member> {
    let Some(layer) = snapshot.layer(&schema.meters_layer) else {
        return Vec::new();
    };
    let class_f = layer
        .fields
        .iter()
        .position(|f| f.name == schema.customer_class);
    meter_ids
        .iter()
        .filter_map(|&id| {
            let f = layer.feature(id)?;
            let class = str_attr(f, class_f)
                .and_then(CustomerClass::parse)
                .unwrap_or(CustomerClass::Residential);
            Some(Member {
                meter_id: id,
                class,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "ami_tests.rs"]
mod tests;
