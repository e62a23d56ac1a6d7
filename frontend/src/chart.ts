// A small SVG chart of AMI interval energy: bars of kWh per bucket, peak demand as a line.
// Drawn with DOM calls (no library, nothing from another origin).

import type { AmiBucket } from './api';

const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** An SVG chart of `buckets` (`width` × `height` px). */
export function amiChart(buckets: AmiBucket[], width = 280, height = 120): SVGSVGElement {
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  const pad = { left: 34, right: 6, top: 8, bottom: 18 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const maxKwh = Math.max(1e-9, ...buckets.map((b) => b.kwh));
  const maxKw = Math.max(1e-9, ...buckets.map((b) => b.peak_kw));
  const step = buckets.length > 0 ? w / buckets.length : w;
  const title = el('title', {});
  title.textContent = `${buckets.length} intervals, peak ${maxKw.toFixed(1)} kW`;
  svg.append(title);
  buckets.forEach((b, i) => {
    const bh = (b.kwh / maxKwh) * h;
    svg.append(
      el('rect', {
        x: pad.left + i * step + step * 0.1,
        y: pad.top + h - bh,
        width: Math.max(1, step * 0.8),
        height: bh,
        class: 'bar',
      }),
    );
  });
  const points = buckets
    .map((b, i) => `${pad.left + (i + 0.5) * step},${pad.top + h - (b.peak_kw / maxKw) * h}`)
    .join(' ');
  if (buckets.length > 1) svg.append(el('polyline', { points, class: 'peak', fill: 'none' }));
  const axis = (y: number, text: string) => {
    const t = el('text', { x: pad.left - 4, y, 'text-anchor': 'end', class: 'axis' });
    t.textContent = text;
    svg.append(t);
  };
  axis(pad.top + 8, `${maxKwh.toFixed(maxKwh < 10 ? 1 : 0)}`);
  axis(pad.top + h, '0');
  const label = el('text', { x: pad.left, y: height - 4, class: 'axis' });
  label.textContent = 'kWh per hour (bars), peak kW (line)';
  svg.append(label);
  return svg;
}
