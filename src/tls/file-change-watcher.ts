import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export interface FileChangeWatcherOptions {
  /** Quiet time after the last event before `onChange` runs: cert and key are rarely replaced in one step. */
  debounceMs: number;
  /** Stat polling, for file systems where directory events do not arrive (network mounts, some volume types). */
  pollMs: number;
  /** Also reload on this signal (operators' habit, e.g. after certbot's deploy hook). */
  signal?: NodeJS.Signals;
}

/**
 * Calls `onChange` (debounced) when any of `files` may have changed. Directories are watched rather than the files:
 * editors, certbot and Kubernetes Secret volumes replace files by renaming (a Secret swaps a `..data` symlink), which
 * a watch on the old file would never see. Polling `stat` (which follows symlinks) backs that up.
 */
export class FileChangeWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private reasons = new Set<string>();
  private readonly onSignal = () => this.schedule(this.options.signal!, 0);

  constructor(
    private readonly files: string[],
    private readonly onChange: (reasons: string[]) => void,
    private readonly options: FileChangeWatcherOptions,
  ) {}

  start(): void {
    for (const dir of new Set(this.files.map((f) => dirname(f)))) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule('file change', this.options.debounceMs));
        w.on('error', () => {}); // a removed directory: polling still notices when the files come back
        this.watchers.push(w);
      } catch {
        // unwatchable directory: polling covers it
      }
    }
    for (const f of this.files) watchFile(f, { persistent: false, interval: this.options.pollMs }, (now: Stats, before: Stats) => this.onStat(now, before));
    if (this.options.signal) process.on(this.options.signal, this.onSignal);
  }

  close(): void {
    for (const w of this.watchers.splice(0)) w.close();
    for (const f of this.files) unwatchFile(f);
    if (this.options.signal) process.off(this.options.signal, this.onSignal);
    clearTimeout(this.timer);
  }

  private onStat(now: Stats, before: Stats): void {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) this.schedule('file change', this.options.debounceMs);
  }

  private schedule(reason: string, delayMs: number): void {
    this.reasons.add(reason);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const reasons = [...this.reasons];
      this.reasons.clear();
      this.onChange(reasons);
    }, delayMs);
    this.timer.unref();
  }
}
