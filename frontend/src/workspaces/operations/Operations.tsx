// Operations: the KPI cards (SAIDI, SAIFI, CAIDI, active outages, customers out, total load,
// crews), the substation status table, the abnormal switches and the live feed of changes.
// Part of the first view (not lazy-loaded).

import { Table, type Column } from '../../components/Table';
import { Section, Show, useLoad } from '../../components/status';
import { feed, kpi, kpiStale, kpiUpdated, liveVersion, now } from '../../app/store';
import { clock, fmt } from '../../app/format';
import { opsApi, type AbnormalSwitch, type SubstationStatus } from '../../opsApi';
import { selectAsset } from '../../app/mapBus';
import { navigate } from '../../app/router';
import type { Kpi } from '../../api';
import type { FeedItem } from '../../app/feed';
import type { WorkspaceProps } from '../../app/Shell';

interface Card {
  key: string;
  label: string;
  value: (k: Kpi) => string;
  unit: (k: Kpi) => string;
}

const customersOut = (k: Kpi) => k.customers_out_now;

export const CARDS: Card[] = [
  { key: 'saidi', label: 'SAIDI', value: (k) => fmt(k.indices.saidi_min, 1), unit: () => 'min / customer' },
  { key: 'saifi', label: 'SAIFI', value: (k) => fmt(k.indices.saifi, 3), unit: () => 'interruptions / customer' },
  { key: 'caidi', label: 'CAIDI', value: (k) => fmt(k.indices.caidi_min, 1), unit: () => 'min / interruption' },
  { key: 'outages', label: 'Active outages', value: (k) => fmt(k.active_outages), unit: () => 'open now' },
  { key: 'customers', label: 'Customers out', value: (k) => fmt(customersOut(k)), unit: () => 'now' },
  { key: 'load', label: 'Total load', value: (k) => fmt(k.total_load_mw, 1), unit: () => 'MW' },
  {
    key: 'crews',
    label: 'Field crews',
    value: (k) => (k.crews ? `${fmt(k.crews.available)} / ${fmt(k.crews.total)}` : '—'),
    unit: () => 'available / total',
  },
];

export function KpiCards() {
  const k = kpi.value;
  return (
    <div id="kpis" class={`kpis${kpiStale.value ? ' stale' : ''}`} aria-live="polite" data-updated={kpiUpdated.value ?? undefined}>
      {CARDS.map((c) => (
        <div class="kpi" data-kpi={c.key} key={c.key}>
          <div class="kpi-label">{c.label}</div>
          <div class="kpi-value">{k ? c.value(k) : '…'}</div>
          <div class="kpi-unit">{k ? c.unit(k) : ''}</div>
        </div>
      ))}
    </div>
  );
}

const SUBSTATION_COLUMNS: Column<SubstationStatus>[] = [
  { key: 'name', label: 'Substation', value: (s) => s.name ?? String(s.id) },
  { key: 'ok', label: 'Energized', value: (s) => s.feeders_energized, numeric: true },
  { key: 'partial', label: 'Partial', value: (s) => s.feeders_partially_energized, numeric: true },
  { key: 'dark', label: 'Dark', value: (s) => s.feeders_de_energized, numeric: true },
  { key: 'load', label: 'Load MW', value: (s) => s.load_mw, render: (s) => fmt(s.load_mw, 1), numeric: true },
  { key: 'outages', label: 'Outages', value: (s) => s.active_outages, numeric: true },
  { key: 'out', label: 'Cust. out', value: (s) => s.customers_out_now, numeric: true },
];

const SWITCH_COLUMNS: Column<AbnormalSwitch>[] = [
  { key: 'id', label: 'Switch', value: (s) => s.name ?? String(s.id) },
  { key: 'type', label: 'Type', value: (s) => s.device_type },
  { key: 'feeder', label: 'Feeder', value: (s) => s.feeder_id, numeric: true },
  { key: 'normal', label: 'Normal', value: (s) => s.normal_state },
  { key: 'now', label: 'Now', value: (s) => s.current_state },
];

function Feed() {
  const items = feed.value;
  const open = (f: FeedItem) => {
    if (f.layer === 'outages' && f.kind === 'outage') navigate(`/outages/${f.id}`);
    else if (f.id > 0) void selectAsset(f.layer, f.id);
  };
  return (
    <ol class="feed" aria-label="live changes" data-count={items.length}>
      {items.length === 0 && <li class="muted">waiting for changes… (live v{liveVersion.value ?? '—'})</li>}
      {items.slice(0, 60).map((f, i) => (
        <li key={`${f.version}-${i}`} data-kind={f.kind}>
          <time>{clock(f.at)}</time>{' '}
          {f.id > 0 ? (
            <button type="button" class="link" onClick={() => open(f)}>
              {f.text}
            </button>
          ) : (
            <span>{f.text}</span>
          )}
        </li>
      ))}
    </ol>
  );
}

export function Operations(_: WorkspaceProps) {
  // Re-read every 10 s (the previous table stays up while it loads).
  const every10s = Math.floor(now.value / 10_000);
  const subs = useLoad(() => opsApi.substations(), [every10s]);
  const switches = useLoad(() => opsApi.abnormalSwitches(), [every10s]);
  return (
    <>
      <KpiCards />
      <Section title="Live changes">
        <Feed />
      </Section>
      <Section title="Substations">
        <Show value={subs} what="substation status">
          {(d) => (
            <Table
              label="substation status"
              testId="substations"
              columns={SUBSTATION_COLUMNS}
              rows={d.substations}
              rowKey={(s) => s.id}
              initialSort={{ key: 'out', desc: true }}
              onSelect={(s) => void selectAsset('substations', s.id)}
            />
          )}
        </Show>
      </Section>
      <Section title="Abnormal switches">
        <Show value={switches} what="abnormal switches">
          {(d) => (
            <Table
              label="abnormal switches"
              testId="switches"
              columns={SWITCH_COLUMNS}
              rows={d.switches}
              rowKey={(s) => s.id}
              onSelect={(s) => void selectAsset('switches', s.id)}
            />
          )}
        </Show>
      </Section>
    </>
  );
}
