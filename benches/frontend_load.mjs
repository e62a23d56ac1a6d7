#!/usr/bin/env node
// Front-end load: time from navigation to the first tiles drawn and to the whole initial view
// (every tile loaded and drawn), and the bytes on the wire, for the whole territory and for a
// zoom-in to street level (z16 over the city centre). Headless Debian Chromium
// (playwright-core, fresh profile per run, 1280×800) against the release server with the demo
// grid, counting every response's encoded size (headers + body) from CDP network events.
//
//   (cd frontend && npm ci && npm run build) && cargo build --release
//   node benches/frontend_load.mjs [--runs N]
//
// Each run starts a new server (cold tile cache) and a new browser profile (cold HTTP cache);
// a second page load on the same server measures a warm server with a cold browser.
import { startServer } from '../frontend/test/server.mjs';
import { launch } from '../frontend/test/browser.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3) || 3;

function kind(url) {
  const p = new URL(url).pathname;
  if (p.startsWith('/tiles/')) return 'tiles';
  if (p.startsWith('/styles/') || p === '/tiles.json') return 'style';
  if (p.startsWith('/api/')) return 'api';
  return 'page';
}

/**
 * Records bytes per kind (encoded body + response headers, as on the wire) of every finished
 * request, the map's worker's tile requests included; `take()` returns and resets them.
 */
async function meter(page) {
  let bytes = {};
  let counts = {};
  const pending = [];
  page.on('requestfinished', (req) => {
    const url = req.url();
    if (!url.startsWith('http')) return;
    pending.push(
      req.sizes().then((s) => {
        const k = kind(url);
        bytes[k] = (bytes[k] ?? 0) + s.responseBodySize + s.responseHeadersSize;
        counts[k] = (counts[k] ?? 0) + 1;
      }),
    );
  });
  return {
    async take() {
      await Promise.all(pending.splice(0));
      const out = { bytes, counts };
      bytes = {};
      counts = {};
      return out;
    },
  };
}

async function firstTilesAndIdle(page) {
  // Milliseconds since navigation start (performance.timeOrigin).
  const first = await page.waitForFunction(
    () => {
      const map = window.gridtiles?.map;
      if (!map || !map.getLayer('feeders')) return false;
      return map.queryRenderedFeatures({ layers: ['feeders'] }).length > 0 ? performance.now() : false;
    },
    null,
    { polling: 'raf', timeout: 60_000 },
  );
  const firstMs = await first.jsonValue();
  await page.waitForFunction(() => window.gridtiles?.ready === true, null, { timeout: 60_000 });
  const readyMs = await page.evaluate(() => performance.now());
  return { firstMs, readyMs };
}

async function loadOnce(url) {
  const b = await launch();
  try {
    const m = await meter(b.page);
    await b.page.goto(url);
    const times = await firstTilesAndIdle(b.page);
    const initial = await m.take();
    const zoom = await b.page.evaluate(() => window.gridtiles.map.getZoom());
    // Street level: z16 over the middle of the territory.
    const t0 = Date.now();
    await b.page.evaluate(async () => {
      const map = window.gridtiles.map;
      const tj = await (await fetch('/tiles.json')).json();
      await new Promise((resolve) => {
        map.once('idle', resolve);
        map.jumpTo({ center: tj.center.slice(0, 2), zoom: 16 });
      });
    });
    const streetMs = Date.now() - t0;
    const street = await m.take();
    return { ...times, zoom, initial, streetMs, street };
  } finally {
    await b.close();
  }
}

const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = { cold: [], warm: [] };
for (let i = 0; i < runs; i++) {
  const server = await startServer();
  try {
    results.cold.push(await loadOnce(server.url));
    results.warm.push(await loadOnce(server.url));
  } finally {
    await server.stop();
  }
}

for (const [label, rs] of Object.entries(results)) {
  console.log(`\n${label} server, cold browser (${rs.length} runs, median):`);
  const r = rs[0];
  console.log(`  initial view z${median(rs.map((x) => x.zoom)).toFixed(1)}: first tiles drawn ${median(rs.map((x) => x.firstMs)).toFixed(0)} ms, ` +
    `all tiles drawn ${median(rs.map((x) => x.readyMs)).toFixed(0)} ms after navigation`);
  console.log(`    bytes: total ${kb(median(rs.map((x) => sum(x.initial.bytes))))}; ` +
    Object.keys(r.initial.bytes).sort().map((k) => `${k} ${kb(median(rs.map((x) => x.initial.bytes[k] ?? 0)))} (${r.initial.counts[k]} requests)`).join(', '));
  console.log(`  zoom to street level (z16): all tiles drawn in ${median(rs.map((x) => x.streetMs)).toFixed(0)} ms, ` +
    `bytes ${kb(median(rs.map((x) => sum(x.street.bytes))))} (${sum(r.street.counts)} requests)`);
}
console.log('\nold system: 2.1 s cold end-to-end load, 2.8 MB feeder payload');
