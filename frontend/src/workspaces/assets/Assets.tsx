// Asset Health: the distribution of pole (or transformer) health scores, the worst assets
// (poles by health, transformers by load), a filter that recolours the map (only poles under
// a score, on the `poles` layer's `health_score`), and one asset's health history
// (`/assets/{id}`).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chart, PALETTE } from '../../components/Chart';
import { Table, type Column } from '../../components/Table';
import { Section, Show, useLoad } from '../../components/status';
import { api } from '../../api';
import { opsApi, type WorstAsset } from '../../opsApi';
import { idAt, navigate } from '../../app/router';
import { mapPick } from '../../app/store';
import { select, theMap } from '../../app/mapBus';
import { polesUnder, setLayerFilter } from '../../app/mapFilters';
import { fmt } from '../../app/format';
import type { WorkspaceProps } from '../../app/Shell';

type Kind = 'poles' | 'transformers';

function Distribution({ layer }: { layer: Kind }) {
  const dist = useLoad(() => opsApi.healthDistribution(layer, 10), [layer]);
  return (
    <Show value={dist} what="health distribution">
      {(d) => (
        <>
          <p class="summary" data-testid="health-summary">
            {fmt(d.count)} {layer} · mean {fmt(d.mean, 1)} · median {fmt(d.median, 1)}
          </p>
          <Chart
            label={`${layer} health score histogram`}
            testId="health-histogram"
            x={d.bins.map((_, i) => i)}
            categories={d.bins.map((b) => `${fmt(b.from)}–${fmt(b.to)}`)}
            series={[{ label: 'assets', values: d.bins.map((b) => b.count), color: PALETTE[0], kind: 'bars' }]}
          />
        </>
      )}
    </Show>
  );
}

const WORST_COLUMNS: Column<WorstAsset>[] = [
  { key: 'id', label: 'Asset', value: (a) => a.id, numeric: true },
  { key: 'feeder', label: 'Feeder', value: (a) => a.feeder_id, numeric: true },
  { key: 'health', label: 'Health', value: (a) => a.health_score, numeric: true },
  { key: 'load', label: 'Load %', value: (a) => a.load_pct, render: (a) => fmt(a.load_pct, 0), numeric: true },
];

function Worst({ layer }: { layer: Kind }) {
  const by = layer === 'poles' ? 'health' : 'load';
  const worst = useLoad(() => opsApi.worstAssets(layer, by, 50), [layer]);
  return (
    <Show value={worst} what="worst assets">
      {(d) => (
        <Table label={`worst ${layer}`} testId="worst-assets" columns={WORST_COLUMNS} rows={d.assets} rowKey={(a) => a.id}
          initialSort={by === 'health' ? { key: 'health', desc: false } : { key: 'load', desc: true }}
          onSelect={(a) => {
            select(a.layer, a.id, a.lon, a.lat, 16);
            navigate(`/assets/${a.id}`);
          }} />
      )}
    </Show>
  );
}

function AssetHistory({ id }: { id: number }) {
  const asset = useLoad(() => api.asset(id), [id]);
  const history = useLoad(() => opsApi.healthHistory(id), [id]);
  useEffect(() => {
    if (asset.state !== 'ok') return;
    const g = asset.data.geometry as { type?: string; coordinates?: number[] } | null;
    const c = g?.type === 'Point' && g.coordinates ? g.coordinates : null;
    select(asset.data.layer, id, c ? c[0] : null, c ? c[1] : null, 16);
  }, [asset]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && navigate('/assets');
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const chart = useMemo(() => {
    if (history.state !== 'ok') return null;
    return { x: history.data.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000), values: history.data.days.map((d) => d.health_score) };
  }, [history]);
  return (
    <Section title={`Asset ${id}`}>
      <button type="button" class="close" aria-label="close" onClick={() => navigate('/assets')}>×</button>
      <Show value={asset} what="asset">
        {(a) => (
          <p class="summary" data-testid="asset-summary" data-layer={a.layer}>
            {a.layer} {a.id}
            {typeof a.properties.health_score === 'number' && ` · health ${a.properties.health_score}`}
            {a.feeder && ` · feeder ${a.feeder.name ?? a.feeder.id}`}
          </p>
        )}
      </Show>
      <Show value={history} what="health history">
        {() => chart && <Chart label="health score history" testId="health-history" x={chart.x} series={[{ label: 'health', values: chart.values, color: PALETTE[3] }]} />}
      </Show>
    </Section>
  );
}

export function Assets({ route }: WorkspaceProps) {
  const id = idAt(route.rest, 0);
  const [layer, setLayer] = useState<Kind>('poles');
  const [under, setUnder] = useState<number | null>(null);
  useEffect(() => {
    const map = theMap();
    if (map) setLayerFilter(map, 'poles', under === null ? null : polesUnder(under));
  }, [under]);
  // Leaving the workspace shows every pole again.
  useEffect(() => () => {
    const map = theMap();
    if (map) setLayerFilter(map, 'poles', null);
  }, []);
  useEffect(() => {
    const p = mapPick.value;
    if (p && (p.layer === 'poles' || p.layer === 'transformers')) navigate(`/assets/${p.id}`);
  }, [mapPick.value]);
  return (
    <>
      {id !== null && <AssetHistory id={id} />}
      <Section title="Map filter">
        <div class="filters">
          <label>
            show poles with health under{' '}
            <select data-testid="health-filter" value={under === null ? '' : String(under)}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                setUnder(v === '' ? null : Number(v));
              }}>
              <option value="">(all poles)</option>
              {[20, 40, 60, 80].map((n) => (
                <option key={n} value={n}>{n}</option>
              ))}
            </select>
          </label>
        </div>
      </Section>
      <Section title="Health distribution">
        <div class="filters" role="radiogroup" aria-label="asset layer">
          {(['poles', 'transformers'] as const).map((l) => (
            <label key={l}>
              <input type="radio" name="asset-layer" checked={layer === l} onChange={() => setLayer(l)} /> {l}
            </label>
          ))}
        </div>
        <Distribution layer={layer} />
      </Section>
      <Section title={layer === 'poles' ? 'Worst poles (health)' : 'Most loaded transformers'}>
        <Worst layer={layer} />
      </Section>
    </>
  );
}
