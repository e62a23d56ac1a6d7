#!/usr/bin/env bash
# The test command (README quick start). Sets up what the tests need on a fresh machine of this
# kind, then runs every test suite. Safe to run again: each setup step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

# The PostgreSQL tests (tests/pg_*.rs) use a real server with PostGIS, never a mock. Each test
# creates and drops its own schema in this database.
PG_VERSION=15
export GRIDTILES_TEST_DATABASE_URL="${GRIDTILES_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

# Debian packages the tests need, installed in one apt run when any is missing:
# - PostGIS for the PostgreSQL tests;
# - gdal-bin: GDAL's ogrinfo reads the OGC API and the FlatGeobuf downloads in
#   tests/ogc_gdal.rs as a real GIS client (GRIDTILES_REQUIRE_GDAL=1 makes those tests fail,
#   not skip, without it), and ogr2ogr writes and reprojects the fixtures of tests/gdal_source.rs;
# - libgdal-dev (with pkg-config): the GDAL-backed source (cargo feature `gdal`), which the
#   tests below build (it pulls libsqlite3-dev, the SQLite that build links);
# - chromium: the browser test drives Debian's Chromium through playwright-core (no browser
#   download); nodejs/npm build the front end.
echo "== Debian packages (PostGIS, GDAL, Chromium, Node.js, PyQGIS)"
MISSING=()
dpkg -s "postgresql-${PG_VERSION}-postgis-3" >/dev/null 2>&1 || MISSING+=("postgresql-${PG_VERSION}-postgis-3")
command -v ogrinfo >/dev/null || MISSING+=(gdal-bin)
dpkg -s libgdal-dev >/dev/null 2>&1 || MISSING+=(libgdal-dev)
command -v pkg-config >/dev/null || MISSING+=(pkg-config)
[ -x /usr/bin/chromium ] || MISSING+=(chromium)
command -v npm >/dev/null || MISSING+=(nodejs npm)
# - python3-pip: installs the PyPI pmtiles reader, the independent reader of baked archives
#   (tests/archive_bake.rs).
python3 -m pip --version >/dev/null 2>&1 || MISSING+=(python3-pip)
# - python3-qgis + qgis-providers: headless QGIS 3.22 draws the static styles in
#   tests/qgis_static.rs (GRIDTILES_REQUIRE_QGIS=1 makes a missing PyQGIS a failure); about
#   2 minutes of apt on a fresh machine (measured: 116 s with tilemaker, 2 s apt-get update).
QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 \
    || MISSING+=(python3-qgis qgis-providers)
# - tilemaker + osmium-tool: a real OpenStreetMap extract as an OpenMapTiles basemap
#   (scripts/osm-basemap.sh, tests/basemap_osm.rs).
command -v tilemaker >/dev/null || MISSING+=(tilemaker)
command -v osmium >/dev/null || MISSING+=(osmium-tool)
if [ "${#MISSING[@]}" -gt 0 ]; then
    echo "installing: ${MISSING[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}"
fi
export GRIDTILES_REQUIRE_GDAL=1
export GRIDTILES_REQUIRE_QGIS=1

echo "== PyPI pmtiles reader (target/test-cache/python)"
if ! PYTHONPATH=target/test-cache/python python3 -c "import pmtiles.reader" 2>/dev/null; then
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --target target/test-cache/python "pmtiles==3.8.1"
fi
export GRIDTILES_REQUIRE_PMTILES_PY=1

echo "== OpenStreetMap basemap (target/test-cache/osm)"
scripts/osm-basemap.sh
export GRIDTILES_REQUIRE_OSM=1

echo "== PostgreSQL ${PG_VERSION}"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    $SUDO pg_ctlcluster --skip-systemctl-redirect "${PG_VERSION}" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    createdb -h 127.0.0.1 -U postgres test
fi
psql -h 127.0.0.1 -U postgres -d test -qc "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis"

# Every suite runs on the GDAL build (`--no-default-features --features gdal`: the GDAL source
# and its tests, with the system SQLite that libgdal uses); the slim default build is the
# release binary below and in scripts/build-release.sh.
echo "== rust tests (GDAL build)"
cargo test --locked --all-targets --no-default-features --features gdal
echo "== doc tests"
cargo test --locked --doc --no-default-features --features gdal

# Front end: build it (npm ci, type check, Vite), build the release server it runs against,
# then the style and live-state unit tests and the browser test (screenshots of both themes in
# target/artifacts/).
echo "== front end: build"
scripts/build-release.sh frontend
echo "== release server for the browser test"
cargo build --release --locked --bin gridtiles
echo "== front end: unit and browser tests"
(cd frontend && npm test)
echo "== MCP: the official TypeScript SDK client against /mcp (release server)"
(cd tests/mcp && npm ci --no-audit --no-fund && npm test)
echo "== schemathesis: /api/openapi.json against the release server (bounded, fixed seed)"
scripts/schemathesis.sh target/release/gridtiles
