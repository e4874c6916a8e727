import { formatBytes } from './download-progress.js';
import type { DownloadProgress } from './model-downloader.js';

/** Download progress for the service log: one line per file per 10 %, so a 2.4 GB download logs ~40 lines. */
export class ServiceDownloadLog implements DownloadProgress {
  private readonly state = new Map<string, { size?: number; done: number; decile: number }>();

  constructor(private readonly log: (message: string) => void) {}

  fileStarted(file: string, size: number | undefined, resumedAt: number): void {
    this.state.set(file, { size, done: resumedAt, decile: -1 });
    this.log(`downloading ${file}${size !== undefined ? ` (${formatBytes(size)})` : ''}${resumedAt ? `, resuming at ${formatBytes(resumedAt)}` : ''}`);
  }

  bytes(file: string, received: number): void {
    const s = this.state.get(file);
    if (!s?.size) return;
    s.done += received;
    const decile = Math.floor((10 * s.done) / s.size);
    if (decile > s.decile && decile < 10) {
      s.decile = decile;
      if (decile > 0) this.log(`${file}: ${decile * 10}% of ${formatBytes(s.size)}`);
    }
  }

  fileDone(file: string, outcome: 'downloaded' | 'kept' | 'absent'): void {
    this.log(`${file}: ${outcome === 'downloaded' ? 'downloaded and verified' : outcome === 'kept' ? 'already complete' : 'not in this repository (optional)'}`);
  }
}
