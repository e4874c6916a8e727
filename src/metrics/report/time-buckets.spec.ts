import { describe, expect, it } from '@jest/globals';
import { SampleTable } from './sample-table.js';
import { chooseBucketMs, timeBuckets } from './time-buckets.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('chooseBucketMs', () => {
  it('picks the narrowest round width giving at most 72 buckets', () => {
    expect(chooseBucketMs(30 * MIN)).toBe(30_000);
    expect(chooseBucketMs(HOUR)).toBe(MIN);
    expect(chooseBucketMs(3 * HOUR)).toBe(5 * MIN);
    expect(chooseBucketMs(24 * HOUR)).toBe(30 * MIN);
    expect(chooseBucketMs(72 * HOUR)).toBe(HOUR);
    expect(chooseBucketMs(7 * 24 * HOUR)).toBe(3 * HOUR);
  });
});

describe('timeBuckets', () => {
  it('cuts the span into buckets ending at now, each holding start < ts <= end', () => {
    const now = Date.UTC(2026, 10, 26, 10);
    const t = new SampleTable();
    const add = (ago: number, code = 200) =>
      t.add({ ts: new Date(now - ago).toISOString(), status: code === 200 ? 'ok' : 'error', code, endpoint: 'transcriptions', duration_total_s: 0.1, audio_len_s: 1 }, now - ago);
    add(0); // the last bucket's end is inclusive
    add(10 * MIN); // on a boundary: the later bucket starts after it, so it is the second-to-last bucket's
    add(25 * MIN, 429);
    add(30 * MIN); // the span's start is exclusive: in no bucket
    const buckets = timeBuckets(t, now, 30 * MIN, 10 * MIN);
    expect(buckets.map((b) => [(now - b.startMs) / MIN, (now - b.endMs) / MIN])).toEqual([[30, 20], [20, 10], [10, 0]]);
    expect(buckets.map((b) => b.stats.requests)).toEqual([1, 1, 1]);
    expect(buckets.map((b) => b.stats.errorsByCode)).toEqual([{ '429': 1 }, {}, {}]);
    expect(buckets.map((b) => b.stats.audioSeconds)).toEqual([0, 1, 1]);
  });

  it('makes the first bucket partial when the span is not a whole number of buckets', () => {
    const now = 1_000 * HOUR;
    const buckets = timeBuckets(new SampleTable(), now, 25 * MIN, 10 * MIN);
    expect(buckets.map((b) => (b.endMs - b.startMs) / MIN)).toEqual([5, 10, 10]);
    expect(buckets[0].startMs).toBe(now - 25 * MIN);
  });
});
