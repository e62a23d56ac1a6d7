// AMI Analytics: the load profile (kWh per bucket and peak kW) of a meter, transformer,
// feeder, substation or the whole system (`/ami/{scope}/{id}?from=&to=&bucket=`), picked on
// the map or by id; a period picker; transformer loading ranked against the rating; and
// consumption by customer class.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chart, PALETTE } from '../../components/Chart';
import { Table, type Column } from '../../components/Table';
import { Section, Show, useLoad } from '../../components/status';
import { opsApi, type AmiQuery, type ClassConsumption, type TransformerLoading } from '../../opsApi';
import { AMI_SCOPES, idAt, navigate, type AmiScope } from '../../app/router';
import { mapPick } from '../../app/store';
import { highlight, selectAsset } from '../../app/mapBus';
import { fmt, dateTime } from '../../app/format';
import type { WorkspaceProps } from '../../app/Shell';

const BUCKETS = ['15m', '1h', '1d'];

/** The AMI scope and id a map click names (meters, transformers, feeders, substations). */
export function scopeOfPick(layer: string, id: number, props: Record<string, unknown>): AmiQuery | null {
  switch (layer) {
    case 'meters':
      return { scope: 'meter', id };
    case 'transformers':
      return { scope: 'transformer', id };
    case 'feeders': {
      const f = Number(props.feeder_id ?? id);
      return Number.isFinite(f) ? { scope: 'feeder', id: f } : null;
    }
    case 'substations':
      return { scope: 'substation', id };
    default:
      return null;
  }
}

function amiPath(q: AmiQuery, params: URLSearchParams): string {
  const s = params.toString();
  return `/ami/${q.scope}${q.scope === 'system' ? '/all' : `/${q.id}`}${s ? `?${s}` : ''}`;
}

function Profile({ query, from, to, bucket }: { query: AmiQuery; from: string; to: string; bucket: string }) {
  const data = useLoad(() => opsApi.amiHistory(query, bucket, from || undefined, to || undefined), [query.scope, query.id, from, to, bucket]);
  const chart = useMemo(() => {
    if (data.state !== 'ok') return null;
    const b = data.data.buckets;
    return {
      x: b.map((v) => Date.parse(v.start) / 1000),
      series: [
        { label: 'kWh', values: b.map((v) => v.kwh), color: PALETTE[0], kind: 'bars' as const },
        { label: 'peak kW', values: b.map((v) => v.peak_kw), color: PALETTE[1], scale: 'y2' as const },
      ],
    };
  }, [data]);
  return (
    <Show value={data} what="load profile">
      {(d) => (
        <>
          <p class="summary" data-testid="ami-summary" data-meters={d.meters} data-kwh={d.buckets.reduce((n, b) => n + b.kwh, 0)}>
            {fmt(d.meters)} meters · {fmt(d.buckets.reduce((n, b) => n + b.kwh, 0))} kWh · peak {fmt(Math.max(0, ...d.buckets.map((b) => b.peak_kw)), 1)} kW
          </p>
          {chart && <Chart label="load profile: kWh per bucket and peak kW" testId="ami-profile" x={chart.x} series={chart.series} height={220} />}
        </>
      )}
    </Show>
  );
}

const LOADING_COLUMNS: Column<TransformerLoading>[] = [
  { key: 'id', label: 'Transformer', value: (t) => t.id, numeric: true },
  { key: 'feeder', label: 'Feeder', value: (t) => t.feeder_id, numeric: true },
  { key: 'kva', label: 'kVA', value: (t) => t.kva, numeric: true },
  { key: 'peak', label: 'Peak kW', value: (t) => t.peak_kw, render: (t) => fmt(t.peak_kw, 1), numeric: true },
  { key: 'pct', label: 'Loading %', value: (t) => t.loading_pct, render: (t) => <span class={t.loading_pct > 100 ? 'over' : ''}>{fmt(t.loading_pct, 0)}</span>, numeric: true },
  { key: 'time', label: 'Peak at', value: (t) => t.peak_time, render: (t) => dateTime(t.peak_time) },
];

const CLASS_COLUMNS: Column<ClassConsumption>[] = [
  { key: 'class', label: 'Class', value: (c) => c.class },
  { key: 'meters', label: 'Meters', value: (c) => c.meters, numeric: true },
  { key: 'kwh', label: 'kWh', value: (c) => c.kwh, render: (c) => fmt(c.kwh), numeric: true },
  { key: 'peak', label: 'Peak kW', value: (c) => c.peak_kw, render: (c) => fmt(c.peak_kw, 1), numeric: true },
];

function Rankings() {
  const loading = useLoad(() => opsApi.transformerLoading(50), []);
  const classes = useLoad(() => opsApi.consumptionByClass(), []);
  // The overloaded transformers coloured on the map (the highlight).
  useEffect(() => {
    if (loading.state === 'ok') highlight(loading.data.transformers.filter((t) => t.loading_pct > 100).map((t) => ({ layer: 'transformers', id: t.id })));
  }, [loading]);
  return (
    <>
      <Section title="Transformer loading (AMI peak vs rating)">
        <Show value={loading} what="transformer loading">
          {(d) => (
            <Table label="transformer loading" testId="loading" columns={LOADING_COLUMNS} rows={d.transformers} rowKey={(t) => t.id}
              initialSort={{ key: 'pct', desc: true }} onSelect={(t) => navigate(`/ami/transformer/${t.id}`)} />
          )}
        </Show>
      </Section>
      <Section title="Consumption by customer class">
        <Show value={classes} what="consumption by class">
          {(d) => <Table label="consumption by class" testId="classes" columns={CLASS_COLUMNS} rows={d.classes} rowKey={(c) => c.class} initialSort={{ key: 'kwh', desc: true }} />}
        </Show>
      </Section>
    </>
  );
}

export function Ami({ route }: WorkspaceProps) {
  const scope = AMI_SCOPES.find((s) => s === route.rest[0]) ?? null;
  const id = idAt(route.rest, 1);
  const query: AmiQuery | null = scope === 'system' ? { scope, id: null } : scope && id !== null ? { scope, id } : null;
  const from = route.query.get('from') ?? '';
  const to = route.query.get('to') ?? '';
  const bucket = BUCKETS.includes(route.query.get('bucket') ?? '') ? route.query.get('bucket')! : '1h';
  const [pickScope, setPickScope] = useState<AmiScope>(scope ?? 'meter');
  const [pickId, setPickId] = useState(id !== null ? String(id) : '');
  const go = (q: AmiQuery, changes: Record<string, string> = {}) => {
    const p = new URLSearchParams(route.query);
    for (const [k, v] of Object.entries(changes)) if (v) p.set(k, v); else p.delete(k);
    navigate(amiPath(q, p));
  };
  useEffect(() => {
    const p = mapPick.value;
    if (!p) return;
    const q = scopeOfPick(p.layer, p.id, p.properties);
    if (q) go(q);
  }, [mapPick.value]);
  useEffect(() => {
    if (query && (query.scope === 'meter' || query.scope === 'transformer' || query.scope === 'substation') && query.id !== null) {
      void selectAsset(query.scope === 'meter' ? 'meters' : query.scope === 'transformer' ? 'transformers' : 'substations', query.id, 16);
    }
  }, [query?.scope, query?.id]);
  return (
    <>
      <Section title="Load profile">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (pickScope === 'system') go({ scope: 'system', id: null });
            else if (/^\d+$/.test(pickId)) go({ scope: pickScope, id: Number(pickId) });
          }}
        >
          <select aria-label="scope" value={pickScope} onChange={(e) => setPickScope((e.target as HTMLSelectElement).value as AmiScope)}>
            {AMI_SCOPES.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
          <input aria-label="id" placeholder="id (or click the map)" inputMode="numeric" value={pickId} disabled={pickScope === 'system'}
            onInput={(e) => setPickId((e.target as HTMLInputElement).value.trim())} />
          <button type="submit">show</button>
        </form>
        <div class="filters" aria-label="period">
          <label>from <input type="date" value={from.slice(0, 10)} onChange={(e) => query && go(query, { from: (e.target as HTMLInputElement).value })} /></label>
          <label>to <input type="date" value={to.slice(0, 10)} onChange={(e) => query && go(query, { to: (e.target as HTMLInputElement).value })} /></label>
          <select aria-label="bucket" value={bucket} onChange={(e) => query && go(query, { bucket: (e.target as HTMLSelectElement).value })}>
            {BUCKETS.map((b) => (
              <option key={b} value={b}>{b}</option>
            ))}
          </select>
        </div>
        {query ? (
          <>
            <h3 data-testid="ami-title">{query.scope === 'system' ? 'whole system' : `${query.scope} ${query.id}`}</h3>
            <Profile query={query} from={from} to={to} bucket={bucket} />
          </>
        ) : (
          <p class="muted">pick a meter, transformer, feeder or substation on the map, or enter an id</p>
        )}
      </Section>
      <Rankings />
    </>
  );
}
