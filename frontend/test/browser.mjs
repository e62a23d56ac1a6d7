// Headless Debian Chromium driven by playwright-core (never a downloaded browser), shared by
// the browser test and benches/frontend_load.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { liveRefusal } from './live-refusals.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Launches Chromium with a fresh user-data dir; `close()` removes it. */
export async function launch({ width = 1280, height = 800 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'gridtiles-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width, height },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}

/**
 * Records in `problems` what a page must never do: a console or page error, a request to
 * another origin, an error response (the live refusals of live-refusals.mjs excepted) and,
 * unless `failedRequests` is false, a failed request (the event stream's abort excepted).
 */
export function watchPage(page, origin, problems, { failedRequests = true } = {}) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const status = Number(/status of (\d+)/.exec(m.text())?.[1]);
    if (m.location()?.url && liveRefusal(status, m.location().url)) return;
    problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin) {
      problems.push(`foreign request: ${u}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !liveRefusal(r.status(), r.url())) problems.push(`${r.status()} ${r.url()}`);
  });
  if (!failedRequests) return;
  page.on('requestfailed', (r) => {
    if (!r.url().includes('/api/events')) problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
}
