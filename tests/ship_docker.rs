//! Static checks of the container build (no Docker engine runs here; CI runs the build
//! script itself): the Dockerfile's promises and a `.dockerignore` that lets in everything
//! the build needs and nothing else.

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn dockerfile_builds_with_the_script_and_runs_non_root_with_a_healthcheck() {
    let d = read("Dockerfile");
    let has = |s: &str| assert!(d.contains(s), "Dockerfile lacks {s:?}");
    has("FROM node:");
    has("scripts/build-release.sh frontend");
    has("FROM rust:1-bookworm AS build");
    has("scripts/build-release.sh --out /runtime binary stage");
    // Same glibc (Debian 12 bookworm) in the builder and the runtime.
    has("FROM gcr.io/distroless/cc-debian12:nonroot");
    has("COPY --from=build --chown=0:0 /runtime/ /app/");
    has("USER 65532:65532");
    has("EXPOSE 8080");
    has(r#"CMD ["/app/gridtiles", "healthcheck"]"#);
    has("STOPSIGNAL SIGTERM");
    let from_count = d.lines().filter(|l| l.starts_with("FROM ")).count();
    assert_eq!(
        from_count, 5,
        "three stages, plus two for the full (GDAL) image"
    );
    // The default image is the last stage: slim, distroless.
    let runtime = &d[d.rfind("FROM ").unwrap()..];
    assert!(runtime.starts_with("FROM gcr.io/distroless/cc-debian12:nonroot"));
    assert!(
        !runtime.contains("RUN "),
        "nothing runs in the runtime stage"
    );
    // The full image: the GDAL build on Debian slim with libgdal, same user and healthcheck.
    has("FROM rust:1-bookworm AS build-full");
    has("scripts/build-release.sh --full --out /runtime binary stage");
    has("FROM debian:bookworm-slim AS full");
    has("libgdal32");
    has("COPY --from=build-full --chown=0:0 /runtime/ /app/");
    let full = &d[d.find("AS full").unwrap()..d.rfind("FROM ").unwrap()];
    for s in [
        "USER 65532:65532",
        "EXPOSE 8080",
        "STOPSIGNAL SIGTERM",
        "healthcheck",
    ] {
        assert!(full.contains(s), "full image lacks {s:?}");
    }
}

#[test]
fn dockerignore_is_an_allowlist_covering_the_build_inputs() {
    let ignore = read(".dockerignore");
    let rules: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(rules.first(), Some(&"*"), "starts by ignoring everything");
    for needed in [
        "!Cargo.toml",
        "!Cargo.lock",
        "!src/",
        "!scripts/build-release.sh",
        "!fonts/",
        "!.cargo/config.toml",
    ] {
        assert!(rules.contains(&needed), "{needed} missing");
    }
    // Cargo checks that declared bench targets exist, even for `cargo build --bin`.
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    for bench in manifest["bench"].as_array().unwrap() {
        let name = bench["name"].as_str().unwrap();
        assert!(
            rules.contains(&"!benches/*.rs")
                || rules.contains(&format!("!benches/{name}.rs").as_str()),
            "bench {name} not in the build context"
        );
    }
    for excluded in ["frontend/node_modules/", "frontend/dist/", "frontend/test/"] {
        assert!(rules.contains(&excluded), "{excluded} should stay out");
    }
}
