import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench` end to end at the smallest settings: the production build as a child process, one REST level,
 * the mp3 row, one realtime session, the in-process limit and the sherpa-onnx peer. Structure only: the numbers
 * depend on the machine, so nothing here is timed.
 */
describe('npm run bench (smallest settings)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parakeet-bench-test-'));
  let code: number | null = null;
  let stdout = '';
  let result: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let html = '';

  beforeAll(async () => {
    const args = ['--levels', '1', '--seconds', '0.3', '--clips', '3', '--sessions', '1', '--turns', '1', '--max-batch', '2', '--mixed-long-s', '40', '--json', join(dir, 'out.json'), '--html', join(dir, 'out.html')];
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'scripts', 'bench.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    code = await new Promise((resolve) => child.on('exit', resolve));
    result = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    html = readFileSync(join(dir, 'out.html'), 'utf8');
  }, 90_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints progress and the headline ratios', () => {
    expect({ code, stdout: stdout.slice(-2000) }).toMatchObject({ code: 0 });
    expect(stdout).toMatch(/\[\s+\d+ s\] wav c= 1: RTFx/);
    expect(stdout).toMatch(/overhead_ratio \S+ +batching_gain \S+ +peer_ratio \S+/);
  });

  it('writes the three ratios as top-level numbers (null where the level was not run)', () => {
    expect(typeof result.overhead_ratio).toBe('number');
    expect(result.batching_gain).toBeNull(); // no concurrency 8 at these settings
    expect(result.peer_ratio).toBeNull(); // no concurrency 16
    expect(Object.keys(result.cpu_basis).sort()).toEqual(['batching_gain', 'overhead_ratio', 'peer_ratio']);
  });

  it('has one row per level with RTFx, percentiles, batch size, CPU and RSS, and the mp3 row', () => {
    expect(result.levels).toHaveLength(1);
    for (const row of [result.levels[0], result.mp3]) {
      expect(row.requests).toBeGreaterThan(0);
      expect(row.refused).toEqual({});
      for (const k of ['rtfx', 'mean_batch_size', 'cpu_pct', 'rss_mb_peak', 'audio_per_cpu_s']) expect(typeof row[k]).toBe('number');
      for (const p of ['p50', 'p95', 'p99']) expect(typeof row.latency_ms[p]).toBe('number');
      expect(Object.keys(row.breakdown).sort()).toEqual(['inference_ms', 'other_ms', 'preprocess_ms', 'queue_ms', 'requests', 'total_ms']);
    }
    expect(result.mp3.format).toBe('mp3');
  });

  it('measures short clips alone and beside long uploads (the mixed row)', () => {
    expect(result.mixed).toMatchObject({ short_s: 3, long_s: 40, long_count: 3, statuses: { '200': expect.any(Number) } });
    expect(Object.keys(result.mixed.statuses)).toEqual(['200']);
    for (const k of ['short_alone_ms', 'short_mixed_ms']) expect(typeof result.mixed[k].p50).toBe('number');
    expect(result.mixed.long_rtfx_alone).toBeGreaterThan(0);
    expect(result.mixed.long_rtfx_mixed).toBeGreaterThan(0);
  });

  it('measures the model limit at each batch size and the realtime turn latency', () => {
    expect(result.model_limit.rows.map((r: { batch: number }) => r.batch)).toEqual([1, 2]);
    expect(result.model_limit.max_batch_rtfx_samples).toHaveLength(2); // after the one level, after the server phase
    expect(result.realtime).toHaveLength(1);
    expect(result.realtime[0].completed).toBe(result.realtime[0].turns);
    expect(typeof result.realtime[0].stop_to_completed_ms.p95).toBe('number');
    expect(typeof result.wer.model).toBe('number');
    expect(typeof result.wer.service).toBe('number');
    expect(result.c1_overhead_ms.pairs).toBe(3);
    expect(typeof result.c1_overhead_ms.p50).toBe('number');
  });

  it('runs sherpa-onnx on the export, or says precisely why not', () => {
    if (result.peer.loaded) {
      expect(typeof result.peer.rtfx).toBe('number');
      expect(typeof result.peer.wer.wer).toBe('number');
    } else {
      expect(result.peer.error).toMatch(/\S/);
    }
  });

  it('writes one self-contained HTML page with the charts', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});
