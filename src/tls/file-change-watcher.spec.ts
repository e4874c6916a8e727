import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileChangeWatcher } from './file-change-watcher.js';

/** Real files and directory events. (The real SIGHUP is sent to a real server in test/tls.e2e-spec.ts.) */
describe('FileChangeWatcher', () => {
  const dirs: string[] = [];
  const watchers: FileChangeWatcher[] = [];
  afterEach(() => {
    for (const w of watchers.splice(0)) w.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function watched(files: string[], options: { signal?: NodeJS.Signals } = {}) {
    const calls: string[][] = [];
    let wake = () => {};
    const w = new FileChangeWatcher(files, (reasons) => {
      calls.push(reasons);
      wake();
    }, { debounceMs: 100, pollMs: 60_000, ...options });
    watchers.push(w);
    w.start();
    const next = (count: number) => new Promise<void>((resolve) => {
      wake = () => calls.length >= count && resolve();
      wake();
    });
    return { w, calls, next };
  }

  function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'parakeet-watch-'));
    dirs.push(d);
    return d;
  }

  it('sees files replaced by rename (certbot, editors), the events of one swap coming as one call', async () => {
    const dir = tempDir();
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, 'a');
    writeFileSync(key, 'a');
    const { calls, next } = watched([cert, key]);
    writeFileSync(join(dir, 'tls.crt.new'), 'b');
    writeFileSync(join(dir, 'tls.key.new'), 'b');
    renameSync(join(dir, 'tls.crt.new'), cert);
    renameSync(join(dir, 'tls.key.new'), key);
    await next(1);
    expect(calls).toEqual([['file change']]);
  });

  it('sees a Kubernetes Secret update: the ..data symlink swapped to a new directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'tls.crt'), 'a');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
    const { calls, next } = watched([join(dir, 'tls.crt')]);
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'tls.crt'), 'b');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await next(1);
    expect(calls[0]).toEqual(['file change']);
  });

  it('answers its signal, and stops listening for it when closed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tls.crt'), 'a');
    const before = process.listenerCount('SIGHUP');
    const { w, calls, next } = watched([join(dir, 'tls.crt')], { signal: 'SIGHUP' });
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    // Jest's sandboxed `process` does not wire listeners to the real signal: a real SIGHUP would end the test run.
    process.emit('SIGHUP', 'SIGHUP');
    await next(1);
    expect(calls).toEqual([['SIGHUP']]);
    w.close();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});
