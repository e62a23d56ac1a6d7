// A small sortable table: click (or Enter/Space on) a header to sort, rows are focusable and
// Enter/Space selects one, ArrowUp/ArrowDown move between rows. Renders at most `limit` rows
// (the rest are counted), so long live lists stay cheap to redraw.

import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  label: string;
  /** The sort value (and the cell text unless `render` is given). */
  value: (row: T) => string | number | null;
  render?: (row: T) => ComponentChildren;
  numeric?: boolean;
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  onSelect?: (row: T) => void;
  selected?: string | number | null;
  initialSort?: { key: string; desc: boolean };
  limit?: number;
  label: string;
  testId?: string;
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

export function Table<T>({ columns, rows, rowKey, onSelect, selected, initialSort, limit = 200, label, testId }: Props<T>) {
  const [sort, setSort] = useState(initialSort ?? null);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.key === sort.key);
    if (!col) return rows;
    const out = [...rows].sort((a, b) => compare(col.value(a), col.value(b)));
    if (sort.desc) out.reverse();
    return out;
  }, [rows, sort, columns]);
  const shown = sorted.slice(0, limit);
  const toggle = (key: string) =>
    setSort((s) => (s && s.key === key ? { key, desc: !s.desc } : { key, desc: false }));
  const onKey = (e: KeyboardEvent, row: T) => {
    const tr = e.currentTarget as HTMLElement;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect?.(row);
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      (tr.nextElementSibling as HTMLElement | null)?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      (tr.previousElementSibling as HTMLElement | null)?.focus();
    }
  };
  return (
    <div class="table-wrap">
      <table class="data" aria-label={label} data-testid={testId} data-rows={rows.length}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                class={c.numeric ? 'num' : undefined}
                aria-sort={sort?.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              >
                <button type="button" onClick={() => toggle(c.key)} data-sort={c.key}>
                  {c.label}
                  {sort?.key === c.key ? (sort.desc ? ' ▾' : ' ▴') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const k = rowKey(row);
            return (
              <tr
                key={k}
                data-key={k}
                tabIndex={onSelect ? 0 : undefined}
                class={selected === k ? 'selected' : undefined}
                aria-selected={onSelect ? selected === k : undefined}
                onClick={onSelect ? () => onSelect(row) : undefined}
                onKeyDown={onSelect ? (e) => onKey(e, row) : undefined}
              >
                {columns.map((c) => (
                  <td key={c.key} class={c.numeric ? 'num' : undefined} data-col={c.key}>
                    {c.render ? c.render(row) : (c.value(row) ?? '—')}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length > shown.length && (
        <p class="muted">
          {shown.length} of {rows.length} shown
        </p>
      )}
      {rows.length === 0 && <p class="muted">none</p>}
    </div>
  );
}
