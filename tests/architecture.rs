//! The data flow, enforced: every top-level module of `src/` has a layer, and no module's
//! non-test code names a module of its own or a higher layer (`crate::x` in `use` lines and
//! paths; comments, doc links included, are free). ARCHITECTURE.md explains the layers; this table is the rule.
//!
//! Test code (files named `tests.rs`, `*_tests.rs`, `tests_*.rs`, modules declared under
//! `#[cfg(test)]`, and an inline `#[cfg(test)] mod tests { … }` at the end of a file) may use
//! anything, e.g. the demo generator as a fixture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Layers, lowest first: a module may name modules of strictly lower layers only.
const LAYERS: &[(&str, u8)] = &[
    // Vocabulary: projections, the data model, counters.
    ("mercator", 0),
    ("model", 0),
    ("metrics", 0),
    // Tile addresses and tiling rules.
    ("address", 1),
    ("tiling", 1),
    // The configuration's types and their own checks.
    ("settings", 2),
    // The immutable snapshot.
    ("index", 3),
    // Readers of a snapshot: the tile engine, the network topology.
    ("tiles", 4),
    ("topology", 4),
    // The tile cache and the domain: dispatch rules, KPIs and analytics.
    ("cache", 5),
    ("dispatch", 5),
    ("analytics", 5),
    // The live store: the one place the served snapshot changes.
    ("live", 6),
    // Sources of data (they publish through the store), archives, cartography assets.
    ("source", 7),
    ("archive", 7),
    ("carto", 7),
    // The live writer of the demo (publishes through the store).
    ("simulate", 8),
    // The edges: HTTP, the command line, the program.
    ("http", 9),
    ("cli", 9),
    ("app", 10),
];

fn layer_of(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

/// The top-level modules `text` names (`crate::x`, `use crate::{x, y::z}`), comments and an
/// inline test module at the end excluded.
fn named_modules(text: &str) -> Vec<String> {
    let code = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut names = Vec::new();
    for line in code.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            // Not `gridtiles_crate::` or similar: the byte before must not be an identifier.
            let before = rest[..i].chars().next_back();
            rest = &rest[i + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        names.push(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// Whether a file is test code by its name.
fn is_test_file(path: &Path) -> bool {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    name == "tests" || name.ends_with("_tests") || name.starts_with("tests_")
}

/// The files `dir/parent.rs` (or `dir/mod.rs`) declares under `#[cfg(test)]`.
fn test_modules(file: &Path, text: &str) -> Vec<PathBuf> {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let dir = file.parent().unwrap_or(Path::new(""));
    let children = if stem == "mod" || stem == "lib" {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line != "#[cfg(test)]" {
            continue;
        }
        let mut path_attr = None;
        for next in &lines[i + 1..] {
            if let Some(p) = next.strip_prefix("#[path = \"") {
                path_attr = p.strip_suffix("\"]").map(str::to_owned);
                continue;
            }
            if next.starts_with("#[") {
                continue;
            }
            let decl = next
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            if let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';')) {
                match &path_attr {
                    // `#[path]` is relative to the declaring file's directory.
                    Some(p) => out.push(dir.join(p)),
                    None => {
                        out.push(children.join(format!("{name}.rs")));
                        out.push(children.join(name).join("mod.rs"));
                    }
                }
            }
            break;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `(file, module, named module)` that breaks the layering, for files given as
/// `(path relative to src, text)`.
fn violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let test_only: Vec<PathBuf> = files
        .iter()
        .flat_map(|(p, text)| test_modules(p, text))
        .collect();
    let mut found = Vec::new();
    for (path, text) in files {
        if is_test_file(path) || test_only.contains(path) {
            continue;
        }
        let Some(first) = path.components().next() else {
            continue;
        };
        let first = first.as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer_of(module) else {
            found.push(format!(
                "{}: module `{module}` has no layer in LAYERS",
                path.display()
            ));
            continue;
        };
        for named in named_modules(text) {
            if named == module {
                continue;
            }
            match layer_of(&named) {
                Some(l) if l < own => {}
                Some(l) => found.push(format!(
                    "{}: `{module}` (layer {own}) names `crate::{named}` (layer {l})",
                    path.display()
                )),
                None => found.push(format!(
                    "{}: names `crate::{named}`, which has no layer",
                    path.display()
                )),
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn no_module_names_a_module_of_its_own_or_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let files: Vec<(PathBuf, String)> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).expect("under src").to_path_buf();
            (rel, std::fs::read_to_string(p).expect("read source"))
        })
        .collect();
    assert!(files.len() > 100, "read {} files", files.len());
    let found = violations(&files);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn every_module_of_the_crate_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("read lib.rs");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert!(modules.len() >= 15, "{modules:?}");
    let missing: Vec<_> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
    let mut seen = BTreeMap::new();
    for (m, _) in LAYERS {
        assert!(seen.insert(*m, ()).is_none(), "{m} listed twice");
        assert!(
            modules.contains(m),
            "LAYERS lists {m}, which lib.rs does not declare"
        );
    }
}

#[test]
fn the_check_finds_what_it_must_and_nothing_else() {
    let file = |p: &str, t: &str| (PathBuf::from(p), t.to_owned());
    let found = violations(&[
        // An upward `use`, a grouped one, a path in code.
        file("source/sync.rs", "use crate::http::AppState;\n"),
        file(
            "index/a.rs",
            "use crate::{model::Value, tiles::TileCoord};\n",
        ),
        file("live/b.rs", "fn f() { crate::simulate::spawn(); }\n"),
        // Allowed: downward, comments, test files, declared test modules, inline tests.
        file(
            "cache.rs",
            "//! See [`crate::http`].\nuse crate::index::Snapshot;\n",
        ),
        file(
            "http/c.rs",
            "use crate::live::Store; // crate::app is above\n",
        ),
        file(
            "topology/d_tests.rs",
            "use crate::source::demo::generate;\n",
        ),
        file(
            "topology/mod.rs",
            "#[cfg(test)]\n#[path = \"fixture.rs\"]\nmod fixture;\n",
        ),
        file(
            "topology/fixture.rs",
            "use crate::source::demo::generate;\n",
        ),
        file(
            "tiles/e.rs",
            "use crate::index::X;\n#[cfg(test)]\nmod tests {\n use crate::http::Y;\n}\n",
        ),
        // A module with no layer.
        file("newthing.rs", "use crate::model::Value;\n"),
    ]);
    assert_eq!(
        found,
        vec![
            "index/a.rs: `index` (layer 3) names `crate::tiles` (layer 4)".to_owned(),
            "live/b.rs: `live` (layer 6) names `crate::simulate` (layer 8)".to_owned(),
            "newthing.rs: module `newthing` has no layer in LAYERS".to_owned(),
            "source/sync.rs: `source` (layer 7) names `crate::http` (layer 9)".to_owned(),
        ],
    );
}

#[test]
fn one_module_file_style_a_directory_module_is_its_mod_rs() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    assert!(paths.len() > 100, "read {} files", paths.len());
    let twins: Vec<String> = paths
        .iter()
        .filter(|p| p.with_extension("").is_dir())
        .map(|p| p.strip_prefix(&src).unwrap_or(p).display().to_string())
        .collect();
    assert!(
        twins.is_empty(),
        "modules with both x.rs and x/ (use x/mod.rs): {twins:?}"
    );
}
