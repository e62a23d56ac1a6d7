"""Headless QGIS (PyQGIS, Debian python3-qgis) draws gridtiles' static style.

Usage: render_static.py BASE_URL THEME OUT_DIR

Loads `BASE_URL/tiles/{z}/{x}/{y}.mvt` as a vector tile layer whose style URL is
`BASE_URL/styles/THEME.json?client=static` (what a QGIS user enters: the layer's default style
is read from that URL, with its sprite), renders it offscreen at z12 and z15 over the demo
city centre, and prints one JSON object: the converter's warnings, which styles QGIS made,
and per zoom the number of pixels of each colour the style uses (within a small tolerance, so
antialiased edges do not count), for the whole map and for its icon layers alone. The images
are written to OUT_DIR/qgis-THEME-z{12,15}[-icons].png. The Rust test
(tests/qgis_static.rs) judges the numbers.
"""

import json
import math
import os
import sys
import urllib.parse
import urllib.request

import numpy

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMapBoxGlStyleConversionContext,
    QgsMapBoxGlStyleConverter,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage

SIZE = 1024
# The demo city centre (the styles' centre, the demo grid's TileJSON centre).
CENTRE = (-95.3757, 29.7587)
# Per channel: an antialiased edge pixel is a blend and falls outside.
TOLERANCE = 8
ICON_LAYERS = ("switches", "transformers", "substations", "crews", "outages")


def mercator(lon, lat):
    r = 6378137.0
    return (math.radians(lon) * r,
            math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * r)


def extent(zoom):
    """The map extent QGIS draws in the middle of vector tile zoom level `zoom` (QGIS rounds
    its scale to a zoom level: at the exact scale of a level it may draw the one below)."""
    scale = 559082264.029 / 2 ** (zoom + 0.5)
    metres_per_px = scale * 0.0254 / 96
    half = SIZE / 2 * metres_per_px
    x, y = mercator(*CENTRE)
    return QgsRectangle(x - half, y - half, x + half, y + half)


def style_colours(style):
    """Every constant colour of the style's paint properties, as (r, g, b)."""
    out = set()
    for layer in style["layers"]:
        for key, value in (layer.get("paint") or {}).items():
            if key.endswith("color") and isinstance(value, str) and value.startswith("#"):
                out.add(value.lower())
    for layer in style["layers"]:
        image = (layer.get("layout") or {}).get("icon-image")
        if isinstance(image, str) and "~" in image:
            # Baked icons: {icon}~{fill}~{halo}~{width}.
            parts = image.split("~")
            out.add("#" + parts[1][:6])
            out.add("#" + parts[2][:6])
    return sorted(out)


def rgb(hex_colour):
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def pixels(image):
    """The image as an (h, w, 4) array of B, G, R, A bytes."""
    image = image.convertToFormat(QImage.Format_ARGB32)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    rows = numpy.frombuffer(bytes(ptr), numpy.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 4].reshape(image.height(), image.width(), 4)


def count_colours(image, colours):
    """Opaque pixels of each colour (within TOLERANCE), and of none of them."""
    px = pixels(image).astype(numpy.int16)
    opaque = px[:, :, 3] >= 250
    matched = numpy.zeros(opaque.shape, bool)
    counts = {}
    for name in colours:
        r, g, b = rgb(name)
        near = (opaque & ~matched
                & (abs(px[:, :, 2] - r) <= TOLERANCE)
                & (abs(px[:, :, 1] - g) <= TOLERANCE)
                & (abs(px[:, :, 0] - b) <= TOLERANCE))
        counts[name] = int(near.sum())
        matched |= near
    return counts, int((opaque & ~matched).sum())


def render(layer, zoom, background, path):
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setOutputDpi(96)
    settings.setExtent(extent(zoom))
    settings.setBackgroundColor(QColor(background))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path)
    return image


def main():
    base, theme, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out_dir, exist_ok=True)
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()

    style_url = f"{base}/styles/{theme}.json?client=static"
    with urllib.request.urlopen(style_url, timeout=30) as r:
        style = json.load(r)
    tilejson = json.load(urllib.request.urlopen(f"{base}/tiles.json", timeout=30))

    # The converter on its own, for its warnings (the layer below converts the same style).
    converter = QgsMapBoxGlStyleConverter()
    context = QgsMapBoxGlStyleConversionContext()
    if isinstance(style.get("sprite"), str):
        with urllib.request.urlopen(style["sprite"] + ".json", timeout=60) as r:
            index = json.load(r)
        with urllib.request.urlopen(style["sprite"] + ".png", timeout=60) as r:
            sheet = QImage.fromData(r.read())
        context.setSprites(sheet, index)
    converter.convert(style, context)
    warnings = list(converter.warnings())

    uri = "&".join([
        "type=xyz",
        "url=" + urllib.parse.quote(f"{base}/tiles/{{z}}/{{x}}/{{y}}.mvt", safe=""),
        f"zmin={tilejson['minzoom']}",
        f"zmax={tilejson['maxzoom']}",
        "styleUrl=" + urllib.parse.quote(style_url, safe=""),
    ])
    layer = QgsVectorTileLayer(uri, "gridtiles")
    if not layer.isValid():
        raise SystemExit(f"QGIS cannot open {uri}")
    message, loaded = layer.loadDefaultStyle()
    background = next(
        (l["paint"]["background-color"] for l in style["layers"] if l["type"] == "background"),
        "#000000")
    colours = style_colours(style)
    labeling = layer.labeling().clone() if layer.labeling() else None
    renderer = layer.renderer()
    styles = renderer.styles()
    result = {
        "qgis": Qgis.QGIS_VERSION,
        "style_loaded": bool(loaded),
        "load_message": message,
        "warnings": warnings,
        "styles": [s.styleName() for s in styles],
        "label_styles": [s.styleName() for s in layer.labeling().styles()] if layer.labeling() else [],
        "background": background,
        "zooms": {},
    }
    for zoom in (12, 15):
        image = render(layer, zoom, background, os.path.join(out_dir, f"qgis-{theme}-z{zoom}.png"))
        counts, other = count_colours(image, colours)
        # The icon layers alone (every other style and the labels switched off).
        icon_styles = []
        for s in styles:
            s.setEnabled(s.layerName() in ICON_LAYERS and s.geometryType() == 0
                         and s.styleName().split("/")[0] in ICON_LAYERS)
            icon_styles.append(s)
        renderer.setStyles(icon_styles)
        layer.setLabeling(None)
        icons = render(layer, zoom, background, os.path.join(out_dir, f"qgis-{theme}-z{zoom}-icons.png"))
        icon_counts, icon_other = count_colours(icons, colours)
        # The whole style without labels: what differs from the first image is labels.
        for s in styles:
            s.setEnabled(True)
        renderer.setStyles(styles)
        unlabelled = render(layer, zoom, background, os.path.join(out_dir, f"qgis-{theme}-z{zoom}-nolabels.png"))
        layer.setLabeling(labeling.clone() if labeling else None)
        changed = int((pixels(image) != pixels(unlabelled)).any(axis=2).sum())
        result["zooms"][str(zoom)] = {
            "colours": counts,
            "other": other,
            "icons": icon_counts,
            "icons_other": icon_other,
            "label_pixels": changed,
        }
    print(json.dumps(result, indent=1, sort_keys=True))
    app.exitQgis()


if __name__ == "__main__":
    main()
