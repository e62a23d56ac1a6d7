// Typed calls to the gridtiles Grid API (same origin). Every call rejects with the server's
// `{"error": "..."}` message on a non-2xx answer.

import type { components } from './generated/openapi';

/**
 * The response types of the API, generated at build time from the pinned OpenAPI document
 * (`tests/snapshots/openapi.json`, which `tests/api_openapi_snapshot.rs` keeps equal to the
 * served `/api/openapi.json`): a response shape that changes on the server fails this build
 * wherever the page reads a member that no longer exists or changed its type.
 */
export type Schemas = components['schemas'];

/** One asset from `/api/assets/{id}`. */
export type Asset = Schemas['AssetDoc'];
/** Asset ids per layer, as `/api/trace/{id}` lists them. */
export type TraceIds = Schemas['AssetIds'];
/** `/api/trace/{id}`. */
export type Trace = Schemas['TraceDoc'];
/** Crews by status (`/api/kpi`'s `crews`; null while the data has no crews layer). */
export type CrewCounts = Schemas['CrewCounts'];
/** `/api/kpi`. */
export type Kpi = Schemas['KpiDoc'];
/** One bucket of `/api/ami/history`. */
export type AmiBucket = Schemas['BucketDoc'];
/** `/api/ami/history`. */
export type AmiHistory = Schemas['HistoryDoc'];

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
