#!/usr/bin/env python3
"""Builds data/real/ from a real public distribution grid shipped on PyPI (run once; the
result is committed, so tests and CI never run this).

The grid is pandapower's "MV Oberrhein" network (pandapower.networks.mv_oberrhein with
include_substations=True): a 20 kV network of the Oberrhein region with two HV/MV stations,
four feeders, 141 MV/LV transformers, with the geodata pandapower ships for its buses and
lines (pandapower's BSD-3-Clause license; see data/real/README.md).

Steps: pip install pandapower into a temporary venv; export buses, lines, transformers,
switches, loads and the two external grids (substations) with their geodata as GeoJSON in
EPSG:4326; then GDAL's ogr2ogr writes
  data/real/mv_oberrhein.gpkg       every layer, in EPSG:25832 (ETRS89 / UTM zone 32N)
  data/real/mv_oberrhein_shp/*.shp  buses and lines, in EPSG:31467 (DHDN /
                                    Gauss-Kruger zone 3, the network's original CRS)
so the GDAL source is tested on projected coordinates in two CRSs and two formats.

usage: scripts/fetch-real-grid.py [--out data/real] [--pandapower 3.5.6]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

EXPORT = r'''
import json, sys
import pandapower.networks as pn

out = sys.argv[1]
net = pn.mv_oberrhein(include_substations=True)

def geo(table, i):
    return json.loads(table.geo.at[i])

def clean(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v

def write(name, rows):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": {k: clean(v) for k, v in p.items()}}
        for g, p in rows]}
    with open(f"{out}/{name}.geojson", "w") as f:
        json.dump(fc, f)
    print(name, len(rows))

bus_point = lambda b: geo(net.bus, b)
write("buses", [(bus_point(i), {"pp_index": i, "name": r["name"], "vn_kv": r.vn_kv,
                                "type": r.type, "in_service": bool(r.in_service)})
                for i, r in net.bus.iterrows()])
write("lines", [(geo(net.line, i), {"pp_index": i, "name": r["name"], "std_type": r.std_type,
                                    "from_bus": r.from_bus, "to_bus": r.to_bus,
                                    "length_km": r.length_km, "max_i_ka": r.max_i_ka,
                                    "in_service": bool(r.in_service)})
                for i, r in net.line.iterrows()])
write("transformers", [(bus_point(r.lv_bus), {"pp_index": i, "name": r["name"],
                                              "std_type": r.std_type, "hv_bus": r.hv_bus,
                                              "lv_bus": r.lv_bus, "sn_mva": r.sn_mva,
                                              "vn_hv_kv": r.vn_hv_kv, "vn_lv_kv": r.vn_lv_kv})
                       for i, r in net.trafo.iterrows()])
write("switches", [(bus_point(r.bus), {"pp_index": i, "name": r["name"], "bus": r.bus,
                                       "element": r.element, "et": r.et, "type": r.type,
                                       "closed": bool(r.closed)})
                   for i, r in net.switch.iterrows()])
write("loads", [(bus_point(r.bus), {"pp_index": i, "name": r["name"], "bus": r.bus,
                                    "p_mw": r.p_mw, "q_mvar": r.q_mvar})
                for i, r in net.load.iterrows()])
write("substations", [(bus_point(r.bus), {"pp_index": i, "name": r["name"], "bus": r.bus,
                                          "vm_pu": r.vm_pu})
                      for i, r in net.ext_grid.iterrows()])
'''

LAYERS = ["buses", "lines", "transformers", "switches", "loads", "substations"]
SHAPEFILES = ["buses", "lines"]


def run(*cmd):
    print("+", " ".join(c if len(c) < 80 else c[:40] + "..." for c in cmd))
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "real"))
    ap.add_argument("--pandapower", default="3.5.6")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        venv = os.path.join(tmp, "venv")
        run(sys.executable, "-m", "venv", venv)
        py = os.path.join(venv, "bin", "python")
        run(py, "-m", "pip", "install", "-q", f"pandapower=={args.pandapower}")
        geojson = os.path.join(tmp, "geojson")
        os.makedirs(geojson)
        run(py, "-c", EXPORT, geojson)

        gpkg = os.path.join(out, "mv_oberrhein.gpkg")
        if os.path.exists(gpkg):
            os.remove(gpkg)
        for i, layer in enumerate(LAYERS):
            run("ogr2ogr", "-f", "GPKG", *(["-update"] if i else []), gpkg,
                os.path.join(geojson, f"{layer}.geojson"), "-nln", layer,
                "-s_srs", "EPSG:4326", "-t_srs", "EPSG:25832", "-lco", "SPATIAL_INDEX=NO")
        # Compact: the committed file stays small.
        run("ogrinfo", "-q", gpkg, "-sql", "VACUUM")
        shp = os.path.join(out, "mv_oberrhein_shp")
        shutil.rmtree(shp, ignore_errors=True)
        os.makedirs(shp)
        for layer in SHAPEFILES:
            run("ogr2ogr", "-f", "ESRI Shapefile", os.path.join(shp, f"{layer}.shp"),
                os.path.join(geojson, f"{layer}.geojson"), "-nln", layer,
                "-s_srs", "EPSG:4326", "-t_srs", "EPSG:31467")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
