// The operations center: the one MapLibre map and the one event stream, shared by the six
// workspaces (app/Shell.tsx), and the test hook `window.gridtiles = { map, events, ready,
// theme }`. The map and the stream are created once; a workspace switch only re-renders the
// side panel.

import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import { h, render } from 'preact';
import type { Map as MlMap } from 'maplibre-gl';
import { readConfig, type Theme } from './config';
import { createMap, switchTheme } from './map';
import { LayerToggles, renderLegend } from './layers';
import { startEvents } from './events';
import { FeatureStates } from './featureStates';
import { StaleTiles, type ChangeEvent } from './liveState';
import { attachTooltip, pick } from './interaction';
import { DetailsPanel } from './details';
import { mapPick, onChange, startStore } from './app/store';
import { initMapBus } from './app/mapBus';
import { startRouter } from './app/router';
import { Nav, preloadWorkspaces, Workspace } from './app/Shell';
import { applyMapFilters } from './app/mapFilters';

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
  startRouter();
  startStore();
  render(h(Nav, {}), byId('nav'));
  render(h(Workspace, {}), byId('workspace'));

  const stale = new StaleTiles();
  const map = await createMap(byId('map'), config, stale);
  window.gridtiles.map = map;

  const states = new FeatureStates(map);
  initMapBus(map, states);
  const toggles = new LayerToggles(map, byId('layers'));
  toggles.render();
  renderLegend(byId('legend'), config.theme);
  attachTooltip(map, byId('tooltip'));
  new DetailsPanel(map, byId('details'), states);
  map.on('click', (e) => {
    const f = pick(map, e.point);
    if (f && f.sourceLayer && f.id !== undefined) {
      mapPick.value = { layer: f.sourceLayer, id: Number(f.id), properties: f.properties ?? {}, at: Date.now() };
    }
  });

  const status = byId('live-status');
  const stream = startEvents(
    map,
    states,
    stale,
    (s, version) => {
      status.dataset.state = s;
      const label = s === 'live' ? 'live' : `${s}…`;
      status.textContent = version !== undefined ? `${label} · v${version}` : label;
    },
    onChange,
  );
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
      applyMapFilters(map);
      states.restore();
    });
    window.gridtiles.theme = next;
    map.once('idle', () => (window.gridtiles.ready = true));
  });

  map.once('idle', () => {
    window.gridtiles.ready = true;
    preloadWorkspaces();
  });
}

main().catch((err) => {
  const box = document.getElementById('map');
  if (box) box.textContent = `The map could not start: ${err instanceof Error ? err.message : String(err)}`;
  console.error(err);
});
