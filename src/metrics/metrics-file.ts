import { mkdirSync } from 'node:fs';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { MetricLine } from './metric-line.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `metrics.log` while current; `metrics.log.YYYY-MM-DD[.N]` once rotated (the day it covers, UTC). */
export function metricsFileName(time: number | Date | null, index?: number): string {
  if (!time) return 'metrics.log';
  const d = typeof time === 'number' ? new Date(time) : time;
  return `metrics.log.${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${index && index > 1 ? `.${index}` : ''}`;
}

/**
 * The JSONL metrics file: daily rotation at UTC midnight and retention by rotating-file-stream. Writing never
 * blocks or fails a request: lines the stream cannot take (an unwritable directory, a full disk, a backlog
 * over 10,000 lines) are dropped and counted.
 */
export class MetricsFile {
  private stream?: RotatingFileStream;
  private broken = false;
  private backlog = 0;
  dropped = 0;
  onDrop?: (reason: string) => void;

  /**
   * @param clock for tests: rotating-file-stream reads time through its `now()` and re-arms its timer at most
   *   every `maxTimeout` ms, so a fake clock polled every `pollMs` drives real rotations.
   */
  constructor(dir: string, retentionDays: number, clock?: { now: () => Date; pollMs: number }) {
    try {
      mkdirSync(dir, { recursive: true });
      this.stream = createStream((time, index) => metricsFileName(time as number | Date | null, index), {
        path: dir,
        interval: '1d',
        intervalBoundary: true,
        intervalUTC: true,
        maxFiles: retentionDays,
        // rotating-file-stream's own list for retention; not named metrics.log* so readers of the logs skip it.
        history: '.rotation-history',
      });
      this.stream.on('error', (e) => this.fail(`metrics file: ${e.message}`));
      if (clock) Object.assign(this.stream, { now: clock.now, maxTimeout: clock.pollMs });
    } catch (e) {
      this.fail(`metrics directory ${dir}: ${(e as Error).message}`);
    }
  }

  write(line: MetricLine): void {
    if (this.broken || !this.stream || this.backlog >= 10_000) {
      this.drop(this.broken ? 'metrics file unavailable' : 'metrics file backlog');
      return;
    }
    this.backlog++;
    this.stream.write(`${JSON.stringify(line)}\n`, (e) => {
      this.backlog--;
      if (e) this.drop(e.message);
    });
  }

  /** Flushes what was written (at shutdown). */
  close(): Promise<void> {
    const stream = this.stream;
    if (!stream || this.broken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      stream.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private fail(message: string): void {
    if (!this.broken) this.onDrop?.(message);
    this.broken = true;
  }

  private drop(reason: string): void {
    this.dropped++;
    if (this.dropped === 1 || this.dropped % 1000 === 0) this.onDrop?.(`${this.dropped} metric line(s) dropped: ${reason}`);
  }
}
