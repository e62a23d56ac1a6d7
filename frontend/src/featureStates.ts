// Feature-state on the map: the live status pushed by /api/events, the traced assets and the
// hovered feature. Kept here as well as on the map, so a theme switch (a new style) can put
// every state back.

import type { Map as MlMap } from 'maplibre-gl';
import { SOURCE } from './map';
import type { FeatureState, Plan } from './liveState';
import type { TraceIds } from './api';

/** Trace result lists → the map layers their ids live in. */
const TRACE_LAYERS: [keyof TraceIds, string][] = [
  ['substations', 'substations'],
  ['spans', 'feeders'],
  ['poles', 'poles'],
  ['switches', 'switches'],
  ['transformers', 'transformers'],
  ['meters', 'meters'],
];

/** At most this many assets are highlighted by one trace. */
export const MAX_TRACED = 50_000;

const key = (layer: string, id: number) => `${layer}:${id}`;

export class FeatureStates {
  private readonly live = new Map<string, { layer: string; id: number; state: FeatureState }>();
  private traced: { layer: string; id: number }[] = [];

  constructor(private readonly map: MlMap) {}

  /** Applies a change event's plan (tiles are handled by the caller). */
  applyPlan(plan: Plan): void {
    for (const { layer, id } of plan.remove) {
      this.live.delete(key(layer, id));
      this.map.removeFeatureState({ source: SOURCE, sourceLayer: layer, id });
    }
    for (const { layer, id, state } of plan.set) {
      this.live.set(key(layer, id), { layer, id, state });
      this.map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, state);
    }
  }

  /** Forgets the live states (after a reset: the tiles are reloaded with the truth). */
  clearLive(): void {
    for (const { layer, id } of this.live.values()) {
      this.map.removeFeatureState({ source: SOURCE, sourceLayer: layer, id });
    }
    this.live.clear();
  }

  /** Highlights a trace's assets (replacing the previous trace); returns how many. */
  setTraced(ids: TraceIds): number {
    this.clearTraced();
    for (const [list, layer] of TRACE_LAYERS) {
      for (const id of ids[list] ?? []) {
        if (this.traced.length >= MAX_TRACED) break;
        this.traced.push({ layer, id });
      }
    }
    for (const { layer, id } of this.traced) {
      this.map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, { traced: true });
    }
    return this.traced.length;
  }

  /** Highlights any assets (a selection from a list; replaces the trace); returns how many. */
  setHighlighted(items: { layer: string; id: number }[]): number {
    this.clearTraced();
    this.traced = items.slice(0, MAX_TRACED);
    for (const { layer, id } of this.traced) {
      this.map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, { traced: true });
    }
    return this.traced.length;
  }

  /** Removes the trace highlight. */
  clearTraced(): void {
    for (const { layer, id } of this.traced) {
      this.map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, { traced: false });
    }
    this.traced = [];
  }

  /** Puts every state back (after a style change). */
  restore(): void {
    if (!this.map.getSource(SOURCE)) return;
    for (const { layer, id, state } of this.live.values()) {
      this.map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, state);
    }
    for (const { layer, id } of this.traced) {
      this.map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, { traced: true });
    }
  }
}
