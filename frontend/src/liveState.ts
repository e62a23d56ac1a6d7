// Pure bookkeeping of the live status the page layers over the tiles: which feature-state
// each change event sets or removes, and which tiles must be fetched again. No DOM and no
// map here, so it is tested directly (test/live-state.test.mjs runs the compiled module).

/** One asset change of an `/api/events` `change` event. */
export interface AssetChange {
  layer: string;
  id: number;
  kind: 'insert' | 'update' | 'delete';
  attributes: Record<string, unknown>;
  geometry_changed: boolean;
}

/** A `change` event (`crate::live::ChangeEvent`). */
export interface ChangeEvent {
  version: number;
  changes: AssetChange[];
  changes_incomplete: boolean;
  invalidated_tiles: string[];
  tiles_incomplete: boolean;
  collapsed_zooms: number[];
  resync: boolean;
}

/** The feature-state of one feature. */
export type FeatureState = Record<string, string | number | boolean>;

/** What to do with the map for one event. */
export interface Plan {
  /** Feature-states to set, keyed by source layer and feature id. */
  set: { layer: string; id: number; state: FeatureState }[];
  /** Feature-states to remove (deleted assets). */
  remove: { layer: string; id: number }[];
  /** Tiles (`z/x/y`) to fetch again at the map's current tile zoom. */
  refetch: string[];
  /** Reload every tile of the source (the event's lists are incomplete). */
  reloadAll: boolean;
}

/** Zoom from which feeders are single spans (below, merged per feeder and status). */
export const SPAN_ZOOM = 14;

/** The attributes worth a feature-state: scalar values (null ones fall back to the tile). */
export function stateOf(attributes: Record<string, unknown>): FeatureState {
  const state: FeatureState = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') state[k] = v;
  }
  return state;
}

/**
 * The plan for `event` with the map at tile zoom `tileZoom`.
 *
 * Attribute changes recolour at once through feature-state. Tiles are fetched again only
 * where feature-state cannot show the change: an asset that appeared, disappeared or moved,
 * and, below z14, merged feeders (a span's status moves it to another merged group) and
 * thinned points.
 */
export function plan(event: ChangeEvent, tileZoom: number): Plan {
  const out: Plan = { set: [], remove: [], refetch: [], reloadAll: false };
  let structural = false;
  for (const c of event.changes) {
    if (c.kind === 'delete') {
      out.remove.push({ layer: c.layer, id: c.id });
      structural = true;
    } else {
      out.set.push({ layer: c.layer, id: c.id, state: stateOf(c.attributes) });
      structural ||= c.kind === 'insert' || c.geometry_changed;
    }
  }
  const needTiles = structural || tileZoom < SPAN_ZOOM || event.changes_incomplete;
  if (!needTiles) return out;
  if (event.tiles_incomplete || event.changes_incomplete || event.collapsed_zooms.includes(tileZoom)) {
    out.reloadAll = true;
    return out;
  }
  const prefix = `${tileZoom}/`;
  out.refetch = event.invalidated_tiles.filter((t) => t.startsWith(prefix));
  return out;
}

/** Parses `z/x/y` out of a tile URL (`…/tiles/z/x/y.mvt…`), or null. */
export function tileKeyOfUrl(url: string): string | null {
  const m = /\/tiles\/(\d+)\/(\d+)\/(\d+)\.mvt/.exec(url);
  return m ? `${m[1]}/${m[2]}/${m[3]}` : null;
}

/**
 * Tiles whose cached copy in the browser is stale: the next request for each bypasses the
 * HTTP cache (tiles may be cached for a minute, `server.cache_control`). Bounded: past `cap`
 * entries, or for an incomplete event, every tile request revalidates for `windowMs`.
 */
export class StaleTiles {
  private readonly keys = new Set<string>();
  private revalidateAllUntil = 0;

  constructor(
    private readonly cap = 20_000,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks the tiles of an event stale. */
  add(event: ChangeEvent): void {
    let overflow = event.tiles_incomplete || event.changes_incomplete;
    for (const t of event.invalidated_tiles) {
      if (this.keys.size >= this.cap) {
        overflow = true;
        break;
      }
      this.keys.add(t);
    }
    if (overflow) this.revalidateAll();
  }

  /** Every tile request revalidates for the window (after a reset or a huge change). */
  revalidateAll(): void {
    this.keys.clear();
    this.revalidateAllUntil = this.now() + this.windowMs;
  }

  /** Whether a request for `url` must bypass the HTTP cache (and forgets the tile). */
  take(url: string): boolean {
    const key = tileKeyOfUrl(url);
    if (key === null) return false;
    return this.keys.delete(key) || this.now() < this.revalidateAllUntil;
  }
}

/** A tile address. */
export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

/** Tiles are fetched again at most this often (milliseconds). */
export const REFRESH_INTERVAL_MS = 750;

/**
 * Coalesces tile refetches: the tiles of the events of one interval are fetched in one
 * refresh, and a refresh waits until the map has loaded the tiles of the last one (at most
 * one extra wait). So the map reaches idle between refreshes even when changes arrive faster
 * than tiles load — at territory zoom every change touches the tiles in view — and the
 * browser never queues the same tile twice.
 */
export class RefreshQueue {
  private readonly pending = new Map<string, TileAddress>();
  private everything = false;
  private scheduled = false;

  constructor(
    /** Fetches these tiles again, or every tile (`null`). */
    private readonly refresh: (tiles: TileAddress[] | null) => void,
    /** True when the map has no tile loading. */
    private readonly loaded: () => boolean,
    /** Calls back once the map has loaded (or after a bounded wait). */
    private readonly whenLoaded: (then: () => void) => void,
    private readonly intervalMs = REFRESH_INTERVAL_MS,
    private readonly setTimer: (then: () => void, ms: number) => void = (then, ms) => {
      setTimeout(then, ms);
    },
  ) {}

  /** Queues tiles (`z/x/y`). */
  add(keys: string[]): void {
    for (const k of keys) {
      const [z, x, y] = k.split('/').map(Number);
      if ([z, x, y].every(Number.isInteger)) this.pending.set(k, { z, x, y });
    }
    if (this.pending.size > 0) this.schedule();
  }

  /** Queues a reload of every tile. */
  addAll(): void {
    this.everything = true;
    this.schedule();
  }

  /** Tiles queued and not yet fetched (for tests). */
  get size(): number {
    return this.everything ? Infinity : this.pending.size;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.setTimer(() => this.flush(false), this.intervalMs);
  }

  private flush(waited: boolean): void {
    if (!waited && !this.loaded()) {
      this.whenLoaded(() => this.flush(true));
      return;
    }
    this.scheduled = false;
    const all = this.everything;
    const tiles = [...this.pending.values()];
    this.everything = false;
    this.pending.clear();
    if (all) this.refresh(null);
    else if (tiles.length > 0) this.refresh(tiles);
  }
}
