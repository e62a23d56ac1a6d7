// KPI cards: SAIDI, SAIFI, active outages, total load and field crews from /api/kpi,
// refreshed every 10 s.

import { api, type Kpi } from './api';

export const KPI_REFRESH_MS = 10_000;

interface Card {
  key: string;
  label: string;
  value: (k: Kpi) => string;
  unit: string;
}

const number = (v: number, digits: number) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const CARDS: Card[] = [
  { key: 'saidi', label: 'SAIDI', value: (k) => number(k.indices.saidi_min, 1), unit: 'min / customer' },
  { key: 'saifi', label: 'SAIFI', value: (k) => number(k.indices.saifi, 3), unit: 'interruptions / customer' },
  {
    key: 'outages',
    label: 'Active outages',
    value: (k) => number(k.active_outages, 0),
    unit: 'customers out: ',
  },
  { key: 'load', label: 'Total load', value: (k) => number(k.total_load_mw, 1), unit: 'MW' },
  {
    key: 'crews',
    label: 'Field crews',
    value: (k) => (k.crews ? `${number(k.crews.available, 0)} / ${number(k.crews.total, 0)}` : '—'),
    unit: 'available / total',
  },
];

/** Draws the cards into `root` and keeps them fresh; returns a function that stops it. */
export function startKpis(root: HTMLElement): () => void {
  const values = new Map<string, { value: HTMLElement; unit: HTMLElement }>();
  for (const card of CARDS) {
    const el = document.createElement('div');
    el.className = 'kpi';
    el.dataset.kpi = card.key;
    const label = document.createElement('div');
    label.className = 'kpi-label';
    label.textContent = card.label;
    const value = document.createElement('div');
    value.className = 'kpi-value';
    value.textContent = '…';
    const unit = document.createElement('div');
    unit.className = 'kpi-unit';
    unit.textContent = card.unit;
    el.append(label, value, unit);
    root.append(el);
    values.set(card.key, { value, unit });
  }
  const refresh = async () => {
    try {
      const k = await api.kpi();
      for (const card of CARDS) {
        const v = values.get(card.key);
        if (!v) continue;
        v.value.textContent = card.value(k);
        if (card.key === 'outages') {
          const out = k.customers_out ?? k.customers_out_now ?? 0;
          v.unit.textContent = `customers out: ${number(out, 0)}`;
        }
      }
      root.dataset.updated = new Date().toISOString();
      root.classList.remove('stale');
    } catch {
      root.classList.add('stale');
    }
  };
  void refresh();
  const timer = window.setInterval(refresh, KPI_REFRESH_MS);
  return () => window.clearInterval(timer);
}
