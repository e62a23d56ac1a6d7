//! Environment overrides. `GRIDTILES_SECTION__KEY=value` sets `key` of `[section]`
//! (`GRIDTILES_SERVER__LISTEN`, `GRIDTILES_AUTH__API`, `GRIDTILES_TILES__MAXZOOM`);
//! `GRIDTILES_LAYERS__NAME__KEY` sets a key of `[layers.NAME]` (name lower-cased; a layer
//! not in the file starts from its built-in defaults). The flat
//! names documented before sections existed (`GRIDTILES_LISTEN`, `GRIDTILES_DATA`, ...) keep
//! working; `DATABASE_URL` sets `postgres.url`.
//!
//! Values are typed by the setting they override: integers, floats and booleans are parsed
//! (a bad value is an error naming the variable), lists are comma-separated. An unknown
//! `GRIDTILES_X__Y` is an error, so a typo cannot silently leave a setting at its default.

use toml::{Table, Value};

use super::SettingsError;
use crate::tiling::LayerConfig;

/// Prefix of every variable.
pub const PREFIX: &str = "GRIDTILES_";

/// Flat names → (section, key). Kept because the README documented them first.
pub const FLAT_ALIASES: &[(&str, &str, &str)] = &[
    ("GRIDTILES_LISTEN", "server", "listen"),
    ("GRIDTILES_PUBLIC_URL", "server", "public_url"),
    ("GRIDTILES_CACHE_MB", "server", "cache_mb"),
    ("GRIDTILES_CACHE_CONTROL", "server", "cache_control"),
    ("GRIDTILES_CORS_ORIGINS", "server", "cors_origins"),
    ("GRIDTILES_ATTRIBUTION", "server", "attribution"),
    ("GRIDTILES_LOG_FORMAT", "server", "log_format"),
    ("GRIDTILES_STATIC_DIR", "server", "static_dir"),
    ("GRIDTILES_DATA", "data", "dir"),
    ("GRIDTILES_LENIENT", "data", "lenient"),
    ("GRIDTILES_SEED", "data", "seed"),
    ("GRIDTILES_SCALE", "data", "scale"),
];

/// `GRIDTILES_*` variables that are not settings (read by the command line itself).
const NOT_SETTINGS: &[&str] = &["GRIDTILES_CONFIG", "GRIDTILES_OUT"];

/// Sections with a fixed set of keys (looked up in the template).
const SECTIONS: &[&str] = &[
    "server", "auth", "data", "events", "simulate", "tiles", "basemap", "network",
];

/// What applying the environment did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Variables applied, as `NAME → section.key`.
    pub applied: Vec<String>,
    /// Ignored variables worth a warning (unknown flat `GRIDTILES_*` names).
    pub warnings: Vec<String>,
}

/// Applies the matching variables of `vars` to `table`. `template` is the configuration
/// with every optional field filled in, serialized: it gives each key its type.
pub fn apply(
    table: &mut Table,
    template: &Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Applied, SettingsError> {
    let mut vars: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with(PREFIX) || k == "DATABASE_URL")
        .collect();
    // Deterministic order; structured names after flat ones (and after `DATABASE_URL`), so
    // they win when both are set.
    vars.sort_by_key(|(k, _)| (k.contains("__"), k.clone()));
    let mut out = Applied::default();
    for (name, raw) in vars {
        let Some(path) = target(&name, &mut out)? else {
            continue;
        };
        seed_layer(table, &path);
        let kind = lookup(template, &path).or_else(|| layer_template(template, &path));
        let value = convert(&name, &raw, kind, &path)?;
        insert(table, &path, value);
        out.applied.push(format!("{name} → {}", path.join(".")));
    }
    Ok(out)
}

/// The setting a variable names, or `None` to skip it.
fn target(name: &str, out: &mut Applied) -> Result<Option<Vec<String>>, SettingsError> {
    if name == "DATABASE_URL" {
        return Ok(Some(vec!["postgres".into(), "url".into()]));
    }
    if let Some((_, section, key)) = FLAT_ALIASES.iter().find(|(n, _, _)| *n == name) {
        return Ok(Some(vec![(*section).into(), (*key).into()]));
    }
    let rest = &name[PREFIX.len()..];
    if !rest.contains("__") {
        if !NOT_SETTINGS.contains(&name) {
            out.warnings.push(format!(
                "ignoring unknown variable {name} (settings are GRIDTILES_SECTION__KEY)"
            ));
        }
        return Ok(None);
    }
    let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    let ok = match path.as_slice() {
        [s, k] => (SECTIONS.contains(&s.as_str()) || s == "postgres") && !k.is_empty(),
        [s, layer, k] => s == "layers" && !layer.is_empty() && !k.is_empty(),
        _ => false,
    };
    if !ok {
        return Err(SettingsError::Env {
            name: name.to_owned(),
            message: "not a setting: use GRIDTILES_SECTION__KEY with a section of server, \
                      auth, data, events, simulate, tiles, basemap, postgres, or \
                      GRIDTILES_LAYERS__NAME__KEY"
                .into(),
        });
    }
    Ok(Some(path))
}

fn lookup<'a>(table: &'a Table, path: &[String]) -> Option<&'a Value> {
    let (last, parents) = path.split_last()?;
    let mut t = table;
    for p in parents {
        t = t.get(p)?.as_table()?;
    }
    t.get(last)
}

/// For `layers.NAME.key`: the type of `key` in the template layer `layers._`.
fn layer_template<'a>(template: &'a Table, path: &[String]) -> Option<&'a Value> {
    match path {
        [s, _, k] if s == "layers" => lookup(template, &["layers".into(), "_".into(), k.clone()]),
        _ => None,
    }
}

/// A layer listed in the file replaces its built-in defaults as a whole; one set only from
/// the environment starts from them, so `GRIDTILES_LAYERS__POLES__MAXZOOM` changes one key.
fn seed_layer(table: &mut Table, path: &[String]) {
    let [s, name, _] = path else { return };
    if s != "layers" || lookup(table, &[s.clone(), name.clone()]).is_some() {
        return;
    }
    if let Ok(defaults) = Table::try_from(LayerConfig::defaults_for(name)) {
        insert(table, &[s.clone(), name.clone()], Value::Table(defaults));
    }
}

fn insert(table: &mut Table, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else { return };
        t = next;
    }
    t.insert(last.clone(), value);
}

/// Converts `raw` to the type of `kind` (the template's value at the same path).
fn convert(
    name: &str,
    raw: &str,
    kind: Option<&Value>,
    path: &[String],
) -> Result<Value, SettingsError> {
    let err = |message: String| SettingsError::Env {
        name: name.to_owned(),
        message,
    };
    let raw_t = raw.trim();
    match kind {
        Some(Value::String(_)) => Ok(Value::String(raw.to_owned())),
        Some(Value::Integer(_)) => raw_t
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| err(format!("expected an integer, got {raw:?}"))),
        Some(Value::Float(_)) => raw_t
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| err(format!("expected a number, got {raw:?}"))),
        Some(Value::Boolean(_)) => parse_bool(raw_t)
            .map(Value::Boolean)
            .ok_or_else(|| err(format!("expected true or false, got {raw:?}"))),
        Some(Value::Array(_)) => Ok(Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
        Some(Value::Table(_)) | Some(Value::Datetime(_)) => {
            Err(err("names a section, not a setting".into()))
        }
        // Keys of the opaque `[postgres]` table: typed by their look.
        None if path.first().is_some_and(|s| s == "postgres") => Ok(guess(raw_t, raw)),
        None => Err(err(format!("unknown setting {}", path.join(".")))),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn guess(trimmed: &str, raw: &str) -> Value {
    if let Ok(i) = trimmed.parse::<i64>() {
        Value::Integer(i)
    } else if let Ok(b) = trimmed.parse::<bool>() {
        Value::Boolean(b)
    } else {
        Value::String(raw.to_owned())
    }
}
