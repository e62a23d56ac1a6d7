//! Configuration: one TOML file, `GRIDTILES_*` environment overrides for every setting
//! (typed, with the documented flat names kept), flags on top; `gridtiles config check`
//! prints the effective configuration with secrets redacted and fails on invalid files;
//! the README documents every key.

use std::path::Path;
use std::process::Command;

use clap::Parser;
use gridtiles::cli::{Cli, Command as Sub};
use gridtiles::settings::{AuthMode, Config, LogFormat, SettingsError};

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("gridtiles.toml");
    std::fs::write(&p, text).unwrap();
    p
}

const FILE: &str = r#"
[server]
listen = "127.0.0.1:7000"
cache_mb = 64
cors_origins = ["https://maps.example.com"]

[auth]
api = "token"
tokens = ["file-token-0123456789"]

[data]
scale = 0.5

[tiles]
maxzoom = 18

[layers.poles]
minzoom = 13

[postgres]
url = "postgres://grid:hunter2@db.internal:5432/gis"
pool_size = 4
"#;

#[test]
fn defaults_then_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), FILE);
    let env = vars(&[
        ("GRIDTILES_SERVER__CACHE_MB", "128"),
        ("GRIDTILES_SERVER__REQUEST_TIMEOUT_S", "20"),
        ("GRIDTILES_SERVER__LOG_FORMAT", "json"),
        (
            "GRIDTILES_SERVER__CORS_ORIGINS",
            "https://a.example, https://b.example",
        ),
        ("GRIDTILES_AUTH__METRICS", "token"),
        (
            "GRIDTILES_AUTH__TOKENS",
            "env-token-0123456789,env-token-abcdefghij",
        ),
        ("GRIDTILES_DATA__LENIENT", "yes"),
        ("GRIDTILES_TILES__SIMPLIFY_TOLERANCE", "2.5"),
        ("GRIDTILES_LAYERS__POLES__MAXZOOM", "15"),
        ("GRIDTILES_LAYERS__METERS__FIELDS", "meter_id,kind"),
        ("GRIDTILES_POSTGRES__POOL_SIZE", "8"),
        ("GRIDTILES_OUT", "/ignored"),
        ("PATH", "/usr/bin"),
    ]);
    let loaded = Config::load(Some(&path), env.clone()).unwrap();
    let c = &loaded.config;
    assert_eq!(c.server.listen, "127.0.0.1:7000", "file");
    assert_eq!(c.server.cache_mb, 128, "env over file");
    assert_eq!(c.server.request_timeout_s, 20, "env over default");
    assert_eq!(c.server.log_format, LogFormat::Json);
    assert_eq!(
        c.server.cors_origins,
        ["https://a.example", "https://b.example"]
    );
    assert_eq!(c.server.max_body_bytes, 1 << 20, "default");
    assert_eq!(
        (c.auth.api, c.auth.metrics),
        (AuthMode::Token, AuthMode::Token)
    );
    assert_eq!(c.auth.tokens.len(), 2);
    assert!(c.data.lenient);
    assert_eq!(c.data.scale, 0.5);
    assert_eq!(c.tiles.maxzoom, 18);
    assert_eq!(c.tiles.simplify_tolerance, 2.5);
    let poles = &c.layers["poles"];
    assert_eq!(
        (poles.minzoom, poles.maxzoom),
        (13, 15),
        "file and env merge per key"
    );
    assert_eq!(
        c.layers["meters"].fields.as_deref(),
        Some(&["meter_id".to_owned(), "kind".to_owned()][..])
    );
    let pg = c.postgres.as_ref().unwrap();
    assert_eq!(pg["pool_size"].as_integer(), Some(8));
    assert!(pg["url"].as_str().unwrap().contains("hunter2"));
    assert_eq!(loaded.env_applied.len(), 11, "{:?}", loaded.env_applied);
    c.validate().unwrap();

    // Flags win over everything.
    let cli = Cli::try_parse_from([
        "gridtiles",
        "serve",
        &format!("--config={}", path.display()),
        "--cache-mb=1",
        "--listen=127.0.0.1:7001",
    ])
    .unwrap();
    let Sub::Serve(args) = cli.command else {
        unreachable!()
    };
    let c = args.load(env).unwrap().config;
    assert_eq!(
        (c.server.cache_mb, c.server.listen.as_str()),
        (1, "127.0.0.1:7001")
    );
}

#[test]
fn flat_names_and_database_url_are_aliases() {
    let c = Config::load(
        None,
        vars(&[
            ("GRIDTILES_LISTEN", "127.0.0.1:1"),
            ("GRIDTILES_PUBLIC_URL", "https://t.example.com"),
            ("GRIDTILES_CACHE_CONTROL", "no-cache"),
            ("GRIDTILES_CORS_ORIGINS", "*"),
            ("GRIDTILES_DATA", "/srv/grid"),
            ("GRIDTILES_SEED", "7"),
            ("GRIDTILES_SCALE", "0.1"),
            ("GRIDTILES_LOG_FORMAT", "json"),
            ("DATABASE_URL", "postgres://a:b@h/d"),
        ]),
    )
    .unwrap()
    .config;
    assert_eq!(c.server.listen, "127.0.0.1:1");
    assert_eq!(
        c.server.public_url.as_deref(),
        Some("https://t.example.com")
    );
    assert_eq!(c.server.cache_control, "no-cache");
    assert_eq!(c.data.dir.as_deref(), Some(Path::new("/srv/grid")));
    assert_eq!((c.data.seed, c.data.scale), (7, 0.1));
    assert_eq!(c.server.log_format, LogFormat::Json);
    assert_eq!(
        c.postgres.unwrap()["url"].as_str(),
        Some("postgres://a:b@h/d")
    );

    // The structured name wins over the flat one and over DATABASE_URL.
    let c = Config::load(
        None,
        vars(&[
            ("GRIDTILES_SERVER__LISTEN", "127.0.0.1:2"),
            ("GRIDTILES_LISTEN", "127.0.0.1:1"),
            ("GRIDTILES_POSTGRES__URL", "postgres://x@h/d"),
            ("DATABASE_URL", "postgres://a:b@h/d"),
        ]),
    )
    .unwrap()
    .config;
    assert_eq!(c.server.listen, "127.0.0.1:2");
    assert_eq!(
        c.postgres.unwrap()["url"].as_str(),
        Some("postgres://x@h/d")
    );
}

#[test]
fn a_layer_set_only_from_the_environment_keeps_its_other_defaults() {
    let c = Config::load(None, vars(&[("GRIDTILES_LAYERS__POLES__MAXZOOM", "15")]))
        .unwrap()
        .config;
    let poles = c.tiling().layer("poles");
    let defaults = gridtiles::tiling::LayerConfig::defaults_for("poles");
    assert_eq!(poles.maxzoom, 15);
    assert_eq!(
        (poles.minzoom, poles.full_zoom),
        (defaults.minzoom, defaults.full_zoom)
    );
}

#[test]
fn bad_environment_is_an_error_naming_the_variable() {
    for (name, value, want) in [
        ("GRIDTILES_SERVER__CACHE_MB", "lots", "expected an integer"),
        ("GRIDTILES_DATA__LENIENT", "maybe", "expected true or false"),
        ("GRIDTILES_DATA__SCALE", "big", "expected a number"),
        (
            "GRIDTILES_SERVER__LISTN",
            "x",
            "unknown setting server.listn",
        ),
        ("GRIDTILES_LAYERS__POLES__MINZOM", "3", "unknown setting"),
        ("GRIDTILES_NOPE__X", "1", "not a setting"),
        ("GRIDTILES_SERVER", "1", "ignoring"),
        ("GRIDTILES_AUTH__API", "sometimes", "unknown variant"),
    ] {
        let res = Config::load(None, vars(&[(name, value)]));
        let msg = match res {
            Err(e) => e.to_string(),
            Ok(l) => l.warnings.join("; "),
        };
        assert!(msg.contains(want), "{name}={value}: {msg}");
        assert!(msg.contains(name) || want == "unknown variant", "{msg}");
    }
}

#[test]
fn validation_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "[server]\nlisten = \"8080\"\nrequest_timeout_s = 0\ncors_origins = [\"*\", \"https://a\"]\n\
         [auth]\ntiles = \"token\"\ntokens = [\"short\"]\n[layers.poles]\nminzoom = 16\nmaxzoom = 14\n",
    );
    let err = Config::load(Some(&path), vars(&[]))
        .unwrap()
        .config
        .validate()
        .unwrap_err();
    let SettingsError::Invalid(problems) = &err else {
        panic!("{err}")
    };
    assert_eq!(problems.len(), 5, "{err}");
    let unknown = write(dir.path(), "[sever]\nlisten = \"x:1\"\n");
    let err = Config::load(Some(&unknown), vars(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("gridtiles.toml") && err.contains("sever"),
        "{err}"
    );
}

#[test]
fn config_check_prints_the_effective_config_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), FILE);
    let out = Command::new(env!("CARGO_BIN_EXE_gridtiles"))
        .args(["config", "check"])
        .arg(&path)
        .env("GRIDTILES_SERVER__CACHE_MB", "32")
        .env("GRIDTILES_AUTH__TOKENS", "env-secret-token-0001")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("valid"), "{text}");
    assert!(
        text.contains("GRIDTILES_SERVER__CACHE_MB → server.cache_mb"),
        "{text}"
    );
    for secret in ["hunter2", "env-secret-token", "file-token"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert!(
        text.contains("postgres://grid:<redacted>@db.internal:5432/gis"),
        "{text}"
    );
    // The output is itself a valid configuration.
    let printed: Config = toml::from_str(&text).unwrap();
    assert_eq!(printed.server.cache_mb, 32);
    assert_eq!(printed.tiles.maxzoom, 18);

    let bad = write(dir.path(), "[server]\ncache_mb = \"lots\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_gridtiles"))
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gridtiles.toml") && err.contains("cache_mb"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_readme_documents_every_setting() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let defaults = toml::Table::try_from(Config::default()).unwrap();
    let mut missing = Vec::new();
    for (section, table) in &defaults {
        let Some(table) = table.as_table() else {
            continue;
        };
        if section == "layers" {
            continue;
        }
        for key in table.keys() {
            let row = format!("| `{section}.{key}` |");
            if !readme.contains(&row) {
                missing.push(row);
            }
        }
    }
    for key in [
        "server.public_url",
        "server.attribution",
        "server.static_dir",
        "server.styles_dir",
        "data.dir",
    ] {
        let row = format!("| `{key}` |");
        if !readme.contains(&row) {
            missing.push(row);
        }
    }
    let layer = toml::Table::try_from(gridtiles::tiling::LayerConfig {
        merge_id: Some(String::new()),
        fields: Some(Vec::new()),
        ..Default::default()
    })
    .unwrap();
    for key in layer.keys() {
        let row = format!("| `layers.NAME.{key}` |");
        if !readme.contains(&row) {
            missing.push(row);
        }
    }
    assert!(missing.is_empty(), "README lacks rows: {missing:#?}");
}

#[test]
fn the_example_config_is_valid() {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/example.toml"));
    let c = Config::load(Some(path), vars(&[])).unwrap().config;
    c.validate().unwrap();
    assert_eq!(
        c.server,
        Config::default().server,
        "example shows the defaults"
    );
}
