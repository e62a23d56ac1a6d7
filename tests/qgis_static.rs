//! QGIS draws the static style: headless PyQGIS (Debian `python3-qgis`, `qgis-providers`)
//! loads the demo grid's vector tiles from the real `gridtiles serve` binary with
//! `/styles/{dark,light}.json?client=static` as the layer's style URL (as a QGIS user does),
//! renders z12 and z15 over the city centre offscreen (`tests/qgis/render_static.py`), and the
//! pixels are counted by colour: the feeders' voltage colours, the device symbols in their
//! colours (icon layers alone: an untinted SDF icon draws dark blurred shapes, not these
//! colours), the meters, and the labels (the map with labels minus the map without). The
//! converter must report no warning (nothing it skipped). Images:
//! `target/artifacts/qgis-{theme}-z{12,15}*.png` (`GRIDTILES_ARTIFACTS` overrides).
//!
//! Without PyQGIS the test prints why and passes, unless `GRIDTILES_REQUIRE_QGIS=1` (set by
//! `scripts/test.sh`, which installs the packages).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The system Python (PyQGIS is a Debian package, not in other interpreters).
const PYTHON: &str = "/usr/bin/python3";

fn have_qgis() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import qgis.core"])
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("GRIDTILES_REQUIRE_QGIS").as_deref() != Ok("1"),
            "GRIDTILES_REQUIRE_QGIS=1 but PyQGIS does not import \
             (apt-get install python3-qgis qgis-providers)"
        );
        println!("skipped: PyQGIS not found (apt-get install python3-qgis qgis-providers)");
    }
    ok
}

/// The server binary on a free port; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_gridtiles"))
        .args(["serve", "--listen", &listen])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server {
        child,
        base: format!("http://{listen}"),
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let up = Command::new(env!("CARGO_BIN_EXE_gridtiles"))
            .arg("healthcheck")
            .env("GRIDTILES_SERVER__LISTEN", &listen)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if up {
            return server;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "the server exited"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn artifacts() -> PathBuf {
    std::env::var_os("GRIDTILES_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts"))
}

/// What `render_static.py` measured for `theme`.
fn render(base: &str, theme: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qgis/render_static.py");
    let mut child = Command::new(PYTHON)
        .arg(&script)
        .args([base, theme])
        .arg(artifacts())
        .env("QT_QPA_PLATFORM", "offscreen")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "render_static.py {theme} failed:\n{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"))
}

/// The colours of `styles/{theme}.json` the test looks for (frontend/scripts/theme.mjs).
struct Palette {
    feeders: [&'static str; 3],
    device: &'static str,
    good: &'static str,
    residential: &'static str,
    label: &'static str,
}

const DARK: Palette = Palette {
    feeders: ["#0ea5e9", "#22d3ee", "#a78bfa"],
    device: "#fbbf24",
    good: "#22c55e",
    residential: "#38bdf8",
    label: "#e2e8f0",
};

const LIGHT: Palette = Palette {
    feeders: ["#0369a1", "#0e7490", "#6d28d9"],
    device: "#b45309",
    good: "#15803d",
    residential: "#0284c7",
    label: "#1e293b",
};

fn count(r: &Value, zoom: &str, set: &str, colour: &str) -> u64 {
    r["zooms"][zoom][set][colour].as_u64().unwrap_or(0)
}

fn check(theme: &str, p: &Palette, r: &Value) {
    let at_least = |zoom: &str, set: &str, colour: &str, min: u64, what: &str| {
        let n = count(r, zoom, set, colour);
        assert!(
            n >= min,
            "{theme} z{zoom}: {n} pixels of {colour} ({what}), expected at least {min}\n{r:#}"
        );
    };
    assert_eq!(r["style_loaded"], true, "{theme}: {r:#}");
    assert_eq!(
        r["warnings"],
        serde_json::json!([]),
        "{theme}: QGIS skipped parts of the style"
    );
    // z12: feeders of each voltage, substations and switches as symbols, labels.
    for (colour, kv) in p.feeders.iter().zip(["12.47", "24.9", "34.5"]) {
        at_least("12", "colours", colour, 500, &format!("{kv} kV feeders"));
    }
    at_least(
        "12",
        "icons",
        p.device,
        5000,
        "substation and switch symbols",
    );
    at_least("12", "colours", p.label, 300, "substation label text");
    // z15: switch and transformer symbols in their colours, meters, labels.
    at_least("15", "colours", p.feeders[0], 5000, "12.47 kV feeders");
    at_least("15", "icons", p.device, 5000, "switch symbols");
    at_least(
        "15",
        "icons",
        p.good,
        5000,
        "transformer symbols (load < 80 %)",
    );
    at_least("15", "colours", p.residential, 1000, "residential meters");
    for zoom in ["12", "15"] {
        let labels = r["zooms"][zoom]["label_pixels"].as_u64().unwrap_or(0);
        assert!(labels >= 5000, "{theme} z{zoom}: {labels} label pixels");
    }
}

#[test]
fn qgis_draws_the_static_styles_in_their_colours_with_symbols_and_labels() {
    if !have_qgis() {
        return;
    }
    let server = serve();
    for (theme, palette) in [("dark", &DARK), ("light", &LIGHT)] {
        let r = render(&server.base, theme);
        println!(
            "{theme} (QGIS {}): {}",
            r["qgis"],
            serde_json::to_string(&r["zooms"]).unwrap()
        );
        check(theme, palette, &r);
    }
}
