import { bucketBatch, bucketFrames } from './shape-buckets.js';

describe('shape buckets', () => {
  const buckets = { frames: 100, batchSizes: [1, 2, 4, 8, 16, 24] };

  it('rounds frames up to whole buckets, leaving exact multiples alone', () => {
    expect(bucketFrames(1, buckets)).toBe(100);
    expect(bucketFrames(100, buckets)).toBe(100);
    expect(bucketFrames(101, buckets)).toBe(200);
    expect(bucketFrames(2001, buckets)).toBe(2100);
  });

  it('pads a batch up to the next warmed size, never past the largest', () => {
    expect(bucketBatch(1, buckets)).toBe(1);
    expect(bucketBatch(3, buckets)).toBe(4);
    expect(bucketBatch(17, buckets)).toBe(24);
    expect(bucketBatch(24, buckets)).toBe(24);
    expect(bucketBatch(30, buckets)).toBe(30);
  });

  it('changes nothing without buckets', () => {
    expect(bucketFrames(137)).toBe(137);
    expect(bucketBatch(13)).toBe(13);
    expect(bucketFrames(137, { frames: 1, batchSizes: [] })).toBe(137);
  });
});
