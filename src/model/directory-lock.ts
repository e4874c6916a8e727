import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
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

/** A holder touches its lock this often; a lock untouched for STALE_AFTER_MS has lost its holder. */
const HEARTBEAT_MS = 15_000;
const STALE_AFTER_MS = 120_000;

function untouchedFor(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * An exclusive lock file in a download directory, so two processes never write into one directory. The
 * holder touches the file while it works. A lock is taken over when its process has died on this host,
 * or when nobody has touched it for two minutes (a holder on another host of a shared volume that died).
 */
export class DirectoryLock {
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {
    this.heartbeat = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // Removed under us: release() will notice.
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

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
      const deadHere = held.host === owner.host && typeof held.pid === 'number' && !alive(held.pid);
      const stale = deadHere || untouchedFor(path) > STALE_AFTER_MS;
      if (!stale || attempt > 0) {
        throw new DirectoryLockedError(
          `${dir} is locked by another download (process ${held.pid ?? '?'} on ${held.host ?? '?'} since ${held.since ?? '?'}); wait for it to finish (a lock untouched for ${STALE_AFTER_MS / 60000} minutes is taken over), or delete ${path} if that process is gone`,
        );
      }
      unlinkSync(path);
    }
    throw new DirectoryLockedError(`${dir}: cannot take the lock ${path}`);
  }

  release(): void {
    clearInterval(this.heartbeat);
    try {
      if (readFileSync(this.path, 'utf8') === this.token) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}
