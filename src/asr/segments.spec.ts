import { describe, expect, it } from '@jest/globals';
import { buildSegments } from './segments.js';
import { assembleTranscript } from './stitch-transcripts.js';
import { buildTranscript, type TimedToken } from './transcript.js';
import { Vocabulary } from './vocabulary.js';

const vocab = Vocabulary.parse(['<unk> 0', '▁hel 1', 'lo 2', '▁there 3', '. 4', '▁how 5', '? 6', '<blk> 7'].join('\n'));

/** One token per word: [word, start, end] → a transcript whose words are those. */
function spoken(words: [string, number, number][], duration: number) {
  const tokens: TimedToken[] = words.map(([w, start, end], i) => ({ id: i, text: ` ${w}`, start, end, logprob: -0.1 * (i % 3) }));
  return assembleTranscript(tokens, duration);
}

/** Words every 0.4 s (0.3 s long), with a longer gap after the words listed in `pausesAfter`. */
function steady(count: number, pausesAfter: Map<number, number>) {
  const words: [string, number, number][] = [];
  let t = 0.2;
  for (let i = 0; i < count; i++) {
    words.push([`w${i}`, t, t + 0.3]);
    t += 0.4 + (pausesAfter.get(i) ?? 0);
  }
  return spoken(words, t + 1);
}

describe('buildSegments', () => {
  it('ends segments after sentence punctuation, with their tokens and mean log-probability', () => {
    const t = buildTranscript({ tokens: [1, 2, 3, 4, 5, 6], frames: [2, 3, 6, 9, 20, 22], durations: [1, 2, 3, 0, 0, 1], logprobs: [-0.1, -0.2, -0.3, -0.01, -1, -0.5] }, vocab, 0.08, 2);
    const segments = buildSegments(t);
    expect(segments.map((s) => [s.id, s.text, s.start, s.end])).toEqual([
      [0, 'hello there.', 0.16, 0.72],
      [1, 'how?', 1.6, 1.68],
    ]);
    expect(segments[0].tokens).toEqual([1, 2, 3, 4]);
    expect(segments[1].avgLogprob).toBeCloseTo(-0.75, 6);
  });

  it('cuts unpunctuated speech at the longest pause within the target', () => {
    // 100 words over 40 s; pauses after words 10 (0.6 s), 20 (0.9 s), 30 (0.7 s), 60 and 80 (0.5 s).
    const t = steady(100, new Map([[10, 0.6], [20, 0.9], [30, 0.7], [60, 0.5], [80, 0.5]]));
    const segments = buildSegments(t, { targetSeconds: 15, maxSeconds: 30, minPauseSeconds: 0.5 });
    expect(segments.map((s) => s.text.split(' ')[0])).toEqual(['w0', 'w21', 'w31', 'w61', 'w81']);
    for (const s of segments) expect(s.end - s.start).toBeLessThanOrEqual(15);
    expect(segments.map((s) => s.text).join(' ')).toBe(t.text);
  });

  it('takes a pause beyond the target rather than cut without one, and never exceeds the maximum', () => {
    const t = steady(100, new Map([[50, 1]]));
    const rules = { targetSeconds: 15, maxSeconds: 30, minPauseSeconds: 0.5 };
    const segments = buildSegments(t, rules);
    expect(segments[0].text.split(' ').at(-1)).toBe('w50');
    for (const s of segments) expect(s.end - s.start).toBeLessThanOrEqual(30);

    const noPause = buildSegments(steady(200, new Map()), rules);
    expect(noPause.length).toBeGreaterThanOrEqual(6);
    for (const s of noPause) expect(s.end - s.start).toBeLessThanOrEqual(15);
    expect(noPause.flatMap((s) => s.text.split(' '))).toHaveLength(200);
  });

  it('splits a long sentence at a pause too', () => {
    const words: [string, number, number][] = [];
    for (let i = 0; i < 60; i++) words.push([i === 59 ? `w${i}.` : `w${i}`, i * 0.4 + (i > 25 ? 1 : 0), i * 0.4 + 0.3 + (i > 25 ? 1 : 0)]);
    const segments = buildSegments(spoken(words, 30));
    expect(segments.map((s) => s.text.split(' ').length)).toEqual([26, 34]);
  });

  it('gives no segments for no words', () => {
    expect(buildSegments(spoken([], 3))).toEqual([]);
  });
});
