// Starts the gridtiles binary (release, or GRIDTILES_BIN) on a free loopback port (port 0, read back from the
// JSON "listening" log line) with the demo grid, the built front end and styles/; stops it
// with SIGTERM. Shared by the browser test and benches/frontend_load.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Path of the server binary: `GRIDTILES_BIN` if set (e.g. `target/debug/gridtiles` while
 * developing), else the release binary (CARGO_TARGET_DIR honoured).
 */
export function binary() {
  if (process.env.GRIDTILES_BIN) return resolve(process.env.GRIDTILES_BIN);
  const target = process.env.CARGO_TARGET_DIR ?? `${REPO}target`;
  return `${target}/release/gridtiles`;
}

/**
 * Starts the server; resolves to `{ url, stop, log }` once it listens.
 * @param {string[]} extraArgs more `serve` flags (e.g. `--simulate`)
 * @param {{timeoutMs?: number, env?: Record<string, string>, staticDir?: string}} options `env`:
 *   more environment variables for the server (e.g. `GRIDTILES_SIMULATE__MAX_OUTAGES`);
 *   `staticDir`: the front end's directory (default `frontend/dist`)
 */
export async function startServer(extraArgs = [], { timeoutMs = 120_000, env = {}, staticDir } = {}) {
  const bin = binary();
  if (!existsSync(bin)) throw new Error(`no server binary at ${bin}: run cargo build --release (or set GRIDTILES_BIN)`);
  const args = [
    'serve',
    '--listen', '127.0.0.1:0',
    '--log-format', 'json',
    '--static-dir', staticDir ?? `${REPO}frontend/dist`,
    '--styles-dir', `${REPO}styles`,
    ...extraArgs,
  ];
  const child = spawn(bin, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen in time:\n${log}`)), timeoutMs);
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
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  // Keep reading so the pipes never fill.
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return { url, stop, log: () => log, child };
}
