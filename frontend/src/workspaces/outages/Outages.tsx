// Outage Management: the live outage list (sortable, filterable, durations ticking), the
// selected outage's isolation trace on the map (`/outages/{id}`), and the history charts.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { Table, type Column } from '../../components/Table';
import { Section } from '../../components/status';
import { mapPick, now, outages, outageSource } from '../../app/store';
import { dateTime, duration, fmt, since } from '../../app/format';
import { idAt, navigate } from '../../app/router';
import type { Outage } from '../../opsApi';
import type { WorkspaceProps } from '../../app/Shell';
import { OutageDetail } from './OutageDetail';
import { History } from './History';

const STATUSES = ['all', 'active', 'crew_dispatched', 'restoring', 'predicted'];

function columns(nowMs: number): Column<Outage>[] {
  return [
    { key: 'id', label: 'Outage', value: (o) => o.id, numeric: true },
    { key: 'feeder', label: 'Feeder', value: (o) => o.feeder_name ?? o.feeder_id },
    { key: 'substation', label: 'Substation', value: (o) => o.substation_name ?? o.substation_id },
    { key: 'device', label: 'Device', value: (o) => (o.device_id === null ? null : `${o.device_kind ?? ''} ${o.device_id}`.trim()) },
    { key: 'cause', label: 'Cause', value: (o) => o.cause },
    { key: 'customers', label: 'Cust. out', value: (o) => o.customers_out, render: (o) => fmt(o.customers_out), numeric: true },
    { key: 'start', label: 'Start', value: (o) => o.start_time, render: (o) => dateTime(o.start_time) },
    {
      key: 'duration',
      label: 'Duration',
      value: (o) => since(o.start_time, nowMs),
      render: (o) => duration(since(o.start_time, nowMs)),
      numeric: true,
    },
    { key: 'status', label: 'Status', value: (o) => o.status, render: (o) => <span class={`badge s-${o.status}`}>{(o.status ?? 'unknown').replace('_', ' ')}</span> },
    { key: 'crew', label: 'Crew', value: (o) => o.crew_name ?? o.crew_id },
    {
      key: 'etr',
      label: 'ETR',
      value: (o) => o.etr?.time ?? null,
      render: (o) => (o.etr ? <span title={`${o.etr.confidence} confidence, ${o.etr.basis}, n=${o.etr.sample_size}`}>{dateTime(o.etr.time)}</span> : '—'),
    },
  ];
}

/** Whether `o` matches the filter text (id, feeder, substation, device, cause, crew). */
export function matches(o: Outage, text: string): boolean {
  if (!text) return true;
  const t = text.toLowerCase();
  return [o.id, o.feeder_id, o.feeder_name, o.substation_id, o.substation_name, o.device_id, o.cause, o.crew_id, o.crew_name]
    .some((v) => v !== null && v !== undefined && String(v).toLowerCase().includes(t));
}

export function Outages({ route }: WorkspaceProps) {
  const selected = idAt(route.rest, 0);
  const [text, setText] = useState(route.query.get('q') ?? '');
  const [status, setStatus] = useState('all');
  const [tab, setTab] = useState<'live' | 'history'>(route.query.get('tab') === 'history' ? 'history' : 'live');
  const nowMs = now.value;
  const cols = useMemo(() => columns(nowMs), [nowMs]);
  const all = [...outages.value.values()];
  const rows = all.filter((o) => (status === 'all' || o.status === status) && matches(o, text));
  // A click on an outage on the map selects it here.
  useEffect(() => {
    const p = mapPick.value;
    if (p && p.layer === 'outages') navigate(`/outages/${p.id}`);
  }, [mapPick.value]);
  const customers = rows.reduce((n, o) => n + o.customers_out, 0);
  return (
    <>
      <div class="tabs" role="tablist">
        {(['live', 'history'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)} data-tab={t}>
            {t === 'live' ? 'Live outages' : 'History'}
          </button>
        ))}
      </div>
      {tab === 'history' ? (
        <History />
      ) : (
        <>
          {selected !== null && <OutageDetail id={selected} outage={outages.value.get(selected) ?? null} />}
          <Section title="Live outages">
            <div class="filters">
              <input
                type="search"
                placeholder="filter: id, feeder, cause, crew…"
                aria-label="filter outages"
                value={text}
                onInput={(e) => setText((e.target as HTMLInputElement).value)}
              />
              <select aria-label="status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s.replace('_', ' ')}
                  </option>
                ))}
              </select>
            </div>
            <p class="summary" data-testid="outage-summary" data-count={rows.length} data-customers={customers}>
              {fmt(rows.length)} outages, {fmt(customers)} customers out
              {outageSource.value === 'layer' && <span class="muted"> · from the outages layer (no outage API on this server)</span>}
              {outageSource.value === 'none' && <span class="error"> · outage list unavailable</span>}
            </p>
            <Table
              label="live outages"
              testId="outages"
              columns={cols}
              rows={rows}
              rowKey={(o) => o.id}
              selected={selected}
              initialSort={{ key: 'start', desc: true }}
              onSelect={(o) => navigate(`/outages/${o.id}`)}
            />
          </Section>
        </>
      )}
    </>
  );
}
