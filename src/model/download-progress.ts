import type { DownloadProgress } from './model-downloader.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

interface FileState {
  size?: number;
  done: number;
  startedAt: number;
  startBytes: number;
}

/**
 * One line per file: size, rate and ETA. On a terminal the line is redrawn in place (at most every
 * `minIntervalMs`); elsewhere (logs, CI) a line is written every 10 % so the output stays readable.
 */
export class ProgressBar implements DownloadProgress {
  private readonly files = new Map<string, FileState>();
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly now: () => number = () => performance.now(),
    private readonly minIntervalMs = 100,
  ) {}

  fileStarted(file: string, size: number | undefined, resumedAt: number): void {
    this.files.set(file, { size, done: resumedAt, startedAt: this.now(), startBytes: resumedAt });
    this.lastDecile = -1;
    if (resumedAt > 0) this.write(`${file}: resuming at ${formatBytes(resumedAt)}\n`);
    this.draw(file, true);
  }

  bytes(file: string, received: number): void {
    const s = this.files.get(file);
    if (!s) return;
    s.done += received;
    this.draw(file, false);
  }

  fileDone(file: string, outcome: 'downloaded' | 'kept' | 'absent'): void {
    if (outcome === 'downloaded') {
      this.draw(file, true);
      if (this.tty) this.write('\n');
    } else {
      this.write(`${file}: ${outcome === 'kept' ? 'already complete' : 'not in this repository (optional)'}\n`);
    }
  }

  /** The status line for a file, e.g. `encoder-model.onnx  41% 1.0 GB / 2.4 GB  52.3 MB/s  ETA 00:27`. */
  line(file: string): string {
    const s = this.files.get(file);
    if (!s) return file;
    const elapsed = Math.max(1e-3, (this.now() - s.startedAt) / 1000);
    const rate = (s.done - s.startBytes) / elapsed;
    const total = s.size !== undefined ? ` / ${formatBytes(s.size)}` : '';
    const pct = s.size ? `${String(Math.floor((100 * s.done) / s.size)).padStart(3)}% ` : '';
    const eta = s.size !== undefined && rate > 0 ? formatEta((s.size - s.done) / rate) : '--:--';
    const width = 20;
    const filled = s.size ? Math.min(width, Math.floor((width * s.done) / s.size)) : 0;
    const bar = s.size ? `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ` : '';
    return `${file}  ${bar}${pct}${formatBytes(s.done)}${total}  ${formatBytes(rate)}/s  ETA ${eta}`;
  }

  private draw(file: string, force: boolean): void {
    const s = this.files.get(file)!;
    if (this.tty) {
      const t = this.now();
      if (!force && t - this.lastDraw < this.minIntervalMs) return;
      this.lastDraw = t;
      this.write(`\r${this.line(file)}\x1b[K`);
      return;
    }
    const decile = s.size ? Math.floor((10 * s.done) / s.size) : 0;
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.write(`${this.line(file)}\n`);
    }
  }
}
