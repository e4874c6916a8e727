import { execFile } from 'node:child_process';

export interface GpuMemorySample {
  /** nvidia-smi's GPU index. */
  device: string;
  usedBytes: number;
  totalBytes: number;
  /** What this process holds on that GPU (its sessions' weights, arenas and workspaces); null if not listed. */
  processBytes: number | null;
}

const MIB = 2 ** 20;

/**
 * nvidia-smi's CSV (`--format=csv,noheader,nounits`, MiB): GPUs as `index, uuid, memory.used, memory.total`,
 * compute processes as `gpu_uuid, pid, used_memory`.
 */
export function parseNvidiaSmiMemory(gpus: string, apps: string, pid: number): GpuMemorySample[] {
  const rows = (text: string) =>
    text
      .split('\n')
      .map((l) => l.split(',').map((c) => c.trim()))
      .filter((c) => c.length > 1);
  const byUuid = new Map<string, number>();
  for (const [uuid, appPid, used] of rows(apps)) {
    if (Number(appPid) === pid && Number.isFinite(Number(used))) byUuid.set(uuid, (byUuid.get(uuid) ?? 0) + Number(used) * MIB);
  }
  return rows(gpus)
    .filter(([, , used, total]) => Number.isFinite(Number(used)) && Number.isFinite(Number(total)))
    .map(([index, uuid, used, total]) => ({ device: index, usedBytes: Number(used) * MIB, totalBytes: Number(total) * MIB, processBytes: byUuid.get(uuid) ?? null }));
}

/**
 * GPU memory as the driver reports it, for /metrics. ONNX Runtime's CUDA provider exposes no allocator
 * statistics through onnxruntime-node, so nvidia-smi is asked, at most once per `maxAgeMs` however often
 * Prometheus scrapes; a missing or failing nvidia-smi gives no samples, never an error.
 */
export class GpuMemoryProbe {
  private cached: { at: number; samples: Promise<GpuMemorySample[]> } | null = null;

  constructor(
    private readonly binary = 'nvidia-smi',
    private readonly maxAgeMs = 5000,
  ) {}

  sample(): Promise<GpuMemorySample[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.maxAgeMs) this.cached = { at: now, samples: this.query() };
    return this.cached.samples;
  }

  private async query(): Promise<GpuMemorySample[]> {
    const run = (args: string[]) =>
      new Promise<string>((resolve) => execFile(this.binary, args, { timeout: 3000, encoding: 'utf8' }, (error, stdout) => resolve(error ? '' : stdout)));
    const [gpus, apps] = await Promise.all([
      run(['--query-gpu=index,uuid,memory.used,memory.total', '--format=csv,noheader,nounits']),
      run(['--query-compute-apps=gpu_uuid,pid,used_memory', '--format=csv,noheader,nounits']),
    ]);
    return parseNvidiaSmiMemory(gpus, apps, process.pid);
  }
}
