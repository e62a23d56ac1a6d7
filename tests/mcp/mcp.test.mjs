// gridtiles' /mcp through the official MCP TypeScript SDK client (StreamableHTTPClientTransport):
// starts the server binary on a free loopback port with the demo grid (scale 0.1) and token
// authentication on the api group, lists the tools and calls each one, comparing the values
// with the Grid API's own responses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'mcp-test-token-0123456789';
const target = process.env.CARGO_TARGET_DIR ?? `${REPO}target`;
const BIN = process.env.GRIDTILES_BIN ??
  [`${target}/release/gridtiles`, `${target}/debug/gridtiles`].find((p) => existsSync(p));

let child;
let base;
let client;

async function api(path) {
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200, path);
  return r.json();
}

async function call(name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  assert.equal(r.isError, false, `${name}: ${JSON.stringify(r.content)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

before(async () => {
  assert.ok(BIN, 'build the server first: cargo build --bin gridtiles');
  child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--log-format', 'json', '--scale', '0.1'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GRIDTILES_AUTH__API: 'token', GRIDTILES_AUTH__TOKENS: TOKEN },
  });
  let log = '';
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line:\n${log}`)), 120_000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = /"listening".*?"addr":"(127\.0\.0\.1:\d+)"/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  client = new Client({ name: 'gridtiles-mcp-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
  });
  await client.connect(transport);
});

after(async () => {
  await client?.close();
  child?.kill('SIGTERM');
});

test('the endpoint is in the api auth group', async () => {
  const r = await fetch(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 401);
});

test('lists the seven tools', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
    ['ami_history', 'asset', 'crews', 'kpi', 'outages', 'search', 'trace']);
  for (const t of tools) assert.equal(t.inputSchema.type, 'object');
  assert.equal(client.getServerVersion().name, 'gridtiles');
});

test('crews, search and asset agree with the API', async () => {
  const crews = await call('crews', { status: 'available' });
  const direct = await api('/api/crews?status=available');
  assert.equal(crews.count, direct.count);
  assert.ok(crews.count > 0);
  const crew = crews.crews[0];
  const found = await call('search', { q: crew.name, limit: 5 });
  assert.equal(found.results[0].id, crew.id);
  assert.equal(found.results[0].kind, 'crew');
  const asset = await call('asset', { id: crew.id });
  assert.equal(asset.layer, 'crews');
  assert.equal(asset.properties.name, crew.name);
  const missing = await client.callTool({ name: 'asset', arguments: { id: 7 } });
  assert.equal(missing.isError, true);
  assert.match(missing.content[0].text, /7/);
});

test('kpi, outages and trace agree with the API', async () => {
  const kpi = await call('kpi');
  const direct = await api('/api/kpi');
  assert.equal(kpi.customers_out_now, direct.customers_out_now);
  assert.equal(kpi.indices.saidi_min, direct.indices.saidi_min);
  const outages = await call('outages');
  assert.equal(outages.features.length, direct.active_outages);
  const o = outages.features[0];
  const onFeeder = await call('outages', { feeder: o.properties.feeder_id });
  assert.ok(onFeeder.features.every((f) => f.properties.feeder_id === o.properties.feeder_id));
  const device = o.properties.device_id;
  const trace = await call('trace', { id: device, direction: 'downstream' });
  const t = await api(`/api/trace/${device}?direction=downstream`);
  assert.equal(trace.customer_count, t.customer_count);
  assert.ok(trace.customer_count > 0);
});

test('ami_history of the system agrees with the API', async () => {
  const range = { from: '2025-07-01T06:00:00Z', to: '2025-07-02T06:00:00Z', bucket: '1h' };
  const sys = await call('ami_history', { system: true, ...range });
  assert.equal(sys.buckets.length, 24);
  assert.ok(sys.meters > 1000);
  const direct = await api(`/api/ami/history?system=true&from=${range.from}&to=${range.to}&bucket=1h`);
  assert.deepEqual(sys.buckets, direct.buckets);
  assert.ok(sys.buckets.every((b) => b.kwh > 0 && b.peak_kw > 0));
});
