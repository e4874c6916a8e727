import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Live processes named `name` that descend from this process (read from /proc): ffmpeg runs as a grandchild,
 * under the decoder host.
 */
export function childProcesses(name: string): number[] {
  return descendants(process.pid)
    .filter((p) => p.comm === name)
    .map((p) => p.pid);
}

/** Live (not zombie) processes that descend from `root`, with their command names. */
export function descendants(root: number): { pid: number; comm: string }[] {
  const procs = new Map<number, { comm: string; ppid: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] !== 'Z') procs.set(Number(entry), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(fields[1]) });
    } catch {
      // the process ended while we looked
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid, hops = 0; p !== undefined && p > 1 && hops < 64; p = procs.get(p)?.ppid, hops++) if (p === root) return true;
    return false;
  };
  return [...procs].filter(([pid]) => descends(pid)).map(([pid, p]) => ({ pid, comm: p.comm }));
}

/** Whether `pid` is still a live process (a zombie awaiting its parent's wait counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export function openFileCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Open descriptors that are not sockets: files and pipes, where a leaked spool file or ffmpeg pipe would show.
 * (Sockets are left out because the test's own HTTP client keeps its connections alive in this process.)
 */
export function openNonSocketFileCount(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (!readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

/** Runs a built script (`dist/scripts/NAME.js`) as a child process with only PATH and `env` set. */
export function runScript(name: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'scripts', `${name}.js`), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}
