import { describe, expect, it } from '@jest/globals';
import { DEFAULT_WINDOW_LABELS, parseWindow, windowSpan } from './report-window.js';

describe('parseWindow', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseWindow('90s')).toEqual({ label: '90s', ms: 90_000 });
    expect(parseWindow('30m')).toEqual({ label: '30m', ms: 1_800_000 });
    expect(parseWindow('1.5h')).toEqual({ label: '1.5h', ms: 5_400_000 });
    expect(parseWindow('7d')).toEqual({ label: '7d', ms: 604_800_000 });
    expect(DEFAULT_WINDOW_LABELS.map((w) => parseWindow(w).ms / 3_600_000)).toEqual([0.5, 1, 3, 6, 12, 24, 72]);
  });

  it('rejects what is not a positive number with a unit', () => {
    for (const bad of ['', '30', 'm', '1w', '-1h', '0m', '1h30m', 'abc']) expect(() => parseWindow(bad)).toThrow(/bad window/);
  });
});

describe('windowSpan', () => {
  it('is the last D before now', () => {
    expect(windowSpan(parseWindow('1h'), 10_000_000)).toEqual({ startMs: 10_000_000 - 3_600_000, endMs: 10_000_000 });
  });
});
