import type { SampleTable } from './sample-table.js';
import { summarizeRows, type WindowStats } from './window-stats.js';

/** One slice of the charts' time axis: the lines with `startMs < ts <= endMs`. */
export interface TimeBucket {
  startMs: number;
  endMs: number;
  stats: WindowStats;
}

// Round bucket widths, so that axis labels fall on whole minutes, hours or days.
const NICE_BUCKET_MS = [1, 10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400].map((s) => s * 1000);

/** The narrowest round width that cuts `spanMs` into at most `maxBuckets` buckets (1 h buckets for 3 days). */
export function chooseBucketMs(spanMs: number, maxBuckets = 72): number {
  return NICE_BUCKET_MS.find((b) => Math.ceil(spanMs / b) <= maxBuckets) ?? Math.ceil(spanMs / maxBuckets);
}

/**
 * Cuts `(endMs - spanMs, endMs]` into buckets of `bucketMs` ending at `endMs` (the last bucket ends at the
 * report's `now`, like the windows; the first may be partial) and summarises each one.
 */
export function timeBuckets(table: SampleTable, endMs: number, spanMs: number, bucketMs: number): TimeBucket[] {
  const count = Math.ceil(spanMs / bucketMs);
  const buckets: TimeBucket[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const bucketEnd = endMs - i * bucketMs;
    const bucketStart = Math.max(endMs - spanMs, bucketEnd - bucketMs);
    buckets.push({ startMs: bucketStart, endMs: bucketEnd, stats: summarizeRows(table, table.rowsBetween(bucketStart, bucketEnd)) });
  }
  return buckets;
}
