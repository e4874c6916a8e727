import { listMetricFiles, readMetricFileLines } from './metric-files.js';
import { parseMetricLine } from './metric-file-line.js';
import { SampleTable } from './sample-table.js';

/** What reading one file gave; `error` is set when it could not be read to the end (lines before it count). */
export interface FileReadSummary {
  name: string;
  lines: number;
  corrupt: number;
  error?: string;
}

export interface LineCounts {
  /** Non-blank lines read. */
  read: number;
  valid: number;
  /** Skipped: not JSON, no usable ts/status/code, a non-numeric numeric field. */
  corrupt: number;
  /** Valid lines outside (keepAfterMs, keepUntilMs]: older than the widest window, or after `now`. */
  outside: number;
}

export interface LoadedMetrics {
  table: SampleTable;
  files: FileReadSummary[];
  lines: LineCounts;
}

/**
 * Reads every metric file in `dir` line by line and keeps the valid lines with
 * `keepAfterMs < ts <= keepUntilMs`; corrupt lines are skipped and counted per file.
 */
export async function loadMetrics(dir: string, keepAfterMs: number, keepUntilMs: number): Promise<LoadedMetrics> {
  const table = new SampleTable();
  const files: FileReadSummary[] = [];
  const lines: LineCounts = { read: 0, valid: 0, corrupt: 0, outside: 0 };
  for (const file of await listMetricFiles(dir)) {
    const summary: FileReadSummary = { name: file.name, lines: 0, corrupt: 0 };
    files.push(summary);
    try {
      for await (const text of readMetricFileLines(file)) {
        if (text.trim() === '') continue;
        summary.lines++;
        const parsed = parseMetricLine(text);
        if (!parsed.ok) {
          summary.corrupt++;
          continue;
        }
        if (parsed.tsMs > keepAfterMs && parsed.tsMs <= keepUntilMs) table.add(parsed.line, parsed.tsMs);
        else lines.outside++;
      }
    } catch (e) {
      summary.error = (e as Error).message;
    }
    lines.read += summary.lines;
    lines.corrupt += summary.corrupt;
  }
  lines.valid = lines.read - lines.corrupt;
  return { table, files, lines };
}
