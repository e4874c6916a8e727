import { describe, expect, it } from '@jest/globals';
import type { MetricsReport } from '../metrics-report.js';
import { summarizeWindow } from '../metrics-report.js';
import { parseWindow } from '../report-window.js';
import { SampleTable } from '../sample-table.js';
import { timeBuckets } from '../time-buckets.js';
import { renderReportHtml } from './report-html.js';
import { svgChart, yTicks } from './svg-chart.js';

const NOW = Date.UTC(2026, 10, 26, 10);
const MIN = 60_000;

describe('renderReportHtml', () => {
  const t = new SampleTable();
  t.add({ ts: '', status: 'ok', code: 200, endpoint: 'transcriptions', duration_total_s: 0.2, audio_len_s: 4 }, NOW - 5 * MIN);
  t.add({ ts: '', status: 'error', code: 503, endpoint: 'realtime' }, NOW - 25 * MIN);
  const report: MetricsReport = {
    now: new Date(NOW).toISOString(),
    dir: '/tmp/<metrics>',
    percentileMethod: 'nearest-rank',
    files: [],
    lines: { read: 2, valid: 2, corrupt: 0, outside: 0 },
    windows: [summarizeWindow(t, parseWindow('30m'), NOW)],
  };
  const html = renderReportHtml(report, timeBuckets(t, NOW, 30 * MIN, 10 * MIN), 10 * MIN);

  it('is one self-contained page: inline CSS and SVG, nothing loaded from elsewhere', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('/tmp/&lt;metrics&gt;');
  });

  it('draws the latency, throughput and error charts and the window tables', () => {
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('Latency percentiles of total duration, successful requests, per 10 min bucket (ms)');
    expect(html).toContain('Requests, per 10 min bucket');
    expect(html).toContain('Audio processed, per 10 min bucket (s)');
    expect(html).toContain('Errors by status code, per 10 min bucket');
    expect(html).toContain('<title>p95 total 2026-11-26 10:00: 200 ms</title>');
    expect(html).toContain('<title>503 2026-11-26 09:40: 1 requests</title>');
    expect(html).toContain('<h2>Last 30m: 2026-11-26T09:30:00.000Z .. 2026-11-26T10:00:00.000Z</h2>');
    expect(html).toContain('<td class="label">requests</td><td>2</td><td>1</td><td>1</td>');
  });
});

describe('svgChart', () => {
  it('breaks a line at a bucket without data instead of drawing a zero', () => {
    const svg = svgChart({ title: 't', unit: 'ms', times: [1, 2, 3, 4], series: [{ name: 'p50', color: '#000', values: [1, null, 3, 4] }], kind: 'line' });
    const d = /<path d="([^"]+)"/.exec(svg)![1];
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
  });

  it('says so when there is nothing to draw', () => {
    expect(svgChart({ title: 't', unit: 'n', times: [1, 2], series: [], kind: 'bars' })).toContain('none in this range');
  });
});

describe('yTicks', () => {
  it('uses round steps from 0 up to at least the maximum', () => {
    expect(yTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(yTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(yTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(yTicks(0)).toEqual([0, 1]);
    expect(yTicks(2, true)).toEqual([0, 1, 2]);
  });
});
