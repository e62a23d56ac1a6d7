// Typed calls for the operations-center endpoints (OPS_API.md) and the existing grid status
// endpoints the workspaces read. Endpoints that a server may not have yet are read through
// `optional`, which turns a 404 into `null` so a workspace can say "not available".

import { ApiError, getJson, type Schemas } from './api';

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

/** The server's TileJSON (`/tiles.json`), fetched once and shared. */
let tileJsonOnce: Promise<{ bounds?: [number, number, number, number]; vector_layers?: { id: string }[] } | null> | null =
  null;
export function tileJson() {
  tileJsonOnce ??= fetch('/tiles.json')
    .then((res) => (res.ok ? res.json() : null))
    .catch(() => null);
  return tileJsonOnce;
}

/**
 * Whether the server's data has the layer `name` (`/tiles.json`): a utility's own network
 * may have no live `outages` or `crews` layer, and the page then asks for neither. True
 * when the TileJSON cannot be read, or the page draws from an archive (the calls then say
 * for themselves).
 */
export async function serves(name: string): Promise<boolean> {
  // Drawing from an archive (`?archive=`), the page reads no tile route.
  if (new URLSearchParams(window.location.search).has('archive')) return true;
  const tj = await tileJson();
  return !tj?.vector_layers || tj.vector_layers.some((l) => l.id === name);
}

export type Etr = Schemas['EtrDoc'];
/** One outage (`/api/outages`); the fallback list (from the `outages` layer) fills what the layer has. */
export type Outage = Schemas['OutageDoc'];
export type OutageList = Schemas['OutageList'];
export type OutageDetail = Schemas['OutageDetail'];
export type DispatchResult = Schemas['DispatchDoc'];
export type Crew = Schemas['CrewDoc'];
export type SubstationStatus = Schemas['SubstationStatus'];
export type AbnormalSwitch = Schemas['AbnormalSwitch'];
export type TrendBucket = Schemas['TrendBucket'];
export type MonthKpi = Schemas['MonthDoc'];
export type WorstFeeder = Schemas['FeederDoc'];
export type TransformerLoading = Schemas['LoadingDoc'];
export type ClassConsumption = Schemas['ClassDoc'];
export type HealthBin = Schemas['Bin'];
export type WorstAsset = Schemas['WorstAsset'];
export type SearchResult = Schemas['Hit'];
export type AssistantAnswer = Schemas['AssistantDoc'];

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
    getJson<Schemas['TraceDoc']>(`/api/trace/${device}?direction=isolate`),
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
  crews: () => getJson<Schemas['CrewsDoc']>('/api/crews'),
  substations: () => getJson<Schemas['SubstationsDoc']>('/api/substations/status'),
  abnormalSwitches: () =>
    getJson<Schemas['AbnormalDoc']>('/api/switches/abnormal'),
  trends: (bucket: 'day' | 'week' | 'month', from?: string, to?: string) =>
    getJson<Schemas['TrendsDoc']>(`/api/outages/trends${qs({ bucket, by: 'cause', from, to })}`),
  kpiMonthly: (from?: string, to?: string) => getJson<Schemas['MonthlyDoc']>(`/api/kpi/monthly${qs({ from, to })}`),
  worstFeeders: (limit = 10) =>
    getJson<Schemas['WorstFeedersDoc']>(`/api/outages/worst-feeders${qs({ limit })}`),
  amiHistory: (q: AmiQuery, bucket: string, from?: string, to?: string) =>
    getJson<Schemas['HistoryDoc']>(
      `/api/ami/history${qs({ ...(q.scope === 'system' ? { system: true } : { [q.scope]: q.id }), bucket, from, to })}`,
    ),
  transformerLoading: (limit = 50) =>
    getJson<Schemas['LoadingListDoc']>(
      `/api/ami/transformers/loading${qs({ limit })}`,
    ),
  consumptionByClass: () => getJson<Schemas['ByClassDoc']>('/api/ami/consumption/by-class'),
  healthDistribution: (layer: 'poles' | 'transformers', bins = 10) =>
    getJson<Schemas['Distribution']>(
      `/api/assets/health/distribution${qs({ layer, bins })}`,
    ),
  worstAssets: (layer: 'poles' | 'transformers', by: 'health' | 'load', limit = 50) =>
    getJson<Schemas['WorstDoc']>(`/api/assets/worst${qs({ layer, by, limit })}`),
  healthHistory: (id: number) =>
    getJson<Schemas['HealthHistoryDoc']>(`/api/assets/${id}/health/history`),
  search: (q: string, limit = 20) =>
    getJson<Schemas['SearchResults']>(`/api/search${qs({ q, limit })}`),
  assistant: (q: string) => getJson<AssistantAnswer>(`/api/assistant${qs({ q })}`),
  layerItems: (layer: string, limit = 1000) =>
    getJson<{ features: OgcFeature[] }>(`/ogc/collections/${layer}/items${qs({ limit })}`),
};
