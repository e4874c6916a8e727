import type { WindowReport } from './metrics-report.js';
import type { LatencySummary, WindowStats } from './window-stats.js';

/** One line of a window's table: a metric's label and its value for each column (all, then each endpoint). */
export interface ReportRow {
  label: string;
  values: string[];
  /** A sub-row (a status code under the error rate). */
  sub?: boolean;
}

export interface WindowTable {
  columns: string[];
  rows: ReportRow[];
}

const LATENCIES: [keyof WindowStats['latency'], string][] = [
  ['total', 'total'],
  ['inference', 'inference'],
  ['queueWait', 'queue wait'],
];
const PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const satisfies readonly (keyof LatencySummary)[];

/** A window as rows of metrics by columns of endpoints; the text table and the HTML page both print this. */
export function windowTable(w: WindowReport): WindowTable {
  const columns = ['all', ...Object.keys(w.byEndpoint)];
  const stats = [w.all, ...Object.values(w.byEndpoint)];
  const row = (label: string, value: (s: WindowStats) => string, sub = false): ReportRow => ({ label, values: stats.map(value), sub });
  const rows: ReportRow[] = [
    row('requests', (s) => String(s.requests)),
    row('errors', (s) => String(s.errors)),
    row('error rate', (s) => (s.errorRate === null ? '-' : `${(s.errorRate * 100).toFixed(2)} %`)),
  ];
  for (const code of Object.keys(w.all.codes)) rows.push(row(`code ${code}`, (s) => String(s.codes[code] ?? 0), true));
  for (const [key, name] of LATENCIES) {
    for (const p of PERCENTILES) rows.push(row(`${name} ${p} (ms)`, (s) => fixed(s.latency[key][p], 1, 1000)));
  }
  rows.push(
    row('mean batch size', (s) => fixed(s.meanBatchSize, 2)),
    row('RTFx (Σ audio / Σ total)', (s) => fixed(s.rtfx, 1)),
    row('mean request RTFx', (s) => fixed(s.meanRtfx, 1)),
    row('audio hours', (s) => (s.ok > 0 ? s.audioHours.toFixed(3) : '-')),
  );
  return { columns, rows };
}

function fixed(v: number | null, digits: number, scale = 1): string {
  return v === null ? '-' : (v * scale).toFixed(digits);
}
