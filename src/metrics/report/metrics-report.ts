import { loadMetrics, type FileReadSummary, type LineCounts } from './metrics-reader.js';
import { windowSpan, type ReportWindow } from './report-window.js';
import type { SampleTable } from './sample-table.js';
import { summarizeRows, type WindowStats } from './window-stats.js';

export interface WindowReport {
  /** The window as given (`30m`, `3d`). */
  window: string;
  /** ISO times; the window holds lines with start < ts <= end. */
  start: string;
  end: string;
  all: WindowStats;
  /** One entry per endpoint seen in any window, so every window lists the same endpoints. */
  byEndpoint: Record<string, WindowStats>;
}

/** The report `--json` prints and the table and HTML page are drawn from. */
export interface MetricsReport {
  now: string;
  dir: string;
  percentileMethod: 'nearest-rank';
  files: FileReadSummary[];
  lines: LineCounts;
  windows: WindowReport[];
}

export interface MetricsReportInput {
  dir: string;
  windows: ReportWindow[];
  now: Date;
}

/** Reads the directory once, keeping the widest window's lines, and summarises each window. */
export async function buildMetricsReport(input: MetricsReportInput): Promise<{ report: MetricsReport; table: SampleTable }> {
  if (input.windows.length === 0) throw new Error('no report windows given');
  const nowMs = input.now.getTime();
  const widest = Math.max(...input.windows.map((w) => w.ms));
  const { table, files, lines } = await loadMetrics(input.dir, nowMs - widest, nowMs);
  const report: MetricsReport = {
    now: input.now.toISOString(),
    dir: input.dir,
    percentileMethod: 'nearest-rank',
    files,
    lines,
    windows: input.windows.map((w) => summarizeWindow(table, w, nowMs)),
  };
  return { report, table };
}

export function summarizeWindow(table: SampleTable, window: ReportWindow, nowMs: number): WindowReport {
  const { startMs, endMs } = windowSpan(window, nowMs);
  const rows = table.rowsBetween(startMs, endMs);
  const byEndpoint: Record<string, WindowStats> = {};
  for (const endpoint of [...table.endpointNames].sort()) {
    byEndpoint[endpoint] = summarizeRows(table, rows.filter((row) => table.endpoint(row) === endpoint));
  }
  return {
    window: window.label,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    all: summarizeRows(table, rows),
    byEndpoint,
  };
}
