// The operations map: wires the modules together and exposes the test hook
// `window.gridtiles = { map, events, ready }`.

import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import type { Map as MlMap } from 'maplibre-gl';
import { readConfig, type Theme } from './config';
import { createMap, switchTheme } from './map';
import { LayerToggles, renderLegend } from './layers';
import { startKpis } from './kpi';
import { startEvents } from './events';
import { FeatureStates } from './featureStates';
import { StaleTiles, type ChangeEvent } from './liveState';
import { attachTooltip } from './interaction';
import { DetailsPanel } from './details';

declare global {
  interface Window {
    gridtiles: { map: MlMap | null; events: ChangeEvent[]; ready: boolean; theme: Theme };
  }
}

const byId = (id: string) => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing from index.html`);
  return e;
};

async function main(): Promise<void> {
  const config = readConfig(location.search, import.meta.env.VITE_BASEMAP_URL);
  window.gridtiles = { map: null, events: [], ready: false, theme: config.theme };
  document.documentElement.dataset.theme = config.theme;
  const stale = new StaleTiles();
  const map = await createMap(byId('map'), config, stale);
  window.gridtiles.map = map;

  const states = new FeatureStates(map);
  const toggles = new LayerToggles(map, byId('layers'));
  toggles.render();
  renderLegend(byId('legend'), config.theme);
  attachTooltip(map, byId('tooltip'));
  new DetailsPanel(map, byId('details'), states);
  startKpis(byId('kpis'));

  const status = byId('live-status');
  const stream = startEvents(map, states, stale, (s, version) => {
    status.dataset.state = s;
    const label = s === 'live' ? 'live' : `${s}…`;
    status.textContent = version !== undefined ? `${label} · v${version}` : label;
  });
  window.gridtiles.events = stream.events;

  const theme = byId('theme') as HTMLSelectElement;
  theme.value = config.theme;
  theme.addEventListener('change', async () => {
    const next: Theme = theme.value === 'light' ? 'light' : 'dark';
    window.gridtiles.ready = false;
    document.documentElement.dataset.theme = next;
    renderLegend(byId('legend'), next);
    await switchTheme(map, next, config.basemap, () => {
      toggles.apply();
      states.restore();
    });
    window.gridtiles.theme = next;
    map.once('idle', () => (window.gridtiles.ready = true));
  });

  map.once('idle', () => (window.gridtiles.ready = true));
}

main().catch((err) => {
  const box = document.getElementById('map');
  if (box) box.textContent = `The map could not start: ${err instanceof Error ? err.message : String(err)}`;
  console.error(err);
});
