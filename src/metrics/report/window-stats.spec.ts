import { describe, expect, it } from '@jest/globals';
import type { MetricFileLine } from './metric-file-line.js';
import { SampleTable } from './sample-table.js';
import { summarizeRows } from './window-stats.js';

const NOW = Date.UTC(2026, 10, 26, 10);

/**
 * A hand-checkable fixture: ten successes (six uploads with totals 0.1..0.6 s, four realtime turns with
 * 0.7..1.0 s, in shuffled order) and three failures whose durations must not reach the percentiles.
 */
function line(minutesAgo: number, fields: Partial<MetricFileLine>): [MetricFileLine, number] {
  const tsMs = NOW - minutesAgo * 60_000;
  return [{ ts: new Date(tsMs).toISOString(), status: 'ok', code: 200, endpoint: 'transcriptions', ...fields }, tsMs];
}
const upload = (total: number, audio: number, queue: number, batch: number) =>
  line(total * 10, { duration_total_s: total, duration_inference_s: total / 10, audio_len_s: audio, queue_wait_s: queue, batch_size: batch, rtfx: 10 });
const turn = (total: number, rtfx: number) =>
  line(total * 10, { endpoint: 'realtime', duration_total_s: total, duration_inference_s: total / 10, audio_len_s: 2, queue_wait_s: null, batch_size: 1, rtfx });
const FIXTURE: [MetricFileLine, number][] = [
  upload(0.4, 4, 0.03, 4),
  turn(0.8, 2.5),
  upload(0.1, 1, 0.0, 1),
  upload(0.3, 3, 0.02, 3),
  turn(1.0, 2.0),
  upload(0.6, 6, 0.05, 1),
  line(1, { status: 'error', code: 429, duration_total_s: 0.001 }),
  upload(0.2, 2, 0.01, 2),
  turn(0.7, 2.9),
  line(2, { status: 'error', code: 500, duration_total_s: 9, duration_inference_s: 8, audio_len_s: 30, batch_size: 8 }),
  upload(0.5, 5, 0.04, 1),
  turn(0.9, 2.2),
  line(3, { endpoint: 'realtime', status: 'error', code: 503 }),
];

function table(lines: [MetricFileLine, number][]): SampleTable {
  const t = new SampleTable();
  for (const [l, ts] of lines) t.add(l, ts);
  return t;
}
const allRows = (t: SampleTable) => t.rowsBetween(-Infinity, Infinity);

describe('summarizeRows', () => {
  const t = table(FIXTURE);

  it('computes nearest-rank percentiles of the successful requests only', () => {
    const s = summarizeRows(t, allRows(t));
    // Sorted totals 0.1 … 1.0 (n = 10): p50 = rank 5, p90 = rank 9, p95 = rank ceil(9.5) = 10, p99 = rank 10.
    expect(s.latency.total).toEqual({ count: 10, p50: 0.5, p90: 0.9, p95: 1.0, p99: 1.0 });
    // Inference is a tenth of each total: 0.01 … 0.1.
    expect(s.latency.inference).toEqual({ count: 10, p50: 0.05, p90: 0.09, p95: 0.1, p99: 0.1 });
    // Queue waits only on the uploads: 0, 0.01, …, 0.05 (n = 6): p50 = rank 3, p90 = rank ceil(5.4) = 6.
    expect(s.latency.queueWait).toEqual({ count: 6, p50: 0.02, p90: 0.05, p95: 0.05, p99: 0.05 });
  });

  it('counts requests, errors and codes over every line', () => {
    const s = summarizeRows(t, allRows(t));
    expect(s.requests).toBe(13);
    expect(s.ok).toBe(10);
    expect(s.errors).toBe(3);
    expect(s.errorRate).toBeCloseTo(3 / 13, 12);
    expect(s.codes).toEqual({ '200': 10, '429': 1, '500': 1, '503': 1 });
    expect(s.errorsByCode).toEqual({ '429': 1, '500': 1, '503': 1 });
  });

  it('computes batch size, RTFx and audio from the successes', () => {
    const s = summarizeRows(t, allRows(t));
    expect(s.meanBatchSize).toBeCloseTo((4 + 1 + 3 + 1 + 2 + 1 + 4 * 1) / 10, 12); // 1.6
    // Σ audio = 21 s of uploads + 8 s of turns; Σ total = 2.1 + 3.4 = 5.5 s.
    expect(s.rtfx).toBeCloseTo(29 / 5.5, 12);
    expect(s.meanRtfx).toBeCloseTo((6 * 10 + 2.5 + 2.0 + 2.9 + 2.2) / 10, 12); // 6.96
    expect(s.audioSeconds).toBeCloseTo(29, 12);
    expect(s.audioHours).toBeCloseTo(29 / 3600, 12);
  });

  it('summarises one endpoint from its own rows', () => {
    const rows = allRows(t).filter((r) => t.endpoint(r) === 'realtime');
    const s = summarizeRows(t, rows);
    expect(s.requests).toBe(5);
    expect(s.codes).toEqual({ '200': 4, '503': 1 });
    // 0.7, 0.8, 0.9, 1.0: p50 = rank 2, p90 = rank ceil(3.6) = 4.
    expect(s.latency.total).toEqual({ count: 4, p50: 0.8, p90: 1.0, p95: 1.0, p99: 1.0 });
    expect(s.latency.queueWait).toEqual({ count: 0, p50: null, p90: null, p95: null, p99: null });
    expect(s.rtfx).toBeCloseTo(8 / 3.4, 12);
  });

  it('gives nulls, not zeros or NaN, for no requests', () => {
    const s = summarizeRows(t, new Uint32Array(0));
    expect(s).toMatchObject({ requests: 0, errors: 0, errorRate: null, meanBatchSize: null, rtfx: null, meanRtfx: null, audioSeconds: 0, codes: {} });
    expect(s.latency.total.p50).toBeNull();
  });
});

describe('SampleTable.rowsBetween', () => {
  it('gives rows with start < ts <= end in time order, whatever order they were added in', () => {
    const t = table([line(5, {}), line(60, {}), line(0, {}), line(30, {}), line(-1, {})]);
    const ago = (rows: Uint32Array) => [...rows].map((r) => (NOW - t.ts(r)) / 60_000);
    expect(ago(t.rowsBetween(NOW - 30 * 60_000, NOW))).toEqual([5, 0]); // 30 min ago is outside (start is exclusive)
    expect(ago(t.rowsBetween(NOW - 60 * 60_000 - 1, NOW))).toEqual([60, 30, 5, 0]); // and the future is outside
  });

  it('grows past its first capacity without losing rows', () => {
    const t = table(Array.from({ length: 3000 }, (_, i) => line(i / 100, { duration_total_s: i })));
    expect(t.length).toBe(3000);
    const rows = t.rowsBetween(-Infinity, Infinity);
    expect(t.value('total', rows[0])).toBe(2999);
    expect(t.value('total', rows[2999])).toBe(0);
  });
});
