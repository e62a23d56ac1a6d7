#!/usr/bin/env node
// Front-end load: time from navigation to the first tiles drawn and to the whole initial view
// (every tile loaded and drawn), and the bytes on the wire, for the whole territory and for a
// zoom-in to street level (z16 over the city centre). Headless Debian Chromium
// (playwright-core, fresh profile per run, 1280×800) against the release server with the demo
// grid, counting every response's encoded size (headers + body) from CDP network events.
//
//   (cd frontend && npm ci && npm run build) && cargo build --release
//   node benches/frontend_load.mjs [--runs N] [--workspaces-only]
//   (GRIDTILES_BIN=target/debug/gridtiles to run against another server binary)
//
// Each run starts a new server (cold tile cache) and a new browser profile (cold HTTP cache);
// a second page load on the same server measures a warm server with a cold browser.
//
// Then the operator workspaces: time to interactive of each workspace opened from its deep
// link (navigation → the map idle and the workspace showing its data), cold and warm server,
// and the time of a workspace switch (click in the navigation → the new workspace showing its
// data; the map and the event stream stay). Targets: first workspace ≤ 1.5 s, switch ≤ 300 ms.
// Last, the bundle sizes (brotli) of the first view and of each lazily loaded chunk.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { startServer, REPO } from '../frontend/test/server.mjs';
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

const workspacesOnly = process.argv.includes('--workspaces-only');
const results = { cold: [], warm: [] };
for (let i = 0; i < (workspacesOnly ? 0 : runs); i++) {
  const server = await startServer();
  try {
    results.cold.push(await loadOnce(server.url));
    results.warm.push(await loadOnce(server.url));
  } finally {
    await server.stop();
  }
}

for (const [label, rs] of Object.entries(results)) {
  if (rs.length === 0) continue;
  console.log(`\n${label} server, cold browser (${rs.length} runs, median):`);
  const r = rs[0];
  console.log(`  initial view z${median(rs.map((x) => x.zoom)).toFixed(1)}: first tiles drawn ${median(rs.map((x) => x.firstMs)).toFixed(0)} ms, ` +
    `all tiles drawn ${median(rs.map((x) => x.readyMs)).toFixed(0)} ms after navigation`);
  console.log(`    bytes: total ${kb(median(rs.map((x) => sum(x.initial.bytes))))}; ` +
    Object.keys(r.initial.bytes).sort().map((k) => `${k} ${kb(median(rs.map((x) => x.initial.bytes[k] ?? 0)))} (${r.initial.counts[k]} requests)`).join(', '));
  console.log(`  zoom to street level (z16): all tiles drawn in ${median(rs.map((x) => x.streetMs)).toFixed(0)} ms, ` +
    `bytes ${kb(median(rs.map((x) => sum(x.street.bytes))))} (${sum(r.street.counts)} requests)`);
}
if (!workspacesOnly) console.log('\nold system: 2.1 s cold end-to-end load, 2.8 MB feeder payload');

// --- workspaces ---------------------------------------------------------------------------

/** Deep links and the selector that says the workspace shows its data. */
async function workspaces(url) {
  const j = async (p) => (await fetch(`${url}${p}`)).json();
  const meter = (await j('/ogc/collections/meters/items?limit=1')).features[0].id;
  const pole = (await j('/ogc/collections/poles/items?limit=1')).features[0].id;
  const crew = (await j('/api/crews')).crews[0].id;
  return [
    { name: 'operations', path: '/operations', ready: '#kpis[data-updated] .kpi-value' },
    { name: 'outages', path: '/outages', ready: '[data-testid="outages"] tbody tr, .ws[data-workspace="outages"] .muted' },
    { name: 'ami', path: `/ami/meter/${meter}?bucket=1h`, switchPath: '/ami', ready: '[data-testid="ami-profile"] canvas, .ws[data-workspace="ami"] p.muted' },
    { name: 'assets', path: `/assets/${pole}`, switchPath: '/assets', ready: '.ws[data-workspace="assets"] [data-state], .ws[data-workspace="assets"] [data-testid="health-histogram"]' },
    { name: 'field', path: `/field/crews/${crew}`, switchPath: '/field', ready: '[data-testid="crews"] tbody tr' },
    { name: 'assistant', path: '/assistant?q=customers%20out%20now', switchPath: '/assistant', ready: '.ws[data-workspace="assistant"] input[type="search"]' },
  ];
}

/** Navigation → map idle and the workspace's data shown, in ms since navigation start. */
async function interactive(page, url, w) {
  await page.goto(`${url}${w.path}`);
  const h = await page.waitForFunction(
    (sel) => (window.gridtiles?.ready === true && document.querySelector(sel) ? performance.now() : false),
    w.ready,
    { polling: 'raf', timeout: 60_000 },
  );
  return h.jsonValue();
}

/** Click in the navigation → the workspace's data shown (ms), in one page. */
async function switchTime(page, w) {
  return page.evaluate(
    async ([name, sel]) => {
      const t0 = performance.now();
      document.querySelector(`.ws-nav a[data-workspace="${name}"]`).click();
      while (!(document.querySelector(`.ws[data-workspace="${name}"]`) && document.querySelector(sel))) {
        if (performance.now() - t0 > 20_000) return NaN;
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now() - t0;
    },
    [w.name, w.ready],
  );
}

const tti = { cold: {}, warm: {} };
const switches = {};
for (let i = 0; i < runs; i++) {
  const server = await startServer();
  try {
    const list = await workspaces(server.url);
    for (const w of list) {
      // Cold: a fresh server for the first workspace of the run, fresh browser each time.
      for (const label of ['cold', 'warm']) {
        const b = await launch();
        try {
          const ms = await interactive(b.page, server.url, w);
          (tti[label][w.name] ??= []).push(ms);
          console.log(`  ${w.name} ${label}: ${ms.toFixed(0)} ms`);
        } finally {
          await b.close();
        }
      }
    }
    const b = await launch();
    try {
      await interactive(b.page, server.url, list[0]);
      // Twice round: the first visit of a workspace loads its chunk, the second does not.
      for (const round of ['first visit', 'again']) {
        for (const w of [...list.slice(1), list[0]]) {
          const ms = await switchTime(b.page, w);
          (switches[`${w.name} (${round})`] ??= []).push(ms);
          console.log(`  switch to ${w.name} (${round}): ${ms.toFixed(0)} ms`);
        }
      }
    } finally {
      await b.close();
    }
  } finally {
    await server.stop();
  }
}
console.log(`\nworkspaces: time to interactive from the deep link (median of ${runs}; target ≤ 1500 ms)`);
console.log('  (cold: the first load of the workspace on a server started for this run; warm: again)');
for (const name of Object.keys(tti.cold)) {
  console.log(`  ${name.padEnd(11)} cold ${median(tti.cold[name]).toFixed(0)} ms, warm ${median(tti.warm[name]).toFixed(0)} ms`);
}
console.log('workspace switch, click → data shown (median; target ≤ 300 ms):');
for (const [k, v] of Object.entries(switches)) console.log(`  ${k.padEnd(26)} ${median(v).toFixed(0)} ms`);

// --- bundle sizes -------------------------------------------------------------------------
const dist = `${REPO}frontend/dist`;
const html = readFileSync(`${dist}/index.html`, 'utf8');
const entry = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
const br = (f) => {
  try {
    return statSync(`${dist}/${f}.br`).size;
  } catch {
    return statSync(`${dist}/${f}`).size;
  }
};
const first = ['index.html', ...entry].reduce((n, f) => n + br(f), 0);
console.log(`\nbundle (brotli): first view ${kb(first)} (index.html + ${entry.join(' + ')}; target ≤ 350 kB)`);
for (const f of readdirSync(`${dist}/assets`).filter((f) => /\.(js|css)$/.test(f) && !entry.includes(`assets/${f}`)).sort()) {
  console.log(`  lazy ${f}: ${kb(br(`assets/${f}`))}`);
}
