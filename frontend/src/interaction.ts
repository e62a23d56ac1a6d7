// Hover tooltip (with a hover feature-state) and the picking of assets under the pointer.

import type { MapGeoJSONFeature, Map as MlMap, PointLike } from 'maplibre-gl';
import { SOURCE } from './map';

/** Style layers that can be hovered and clicked (not the glows and halos under them). */
export const PICKABLE = [
  'outages',
  'crews',
  'substations',
  'switches',
  'transformers',
  'meters',
  'poles',
  'feeders',
];

/** The topmost pickable feature near `point` (5 px around it), or null. */
export function pick(map: MlMap, point: { x: number; y: number }): MapGeoJSONFeature | null {
  const layers = PICKABLE.filter((id) => map.getLayer(id));
  const box: [PointLike, PointLike] = [
    [point.x - 5, point.y - 5],
    [point.x + 5, point.y + 5],
  ];
  const found = map.queryRenderedFeatures(box, { layers });
  found.sort((a, b) => PICKABLE.indexOf(a.layer.id) - PICKABLE.indexOf(b.layer.id));
  return found.find((f) => f.id !== undefined) ?? null;
}

/** A short description of a feature from its tile attributes. */
export function describe(f: MapGeoJSONFeature): string {
  const p = f.properties ?? {};
  const layer = f.sourceLayer ?? f.layer.id;
  const state = f.state ?? {};
  const status = (state.status ?? p.status) as string | undefined;
  switch (layer) {
    case 'feeders':
      return `${p.feeder_name ?? `feeder ${p.feeder_id}`} · ${p.voltage_kv} kV · ${status ?? ''}`;
    case 'substations':
      return `${p.name} · ${p.voltage_kv} kV · ${p.feeder_count} feeders`;
    case 'switches':
      return `${p.name ?? p.device_type} · ${state.current_state ?? p.current_state}`;
    case 'transformers':
      return `transformer ${f.id} · ${p.kva} kVA · load ${state.load_pct ?? p.load_pct} %`;
    case 'poles':
      return `pole ${f.id} · health ${p.health_score} · ${p.material}`;
    case 'meters':
      return `meter ${f.id} · ${p.customer_class} · ${status ?? ''}`;
    case 'outages':
      return `outage ${f.id} · ${p.customers_out} customers out · ${state.status ?? p.status}`;
    case 'crews':
      return `${p.name} · ${state.status ?? p.status}`;
    default:
      return `${layer} ${f.id}`;
  }
}

/** Shows a tooltip and the hover highlight for the feature under the pointer. */
export function attachTooltip(map: MlMap, tooltip: HTMLElement): void {
  let hovered: { sourceLayer: string; id: number | string } | null = null;
  const clear = () => {
    if (hovered) {
      map.setFeatureState({ source: SOURCE, ...hovered }, { hover: false });
      hovered = null;
    }
    tooltip.hidden = true;
    map.getCanvas().style.cursor = '';
  };
  map.on('mousemove', (e) => {
    const f = pick(map, e.point);
    if (!f || f.id === undefined || !f.sourceLayer) {
      clear();
      return;
    }
    if (!hovered || hovered.id !== f.id || hovered.sourceLayer !== f.sourceLayer) {
      clear();
      hovered = { sourceLayer: f.sourceLayer, id: f.id };
      map.setFeatureState({ source: SOURCE, ...hovered }, { hover: true });
    }
    tooltip.textContent = describe(f);
    tooltip.style.left = `${e.point.x + 14}px`;
    tooltip.style.top = `${e.point.y + 14}px`;
    tooltip.hidden = false;
    map.getCanvas().style.cursor = 'pointer';
  });
  map.getCanvas().addEventListener('mouseleave', clear);
}
