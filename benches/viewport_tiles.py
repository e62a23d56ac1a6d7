#!/usr/bin/env python3
"""Writes a realistic viewport tile list for load tests: an operator's session of pans and zooms
over the demo grid around Houston (lon -95.37, lat 29.76).

Each step is a 1920x1080 screen; MapLibre requests 512-px vector tiles, so a screen at map zoom
Z needs the tiles of zoom Z-1 that cover it. The list holds every tile request in session
order (repeats included, as a real session revisits places). Deterministic: same seed, same list.

usage: viewport_tiles.py OUT [--seed N] [--steps N]
"""
import argparse
import math
import random

CENTER = (-95.37, 29.76)
SCREEN = (1920, 1080)
TILE_PX = 512


def world(lon, lat):
    s = math.sin(math.radians(lat))
    return lon / 360.0 + 0.5, 0.5 - 0.25 * math.log((1 + s) / (1 - s)) / math.pi


def viewport_tiles(cx, cy, zoom):
    """Tiles (z, x, y) covering a screen centred on world point (cx, cy) at map zoom `zoom`."""
    z = max(0, zoom - 1)
    n = 2 ** z
    half_w = SCREEN[0] / 2 / TILE_PX / n
    half_h = SCREEN[1] / 2 / TILE_PX / n
    x0, x1 = int((cx - half_w) * n), int((cx + half_w) * n)
    y0, y1 = int((cy - half_h) * n), int((cy + half_h) * n)
    return [(z, x, y) for y in range(max(y0, 0), min(y1, n - 1) + 1)
            for x in range(max(x0, 0), min(x1, n - 1) + 1)]


def session(rng, steps):
    cx, cy = world(*CENTER)
    # Metres to world units at Houston's latitude.
    m = 1.0 / (40075016.686 * math.cos(math.radians(CENTER[1])))
    zoom = 10
    out = []
    for _ in range(steps):
        action = rng.random()
        if action < 0.45:  # pan by up to half a screen
            span = SCREEN[0] / TILE_PX / 2 ** (zoom - 1)
            cx += rng.uniform(-0.5, 0.5) * span
            cy += rng.uniform(-0.5, 0.5) * span * SCREEN[1] / SCREEN[0]
        elif action < 0.8:  # zoom in toward street level
            zoom = min(17, zoom + 1)
        elif action < 0.95:  # zoom out
            zoom = max(9, zoom - 1)
        else:  # jump to another part of the territory
            cx, cy = world(*CENTER)
            cx += rng.uniform(-12000, 12000) * m
            cy += rng.uniform(-12000, 12000) * m
            zoom = rng.choice([11, 12, 13, 14])
        # stay over the service territory
        home = world(*CENTER)
        cx = min(max(cx, home[0] - 16000 * m), home[0] + 16000 * m)
        cy = min(max(cy, home[1] - 16000 * m), home[1] + 16000 * m)
        out.extend(viewport_tiles(cx, cy, zoom))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--steps", type=int, default=400)
    args = ap.parse_args()
    tiles = session(random.Random(args.seed), args.steps)
    with open(args.out, "w") as f:
        for z, x, y in tiles:
            f.write(f"/tiles/{z}/{x}/{y}.mvt\n")
    zooms = {}
    for z, _, _ in tiles:
        zooms[z] = zooms.get(z, 0) + 1
    print(f"{len(tiles)} tile requests, {len(set(tiles))} distinct; by zoom: "
          + ", ".join(f"z{z}:{c}" for z, c in sorted(zooms.items())))


if __name__ == "__main__":
    main()
