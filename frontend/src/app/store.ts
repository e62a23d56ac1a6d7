// The page's shared live state, read by every workspace: KPIs, the live feed, the open
// outages and the crews, the map selection and a one-second clock. Fed by the one
// EventSource (through `onChange`) and by polling; nothing here is reset when the workspace
// changes, so switching never drops live updates.

import { batch, signal } from '@preact/signals';
import { api, type Kpi } from '../api';
import { opsApi, serves, type Crew, type Outage } from '../opsApi';
import type { ChangeEvent } from '../liveState';
import { feedItems, type FeedItem } from './feed';

export const KPI_REFRESH_MS = 10_000;
export const MAX_FEED = 200;

export const kpi = signal<Kpi | null>(null);
export const kpiUpdated = signal<string | null>(null);
export const kpiStale = signal(false);
export const feed = signal<FeedItem[]>([]);
/** Open outages by id. */
export const outages = signal<Map<number, Outage>>(new Map());
/** Where the outage list comes from: the outages API, or the outages layer (fallback). */
export const outageSource = signal<'api' | 'layer' | 'none' | 'loading'>('loading');
export const crews = signal<Crew[]>([]);
export const crewsAvailable = signal<boolean | null>(null);
export const now = signal(Date.now());
export const liveVersion = signal<number | null>(null);

/** A selection made on the map (click) that the open workspace may take. */
export interface MapPick {
  layer: string;
  id: number;
  properties: Record<string, unknown>;
  at: number;
}
export const mapPick = signal<MapPick | null>(null);

async function refreshKpi(): Promise<void> {
  try {
    const k = await api.kpi();
    batch(() => {
      kpi.value = k;
      kpiUpdated.value = new Date().toISOString();
      kpiStale.value = false;
    });
  } catch {
    kpiStale.value = true;
  }
}

/** The outages layer's features as outages (when the server has no `/api/outages`). */
async function outagesFromLayer(): Promise<Outage[]> {
  const items = await opsApi.layerItems('outages', 1000);
  return items.features.map((f) => outageOfAttributes(Number(f.id), f.properties, f.geometry?.coordinates ?? null));
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v));

/** An outage from a layer's attributes (tile, OGC item or change event). */
export function outageOfAttributes(id: number, a: Record<string, unknown>, at: number[] | null): Outage {
  return {
    id,
    feeder_id: num(a.feeder_id),
    substation_id: num(a.substation_id),
    device_id: num(a.device_id),
    cause: typeof a.cause === 'string' ? a.cause : null,
    customers_out: num(a.customers_out) ?? 0,
    start_time: typeof a.start_time === 'string' ? a.start_time : null,
    status: typeof a.status === 'string' ? a.status : 'active',
    crew_id: num(a.crew_id),
    lon: at ? at[0] : null,
    lat: at ? at[1] : null,
    // What only /api/outages knows (names, the device's kind, the duration, the estimate).
    feeder_name: null,
    substation_name: null,
    device_kind: null,
    duration_s: null,
    crew_name: null,
    etr: null,
  };
}

export async function refreshOutages(): Promise<void> {
  if (!(await serves('outages'))) {
    outageSource.value = 'none';
    return;
  }
  try {
    const list = await opsApi.outages({ limit: 1000 });
    outageSource.value = 'api';
    outages.value = new Map(list.outages.map((o) => [o.id, o]));
    return;
  } catch {
    // No outages API on this server (404) or it failed: read the live layer instead.
  }
  try {
    const list = await outagesFromLayer();
    outageSource.value = 'layer';
    outages.value = new Map(list.map((o) => [o.id, o]));
  } catch {
    outageSource.value = 'none';
  }
}

export async function refreshCrews(): Promise<void> {
  if (!(await serves('crews'))) {
    crewsAvailable.value = false;
    return;
  }
  try {
    const c = await opsApi.crews();
    crews.value = c.crews;
    crewsAvailable.value = true;
  } catch {
    crewsAvailable.value = false;
  }
}

let crewTimer = 0;
let outageTimer = 0;
let kpiTimer = 0;
const later = (timer: number, f: () => void, ms: number) => {
  window.clearTimeout(timer);
  return window.setTimeout(f, ms);
};

/** Applies one change event to the shared state. */
export function onChange(event: ChangeEvent): void {
  const items = feedItems(event, Date.now());
  let outagesChanged = false;
  let crewsChanged = false;
  const next = new Map(outages.value);
  for (const c of event.changes) {
    if (c.layer === 'outages') {
      outagesChanged = true;
      if (c.kind === 'delete') next.delete(c.id);
      else {
        const old = next.get(c.id);
        const fresh = outageOfAttributes(c.id, c.attributes, null);
        next.set(c.id, old ? { ...old, ...pickDefined(c.attributes, fresh) } : fresh);
      }
    } else if (c.layer === 'crews') crewsChanged = true;
  }
  batch(() => {
    liveVersion.value = event.version;
    if (items.length > 0) feed.value = [...items.reverse(), ...feed.value].slice(0, MAX_FEED);
    if (outagesChanged) outages.value = next;
  });
  // The lists' other fields (names, ETR, positions) come from the APIs, re-read shortly.
  if (outagesChanged) outageTimer = later(outageTimer, () => void refreshOutages(), 400);
  if (crewsChanged) crewTimer = later(crewTimer, () => void refreshCrews(), 400);
  if (outagesChanged || crewsChanged) kpiTimer = later(kpiTimer, () => void refreshKpi(), 600);
}

/** The fields of `fresh` that the event's attributes actually carry. */
function pickDefined(attributes: Record<string, unknown>, fresh: Outage): Partial<Outage> {
  const out: Partial<Outage> = {};
  for (const k of Object.keys(attributes)) {
    if (k in fresh) (out as Record<string, unknown>)[k] = (fresh as unknown as Record<string, unknown>)[k];
  }
  return out;
}

/** Starts polling and the clock. */
export function startStore(): void {
  void refreshKpi();
  void refreshOutages();
  void refreshCrews();
  window.setInterval(refreshKpi, KPI_REFRESH_MS);
  window.setInterval(() => (now.value = Date.now()), 1000);
}
