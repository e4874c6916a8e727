import { describe, expect, it } from '@jest/globals';
import type { TimedWord } from '../asr/transcript.js';
import { buildCues, DEFAULT_SUBTITLE_RULES, wrapLines } from './subtitle-cues.js';

/** Words of the given texts, `step` seconds apart (each lasting 80% of it), with extra gaps after listed indices. */
function timed(texts: string[], step: number, gapsAfter = new Map<number, number>()): TimedWord[] {
  let t = 0.5;
  return texts.map((word, i) => {
    const w = { word, start: t, end: t + step * 0.8, probability: 1, fromToken: i, toToken: i + 1 };
    t += step + (gapsAfter.get(i) ?? 0);
    return w;
  });
}

const LOREM = 'the quick brown fox jumps over the lazy dog while seven wizards quietly box and judge the vexing jumbled quiz'.split(' ');
const many = (n: number) => Array.from({ length: n }, (_, i) => LOREM[i % LOREM.length]);

describe('wrapLines', () => {
  it('balances two lines rather than filling the first', () => {
    expect(wrapLines('the quick brown fox jumps over the lazy dog while seven wizards'.split(' '), 42, 2)).toEqual(['the quick brown fox jumps over', 'the lazy dog while seven wizards']);
  });

  it('keeps short text on one line, and says when text cannot fit', () => {
    expect(wrapLines(['a', 'short', 'line'], 42, 2)).toEqual(['a short line']);
    expect(wrapLines(many(30), 42, 2)).toBeNull();
    expect(wrapLines(['x'.repeat(50)], 42, 2)).toEqual(['x'.repeat(50)]);
  });
});

describe('buildCues', () => {
  it('keeps every cue within the rules, without overlap, and every word exactly once', () => {
    const words = timed(many(400), 0.33, new Map([[37, 0.7], [90, 1.4], [200, 2]]));
    const duration = words.at(-1)!.end + 1;
    const cues = buildCues(words, duration);
    expect(cues.flatMap((c) => c.lines.join(' ').split(' '))).toEqual(words.map((w) => w.word));
    cues.forEach((c, k) => {
      expect(c.lines.length).toBeLessThanOrEqual(2);
      for (const line of c.lines) expect(line.length).toBeLessThanOrEqual(42);
      expect(c.end - c.start).toBeLessThanOrEqual(7);
      expect(c.end).toBeGreaterThan(c.start);
      if (k) expect(c.start).toBeGreaterThanOrEqual(cues[k - 1].end);
      const shown = Math.min(c.end, (cues[k + 1]?.start ?? duration)) - c.start;
      expect(c.lines.join(' ').length / Math.max(shown, DEFAULT_SUBTITLE_RULES.minCueSeconds)).toBeLessThanOrEqual(20.001);
    });
  });

  it('ends a cue at a pause, and at punctuation before length', () => {
    const texts = ['so', 'this', 'is', 'where', 'it', 'ends.', 'and', 'then', 'a', 'new', 'one', 'begins', 'here', 'with', 'more', 'words', 'to', 'read', ...many(40)];
    const cues = buildCues(timed(texts, 0.3), 30);
    expect(cues[0].lines.join(' ')).toBe('so this is where it ends.');

    const paused = buildCues(timed(['one', 'two', 'three', 'four'], 0.3, new Map([[1, 1.2]])), 10);
    expect(paused.map((c) => c.lines.join(' '))).toEqual(['one two', 'three four']);
    expect(paused[0].end).toBeLessThanOrEqual(paused[1].start);
  });

  it('keeps a short cue on screen for the minimum time unless the next one starts sooner', () => {
    const cues = buildCues(timed(['hi', 'there'], 0.1, new Map([[0, 3]])), 10);
    expect(cues[0].end - cues[0].start).toBeCloseTo(0.833, 3);
    const tight = buildCues(timed(['hi', 'there', 'you'], 0.1, new Map([[0, 0.4]])), 10, { ...DEFAULT_SUBTITLE_RULES, breakPauseSeconds: 0.3 });
    expect(tight[0].end).toBeLessThanOrEqual(tight[1].start);
  });

  it('follows configured rules', () => {
    const cues = buildCues(timed(many(60), 0.3), 30, { ...DEFAULT_SUBTITLE_RULES, maxLineChars: 20, maxLines: 1, maxCueSeconds: 3 });
    for (const c of cues) {
      expect(c.lines).toHaveLength(1);
      expect(c.lines[0].length).toBeLessThanOrEqual(20);
      expect(c.end - c.start).toBeLessThanOrEqual(3);
    }
  });
});
