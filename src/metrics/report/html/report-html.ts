import type { MetricsReport } from '../metrics-report.js';
import { windowTable } from '../report-rows.js';
import { reportHeader } from '../report-text.js';
import type { TimeBucket } from '../time-buckets.js';
import { esc, REPORT_STYLE, svgChart, type ChartSeries } from './svg-chart.js';

// Distinct on white and for the common forms of colour blindness (Okabe–Ito).
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

const STYLE = `${REPORT_STYLE}td.sub { padding-left: 24px; color: #555; }
`;

/**
 * The report as one self-contained HTML page: inline CSS and inline SVG only, so it can be mailed or
 * opened offline. Charts cover the widest window in `buckets`; the tables are the text report's.
 */
export function renderReportHtml(report: MetricsReport, buckets: TimeBucket[], bucketMs: number): string {
  const times = buckets.map((b) => b.endMs);
  const stat = <T>(pick: (b: TimeBucket) => T) => buckets.map(pick);
  const ms = (v: number | null) => (v === null ? null : v * 1000);
  const latency: ChartSeries[] = (['p50', 'p95', 'p99'] as const).map((p, i) => ({
    name: `${p} total`,
    color: PALETTE[i],
    values: stat((b) => ms(b.stats.latency.total[p])),
  }));
  const errorCodes = [...new Set(buckets.flatMap((b) => Object.keys(b.stats.errorsByCode)))].sort();
  const errors: ChartSeries[] = errorCodes.map((code, i) => ({
    name: code,
    color: PALETTE[(i + 3) % PALETTE.length],
    values: stat((b) => b.stats.errorsByCode[code] ?? 0),
  }));
  const per = `per ${bucketLabel(bucketMs)} bucket`;
  const charts = [
    svgChart({ title: `Latency percentiles of total duration, successful requests, ${per}`, unit: 'ms', times, series: latency, kind: 'line' }),
    svgChart({ title: `Requests, ${per}`, unit: 'requests', times, series: [{ name: 'requests', color: PALETTE[0], values: stat((b) => b.stats.requests) }], kind: 'bars', integer: true }),
    svgChart({ title: `Audio processed, ${per}`, unit: 's', times, series: [{ name: 'audio', color: PALETTE[2], values: stat((b) => b.stats.audioSeconds) }], kind: 'bars' }),
    svgChart({ title: `Errors by status code, ${per}`, unit: 'requests', times, series: errors, kind: 'bars', integer: true }),
  ];
  const tables = report.windows.map((w) => {
    const { columns, rows } = windowTable(w);
    const head = `<tr><th></th>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
    const body = rows.map((r) => `<tr><td class="label${r.sub ? ' sub' : ''}">${esc(r.label)}</td>${r.values.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`);
    return `<h2>Last ${esc(w.window)}: ${esc(w.start)} .. ${esc(w.end)}</h2>\n<table>\n${head}\n${body.join('\n')}\n</table>`;
  });
  const span = buckets.length > 0 ? `${new Date(buckets[0].startMs).toISOString()} .. ${new Date(times[times.length - 1]).toISOString()} (UTC)` : 'no time range';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>parakeet-nest metrics report ${esc(report.now)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    '<h1>parakeet-nest metrics report</h1>',
    ...reportHeader(report).map((line) => `<p class="meta">${esc(line)}</p>`),
    `<h2>Over time: ${esc(span)}</h2>`,
    ...charts,
    ...tables,
    '</body></html>',
    '',
  ].join('\n');
}

function bucketLabel(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}
