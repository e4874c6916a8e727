import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceMetrics } from '../metrics/service-metrics.js';
import { GpuMemoryProbe, parseNvidiaSmiMemory } from './gpu-memory.js';

const MiB = 2 ** 20;
const GPUS = '0, GPU-aaaa, 30512, 81559\n1, GPU-bbbb, 1, 81559\n';

describe('GPU memory for /metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parakeet-gpu-memory-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads nvidia-smi CSV: card totals, and what this process holds on each card', () => {
    const apps = `GPU-aaaa, 4242, 30000\nGPU-aaaa, 999, 500\n`;
    expect(parseNvidiaSmiMemory(GPUS, apps, 4242)).toEqual([
      { device: '0', usedBytes: 30512 * MiB, totalBytes: 81559 * MiB, processBytes: 30000 * MiB },
      { device: '1', usedBytes: 1 * MiB, totalBytes: 81559 * MiB, processBytes: null },
    ]);
    expect(parseNvidiaSmiMemory('', '', 1)).toEqual([]);
    expect(parseNvidiaSmiMemory('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n', '', 1)).toEqual([]);
  });

  it('asks a real nvidia-smi process at most once per interval; without one there are no samples', async () => {
    const calls = join(dir, 'calls');
    const smi = join(dir, 'nvidia-smi');
    writeFileSync(smi, `#!/bin/sh\necho "$1" >> ${calls}\ncase "$1" in --query-gpu*) printf '${GPUS}';; *) echo "GPU-aaaa, $PPID, 2048";; esac\n`);
    chmodSync(smi, 0o755);
    const probe = new GpuMemoryProbe(smi, 60_000);
    const first = await probe.sample();
    expect(first.map((s) => s.device)).toEqual(['0', '1']);
    expect(first[0].usedBytes).toBe(30512 * MiB);
    await probe.sample();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(2); // one GPU query, one process query
    expect(await new GpuMemoryProbe(join(dir, 'missing-nvidia-smi')).sample()).toEqual([]);
  });

  it('appears in the Prometheus exposition only when a GPU source is set', async () => {
    const base = { queueDepth: () => 0, admittedRequests: () => 0, activeSessions: () => 0, busyLanes: () => 0, droppedLines: () => 0 };
    const cpu = await new ServiceMetrics(base).registry.metrics();
    expect(cpu).toContain('# TYPE parakeet_gpu_memory_bytes gauge');
    expect(cpu).not.toMatch(/^parakeet_gpu_memory_bytes\{/m);
    const gpu = await new ServiceMetrics({ ...base, gpuMemory: async () => parseNvidiaSmiMemory(GPUS, 'GPU-aaaa, 7, 100', 7) }).registry.metrics();
    expect(gpu).toContain(`parakeet_gpu_memory_bytes{device="0",kind="used"} ${30512 * MiB}`);
    expect(gpu).toContain(`parakeet_gpu_memory_bytes{device="0",kind="process"} ${100 * MiB}`);
    expect(gpu).toContain(`parakeet_gpu_memory_bytes{device="1",kind="total"} ${81559 * MiB}`);
    expect(gpu).not.toContain('device="1",kind="process"');
  });
});
