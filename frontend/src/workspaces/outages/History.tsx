// Outage history: trends per day / week / month stacked by cause, SAIDI and SAIFI by month
// with and without major event days, and the worst feeders by customer-minutes.

import { useMemo, useState } from 'preact/hooks';
import { Chart, PALETTE, type ChartSeries } from '../../components/Chart';
import { Table, type Column } from '../../components/Table';
import { Section, Show, useLoad } from '../../components/status';
import { opsApi, type MonthKpi, type TrendBucket, type WorstFeeder } from '../../opsApi';
import { fmt } from '../../app/format';

/** Stacked-by-cause series of trend buckets (causes in order of total count). */
export function causeSeries(buckets: TrendBucket[]): { x: number[]; series: ChartSeries[] } {
  const totals = new Map<string, number>();
  for (const b of buckets) for (const [c, g] of Object.entries(b.groups ?? {})) totals.set(c, (totals.get(c) ?? 0) + g.count);
  const causes = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  return {
    x: buckets.map((b) => Date.parse(b.start) / 1000),
    series: causes.map((c, i) => ({
      label: c,
      values: buckets.map((b) => b.groups?.[c]?.count ?? 0),
      color: PALETTE[i % PALETTE.length],
      kind: 'bars' as const,
    })),
  };
}

function Trends() {
  const [bucket, setBucket] = useState<'day' | 'week' | 'month'>('week');
  const trends = useLoad(() => opsApi.trends(bucket), [bucket]);
  const chart = useMemo(() => (trends.state === 'ok' ? causeSeries(trends.data.buckets) : null), [trends]);
  return (
    <Section title="Outages by cause">
      <div class="filters" role="radiogroup" aria-label="bucket">
        {(['day', 'week', 'month'] as const).map((b) => (
          <label key={b}>
            <input type="radio" name="trend-bucket" checked={bucket === b} onChange={() => setBucket(b)} /> {b}
          </label>
        ))}
      </div>
      <Show value={trends} what="outage trends">
        {(d) =>
          chart && (
            <>
              <Chart label={`outages per ${bucket} by cause`} testId="trends" x={chart.x} series={chart.series} stacked />
              <p class="muted" data-testid="trend-total" data-total={d.buckets.reduce((n, b) => n + b.count, 0)}>
                {fmt(d.buckets.reduce((n, b) => n + b.count, 0))} outages in {d.buckets.length} {bucket}s
              </p>
            </>
          )
        }
      </Show>
    </Section>
  );
}

function Monthly() {
  const monthly = useLoad(() => opsApi.kpiMonthly(), []);
  return (
    <Section title="SAIDI / SAIFI by month">
      <Show value={monthly} what="monthly reliability indices">
        {(d) => {
          const x = d.months.map((m: MonthKpi) => Date.parse(`${m.month}-01T00:00:00Z`) / 1000);
          return (
            <Chart
              label="SAIDI and SAIFI by month, with and without major event days"
              testId="monthly"
              x={x}
              series={[
                { label: 'SAIDI', values: d.months.map((m) => m.saidi), color: PALETTE[0] },
                { label: 'SAIDI excl. MED', values: d.months.map((m) => m.saidi_excl_med), color: PALETTE[5] },
                { label: 'SAIFI', values: d.months.map((m) => m.saifi), color: PALETTE[1], scale: 'y2' },
                { label: 'SAIFI excl. MED', values: d.months.map((m) => m.saifi_excl_med), color: PALETTE[2], scale: 'y2' },
              ]}
            />
          );
        }}
      </Show>
    </Section>
  );
}

const WORST_COLUMNS: Column<WorstFeeder>[] = [
  { key: 'feeder', label: 'Feeder', value: (f) => f.feeder_name ?? f.feeder_id },
  { key: 'substation', label: 'Substation', value: (f) => f.substation_name ?? f.substation_id },
  { key: 'cmi', label: 'Cust. min', value: (f) => f.customer_minutes, render: (f) => fmt(f.customer_minutes), numeric: true },
  { key: 'n', label: 'Interruptions', value: (f) => f.interruptions, numeric: true },
  { key: 'saidi', label: 'SAIDI', value: (f) => f.saidi, render: (f) => fmt(f.saidi, 1), numeric: true },
];

function WorstFeeders() {
  const worst = useLoad(() => opsApi.worstFeeders(15), []);
  return (
    <Section title="Worst feeders (customer-minutes)">
      <Show value={worst} what="worst feeders">
        {(d) => (
          <Table label="worst feeders" testId="worst-feeders" columns={WORST_COLUMNS} rows={d.feeders} rowKey={(f) => f.feeder_id}
            initialSort={{ key: 'cmi', desc: true }} />
        )}
      </Show>
    </Section>
  );
}

export function History() {
  return (
    <>
      <Trends />
      <Monthly />
      <WorstFeeders />
    </>
  );
}
