// Pure: the operator's live feed lines derived from `/api/events` change events (outage
// opened / restored / status, device operated, crew status and moves). Other asset updates
// (spans, meters recoloured by the same change) are summed into one line per event.

import type { ChangeEvent } from '../liveState';

export interface FeedItem {
  /** Receipt time (ms since the epoch): change events carry a version, not a time. */
  at: number;
  version: number;
  kind: 'outage' | 'restored' | 'device' | 'crew' | 'grid';
  text: string;
  layer: string;
  id: number;
}

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** The feed lines of one change event. */
export function feedItems(event: ChangeEvent, at: number): FeedItem[] {
  const out: FeedItem[] = [];
  const base = { at, version: event.version };
  const others = new Map<string, number>();
  for (const c of event.changes) {
    const a = c.attributes;
    if (c.layer === 'outages') {
      if (c.kind === 'insert') {
        const cause = a.cause ? ` (${str(a.cause)})` : '';
        out.push({ ...base, kind: 'outage', layer: c.layer, id: c.id,
          text: `Outage ${c.id} opened on feeder ${str(a.feeder_id)}${cause}: ${str(a.customers_out)} customers out` });
      } else if (c.kind === 'delete') {
        out.push({ ...base, kind: 'restored', layer: c.layer, id: c.id, text: `Outage ${c.id} restored` });
      } else if ('status' in a || 'crew_id' in a) {
        const crew = a.crew_id !== undefined && a.crew_id !== null ? `, crew ${str(a.crew_id)}` : '';
        out.push({ ...base, kind: 'outage', layer: c.layer, id: c.id,
          text: `Outage ${c.id}${'status' in a ? ` ${str(a.status)}` : ''}${crew}` });
      }
    } else if (c.layer === 'switches' && 'current_state' in a) {
      out.push({ ...base, kind: 'device', layer: c.layer, id: c.id, text: `Switch ${c.id} ${str(a.current_state)}` });
    } else if (c.layer === 'crews') {
      if ('status' in a) {
        out.push({ ...base, kind: 'crew', layer: c.layer, id: c.id, text: `Crew ${c.id} ${str(a.status).replace('_', ' ')}` });
      } else if (c.geometry_changed) {
        out.push({ ...base, kind: 'crew', layer: c.layer, id: c.id, text: `Crew ${c.id} moved` });
      }
    } else if (c.kind === 'update' && 'status' in a) {
      const k = `${c.layer} ${str(a.status)}`;
      others.set(k, (others.get(k) ?? 0) + 1);
    }
  }
  for (const [k, n] of others) {
    const [layer, status] = k.split(' ');
    out.push({ ...base, kind: 'grid', layer, id: 0, text: `${n} ${layer} now ${status}` });
  }
  return out;
}
