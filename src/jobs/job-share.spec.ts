import { describe, expect, it } from '@jest/globals';
import { autoJobShare } from './job-share.js';

describe('PARAKEET_JOBS_CONCURRENCY=auto', () => {
  it('is four jobs per regular lane, at most a batch of them, at least one', () => {
    expect(autoJobShare({ regularLanes: 2, maxBatch: 8 }).jobs).toBe(8);
    expect(autoJobShare({ regularLanes: 16, maxBatch: 8 }).jobs).toBe(64);
    expect(autoJobShare({ regularLanes: 2, maxBatch: 1 }).jobs).toBe(2);
    expect(autoJobShare({ regularLanes: 0, maxBatch: 8 }).jobs).toBe(1);
  });
});
