/** The percentiles every latency summary reports. */
export const REPORT_PERCENTILES = [50, 90, 95, 99] as const;

/**
 * Nearest-rank percentile of values sorted ascending: the smallest value such that at least p % of the
 * values are less than or equal to it, i.e. the value at 1-based rank ⌈p/100 · n⌉. It is always an observed
 * latency (no interpolation between two requests), and p100 is the maximum. Null for no values.
 */
export function nearestRankPercentile(sortedAscending: ArrayLike<number>, p: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside (0, 100]`);
  // p · n / 100 is computed in that order and nudged down so that 7 % of 100 is rank 7, not 8 (0.07 · 100 = 7.000000000000001).
  const rank = Math.max(1, Math.ceil((p * n) / 100 - 1e-9));
  return sortedAscending[rank - 1];
}
