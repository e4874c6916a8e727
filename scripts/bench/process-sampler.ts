import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The process and every live process below it (the decoder host and the ffmpeg processes it runs). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(Number(entry))[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // ended while we looked
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/**
 * CPU seconds of a process and everything below it, live or reaped (ffmpeg runs under the decoder host, a
 * child of the server), from /proc/<pid>/stat.
 */
export function cpuSeconds(pid: number): number {
  let jiffies = 0;
  for (const p of processTree(pid)) {
    try {
      const f = statFields(p);
      jiffies += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      if (p === pid) throw new Error(`process ${pid} is gone`);
    }
  }
  return jiffies / CLK_TCK;
}

/** Resident set size in MiB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Busy and total jiffies of all CPUs together, from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((s, v) => s + v, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export interface ProcessUsage {
  /** CPU time ÷ wall time × 100 (200 % = both cores of a 2-core machine). */
  cpu_pct: number;
  rss_mb_peak: number;
  rss_mb_mean: number;
  /** CPU the whole machine used meanwhile, in % of one core (so 200 % is a full 2-core box). */
  machine_cpu_pct: number;
  /** CPU seconds the server used over the level. */
  cpu_s: number;
}

/** Samples a process (the server) over one benchmark level: CPU % over the level, RSS every 200 ms. */
export class ProcessSampler {
  private cpu0 = 0;
  private machine0 = { busy: 0, total: 0 };
  private t0 = 0;
  private rss: number[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly pid: number) {}

  start(): void {
    this.cpu0 = cpuSeconds(this.pid);
    this.machine0 = machineJiffies();
    this.t0 = performance.now();
    this.rss = [rssMb(this.pid)];
    this.timer = setInterval(() => {
      try {
        this.rss.push(rssMb(this.pid));
      } catch {
        // the process ended
      }
    }, 200);
  }

  stop(): ProcessUsage {
    clearInterval(this.timer);
    const wallS = (performance.now() - this.t0) / 1000;
    const cpu = cpuSeconds(this.pid) - this.cpu0;
    const m = machineJiffies();
    const cores = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l)).length || 1;
    this.rss.push(rssMb(this.pid));
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      cpu_pct: round((100 * cpu) / wallS),
      rss_mb_peak: round(Math.max(...this.rss)),
      rss_mb_mean: round(this.rss.reduce((s, v) => s + v, 0) / this.rss.length),
      machine_cpu_pct: round((100 * cores * (m.busy - this.machine0.busy)) / Math.max(1, m.total - this.machine0.total)),
      cpu_s: Math.round(cpu * 100) / 100,
    };
  }
}
