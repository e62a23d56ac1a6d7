// A utility's own network in the operations page: the real MV Oberrhein grid (data/real),
// converted by GDAL's ogr2ogr to GeoJSON files named as data/real/mv_oberrhein.toml serves
// them, with that file's [network] mapping (switch codes, topology from geometry). The page
// must work on it as on the demo: no console error, no error response, nothing from another
// origin; the lines and the data-quality findings are drawn; the quality layer has its
// toggle; the substation table lists the network's two substations.
// Screenshot: target/artifacts/real-grid.png. Needs ogr2ogr (gdal-bin, scripts/test.sh).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, startServer } from './server.mjs';
import { launch, watchPage } from './browser.mjs';

const ARTIFACTS = process.env.GRIDTILES_ARTIFACTS ?? `${REPO}target/artifacts`;
const GPKG = `${REPO}data/real/mv_oberrhein.gpkg`;
const LAYERS = {
  lines: 'feeders',
  buses: 'poles',
  substations: 'substations',
  switches: 'switches',
  transformers: 'transformers',
  loads: 'meters',
};

let dir;
let server;
let browser;
const problems = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'gridtiles-real-'));
  mkdirSync(join(dir, 'data'));
  for (const [table, served] of Object.entries(LAYERS)) {
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', join(dir, 'data', `${served}.geojson`), GPKG, table]);
  }
  // The checked-in configuration, pointed at the GeoJSON files (no GDAL dataset, no select).
  const config = readFileSync(`${REPO}data/real/mv_oberrhein.toml`, 'utf8')
    .replace(/^dir = .*$/m, `dir = ${JSON.stringify(join(dir, 'data'))}`)
    .replace(/\[data\.select\][^[]*/s, '');
  writeFileSync(join(dir, 'gridtiles.toml'), config);
  server = await startServer(['--config', join(dir, 'gridtiles.toml')]);
  browser = await launch({ width: 1280, height: 800 });
  watchPage(browser.page, new URL(server.url).origin, problems);
  await browser.page.goto(server.url);
  await browser.page.waitForFunction(() => window.gridtiles?.ready === true, null, { timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the operations page draws a utility network with its quality findings', async () => {
  const { page } = browser;
  const tilejson = await (await fetch(`${server.url}/tiles.json`)).json();
  const quality = await (await fetch(`${server.url}/api/quality`)).json();
  assert.ok(quality.total > 0, JSON.stringify(quality.counts));
  // Fit the network, then count what MapLibre drew.
  const drawn = await page.evaluate(
    (b) =>
      new Promise((resolve) => {
        const map = window.gridtiles.map;
        map.once('idle', () => {
          const count = (layer) => map.queryRenderedFeatures({ layers: [layer] }).length;
          resolve({ feeders: count('feeders'), quality: count('quality') });
        });
        map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { animate: false, padding: 20 });
      }),
    tilejson.bounds,
  );
  assert.ok(drawn.feeders > 0, JSON.stringify(drawn));
  assert.ok(drawn.quality > 0, JSON.stringify(drawn));
  assert.ok(await page.$('input[data-group="quality"]'), 'a quality toggle');
  const substations = await (await fetch(`${server.url}/api/substations/status`)).json();
  assert.equal(substations.substations.length, 2);
  await page.screenshot({ path: `${ARTIFACTS}/real-grid.png` });
  assert.deepEqual(problems, []);
});
