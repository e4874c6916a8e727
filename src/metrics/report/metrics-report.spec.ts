import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildMetricsReport } from './metrics-report.js';
import { parseWindow } from './report-window.js';

const NOW = new Date('2026-11-26T10:00:00Z');
const at = (minutesAgo: number, fields: object = {}) =>
  JSON.stringify({ ts: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(), status: 'ok', code: 200, endpoint: 'transcriptions', duration_total_s: minutesAgo / 100, audio_len_s: 1, ...fields });

describe('buildMetricsReport', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parakeet-metrics-report-'));
    writeFileSync(join(dir, 'metrics.log'), [at(10), at(20, { endpoint: 'realtime' }), '{"ts":"2026-11-26T09:59', at(-5), ''].join('\n'));
    writeFileSync(join(dir, 'metrics.log.2026-11-25'), [at(50), at(100, { status: 'error', code: 503 }), 'garbage'].join('\n'));
    writeFileSync(join(dir, 'metrics.log.2026-11-24.gz'), gzipSync([at(200), at(5000)].join('\n')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('windows the lines of every file by their own ts and counts what it skipped', async () => {
    const { report } = await buildMetricsReport({ dir, windows: ['30m', '1h', '4h'].map(parseWindow), now: NOW });
    expect(report.windows.map((w) => [w.window, w.start, w.all.requests])).toEqual([
      ['30m', '2026-11-26T09:30:00.000Z', 2],
      ['1h', '2026-11-26T09:00:00.000Z', 3],
      ['4h', '2026-11-26T06:00:00.000Z', 5],
    ]);
    expect(report.windows[2].all.errorsByCode).toEqual({ '503': 1 });
    expect(Object.keys(report.windows[0].byEndpoint)).toEqual(['realtime', 'transcriptions']);
    expect(report.windows[0].byEndpoint.realtime.requests).toBe(1);
    // The 1 h window's successes have totals 0.1, 0.2 and 0.5 s.
    expect(report.windows[1].all.latency.total).toMatchObject({ p50: 0.2, p99: 0.5 });
    // 9 lines read (the trailing blank one is not a line); 2 corrupt; one in the future and one 5000 min ago are outside.
    expect(report.lines).toEqual({ read: 9, valid: 7, corrupt: 2, outside: 2 });
    expect(report.files).toEqual([
      { name: 'metrics.log.2026-11-24.gz', lines: 2, corrupt: 0 },
      { name: 'metrics.log.2026-11-25', lines: 3, corrupt: 1 },
      { name: 'metrics.log', lines: 4, corrupt: 1 },
    ]);
    expect(report.percentileMethod).toBe('nearest-rank');
  });

  it('records a file it could not read to the end and keeps going', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'parakeet-metrics-report-'));
    try {
      const zipped = gzipSync([at(1), at(2)].join('\n') + '\n' + 'x'.repeat(100_000));
      writeFileSync(join(broken, 'metrics.log.2026-11-25.gz'), zipped.subarray(0, zipped.length - 30));
      writeFileSync(join(broken, 'metrics.log'), at(3));
      const { report } = await buildMetricsReport({ dir: broken, windows: [parseWindow('1h')], now: NOW });
      expect(report.files[0]).toMatchObject({ name: 'metrics.log.2026-11-25.gz', error: expect.stringMatching(/unexpected end of file/) });
      expect(report.windows[0].all.requests).toBe(3);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
