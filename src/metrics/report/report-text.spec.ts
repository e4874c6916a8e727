import { describe, expect, it } from '@jest/globals';
import type { MetricsReport } from './metrics-report.js';
import { summarizeWindow } from './metrics-report.js';
import { parseWindow } from './report-window.js';
import { formatReportText } from './report-text.js';
import { SampleTable } from './sample-table.js';

const NOW = Date.UTC(2026, 10, 26, 10);

function report(): MetricsReport {
  const t = new SampleTable();
  const add = (minutesAgo: number, endpoint: string, status: 'ok' | 'error', code: number, total: number | null) =>
    t.add({ ts: '', status, code, endpoint, duration_total_s: total, duration_inference_s: total, queue_wait_s: 0.002, audio_len_s: status === 'ok' ? 3 : null, batch_size: 2, rtfx: 30 }, NOW - minutesAgo * 60_000);
  add(1, 'transcriptions', 'ok', 200, 0.1);
  add(2, 'transcriptions', 'ok', 200, 0.3);
  add(3, 'realtime', 'ok', 200, 0.05);
  add(4, 'transcriptions', 'error', 429, null);
  return {
    now: new Date(NOW).toISOString(),
    dir: '/srv/logs/metrics',
    percentileMethod: 'nearest-rank',
    files: [{ name: 'metrics.log', lines: 5, corrupt: 1 }],
    lines: { read: 5, valid: 4, corrupt: 1, outside: 0 },
    windows: [summarizeWindow(t, parseWindow('30m'), NOW), summarizeWindow(t, parseWindow('1h'), NOW)],
  };
}

describe('formatReportText', () => {
  const text = formatReportText(report());
  const lines = text.split('\n');

  it('starts with the files read and the corrupt lines skipped', () => {
    expect(lines[0]).toBe('Metrics report of /srv/logs/metrics at 2026-11-26T10:00:00.000Z');
    expect(lines[1]).toBe('files: metrics.log (5 lines, 1 corrupt)');
    expect(lines[2]).toBe('lines: 5 read, 4 valid, 1 corrupt (skipped), 0 outside the widest window');
  });

  it('prints one table per window with a column per endpoint and right-aligned numbers', () => {
    expect(text).toContain('== last 30m: 2026-11-26T09:30:00.000Z .. 2026-11-26T10:00:00.000Z ==');
    expect(text).toContain('== last 1h: 2026-11-26T09:00:00.000Z .. 2026-11-26T10:00:00.000Z ==');
    const start = lines.findIndex((l) => l.startsWith('== last 30m'));
    const table = lines.slice(start + 1, lines.indexOf('', start));
    expect(table[0].trim().split(/\s+/)).toEqual(['all', 'realtime', 'transcriptions']);
    const row = (label: string) => table.find((l) => l.startsWith(label))!.slice(label.length).trim().split(/\s+/);
    expect(row('requests')).toEqual(['4', '1', '3']);
    expect(row('error rate')).toEqual(['25.00', '%', '0.00', '%', '33.33', '%']);
    expect(row('  code 429')).toEqual(['1', '0', '1']);
    expect(row('total p50 (ms)')).toEqual(['100.0', '50.0', '100.0']);
    expect(row('total p99 (ms)')).toEqual(['300.0', '50.0', '300.0']);
    expect(row('queue wait p50 (ms)')).toEqual(['2.0', '2.0', '2.0']);
    expect(row('RTFx (Σ audio / Σ total)')).toEqual([(9 / 0.45).toFixed(1), '60.0', '15.0']);
    expect(row('audio hours')).toEqual(['0.003', '0.001', '0.002']);
    // Every row of a table ends in the same column.
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
  });
});
