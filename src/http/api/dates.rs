//! RFC 3339 timestamps in query parameters and responses (UTC seconds), without a
//! date-time dependency: `2025-06-01T12:00:00Z`, `2025-06-01T07:00:00-05:00`, fractional
//! seconds ignored; a bare `2025-06-01` is UTC midnight.

use crate::analytics::time::{civil_from_days, days_from_civil, DAY_S};
use crate::http::ApiError;

use super::params::{bad, Query};

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses an RFC 3339 date-time (or a bare date) to Unix seconds.
pub fn parse(s: &str) -> Option<i64> {
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

/// Formats Unix seconds as RFC 3339 in UTC (`2025-06-01T12:00:00Z`).
pub fn format(t: i64) -> String {
    crate::analytics::time::rfc3339_utc(t)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_rfc3339() {
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
