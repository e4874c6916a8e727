import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DirectoryLockedError extends Error {
  override name = 'DirectoryLockedError';
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file in a download directory, so two processes never write into one directory. A
 * lock left by a process that died on this host is taken over; one from another host (a shared volume)
 * is respected, since its owner cannot be checked from here.
 */
export class DirectoryLock {
  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  static acquire(dir: string): DirectoryLock {
    const path = join(dir, '.fetch-model.lock');
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    const token = JSON.stringify(owner);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, token);
        closeSync(fd);
        return new DirectoryLock(path, token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let held: Partial<LockOwner> = {};
      try {
        held = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
      } catch {
        // A lock being written this instant, or garbage: treat as held.
      }
      const stale = held.host === owner.host && typeof held.pid === 'number' && !alive(held.pid);
      if (!stale || attempt > 0) {
        throw new DirectoryLockedError(
          `${dir} is locked by another download (process ${held.pid ?? '?'} on ${held.host ?? '?'} since ${held.since ?? '?'}); wait for it to finish, or delete ${path} if that process is gone`,
        );
      }
      unlinkSync(path);
    }
    throw new DirectoryLockedError(`${dir}: cannot take the lock ${path}`);
  }

  release(): void {
    try {
      if (readFileSync(this.path, 'utf8') === this.token) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}
