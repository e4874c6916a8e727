import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Live child processes of this process whose command name is `name` (read from /proc). */
export function childProcesses(name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (comm === name && Number(fields[1]) === process.pid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
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
