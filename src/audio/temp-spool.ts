import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private directory (mode 0700) for uploads that ffmpeg must read from a seekable file. Every file is
 * removed by the `use` that wrote it, whatever happens; the directory goes at shutdown.
 */
export class TempSpool {
  readonly dir: string;

  constructor(parent = tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'parakeet-spool-'));
  }

  async use<T>(bytes: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
    const path = join(this.dir, `upload-${randomUUID()}`);
    try {
      await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
      return await fn(path);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** A fresh path in the spool for `fn` to write (ffmpeg's output), removed afterwards whatever happens. */
  async scratch<T>(fn: (path: string) => Promise<T>): Promise<T> {
    const path = join(this.dir, `out-${randomUUID()}`);
    try {
      return await fn(path);
    } finally {
      await rm(path, { force: true });
    }
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
