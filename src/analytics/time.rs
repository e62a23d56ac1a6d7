//! Calendar arithmetic on Unix timestamps (seconds, UTC) with a fixed UTC offset: local day
//! numbers, civil dates and ISO date strings. No time-zone database: callers pass the
//! offset (Houston standard time is −6 h). RFC 3339 timestamps ([`parse_rfc3339`],
//! [`format_rfc3339`]) without a date-time dependency: `2025-06-01T12:00:00Z`,
//! `2025-06-01T07:00:00-05:00`, fractional seconds ignored; a bare `2025-06-01` is UTC
//! midnight. [`now`] is the clock every live and analytics path reads.

/// Seconds per day.
pub const DAY_S: i64 = 86_400;

/// Houston standard time (CST, UTC−6), the default offset of the synthetic data.
pub const HOUSTON_UTC_OFFSET_S: i64 = -6 * 3600;

/// Local day number (days since 1970-01-01 in local time) of timestamp `t`.
pub fn local_day(t: i64, utc_offset_s: i64) -> i64 {
    t.saturating_add(utc_offset_s).div_euclid(DAY_S)
}

/// Seconds since local midnight of timestamp `t`.
pub fn local_second_of_day(t: i64, utc_offset_s: i64) -> i64 {
    t.saturating_add(utc_offset_s).rem_euclid(DAY_S)
}

/// Timestamp of local midnight starting day `day`.
pub fn day_start(day: i64, utc_offset_s: i64) -> i64 {
    day.saturating_mul(DAY_S).saturating_sub(utc_offset_s)
}

/// Civil date `(year, month 1–12, day 1–31)` of day number `z` (days since 1970-01-01);
/// H. Hinnant's `civil_from_days`.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.clamp(-1_000_000_000, 1_000_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number of a civil date (inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m.clamp(1, 12));
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d.clamp(1, 31)) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO date `YYYY-MM-DD` of day number `day`.
pub fn iso_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 in UTC (`2025-06-01T12:00:00Z`) of Unix seconds `t`.
pub fn rfc3339_utc(t: i64) -> String {
    let (day, sec) = (t.div_euclid(DAY_S), t.rem_euclid(DAY_S));
    let (y, m, d) = civil_from_days(day);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sec / 3600,
        sec / 60 % 60,
        sec % 60
    )
}

/// Day of the year, 0-based (Jan 1 = 0), of day number `day`.
pub fn day_of_year(day: i64) -> u32 {
    let (y, _, _) = civil_from_days(day);
    (day - days_from_civil(y, 1, 1)) as u32
}

/// Month (1–12) of day number `day`.
pub fn month(day: i64) -> u32 {
    civil_from_days(day).1
}

/// Day of the week of day number `day`: 0 = Monday … 6 = Sunday (1970-01-01 was a
/// Thursday).
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Formats Unix seconds as RFC 3339 in UTC (`2025-06-01T12:00:00Z`).
pub fn format_rfc3339(t: i64) -> String {
    rfc3339_utc(t)
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses an RFC 3339 date-time (or a bare date) to Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut d = date.split('-');
    let (y, m, day) = (digits(d.next()?)?, digits(d.next()?)?, digits(d.next()?)?);
    if d.next().is_some() || !(1..=9999).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    let days = days_from_civil(y, m as u32, day as u32);
    if civil_from_days(days) != (y, m as u32, day as u32) {
        return None; // 2025-02-30
    }
    let Some(rest) = rest else {
        return Some(days * DAY_S);
    };
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let i = rest.rfind(['+', '-'])?;
        let (c, o) = rest.split_at(i);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (oh, om) = o[1..].split_once(':')?;
        let (oh, om) = (digits(oh)?, digits(om)?);
        if oh > 23 || om > 59 {
            return None;
        }
        (c, sign * (oh * 3600 + om * 60))
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.split(':');
    let (h, mi, sec) = (digits(c.next()?)?, digits(c.next()?)?, digits(c.next()?)?);
    if c.next().is_some() || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days * DAY_S + h * 3600 + mi * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // 2024-02-29: 19_782 days after the epoch (leap day).
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(iso_date(days_from_civil(2025, 12, 31)), "2025-12-31");
        for z in [-800_000, -1, 0, 59, 60, 11_016, 20_000, 800_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn local_days_and_weekdays() {
        // 2025-01-01T03:00Z is still Dec 31 in Houston (21:00 CST).
        let t = days_from_civil(2025, 1, 1) * DAY_S + 3 * 3600;
        assert_eq!(iso_date(local_day(t, HOUSTON_UTC_OFFSET_S)), "2024-12-31");
        assert_eq!(local_second_of_day(t, HOUSTON_UTC_OFFSET_S), 21 * 3600);
        assert_eq!(day_start(local_day(t, 0), 0), t - 3 * 3600);
        // 2025-01-01 was a Wednesday.
        assert_eq!(weekday(days_from_civil(2025, 1, 1)), 2);
        assert_eq!(day_of_year(days_from_civil(2024, 12, 31)), 365);
        assert_eq!(month(days_from_civil(2024, 7, 4)), 7);
    }

    #[test]
    fn parses_and_formats_rfc3339() {
        let (parse, format) = (parse_rfc3339, format_rfc3339);
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-02"), Some(86_400));
        assert_eq!(
            parse("2025-06-01T07:00:00-05:00"),
            parse("2025-06-01T12:00:00Z")
        );
        assert_eq!(
            parse("2025-06-01T12:00:00.123Z"),
            parse("2025-06-01T12:00:00Z")
        );
        for bad in [
            "",
            "2025-13-01",
            "2025-02-30",
            "2025-06-01T25:00:00Z",
            "yesterday",
            "2025-06-01T12:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let t = parse("2024-02-29T23:59:59Z").unwrap();
        assert_eq!(format(t), "2024-02-29T23:59:59Z");
    }
}
