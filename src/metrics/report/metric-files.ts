import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** The current file's name; rotated files append `.YYYY-MM-DD`, optionally `.N`, optionally `.gz`. */
export const CURRENT_METRICS_FILE = 'metrics.log';

const METRICS_FILE = /^metrics\.log(?:\.(\d{4}-\d{2}-\d{2})(?:\.(\d+))?)?(\.gz)?$/;

export interface MetricFile {
  path: string;
  name: string;
  gzip: boolean;
}

/**
 * The metric files in a directory, oldest first: rotated ones by date and sequence, the current file last.
 * The order only makes output stable; the report windows by each line's own `ts`.
 */
export async function listMetricFiles(dir: string): Promise<MetricFile[]> {
  const found: { file: MetricFile; key: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const m = METRICS_FILE.exec(entry.name);
    if (!m || !entry.isFile()) continue;
    const [, date, seq, gz] = m;
    // The current file sorts after every date; a day's sequence numbers sort numerically, not as text.
    const key = date ? `${date}.${(seq ?? '0').padStart(6, '0')}` : '~';
    found.push({ file: { path: join(dir, entry.name), name: entry.name, gzip: gz !== undefined }, key });
  }
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.file.name < b.file.name ? -1 : 1)).map((f) => f.file);
}

/**
 * The file's lines, streamed (a file is never held whole in memory), gunzipped when `.gz`. A read or gzip
 * error (a rotated file truncated mid-compression) is thrown after the lines before it have been yielded.
 */
export async function* readMetricFileLines(file: MetricFile): AsyncGenerator<string> {
  const source = createReadStream(file.path);
  let stream: Readable = source;
  if (file.gzip) {
    const gunzip = createGunzip();
    // pipe() does not forward the source's errors; without this a read error would leave the loop waiting.
    source.on('error', (e) => gunzip.destroy(e));
    stream = source.pipe(gunzip);
  }
  try {
    yield* splitLines(stream);
  } finally {
    source.destroy();
    stream.destroy();
  }
}

/** Splits a byte stream on `\n` (dropping a `\r` before it); a last line without a newline is still given. */
async function* splitLines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += decoder.write(chunk);
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      yield trimCr(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending !== '') yield trimCr(pending);
}

function trimCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
