/**
 * `digest --format html`: one self-contained page (inline CSS, the trend
 * as an inline SVG line chart with its legend; no script, no external
 * asset), readable in any browser or mail client. Every string from the
 * input is HTML-escaped; the blocks it is made of are the text format's.
 */
import type { Digest, TrendWeek } from '../../../analyzers/history/model.js';
import { DRIFT_SECTIONS, type DriftSection } from '../../../analyzers/history/model.js';
import { digestBlocks, windowText } from './blocks.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const COLOURS: Record<DriftSection, string> = {
  contradicted: '#c0392b',
  undocumented: '#2471a3',
  leaf: '#7d3c98',
  stale: '#b9770e',
  document: '#1e8449',
};

/** The trend as an SVG line chart: one polyline per section, week labels under the axis, a legend on the right. */
export function trendSvg(trend: TrendWeek[]): string {
  const W = 640;
  const H = 260;
  const left = 40;
  const right = 150;
  const top = 20;
  const bottom = 60;
  const max = Math.max(1, ...trend.flatMap((t) => DRIFT_SECTIONS.map((s) => t.counts[s])));
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const x = (i: number): number => left + (trend.length > 1 ? (i * plotW) / (trend.length - 1) : plotW / 2);
  const y = (v: number): number => top + plotH - (v * plotH) / max;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Drift items per ISO week">`);
  parts.push(`<title>Drift items per ISO week</title>`);
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#444"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#444"/>`);
  for (const v of [0, Math.round(max / 2), max]) {
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v}</text>`);
  }
  trend.forEach((t, i) => {
    parts.push(`<text x="${x(i)}" y="${top + plotH + 14}" font-size="10" text-anchor="end" transform="rotate(-40 ${x(i)} ${top + plotH + 14})">${escapeHtml(t.week)}</text>`);
  });
  DRIFT_SECTIONS.forEach((s, k) => {
    const points = trend.map((t, i) => `${x(i).toFixed(1)},${y(t.counts[s]).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${COLOURS[s]}" stroke-width="2" points="${points}"><title>${s}</title></polyline>`);
    const ly = top + 14 + k * 18;
    parts.push(`<line x1="${W - right + 12}" y1="${ly - 4}" x2="${W - right + 30}" y2="${ly - 4}" stroke="${COLOURS[s]}" stroke-width="2"/>`);
    parts.push(`<text x="${W - right + 36}" y="${ly}" font-size="12">${s} (${trend.at(-1)?.counts[s] ?? 0})</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderDigestHtml(d: Digest): string {
  const body: string[] = [];
  let open = false;
  for (const b of digestBlocks(d)) {
    if (b.level === 0) {
      if (open) body.push('</div>');
      body.push(`<h2>${escapeHtml(b.text)}</h2>`, '<div class="section">');
      open = true;
      if (b.text.startsWith('Trend')) body.push(trendSvg(d.trend));
      continue;
    }
    const cls = /^\d{4}-W\d{2} |^week /.test(b.text) ? ' class="row"' : '';
    body.push(`<p style="margin-left:${(b.level - 1) * 1.5}em"${cls}>${escapeHtml(b.text)}</p>`);
  }
  if (open) body.push('</div>');
  const title = `Locking-doc drift, ${windowText(d)}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}p{margin:.2em 0}.row{font-family:monospace;white-space:pre}h2{border-bottom:1px solid #ccc}</style>',
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The registry's entry point. */
export const renderDigest = (d: Digest): string => renderDigestHtml(d);
