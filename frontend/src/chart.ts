// The details panel's AMI chart (kWh per bucket as bars, peak kW as a line) with uPlot;
// loaded on demand by details.ts so the first view does not carry the chart library.

import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import type { AmiBucket } from './api';

/** A chart of `buckets` in a new element (320 px wide, the panel's width). */
export function amiChart(buckets: AmiBucket[]): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart';
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', 'AMI kWh per hour and peak kW');
  box.dataset.points = String(buckets.length);
  const x = buckets.map((b) => Date.parse(b.start) / 1000);
  const css = getComputedStyle(document.documentElement);
  const muted = css.getPropertyValue('--muted').trim() || '#94a3b8';
  const grid = css.getPropertyValue('--border').trim() || '#1e2a44';
  const ax = (scale: string, side?: number): uPlot.Axis => ({ scale, side, stroke: muted, grid: { stroke: grid, show: side === undefined }, size: 40 });
  new uPlot(
    {
      width: 290,
      height: 150,
      scales: { x: { time: true }, kw: { auto: true } },
      axes: [{ stroke: muted, grid: { stroke: grid } }, ax('y'), ax('kw', 1)],
      series: [
        {},
        { label: 'kWh', stroke: '#0ea5e9', fill: '#0ea5e9aa', width: 0, paths: uPlot.paths.bars!({ size: [0.8, 20] }), points: { show: false } },
        { label: 'peak kW', stroke: '#f59e0b', width: 1.5, scale: 'kw', points: { show: false } },
      ],
    },
    [x, buckets.map((b) => b.kwh), buckets.map((b) => b.peak_kw)],
    box,
  );
  return box;
}
