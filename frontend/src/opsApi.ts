// Typed calls for the operations-center endpoints (OPS_API.md) and the existing grid status
// endpoints the workspaces read. Endpoints that a server may not have yet are read through
// `optional`, which turns a 404 into `null` so a workspace can say "not available".

import { ApiError, getJson } from './api';

const qs = (params: Record<string, string | number | boolean | null | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** The result of `call`, or null when the server answers 404 (endpoint or id unknown). */
export async function optional<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export interface Etr {
  time: string;
  minutes_remaining: number;
  median_minutes: number;
  p90_minutes: number;
  confidence: 'high' | 'medium' | 'low';
  basis: string;
  sample_size: number;
}

/** One outage (`/api/outages`); the fallback list fills only what the layer has. */
export interface Outage {
  id: number;
  feeder_id: number | null;
  feeder_name?: string | null;
  substation_id: number | null;
  substation_name?: string | null;
  device_id: number | null;
  device_kind?: string | null;
  cause: string | null;
  customers_out: number;
  start_time: string | null;
  duration_s?: number;
  status: string;
  crew_id: number | null;
  crew_name?: string | null;
  lon: number | null;
  lat: number | null;
  etr?: Etr | null;
}

export interface OutageList {
  outages: Outage[];
  count: number;
  truncated: boolean;
  version?: number;
  now?: string;
}

export interface OutageDetail extends Outage {
  trace?: { devices_to_open: number[]; de_energized: Record<string, number[]>; customer_count: number };
}

export interface DispatchResult {
  outage_id: number;
  crew_id: number;
  crew_status: string;
  outage_status: string;
  version: number;
}

export interface Crew {
  id: number;
  name: string | null;
  lon: number | null;
  lat: number | null;
  status: string | null;
  assignment: { outage_id: number; feeder_id: number | null; outage_status: string | null } | null;
  substation_id: number | null;
  substation_name: string | null;
  time_on_task_s?: number | null;
}

export interface SubstationStatus {
  id: number;
  name: string | null;
  feeders_energized: number;
  feeders_partially_energized: number;
  feeders_de_energized: number;
  spans_de_energized: number;
  transformers_de_energized: number;
  load_mw: number;
  active_outages: number;
  customers_out_now: number;
}

export interface AbnormalSwitch {
  id: number;
  name: string | null;
  device_type: string | null;
  feeder_id: number | null;
  substation_id: number | null;
  normal_state: string | null;
  current_state: string | null;
  status: string | null;
}

export interface TrendBucket {
  start: string;
  count: number;
  customers_interrupted: number;
  customer_minutes: number;
  groups?: Record<string, { count: number; customers_interrupted: number; customer_minutes: number }>;
}

export interface MonthKpi {
  month: string;
  saidi: number;
  saifi: number;
  caidi: number;
  saidi_excl_med: number;
  saifi_excl_med: number;
  customers_interrupted: number;
  customer_minutes: number;
  med_days: number;
}

export interface WorstFeeder {
  feeder_id: number;
  feeder_name: string | null;
  substation_id: number | null;
  substation_name: string | null;
  customer_minutes: number;
  interruptions: number;
  customers_interrupted: number;
  saidi: number;
  saifi: number;
}

export interface TransformerLoading {
  id: number;
  feeder_id: number | null;
  substation_id: number | null;
  kva: number;
  peak_kw: number;
  peak_time: string;
  loading_pct: number;
  meters: number;
}

export interface ClassConsumption {
  class: string;
  meters: number;
  kwh: number;
  peak_kw: number;
}

export interface HealthBin {
  from: number;
  to: number;
  count: number;
}

export interface WorstAsset {
  id: number;
  layer: string;
  feeder_id: number | null;
  health_score: number | null;
  load_pct: number | null;
  lon: number;
  lat: number;
  [attribute: string]: unknown;
}

export interface SearchResult {
  kind: 'asset' | 'feeder' | 'substation' | 'crew' | 'outage';
  id: number;
  layer: string | null;
  label: string;
  lon: number;
  lat: number;
  bbox: [number, number, number, number] | null;
}

export type AssistantAnswer =
  | {
      question: string;
      understood: true;
      intent: string;
      answer: { columns: string[]; rows: unknown[][] };
      highlight: { ids: number[]; bbox: [number, number, number, number] | null };
      calls: string[];
    }
  | { question: string; understood: false; suggestions: string[] };

export type AmiQuery = { scope: 'meter' | 'transformer' | 'feeder' | 'substation' | 'system'; id: number | null };

/** A GeoJSON feature of the OGC API items of a layer. */
export interface OgcFeature {
  id: number;
  geometry: { type: string; coordinates: number[] } | null;
  properties: Record<string, unknown>;
}

export const opsApi = {
  outages: (p: { status?: string; feeder?: number; substation?: number; limit?: number } = {}) =>
    getJson<OutageList>(`/api/outages${qs(p)}`),
  outage: (id: number) => getJson<OutageDetail>(`/api/outages/${id}`),
  isolate: (device: number) =>
    getJson<{ ids: Record<string, number[]>; customer_count?: number; truncated?: boolean }>(
      `/api/trace/${device}?direction=isolate`,
    ),
  dispatch: async (outage: number, crew: number): Promise<DispatchResult> => {
    const res = await fetch(`/api/outages/${outage}/dispatch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ crew_id: crew }),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body && typeof body.error === 'string' ? body.error : res.statusText);
    return body as DispatchResult;
  },
  crews: () => getJson<{ crews: Crew[]; count: number; truncated: boolean; version: number }>('/api/crews'),
  substations: () => getJson<{ substations: SubstationStatus[] }>('/api/substations/status'),
  abnormalSwitches: () =>
    getJson<{ switches: AbnormalSwitch[]; count: number; truncated: boolean }>('/api/switches/abnormal'),
  trends: (bucket: 'day' | 'week' | 'month', from?: string, to?: string) =>
    getJson<{ buckets: TrendBucket[]; truncated: boolean }>(`/api/outages/trends${qs({ bucket, by: 'cause', from, to })}`),
  kpiMonthly: (from?: string, to?: string) => getJson<{ months: MonthKpi[] }>(`/api/kpi/monthly${qs({ from, to })}`),
  worstFeeders: (limit = 10) =>
    getJson<{ feeders: WorstFeeder[]; count: number; truncated: boolean }>(`/api/outages/worst-feeders${qs({ limit })}`),
  amiHistory: (q: AmiQuery, bucket: string, from?: string, to?: string) =>
    getJson<{ meters: number; bucket: string; buckets: { start: string; kwh: number; peak_kw: number }[] }>(
      `/api/ami/history${qs({ ...(q.scope === 'system' ? { system: true } : { [q.scope]: q.id }), bucket, from, to })}`,
    ),
  transformerLoading: (limit = 50) =>
    getJson<{ transformers: TransformerLoading[]; count: number; truncated: boolean }>(
      `/api/ami/transformers/loading${qs({ limit })}`,
    ),
  consumptionByClass: () => getJson<{ classes: ClassConsumption[] }>('/api/ami/consumption/by-class'),
  healthDistribution: (layer: 'poles' | 'transformers', bins = 10) =>
    getJson<{ layer: string; bins: HealthBin[]; count: number; mean: number; median: number }>(
      `/api/assets/health/distribution${qs({ layer, bins })}`,
    ),
  worstAssets: (layer: 'poles' | 'transformers', by: 'health' | 'load', limit = 50) =>
    getJson<{ assets: WorstAsset[]; count: number; truncated: boolean }>(`/api/assets/worst${qs({ layer, by, limit })}`),
  healthHistory: (id: number) =>
    getJson<{ id: number; days: { date: string; health_score: number }[] }>(`/api/assets/${id}/health/history`),
  search: (q: string, limit = 20) =>
    getJson<{ results: SearchResult[]; count: number; truncated: boolean }>(`/api/search${qs({ q, limit })}`),
  assistant: (q: string) => getJson<AssistantAnswer>(`/api/assistant${qs({ q })}`),
  layerItems: (layer: string, limit = 1000) =>
    getJson<{ features: OgcFeature[] }>(`/ogc/collections/${layer}/items${qs({ limit })}`),
};
