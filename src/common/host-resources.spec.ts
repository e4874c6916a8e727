import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { HostResources } from './host-resources.js';

const roots: string[] = [];
function host(files: Record<string, string>): HostResources {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const h = new HostResources();
  h.cgroupRoot = root;
  return h;
}

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('HostResources', () => {
  it('no cgroup limits: the host', () => {
    const h = host({});
    expect([h.cores(), h.memoryBytes()]).toEqual([availableParallelism(), totalmem()]);
    expect(host({ 'cpu.max': 'max 100000\n', 'memory.max': 'max\n' }).cores()).toBe(availableParallelism());
  });

  it('cgroup v2 quota and memory limit, a fractional CPU rounded up, never above the host', () => {
    expect(host({ 'cpu.max': '150000 100000\n' }).cores()).toBe(Math.min(2, availableParallelism()));
    expect(host({ 'cpu.max': '50000 100000' }).cores()).toBe(1);
    expect(host({ 'cpu.max': '6400000 100000' }).cores()).toBe(availableParallelism());
    expect(host({ 'memory.max': String(2 ** 30) }).memoryBytes()).toBe(2 ** 30);
  });

  it('cgroup v1: CFS quota, and its "unlimited" memory sentinel ignored', () => {
    expect(host({ 'cpu/cpu.cfs_quota_us': '100000', 'cpu/cpu.cfs_period_us': '100000' }).cores()).toBe(1);
    expect(host({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' }).cores()).toBe(availableParallelism());
    expect(host({ 'memory/memory.limit_in_bytes': '9223372036854771712' }).memoryBytes()).toBe(totalmem());
  });
});
