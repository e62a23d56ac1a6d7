//! Validation of a loaded [`Config`] and its redacted rendering for `gridtiles config check`.

use axum::http::HeaderValue;

use super::{Config, SettingsError};

/// Highest zoom a tile address can have (`TileCoord` clamps to it).
const MAX_ZOOM: u8 = 30;

/// Placeholder printed instead of a secret.
pub const REDACTED: &str = "<redacted>";

impl Config {
    /// Checks every value and the combinations; all problems at once. The `[postgres]` table
    /// is the PostgreSQL source's to check (`app::validate_config` checks both).
    pub fn validate(&self) -> Result<(), SettingsError> {
        let mut errs = Vec::new();
        let s = &self.server;
        if let Err(e) = parse_listen(&s.listen) {
            errs.push(format!("server.listen {:?}: {e}", s.listen));
        }
        if let Some(url) = &s.public_url {
            if let Err(e) = parse_public_url(url) {
                errs.push(format!("server.public_url {url:?}: {e}"));
            }
        }
        if HeaderValue::from_str(&s.cache_control).is_err() {
            errs.push("server.cache_control is not a valid header value".into());
        }
        for o in &s.cors_origins {
            if let Err(e) = parse_origin(o) {
                errs.push(format!("server.cors_origins: {e}"));
            }
        }
        if s.cors_origins.len() > 1 && s.cors_origins.iter().any(|o| o == "*") {
            errs.push("server.cors_origins: `*` cannot be combined with origins".into());
        }
        if !(1..=3600).contains(&s.request_timeout_s) {
            errs.push("server.request_timeout_s must be between 1 and 3600".into());
        }
        if s.max_body_bytes == 0 {
            errs.push("server.max_body_bytes must be at least 1".into());
        }
        if s.shutdown_grace_s > 3600 || s.shutdown_delay_s > 3600 {
            errs.push("server.shutdown_*_s must be at most 3600".into());
        }
        if !(1..=3600).contains(&s.header_read_timeout_s) {
            errs.push("server.header_read_timeout_s must be between 1 and 3600".into());
        }
        if !(1..=1_000_000).contains(&s.max_connections) {
            errs.push("server.max_connections must be between 1 and 1000000".into());
        }
        if self.data.max_attribute_bytes == 0 {
            errs.push("data.max_attribute_bytes must be at least 1".into());
        }
        if let Err(e) = super::server::parse_trusted_proxies(&s.trusted_proxies) {
            errs.push(format!("server.trusted_proxies: {e}"));
        }
        if tracing_subscriber::EnvFilter::try_new(&s.log_level).is_err() {
            errs.push(format!(
                "server.log_level {:?} is not a log filter",
                s.log_level
            ));
        }
        if let Err(e) = self.auth.validate() {
            errs.push(e);
        }
        if let Err(e) = parse_scale(&self.data.scale.to_string()) {
            errs.push(format!("data.scale {e}"));
        }
        errs.extend(self.events.problems());
        errs.extend(self.simulate.problems());
        errs.extend(self.basemap.problems());
        errs.extend(self.network.problems());
        self.validate_tiling(&mut errs);
        if errs.is_empty() {
            Ok(())
        } else {
            Err(SettingsError::Invalid(errs))
        }
    }

    fn validate_tiling(&self, errs: &mut Vec<String>) {
        let t = &self.tiles;
        if t.extent == 0 || t.extent > 65_536 {
            errs.push("tiles.extent must be between 1 and 65536".into());
        }
        if t.maxzoom > MAX_ZOOM {
            errs.push(format!("tiles.maxzoom must be at most {MAX_ZOOM}"));
        }
        if !(t.simplify_tolerance.is_finite() && t.simplify_tolerance >= 0.0) {
            errs.push("tiles.simplify_tolerance must be a non-negative number".into());
        }
        if t.thin_cell == 0 {
            errs.push("tiles.thin_cell must be at least 1".into());
        }
        for (name, l) in &self.layers {
            if l.minzoom > l.maxzoom {
                errs.push(format!(
                    "layers.{name}: minzoom {} is above maxzoom {}",
                    l.minzoom, l.maxzoom
                ));
            }
        }
    }

    /// The configuration as TOML with secrets replaced by [`REDACTED`]: `auth.tokens`, and in
    /// `[postgres]` keys that name a password, secret or token and passwords inside URLs.
    pub fn to_redacted_toml(&self) -> Result<String, toml::ser::Error> {
        let mut c = self.clone();
        for t in &mut c.auth.tokens {
            t.0 = REDACTED.to_owned();
        }
        if let Some(pg) = &mut c.postgres {
            redact_table(pg);
        }
        toml::to_string_pretty(&c)
    }
}

fn redact_table(table: &mut toml::Table) {
    for (key, value) in table.iter_mut() {
        let k = key.to_ascii_lowercase();
        match value {
            toml::Value::Table(t) => redact_table(t),
            toml::Value::String(s)
                if ["password", "secret", "token"]
                    .iter()
                    .any(|w| k.contains(w)) =>
            {
                *s = REDACTED.to_owned();
            }
            toml::Value::String(s) => *s = redact_url_password(s),
            _ => {}
        }
    }
}

/// Replaces the password of `scheme://user:password@host/...` and of a `password=...`
/// connection-string item.
pub fn redact_url_password(s: &str) -> String {
    if let Some((scheme, rest)) = s.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((userinfo, host)) = authority.rsplit_once('@') {
            if let Some((user, _)) = userinfo.split_once(':') {
                return format!("{scheme}://{user}:{REDACTED}@{host}{tail}");
            }
        }
        return s.to_owned();
    }
    s.split(' ')
        .map(|item| match item.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}={REDACTED}"),
            _ => item.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `host:port` with a numeric port and a non-empty host.
pub fn parse_listen(s: &str) -> Result<(), String> {
    let (host, port) = s.rsplit_once(':').ok_or("must be host:port")?;
    port.parse::<u16>().map_err(|_| "port must be 0-65535")?;
    if host.is_empty() {
        return Err("has no host (use 0.0.0.0 for every interface)".into());
    }
    Ok(())
}

/// `http(s)://host[:port][/path]`, returned without a trailing `/`.
pub fn parse_public_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err("has no host".to_owned());
    }
    if s.contains(['?', '#']) || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain a query, fragment or whitespace".to_owned());
    }
    Ok(s.to_owned())
}

/// `*` or an origin `scheme://host[:port]`.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s == "*" {
        return Ok(s.to_owned());
    }
    let host = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(|| format!("origin {s:?} must be * or start with http:// or https://"))?;
    if host.is_empty() || host.contains('/') || HeaderValue::from_str(s).is_err() {
        return Err(format!(
            "origin {s:?} must look like https://host[:port] (no path)"
        ));
    }
    Ok(s.to_owned())
}

/// A demo-grid scale: a finite number in `MIN_SCALE..=MAX_SCALE` of the generator.
pub fn parse_scale(s: &str) -> Result<f64, String> {
    use super::{MAX_SCALE, MIN_SCALE};
    let v: f64 = s.trim().parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && (MIN_SCALE..=MAX_SCALE).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be a number from {MIN_SCALE} to {MAX_SCALE}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_must_be_one_the_generator_accepts() {
        assert_eq!(parse_scale("0.1"), Ok(0.1));
        assert_eq!(parse_scale("20"), Ok(20.0));
        for bad in ["0", "-1", "30", "nan", "inf", "x"] {
            assert!(parse_scale(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn value_parsers() {
        assert_eq!(
            parse_public_url("https://t.example.com/grid/").unwrap(),
            "https://t.example.com/grid"
        );
        assert!(parse_public_url("t.example.com").is_err());
        assert!(parse_public_url("http://").is_err());
        assert!(parse_public_url("http://a/b?c").is_err());
        assert!(parse_origin("https://maps.example.com:8443").is_ok());
        assert!(parse_origin("maps.example.com").is_err());
        assert!(parse_origin("https://a/b").is_err());
        assert!(parse_scale("0").is_err());
        assert!(parse_scale("NaN").is_err());
        assert_eq!(parse_scale("0.5"), Ok(0.5));
        assert!(parse_listen("0.0.0.0:8080").is_ok());
        assert!(parse_listen("[::]:8080").is_ok());
        assert!(parse_listen("8080").is_err());
        assert!(parse_listen(":8080").is_err());
    }

    #[test]
    fn url_passwords_are_redacted() {
        assert_eq!(
            redact_url_password("postgres://grid:s3cret@db:5432/gis?sslmode=require"),
            "postgres://grid:<redacted>@db:5432/gis?sslmode=require"
        );
        assert_eq!(
            redact_url_password("postgres://grid@db/gis"),
            "postgres://grid@db/gis"
        );
        assert_eq!(
            redact_url_password("host=db user=grid password=s3cret dbname=gis"),
            "host=db user=grid password=<redacted> dbname=gis"
        );
    }
}
