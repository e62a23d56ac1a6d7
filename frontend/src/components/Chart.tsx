// Time-series charts with uPlot (canvas, ~20 kB brotli): lines or bars on one or two y
// scales, optionally stacked (values summed bottom-up before drawing), sized to the
// container's width.

import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  kind?: 'line' | 'bars';
  /** `y` (left, default) or `y2` (right). */
  scale?: 'y' | 'y2';
}

interface Props {
  /** X values: unix seconds for time charts, or category indexes with `categories`. */
  x: number[];
  series: ChartSeries[];
  height?: number;
  stacked?: boolean;
  categories?: string[];
  label: string;
  testId?: string;
}

export const PALETTE = ['#0ea5e9', '#f59e0b', '#a78bfa', '#22c55e', '#ef4444', '#14b8a6', '#f472b6', '#94a3b8'];

/** Bottom-up sums: series i drawn as the sum of 0..=i, so later bars sit on earlier ones. */
export function stack(values: (number | null)[][]): number[][] {
  const out: number[][] = [];
  values.forEach((v, i) => out.push(v.map((x, j) => (x ?? 0) + (i > 0 ? out[i - 1][j] : 0))));
  return out;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export function Chart({ x, series, height = 180, stacked = false, categories, label, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ys = stacked ? stack(series.map((s) => s.values)) : series.map((s) => s.values);
    // Stacked: draw the tallest (the total) first so each smaller sum shows on top of it.
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const text = cssVar('--muted', '#94a3b8');
    const grid = cssVar('--border', '#1e2a44');
    const axis = (scale: string, side?: number): uPlot.Axis => ({
      scale,
      side,
      stroke: text,
      grid: { stroke: grid, width: 1, show: scale === 'y' },
      ticks: { stroke: grid },
      size: 48,
    });
    const usesY2 = series.some((s) => s.scale === 'y2');
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: { x: { time: !categories }, ...(usesY2 ? { y2: { auto: true } } : {}) },
      axes: [
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          ...(categories ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => categories[v] ?? '') } : {}),
        },
        axis('y'),
        ...(usesY2 ? [axis('y2', 1)] : []),
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        {},
        ...order.map((i) => {
          const s = series[i];
          return {
            label: s.label,
            stroke: s.color,
            fill: s.kind === 'bars' ? `${s.color}cc` : undefined,
            width: s.kind === 'bars' ? 0 : 1.5,
            scale: s.scale ?? 'y',
            paths: s.kind === 'bars' ? uPlot.paths.bars!({ size: [0.8, 40] }) : undefined,
            points: { show: false },
          } satisfies uPlot.Series;
        }),
      ],
    };
    const data = [x, ...order.map((i) => ys[i])] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, height, stacked, categories]);
  return <div class="chart" ref={box} role="img" aria-label={label} data-testid={testId} data-points={x.length} />;
}
