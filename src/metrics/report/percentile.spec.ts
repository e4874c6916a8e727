import { describe, expect, it } from '@jest/globals';
import { nearestRankPercentile } from './percentile.js';

describe('nearestRankPercentile', () => {
  const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('takes the value at rank ceil(p/100 * n), never interpolating', () => {
    expect(nearestRankPercentile(oneToTen, 50)).toBe(5); // rank 5 (linear interpolation would give 5.5)
    expect(nearestRankPercentile(oneToTen, 90)).toBe(9); // rank 9
    expect(nearestRankPercentile(oneToTen, 95)).toBe(10); // rank ceil(9.5) = 10
    expect(nearestRankPercentile(oneToTen, 99)).toBe(10);
    expect(nearestRankPercentile(oneToTen, 100)).toBe(10);
    expect(nearestRankPercentile(oneToTen, 1)).toBe(1); // rank ceil(0.1) = 1
  });

  it('does not let floating point push an exact rank up by one', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(nearestRankPercentile(hundred, 7)).toBe(7); // 0.07 * 100 is 7.000000000000001
    expect(nearestRankPercentile(hundred, 29)).toBe(29);
    expect(nearestRankPercentile(hundred, 99)).toBe(99);
  });

  it('gives the only value for one, null for none, and rejects p outside (0, 100]', () => {
    expect(nearestRankPercentile([0.25], 50)).toBe(0.25);
    expect(nearestRankPercentile([0.25], 99)).toBe(0.25);
    expect(nearestRankPercentile([], 50)).toBeNull();
    expect(() => nearestRankPercentile(oneToTen, 0)).toThrow(RangeError);
    expect(() => nearestRankPercentile(oneToTen, 101)).toThrow(RangeError);
  });
});
