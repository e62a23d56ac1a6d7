// The details panel: a click on an asset loads /api/assets/{id} and shows its attributes,
// feeder and substation, upstream/downstream trace buttons (highlighted with feature-state,
// no tile reload) and, for a meter or transformer, its AMI chart (chart.ts, loaded on demand).
// Escape closes it.

import type { MapGeoJSONFeature, Map as MlMap } from 'maplibre-gl';
import { api, ApiError, type Asset } from './api';
import type { FeatureStates } from './featureStates';
import { pick } from './interaction';

/** Layers whose assets the topology traces from. */
const TRACEABLE = new Set(['feeders', 'switches', 'transformers', 'poles', 'meters', 'substations']);

export class DetailsPanel {
  private abort: AbortController | null = null;

  constructor(
    map: MlMap,
    private readonly panel: HTMLElement,
    private readonly states: FeatureStates,
  ) {
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.panel.hidden) this.close();
    });
    map.on('click', (e) => {
      const f = pick(map, e.point);
      if (f) void this.show(f);
      else this.close();
    });
  }

  /** Opens the panel for a clicked feature. */
  async show(f: MapGeoJSONFeature): Promise<void> {
    const id = Number(f.id);
    const layer = f.sourceLayer ?? '';
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.panel.hidden = false;
    this.panel.dataset.assetId = String(id);
    this.panel.replaceChildren(heading(`${layer} ${id}`), text('loading…'));
    let asset: Asset | null = null;
    try {
      asset = await api.asset(id, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return;
      // Merged low-zoom feeders carry the feeder id, not an asset id: show the tile's data.
      if (!(err instanceof ApiError && err.status === 404)) {
        this.panel.replaceChildren(heading(`${layer} ${id}`), text(`error: ${String(err)}`));
        return;
      }
    }
    if (abort.signal.aborted) return;
    const props = asset?.properties ?? (f.properties as Record<string, unknown>);
    const title = asset ? `${asset.layer} ${asset.id}` : `${layer} ${id} (zoom in for spans)`;
    const children: Node[] = [closeButton(() => this.close()), heading(title)];
    if (asset?.feeder) children.push(text(`feeder: ${asset.feeder.name ?? asset.feeder.id}`));
    if (asset?.substation) children.push(text(`substation: ${asset.substation.name ?? asset.substation.id}`));
    children.push(table({ ...props, ...(f.state ?? {}) }));
    if (asset && TRACEABLE.has(asset.layer)) children.push(this.traceButtons(asset.id));
    this.panel.replaceChildren(...children);
    if (asset && (asset.layer === 'meters' || asset.layer === 'transformers')) {
      await this.chart(asset.layer === 'meters' ? 'meter' : 'transformer', asset.id, abort);
    }
  }

  /** Closes the panel and clears the trace. */
  close(): void {
    this.abort?.abort();
    this.panel.hidden = true;
    delete this.panel.dataset.assetId;
    this.states.clearTraced();
  }

  private traceButtons(id: number): HTMLElement {
    const box = document.createElement('div');
    box.className = 'trace';
    const result = text('');
    result.className = 'trace-result';
    for (const direction of ['upstream', 'downstream'] as const) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `trace ${direction}`;
      b.dataset.direction = direction;
      b.addEventListener('click', async () => {
        result.textContent = 'tracing…';
        try {
          const t = await api.trace(id, direction);
          const n = this.states.setTraced(t.ids);
          const customers = t.customer_count !== undefined ? `, ${t.customer_count} customers` : '';
          result.textContent = `${direction}: ${n} assets${customers}${t.truncated ? ' (truncated)' : ''}`;
          this.panel.dataset.traced = String(n);
        } catch (err) {
          result.textContent = `trace failed: ${err instanceof Error ? err.message : String(err)}`;
        }
      });
      box.append(b);
    }
    const clear = document.createElement('button');
    clear.type = 'button';
    clear.textContent = 'clear';
    clear.addEventListener('click', () => {
      this.states.clearTraced();
      result.textContent = '';
    });
    box.append(clear, result);
    return box;
  }

  private async chart(kind: 'meter' | 'transformer', id: number, abort: AbortController): Promise<void> {
    const box = document.createElement('div');
    box.className = 'ami';
    box.append(heading('AMI, last day', 'h3'));
    this.panel.append(box);
    try {
      const [h, { amiChart }] = await Promise.all([api.ami(kind, id, abort.signal), import('./chart')]);
      if (abort.signal.aborted) return;
      box.append(amiChart(h.buckets));
    } catch (err) {
      if (!abort.signal.aborted) box.append(text(`no AMI data: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}

function heading(t: string, tag: 'h2' | 'h3' = 'h2'): HTMLElement {
  const h = document.createElement(tag);
  h.textContent = t;
  return h;
}

function text(t: string): HTMLElement {
  const p = document.createElement('p');
  p.textContent = t;
  return p;
}

function closeButton(onClose: () => void): HTMLElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'close';
  b.setAttribute('aria-label', 'close');
  b.textContent = '×';
  b.addEventListener('click', onClose);
  return b;
}

function table(props: Record<string, unknown>): HTMLElement {
  const t = document.createElement('table');
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || typeof v === 'object' || k === 'hover' || k === 'traced') continue;
    const row = t.insertRow();
    row.insertCell().textContent = k;
    row.insertCell().textContent = String(v);
  }
  return t;
}
