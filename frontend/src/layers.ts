// Layer toggles and the legend. Style layers belong to a group (`metadata["gridtiles:group"]`
// in styles/), one checkbox per group; the legend's swatches come from the same palette the
// styles are generated from (scripts/theme.mjs), so they cannot drift apart.

import type { Map as MlMap } from 'maplibre-gl';
import { legend } from '../scripts/theme.mjs';
import type { Theme } from './config';

/** The sprite's SVG symbols (the sources of /sprites/gridtiles), bundled for the legend. */
const SYMBOLS = import.meta.glob('../../styles/sprites/gridtiles/*.svg', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The symbol `name` drawn in `colour` (the map tints the same shapes), or null. */
function symbolIcon(name: string, colour: string): HTMLElement | null {
  const svg = SYMBOLS[`../../styles/sprites/gridtiles/${name}.svg`];
  if (!svg) return null;
  const icon = document.createElement('span');
  icon.className = 'symbol';
  icon.style.color = colour;
  // Build-time files of this repository; black fills and strokes become the legend colour.
  icon.innerHTML = svg.replace(/#000/g, 'currentColor').replace('<svg ', '<svg fill="currentColor" ');
  return icon;
}

/** Toggle groups in display order. */
export const GROUPS = [
  'feeders',
  'substations',
  'switches',
  'transformers',
  'poles',
  'meters',
  'outages',
  'crews',
  'quality',
] as const;

/** Layer visibility per group, applied again after a theme switch. */
export class LayerToggles {
  private readonly hidden = new Set<string>();

  constructor(
    private readonly map: MlMap,
    private readonly panel: HTMLElement,
  ) {}

  /** Draws the checkboxes. */
  render(): void {
    const list = document.createElement('ul');
    list.className = 'toggles';
    for (const group of GROUPS) {
      const item = document.createElement('li');
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = !this.hidden.has(group);
      box.dataset.group = group;
      box.addEventListener('change', () => this.set(group, box.checked));
      label.append(box, ` ${group}`);
      item.append(label);
      list.append(item);
    }
    this.panel.append(list);
  }

  /** Shows or hides a group. */
  set(group: string, visible: boolean): void {
    if (visible) this.hidden.delete(group);
    else this.hidden.add(group);
    this.apply();
  }

  /** Applies the visibility to every layer of the current style. */
  apply(): void {
    for (const layer of this.map.getStyle()?.layers ?? []) {
      const group = groupOf(layer.metadata);
      if (group === null) continue;
      this.map.setLayoutProperty(layer.id, 'visibility', this.hidden.has(group) ? 'none' : 'visible');
    }
  }
}

/** The toggle group of a style layer's metadata. */
export function groupOf(metadata: unknown): string | null {
  if (metadata && typeof metadata === 'object' && 'gridtiles:group' in metadata) {
    const g = (metadata as Record<string, unknown>)['gridtiles:group'];
    return typeof g === 'string' ? g : null;
  }
  return null;
}

/** Draws the legend of `theme` into `panel` (replacing the previous one). */
export function renderLegend(panel: HTMLElement, theme: Theme): void {
  panel.querySelector('.legend')?.remove();
  const root = document.createElement('div');
  root.className = 'legend';
  for (const [group, entries] of legend(theme)) {
    const title = document.createElement('h3');
    title.textContent = group;
    const list = document.createElement('ul');
    for (const [label, colour, icon] of entries) {
      const item = document.createElement('li');
      const symbol = icon ? symbolIcon(icon, colour) : null;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour;
      item.append(symbol ?? swatch, label);
      list.append(item);
    }
    root.append(title, list);
  }
  panel.append(root);
}
