//! Query-string parsing shared by the API handlers: every bad value is a `400` whose message
//! names the parameter and says what is expected.

use std::collections::HashMap;

use crate::http::ApiError;

/// The raw query parameters of a request (last value wins).
pub type Query = HashMap<String, String>;

/// A `400` naming `name` and what it should be.
pub fn bad(name: &str, expected: &str) -> ApiError {
    ApiError::BadRequest(format!("query parameter {name:?}: expected {expected}"))
}

/// An asset id from a path segment: a non-negative integer.
pub fn asset_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::BadRequest(format!("asset id {raw:?} is not a non-negative integer"))
    })
}

/// An optional boolean (`true`/`false`/`1`/`0`), `default` when absent.
pub fn flag(q: &Query, name: &str, default: bool) -> Result<bool, ApiError> {
    match q.get(name).map(String::as_str) {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(bad(name, "true or false")),
    }
}

/// An optional value out of `choices`, `default` when absent.
pub fn choice<'a>(
    q: &Query,
    name: &str,
    choices: &[&'a str],
    default: &'a str,
) -> Result<&'a str, ApiError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => choices
            .iter()
            .find(|c| **c == v.as_str())
            .copied()
            .ok_or_else(|| bad(name, &choices.join(" | "))),
    }
}

/// A required integer.
pub fn int(q: &Query, name: &str) -> Result<i64, ApiError> {
    q.get(name)
        .ok_or_else(|| bad(name, "an integer (required)"))?
        .parse()
        .map_err(|_| bad(name, "an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_and_names_bad_parameters() {
        assert_eq!(asset_id("42").unwrap(), 42);
        assert!(asset_id("-1").is_err() && asset_id("x").is_err());
        assert!(flag(&q(&[("g", "true")]), "g", false).unwrap());
        assert!(!flag(&q(&[]), "g", false).unwrap());
        let e = flag(&q(&[("g", "yes")]), "g", false).unwrap_err();
        assert!(e.to_string().contains("\"g\""));
        let d = ["upstream", "downstream"];
        assert_eq!(choice(&q(&[]), "d", &d, "upstream").unwrap(), "upstream");
        assert!(choice(&q(&[("d", "up")]), "d", &d, "upstream").is_err());
        assert_eq!(int(&q(&[("f", "7")]), "f").unwrap(), 7);
        assert!(int(&q(&[]), "f").is_err());
    }
}
