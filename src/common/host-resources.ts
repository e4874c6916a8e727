import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

/**
 * The CPU and memory this process may use. In a container the cgroup (v2, then v1) limits win over what
 * the host has: a pod limited to 2 CPUs on a 64-core node must size itself for 2.
 */
@Injectable()
export class HostResources {
  /** Where cgroup files are read (tests point it at a fixture tree). */
  cgroupRoot = '/sys/fs/cgroup';

  cores(): number {
    const host = availableParallelism();
    const v2 = this.read('cpu.max')?.split(/\s+/);
    if (v2 && v2[0] !== 'max') return clampCores(Number(v2[0]) / Number(v2[1]), host);
    const quota = Number(this.read('cpu/cpu.cfs_quota_us') ?? this.read('cpu,cpuacct/cpu.cfs_quota_us'));
    const period = Number(this.read('cpu/cpu.cfs_period_us') ?? this.read('cpu,cpuacct/cpu.cfs_period_us'));
    if (quota > 0 && period > 0) return clampCores(quota / period, host);
    return host;
  }

  memoryBytes(): number {
    const host = totalmem();
    const limit = Number(this.read('memory.max') ?? this.read('memory/memory.limit_in_bytes'));
    // cgroup v1 reports "no limit" as a huge number; anything above the host is no limit.
    return Number.isFinite(limit) && limit > 0 && limit < host ? limit : host;
  }

  private read(file: string): string | undefined {
    try {
      return readFileSync(`${this.cgroupRoot}/${file}`, 'utf8').trim();
    } catch {
      return undefined;
    }
  }
}

function clampCores(quota: number, host: number): number {
  return Number.isFinite(quota) && quota > 0 ? Math.max(1, Math.min(host, Math.ceil(quota))) : host;
}
