//! A deterministic synthetic outage history: a year of interruption events over a set of
//! feeders ([`synthetic_year`]) and the outages in progress at any instant
//! ([`active_outages`]).
//!
//! The model (per feeder, own ChaCha8 stream seeded from the seed and the feeder id, so a
//! feeder's events do not depend on the other feeders or their order):
//! - **sustained events**: Poisson, 4.6 a year; cause by share (vegetation 25 %, equipment
//!   30 %, weather 12 %, animal 15 %, vehicle 6 %, unknown 12 %) with monthly seasonality
//!   (summer storms and growth, spring animals); scope by the device that operates
//!   (transformer fuse: 1–12 customers 30 %, lateral fuse: 2–12 % of the feeder 47 %,
//!   recloser section: 25–60 % 15 %, feeder lockout 8 %, restored in steps); log-normal
//!   durations with cause-specific medians of 55–180 min;
//! - **momentary events**: Poisson, 6 a year, 30–100 % of the feeder, 5 s–3 min;
//! - **storm days** (3 by default, May–September, decreasing intensity): about a third of
//!   the feeders get one or more weather/vegetation events with larger scope and longer
//!   durations (median 2.5–3.5 h). These become the major event days.
//!
//! For a typical grid (~250 customers per feeder) the year lands near SAIFI 1.1–1.2, SAIDI
//! 140–160 min (about 85 min without major event days), MAIFI ≈ 4.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::customers::FeederCustomers;
use super::kpi::{Cause, Interruption};
use super::random::{hash, log_normal, poisson, weighted};
use super::time::{
    civil_from_days, day_start, days_from_civil, local_day, month, DAY_S, HOUSTON_UTC_OFFSET_S,
};

/// Sustained events per feeder per year outside storms.
const SUSTAINED_PER_YEAR: f64 = 4.6;
/// Momentary events per feeder per year.
const MOMENTARY_PER_YEAR: f64 = 6.0;
/// Upper bound on generated events (the output is proportional to the feeder count).
pub const MAX_EVENTS: usize = 2_000_000;

/// Cause shares outside storms, in [`Cause::ALL`] order.
const CAUSE_SHARE: [f64; 6] = [0.25, 0.30, 0.12, 0.15, 0.06, 0.12];
/// Median duration (minutes) per cause, in [`Cause::ALL`] order.
const CAUSE_MEDIAN_MIN: [f64; 6] = [110.0, 95.0, 120.0, 55.0, 180.0, 70.0];
/// Scope shares: transformer, lateral, recloser section, feeder lockout.
const SCOPE_SHARE: [f64; 4] = [0.30, 0.47, 0.15, 0.08];
const STORM_SCOPE_SHARE: [f64; 4] = [0.15, 0.45, 0.25, 0.15];

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryParams {
    pub seed: u64,
    /// First instant of the history (use a local midnight), Unix seconds.
    pub start: i64,
    /// Length in days.
    pub days: u32,
    /// Number of storm days.
    pub storm_days: u32,
    /// Local time offset from UTC, seconds.
    pub utc_offset_s: i64,
}

impl Default for HistoryParams {
    /// Calendar year 2025 in Houston, seed 1, three storm days.
    fn default() -> Self {
        HistoryParams {
            seed: 1,
            start: day_start(days_from_civil(2025, 1, 1), HOUSTON_UTC_OFFSET_S),
            days: 365,
            storm_days: 3,
            utc_offset_s: HOUSTON_UTC_OFFSET_S,
        }
    }
}

/// Monthly weight (Jan = index 0) of a cause; peaks at 1.6.
fn seasonality(cause: Cause, month: u32) -> f64 {
    const VEG: [f64; 12] = [0.6, 0.6, 0.8, 1.0, 1.2, 1.4, 1.5, 1.5, 1.3, 1.0, 0.8, 0.6];
    const WX: [f64; 12] = [0.5, 0.5, 0.8, 1.0, 1.4, 1.6, 1.6, 1.6, 1.5, 1.0, 0.6, 0.5];
    const ANIMAL: [f64; 12] = [0.7, 0.8, 1.3, 1.5, 1.4, 1.0, 0.9, 0.9, 1.0, 1.2, 1.0, 0.7];
    let m = (month.clamp(1, 12) - 1) as usize;
    match cause {
        Cause::Vegetation => VEG[m],
        Cause::Weather => WX[m],
        Cause::Animal => ANIMAL[m],
        _ => 1.0,
    }
}

/// Customers interrupted by an event of scope `scope` (index into the scope shares).
fn scope_customers(rng: &mut ChaCha8Rng, scope: usize, customers: u64) -> u64 {
    let c = customers.max(1);
    let frac = |rng: &mut ChaCha8Rng, a: f64, b: f64| {
        ((c as f64 * rng.random_range(a..b)).round() as u64).clamp(1, c)
    };
    match scope {
        0 => rng.random_range(1..=c.min(12)),
        1 => frac(rng, 0.02, 0.12),
        2 => frac(rng, 0.25, 0.60),
        _ => c,
    }
}

/// One sustained event: its customers, and customer-minutes when restored in steps.
struct Draw {
    customers: u64,
    minutes: f64,
    customer_minutes: Option<f64>,
}

fn draw_sustained(
    rng: &mut ChaCha8Rng,
    shares: &[f64; 4],
    c: u64,
    median: f64,
    sigma: f64,
) -> Draw {
    let scope = weighted(rng, shares);
    let customers = scope_customers(rng, scope, c);
    let minutes = log_normal(rng, median, sigma).clamp(6.0, 72.0 * 60.0);
    // A lockout is restored in steps: most customers are switched to a neighbour first.
    let customer_minutes = (scope == 3).then(|| {
        let share = rng.random_range(0.5..0.8);
        customers as f64 * minutes * share
    });
    Draw {
        customers,
        minutes,
        customer_minutes,
    }
}

/// A deterministic year (or `params.days`) of interruptions over `feeders`, sorted by
/// start, with ids 1, 2, … in that order. Feeders without customers get no events.
pub fn synthetic_year(feeders: &[FeederCustomers], params: &HistoryParams) -> Vec<Interruption> {
    let days = params.days.max(1);
    let day0 = local_day(params.start, params.utc_offset_s);
    let years = f64::from(days) / 365.0;
    let at = |d: i64, sec: f64| {
        day_start(day0.saturating_add(d), params.utc_offset_s).saturating_add(sec as i64)
    };
    let storms = storm_days(params, days);
    let mut out = Vec::new();
    for f in feeders.iter().filter(|f| f.customers > 0) {
        if out.len() >= MAX_EVENTS {
            break;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(hash(&[params.seed, f.feeder_id as u64]));
        let mut push = |start: i64, minutes: f64, n: u64, cm: Option<f64>, cause: Cause| {
            out.push(Interruption {
                id: 0,
                start,
                end: Some(start.saturating_add((minutes * 60.0).round() as i64)),
                customers_interrupted: n,
                customer_minutes: cm,
                feeder_id: f.feeder_id,
                substation_id: f.substation_id,
                cause,
            });
        };
        for _ in 0..poisson(&mut rng, SUSTAINED_PER_YEAR * years) {
            let ci = weighted(&mut rng, &CAUSE_SHARE);
            let cause = Cause::ALL[ci];
            let d = seasonal_day(&mut rng, cause, day0, days);
            let sec = match cause {
                Cause::Weather | Cause::Vegetation => rng.random_range(12.0..21.0) * 3600.0,
                Cause::Animal => rng.random_range(6.0..18.0) * 3600.0,
                _ => rng.random_range(0.0..24.0) * 3600.0,
            };
            let x = draw_sustained(
                &mut rng,
                &SCOPE_SHARE,
                f.customers,
                CAUSE_MEDIAN_MIN[ci],
                0.6,
            );
            push(
                at(d, sec),
                x.minutes,
                x.customers,
                x.customer_minutes,
                cause,
            );
        }
        for _ in 0..poisson(&mut rng, MOMENTARY_PER_YEAR * years) {
            let d = rng.random_range(0..i64::from(days));
            let sec = rng.random_range(0.0..DAY_S as f64);
            let frac = rng.random_range(0.3..1.0);
            let n = ((f.customers as f64 * frac).round() as u64).clamp(1, f.customers);
            let minutes = rng.random_range(5.0..180.0) / 60.0;
            let cause = [
                Cause::Weather,
                Cause::Vegetation,
                Cause::Animal,
                Cause::Unknown,
            ][weighted(&mut rng, &[0.35, 0.35, 0.15, 0.15])];
            push(at(d, sec), minutes, n, None, cause);
        }
        for &(d, storm_hour, intensity) in &storms {
            if !rng.random_bool((0.35 * intensity).clamp(0.0, 1.0)) {
                continue;
            }
            for _ in 0..1 + poisson(&mut rng, 0.6 * intensity) {
                let cause = if rng.random_bool(0.7) {
                    Cause::Weather
                } else {
                    Cause::Vegetation
                };
                let sec = (storm_hour + rng.random_range(0.0..8.0)) * 3600.0;
                let median = 150.0 * (0.7 + 0.6 * intensity);
                let x = draw_sustained(&mut rng, &STORM_SCOPE_SHARE, f.customers, median, 0.7);
                push(
                    at(d, sec),
                    x.minutes,
                    x.customers,
                    x.customer_minutes,
                    cause,
                );
            }
        }
    }
    out.truncate(MAX_EVENTS);
    out.sort_by_key(|e| (e.start, e.feeder_id, e.customers_interrupted));
    for (i, e) in out.iter_mut().enumerate() {
        e.id = i as u64 + 1;
    }
    out
}

/// The history the server serves at `now`: the calendar year holding `now` (local time) and
/// the `years − 1` before it (1–3), each generated as [`HistoryParams::default`] calibrates a
/// year (seed `year − 2024`, so 2025 is the default year; three storm days), so a year's
/// events never depend on when they are computed. Returns the covered `[start, end)` and the
/// events sorted by start with ids 1, 2, … in that order.
pub fn calendar_years(
    feeders: &[FeederCustomers],
    now: i64,
    utc_offset_s: i64,
    years: u32,
) -> (i64, i64, Vec<Interruption>) {
    let (year, _, _) = civil_from_days(local_day(now, utc_offset_s));
    let jan1 = |y: i64| days_from_civil(y, 1, 1);
    let first = year - i64::from(years.clamp(1, 3)) + 1;
    let mut events = Vec::new();
    for y in first..=year {
        let params = HistoryParams {
            seed: (y - 2024).unsigned_abs(),
            start: day_start(jan1(y), utc_offset_s),
            days: u32::try_from(jan1(y + 1) - jan1(y)).unwrap_or(365),
            storm_days: 3,
            utc_offset_s,
        };
        events.extend(synthetic_year(feeders, &params));
    }
    // Stable: a no-op for consecutive years, but the per-day index relies on the order.
    events.sort_by_key(|e| e.start);
    for (i, e) in events.iter_mut().enumerate() {
        e.id = i as u64 + 1;
    }
    (
        day_start(jan1(first), utc_offset_s),
        day_start(jan1(year + 1), utc_offset_s),
        events,
    )
}

/// Storm days as (day offset, local start hour, intensity): in May–September when the
/// history covers it, otherwise anywhere; distinct days; intensities 1, 0.6, 0.4, 0.3 …
fn storm_days(params: &HistoryParams, days: u32) -> Vec<(i64, f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(hash(&[params.seed, 0x5702_3D1A]));
    let day0 = local_day(params.start, params.utc_offset_s);
    let summer: Vec<i64> = (0..i64::from(days))
        .filter(|&d| (5..=9).contains(&month(day0 + d)) && (5..=9).contains(&month(day0 + d + 1)))
        .collect();
    let pool: Vec<i64> = if summer.len() >= params.storm_days as usize {
        summer
    } else {
        (0..i64::from(days)).collect()
    };
    let mut chosen: Vec<(i64, f64, f64)> = Vec::new();
    let wanted = (params.storm_days as usize).min(pool.len());
    let mut tries = 0;
    while chosen.len() < wanted && tries < 10_000 {
        tries += 1;
        let d = pool[rng.random_range(0..pool.len())];
        if chosen.iter().any(|c| c.0 == d) {
            continue;
        }
        let intensity = [1.0, 0.6, 0.4].get(chosen.len()).copied().unwrap_or(0.3);
        chosen.push((d, rng.random_range(13.0..19.0), intensity));
    }
    chosen
}

/// A day offset in `[0, days)` drawn with the cause's monthly seasonality (rejection
/// sampling, bounded).
fn seasonal_day(rng: &mut ChaCha8Rng, cause: Cause, day0: i64, days: u32) -> i64 {
    let mut d = 0;
    for _ in 0..64 {
        d = rng.random_range(0..i64::from(days));
        if rng.random::<f64>() * 1.6 < seasonality(cause, month(day0 + d)) {
            break;
        }
    }
    d
}

/// Parameters of the outages in progress.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActiveParams {
    pub seed: u64,
    /// Average number of outages in progress at any instant.
    pub mean_active: f64,
}

impl Default for ActiveParams {
    fn default() -> Self {
        ActiveParams {
            seed: 1,
            mean_active: 4.0,
        }
    }
}

/// Length of an arrival slot of the active-outage process, seconds.
const SLOT_S: i64 = 900;
/// Slots looked back from `now` (outages older than this have been restored).
const LOOKBACK_SLOTS: i64 = 96;
/// Median duration of an outage in progress, minutes.
const ACTIVE_MEDIAN_MIN: f64 = 90.0;

/// Outages in progress at `now` (`end: None`), sorted by start. Each 15-minute slot draws
/// its outage starts from a stream seeded by the seed and the slot number, so an outage
/// keeps its id, start, feeder and size from the call after it starts to the call after it
/// is restored: the set evolves smoothly with `now`. Ids have bit 62 set (no clash with
/// [`synthetic_year`] ids).
pub fn active_outages(
    feeders: &[FeederCustomers],
    now: i64,
    params: &ActiveParams,
) -> Vec<Interruption> {
    let mut pool: Vec<&FeederCustomers> = feeders.iter().filter(|f| f.customers > 0).collect();
    pool.sort_by_key(|f| f.feeder_id);
    pool.dedup_by_key(|f| f.feeder_id);
    if pool.is_empty() || !params.mean_active.is_finite() || params.mean_active <= 0.0 {
        return Vec::new();
    }
    // Little's law: arrivals per slot = mean in progress / mean duration in slots.
    let mean_minutes = ACTIVE_MEDIAN_MIN * (0.6f64 * 0.6 / 2.0).exp();
    let rate = params.mean_active.min(1000.0) * SLOT_S as f64 / (mean_minutes * 60.0);
    let now_slot = now.div_euclid(SLOT_S);
    let mut out = Vec::new();
    for slot in now_slot.saturating_sub(LOOKBACK_SLOTS)..=now_slot {
        let mut rng = ChaCha8Rng::seed_from_u64(hash(&[params.seed, 0xAC71, slot as u64]));
        for j in 0..poisson(&mut rng, rate) {
            let f = pool[rng.random_range(0..pool.len())];
            let start = (slot * SLOT_S).saturating_add(rng.random_range(0..SLOT_S));
            let ci = weighted(&mut rng, &CAUSE_SHARE);
            let x = draw_sustained(&mut rng, &SCOPE_SHARE, f.customers, ACTIVE_MEDIAN_MIN, 0.6);
            let end = start.saturating_add((x.minutes * 60.0) as i64);
            if start <= now && now < end {
                out.push(Interruption {
                    id: (hash(&[params.seed, slot as u64, j]) >> 2) | (1 << 62),
                    start,
                    end: None,
                    customers_interrupted: x.customers,
                    customer_minutes: None,
                    feeder_id: f.feeder_id,
                    substation_id: f.substation_id,
                    cause: Cause::ALL[ci],
                });
            }
        }
    }
    out.sort_by_key(|e| (e.start, e.id));
    out
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
