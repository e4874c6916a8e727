import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { listMetricFiles, readMetricFileLines, type MetricFile } from './metric-files.js';

async function collect(file: MetricFile): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readMetricFileLines(file)) out.push(line);
  return out;
}

describe('metric files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parakeet-metric-files-'));
    writeFileSync(join(dir, 'metrics.log'), 'current 1\ncurrent 2\n');
    writeFileSync(join(dir, 'metrics.log.2026-11-25'), 'a\r\nb\n\nc without newline');
    writeFileSync(join(dir, 'metrics.log.2026-11-25.2'), 'x\n');
    writeFileSync(join(dir, 'metrics.log.2026-11-25.10'), 'y\n');
    writeFileSync(join(dir, 'metrics.log.2026-11-24.gz'), gzipSync('zipped 1\nzipped 2\n'));
    // A compression cut short by a crash: the first lines are readable, then gunzip fails.
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const zipped = gzipSync(big);
    writeFileSync(join(dir, 'metrics.log.2026-11-23.gz'), zipped.subarray(0, zipped.length - 200));
    writeFileSync(join(dir, 'metrics.log.old'), 'not ours\n');
    writeFileSync(join(dir, 'notes.txt'), 'not ours\n');
    mkdirSync(join(dir, 'metrics.log.2026-11-22'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the current and rotated files, oldest first, and nothing else', async () => {
    const files = await listMetricFiles(dir);
    expect(files.map((f) => f.name)).toEqual([
      'metrics.log.2026-11-23.gz',
      'metrics.log.2026-11-24.gz',
      'metrics.log.2026-11-25',
      'metrics.log.2026-11-25.2',
      'metrics.log.2026-11-25.10',
      'metrics.log',
    ]);
    expect(files.map((f) => f.gzip)).toEqual([true, true, false, false, false, false]);
  });

  it('streams plain and gzipped lines, with CRLF and a last line without a newline', async () => {
    const files = await listMetricFiles(dir);
    const byName = (name: string) => files.find((f) => f.name === name)!;
    expect(await collect(byName('metrics.log'))).toEqual(['current 1', 'current 2']);
    expect(await collect(byName('metrics.log.2026-11-25'))).toEqual(['a', 'b', '', 'c without newline']);
    expect(await collect(byName('metrics.log.2026-11-24.gz'))).toEqual(['zipped 1', 'zipped 2']);
  });

  it('gives the lines of a truncated gzip file, then throws', async () => {
    const file = (await listMetricFiles(dir)).find((f) => f.name === 'metrics.log.2026-11-23.gz')!;
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const line of readMetricFileLines(file)) seen.push(line);
      })(),
    ).rejects.toThrow(/unexpected end of file/);
    expect(seen.length).toBeGreaterThan(1000);
    expect(seen[0]).toMatch(/^line 0 x+$/);
  });

  it('throws for a missing file', async () => {
    await expect(collect({ path: join(dir, 'gone'), name: 'gone', gzip: true })).rejects.toThrow(/ENOENT/);
  });
});
