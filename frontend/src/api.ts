// Typed calls to the gridtiles Grid API (same origin). Every call rejects with the server's
// `{"error": "..."}` message on a non-2xx answer.

/** One asset from `/api/assets/{id}`. */
export interface Asset {
  id: number;
  layer: string;
  properties: Record<string, unknown>;
  geometry: unknown;
  feeder: { id: number; name: string | null } | null;
  substation: { id: number; name: string | null } | null;
  energized_from: number | null;
}

/** Asset ids per layer, as `/api/trace/{id}` lists them. */
export interface TraceIds {
  substations?: number[];
  spans?: number[];
  poles?: number[];
  switches?: number[];
  transformers?: number[];
  meters?: number[];
}

/** `/api/trace/{id}`. */
export interface Trace {
  direction: string;
  ids: TraceIds;
  customer_count?: number;
  truncated?: boolean;
}

/** Crews by status (`/api/kpi`'s `crews`; null while the data has no crews layer). */
export interface CrewCounts {
  available: number;
  dispatched: number;
  on_site: number;
  total: number;
}

/** `/api/kpi`. */
export interface Kpi {
  indices: { saidi_min: number; saifi: number; caidi_min: number };
  active_outages: number;
  customers_out_now?: number;
  customers_out?: number;
  total_load_mw: number;
  crews?: CrewCounts | null;
}

/** One bucket of `/api/ami/history`. */
export interface AmiBucket {
  start: string;
  kwh: number;
  peak_kw: number;
}

/** `/api/ami/history`. */
export interface AmiHistory {
  meters: number;
  bucket: string;
  buckets: AmiBucket[];
}

/** GETs `path` and parses its JSON body. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, signal });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message = body && typeof body.error === 'string' ? body.error : res.statusText;
    throw new ApiError(res.status, message);
  }
  return body as T;
}

/** A non-2xx answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const api = {
  asset: (id: number, signal?: AbortSignal) => getJson<Asset>(`/api/assets/${id}`, signal),
  trace: (id: number, direction: 'upstream' | 'downstream', signal?: AbortSignal) =>
    getJson<Trace>(`/api/trace/${id}?direction=${direction}`, signal),
  kpi: () => getJson<Kpi>('/api/kpi'),
  ami: (kind: 'meter' | 'transformer', id: number, signal?: AbortSignal) =>
    getJson<AmiHistory>(`/api/ami/history?${kind}=${id}&bucket=1h`, signal),
};
