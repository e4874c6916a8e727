import type { MetricFileLine } from './metric-file-line.js';

/** The numeric columns kept per line; NaN stands for a null or absent field. */
export type SampleColumn = 'audio' | 'total' | 'inference' | 'queueWait' | 'batchSize' | 'rtfx';

const COLUMN_FIELDS: Record<SampleColumn, keyof MetricFileLine> = {
  audio: 'audio_len_s',
  total: 'duration_total_s',
  inference: 'duration_inference_s',
  queueWait: 'queue_wait_s',
  batchSize: 'batch_size',
  rtfx: 'rtfx',
};
const COLUMNS = Object.keys(COLUMN_FIELDS) as SampleColumn[];

/**
 * The lines a report covers, column by column in typed arrays: days of traffic are millions of lines, and
 * about 65 bytes a row instead of a parsed object each keeps the report's memory near the data's own size.
 */
export class SampleTable {
  length = 0;
  private capacity = 1024;
  private tsCol = new Float64Array(this.capacity);
  private codeCol = new Uint16Array(this.capacity);
  private okCol = new Uint8Array(this.capacity);
  private endpointCol = new Uint16Array(this.capacity);
  private numbers = Object.fromEntries(COLUMNS.map((c) => [c, new Float64Array(this.capacity)])) as Record<SampleColumn, Float64Array>;
  private readonly endpointIds = new Map<string, number>();
  readonly endpointNames: string[] = [];
  private sortedRows: Uint32Array | null = null;

  add(line: MetricFileLine, tsMs: number): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.tsCol[i] = tsMs;
    this.codeCol[i] = line.code;
    this.okCol[i] = line.status === 'ok' ? 1 : 0;
    this.endpointCol[i] = this.endpointId(line.endpoint);
    for (const c of COLUMNS) {
      const v = line[COLUMN_FIELDS[c]];
      this.numbers[c][i] = typeof v === 'number' ? v : NaN;
    }
    this.sortedRows = null;
  }

  ts(row: number): number {
    return this.tsCol[row];
  }
  code(row: number): number {
    return this.codeCol[row];
  }
  isOk(row: number): boolean {
    return this.okCol[row] === 1;
  }
  endpoint(row: number): string {
    return this.endpointNames[this.endpointCol[row]];
  }
  /** The column's value, NaN where the line had none. */
  value(column: SampleColumn, row: number): number {
    return this.numbers[column][row];
  }

  /** Rows with `startMs < ts <= endMs`, in time order. */
  rowsBetween(startMs: number, endMs: number): Uint32Array {
    const order = this.timeOrder();
    return order.subarray(this.firstAfter(order, startMs), this.firstAfter(order, endMs));
  }

  /** Row indices sorted by time, built once after the last add (lines arrive in file order, not time order). */
  private timeOrder(): Uint32Array {
    if (!this.sortedRows) {
      const order = new Uint32Array(this.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      this.sortedRows = order.sort((a, b) => this.tsCol[a] - this.tsCol[b] || a - b);
    }
    return this.sortedRows;
  }

  /** Index of the first row in `order` whose ts is greater than `ms` (binary search). */
  private firstAfter(order: Uint32Array, ms: number): number {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tsCol[order[mid]] <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private endpointId(name: string): number {
    let id = this.endpointIds.get(name);
    if (id === undefined) {
      id = this.endpointNames.push(name) - 1;
      this.endpointIds.set(name, id);
    }
    return id;
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = <T extends Float64Array | Uint16Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.capacity);
      b.set(a);
      return b;
    };
    this.tsCol = grown(this.tsCol);
    this.codeCol = grown(this.codeCol);
    this.okCol = grown(this.okCol);
    this.endpointCol = grown(this.endpointCol);
    for (const c of COLUMNS) this.numbers[c] = grown(this.numbers[c]);
  }
}
