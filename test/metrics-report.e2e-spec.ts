import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runScript } from './helpers/processes.js';

const NOW = Date.parse('2026-11-26T10:00:00Z');

const metricsReport = (args: string[], env: Record<string, string> = {}) => runScript('metrics-report', args, env);

/** A line finished `minutesAgo` before NOW; a success unless `code` says otherwise. */
function line(minutesAgo: number, total: number | null, code = 200, endpoint = 'transcriptions'): string {
  const ok = code === 200;
  return JSON.stringify({
    ts: new Date(NOW - minutesAgo * 60_000).toISOString(),
    status: ok ? 'ok' : 'error',
    code,
    endpoint,
    request_id: `req-${minutesAgo}`,
    model: 'parakeet-tiny-en',
    provider: 'cpu',
    audio_len_s: ok ? 2 : null,
    duration_total_s: total,
    duration_inference_s: total === null ? null : total / 2,
    queue_wait_s: ok ? 0.01 : null,
    batch_size: ok ? 2 : null,
    lane: ok ? 0 : null,
    rtfx: ok && total ? 2 / total : null,
  });
}

/**
 * Successes with totals 0.1, 0.2, … s spread so that each window adds a known set: the percentiles below are
 * nearest-rank over the successes of each window, worked out by hand in the comments.
 */
const CURRENT = [line(5, 0.1), line(10, 0.2), line(15, 0.3), line(20, 0.4), line(25, 0.001, 429), line(28, 0.5, 200, 'realtime'), '{"ts":"2026-11-26T09:59:00.000Z","status":"ok","co'];
const ROTATED = [line(45, 0.6), line(50, null, 503, 'realtime'), 'not json at all', line(90, 0.7), line(150, 0.8)];
const ROTATED_GZ = [line(5 * 60, 0.9), line(10 * 60, 1.0), line(20 * 60, 0.002, 429), '{"status":"ok","code":200}', line(30 * 60, 2.0), line(4 * 24 * 60, 5.0)];

describe('npm run metrics:report', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parakeet-metrics-report-'));
    writeFileSync(join(dir, 'metrics.log'), CURRENT.join('\n')); // the crash-truncated line is the last one
    writeFileSync(join(dir, 'metrics.log.2026-11-25'), ROTATED.join('\n') + '\n');
    writeFileSync(join(dir, 'metrics.log.2026-11-24.gz'), gzipSync(ROTATED_GZ.join('\n') + '\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: counts, error rates and nearest-rank percentiles per window over the current, rotated and gzipped files', async () => {
    const { code, stdout, stderr } = await metricsReport(['--dir', dir, '--now', '2026-11-26T10:00:00Z', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.lines).toEqual({ read: 18, valid: 15, corrupt: 3, outside: 1 });
    expect(report.files.map((f: { name: string; corrupt: number }) => [f.name, f.corrupt])).toEqual([
      ['metrics.log.2026-11-24.gz', 1],
      ['metrics.log.2026-11-25', 1],
      ['metrics.log', 1],
    ]);
    const windows = Object.fromEntries(report.windows.map((w: { window: string }) => [w.window, w]));
    expect(Object.keys(windows)).toEqual(['30m', '1h', '3h', '6h', '12h', '24h', '3d']);
    expect(report.windows.map((w: { all: { requests: number } }) => w.all.requests)).toEqual([6, 8, 10, 11, 12, 13, 14]);
    expect(report.windows.map((w: { all: { errors: number } }) => w.all.errors)).toEqual([1, 2, 2, 2, 2, 3, 3]);

    // 30m: successes 0.1 … 0.5 (n = 5): p50 = rank 3, p90 = rank ceil(4.5) = 5.
    expect(windows['30m'].all.errorRate).toBeCloseTo(1 / 6, 12);
    expect(windows['30m'].all.errorsByCode).toEqual({ '429': 1 });
    expect(windows['30m'].all.latency.total).toEqual({ count: 5, p50: 0.3, p90: 0.5, p95: 0.5, p99: 0.5 });
    expect(windows['30m'].all.latency.inference).toEqual({ count: 5, p50: 0.15, p90: 0.25, p95: 0.25, p99: 0.25 });
    expect(windows['30m'].byEndpoint.transcriptions.latency.total).toEqual({ count: 4, p50: 0.2, p90: 0.4, p95: 0.4, p99: 0.4 });
    expect(windows['30m'].byEndpoint.realtime.requests).toBe(1);
    // 1h: 0.1 … 0.6 (n = 6): p50 = rank 3, p90 = rank ceil(5.4) = 6; the 503 comes from the rotated file.
    expect(windows['1h'].all.errorRate).toBe(0.25);
    expect(windows['1h'].all.codes).toEqual({ '200': 6, '429': 1, '503': 1 });
    expect(windows['1h'].all.latency.total).toMatchObject({ p50: 0.3, p90: 0.6, p99: 0.6 });
    // 3h: 0.1 … 0.8 (n = 8): p50 = rank 4, p90 = rank ceil(7.2) = 8.
    expect(windows['3h'].all.latency.total).toMatchObject({ count: 8, p50: 0.4, p90: 0.8 });
    // 3d: 0.1 … 1.0 and 2.0 (n = 11) from all three files: p50 = rank ceil(5.5) = 6, p90 = rank ceil(9.9) = 10, p95 = p99 = rank 11.
    expect(windows['3d'].all.errorRate).toBeCloseTo(3 / 14, 12);
    expect(windows['3d'].all.latency.total).toEqual({ count: 11, p50: 0.6, p90: 1.0, p95: 2.0, p99: 2.0 });
    expect(windows['3d'].all.latency.queueWait).toMatchObject({ count: 11, p50: 0.01 });
    expect(windows['3d'].all.meanBatchSize).toBe(2);
    expect(windows['3d'].all.audioSeconds).toBe(22);
    // Σ audio 22 s / Σ total (5.5 + 2.0) s.
    expect(windows['3d'].all.rtfx).toBeCloseTo(22 / 7.5, 12);
  });

  it('prints an aligned table per window with the corrupt lines counted', async () => {
    const { code, stdout } = await metricsReport(['--dir', dir, '--now', '2026-11-26T10:00:00Z', '--windows', '30m', '3d']);
    expect(code).toBe(0);
    expect(stdout).toContain('lines: 18 read, 15 valid, 3 corrupt (skipped), 1 outside the widest window');
    const blocks = stdout.split('== last ').slice(1);
    expect(blocks).toHaveLength(2);
    expect(blocks[0].split('\n')[0]).toBe('30m: 2026-11-26T09:30:00.000Z .. 2026-11-26T10:00:00.000Z ==');
    const row = (block: string, label: string) => block.split('\n').find((l) => l.startsWith(label))!.slice(label.length).trim().split(/\s+/);
    expect(blocks[0].split('\n')[1].trim().split(/\s+/)).toEqual(['all', 'realtime', 'transcriptions']);
    expect(row(blocks[0], 'requests')).toEqual(['6', '1', '5']);
    expect(row(blocks[0], 'error rate')).toEqual(['16.67', '%', '0.00', '%', '20.00', '%']);
    expect(row(blocks[0], '  code 429')).toEqual(['1', '0', '1']);
    expect(row(blocks[0], 'total p50 (ms)')).toEqual(['300.0', '500.0', '200.0']);
    expect(row(blocks[1], 'requests')).toEqual(['14', '2', '12']);
    expect(row(blocks[1], 'total p95 (ms)')).toEqual(['2000.0', '500.0', '2000.0']);
    expect(row(blocks[1], 'audio hours')).toEqual([(22 / 3600).toFixed(3), (2 / 3600).toFixed(3), (20 / 3600).toFixed(3)]);
  });

  it('--html writes one self-contained page with the SVG charts and the tables', async () => {
    const out = join(dir, 'report.html');
    const { code, stderr } = await metricsReport(['--dir', dir, '--now', '2026-11-26T10:00:00Z', '--html', out]);
    expect(code).toBe(0);
    expect(stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(4);
    for (const title of ['Latency percentiles of total duration', 'Requests, per 1 h bucket', 'Audio processed, per 1 h bucket', 'Errors by status code, per 1 h bucket']) {
      expect(html).toContain(title);
    }
    expect(html).toMatch(/<path d="M[\d.,ML]+" fill="none"/);
    expect(html).toContain('>429</text>');
    expect(html).toContain('<h2>Last 3d: 2026-11-23T10:00:00.000Z .. 2026-11-26T10:00:00.000Z</h2>');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('reads the directory the service writes to, PARAKEET_METRICS_DIR, without --dir', async () => {
    const { code, stdout } = await metricsReport(['--now', '2026-11-26T10:00:00Z', '--windows', '1h', '--json'], { PARAKEET_METRICS_DIR: dir });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.dir).toBe(dir);
    expect(report.windows[0].all.requests).toBe(8);
  });

  it('exits 2 with the usage for a bad window, 1 for a missing directory', async () => {
    const usage = await metricsReport(['--dir', dir, '--windows', '1w']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('bad window "1w"');
    expect(usage.stderr).toContain('usage: npm run metrics:report');
    const missing = await metricsReport(['--dir', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no metrics directory at');
  });
});
