import { describe, expect, it } from '@jest/globals';
import { assembleTranscript } from './stitch-transcripts.js';
import type { TimedToken } from './transcript.js';
import { alignWordStarts } from './word-onsets.js';

const FRAME = 0.032;

/** VAD probabilities: speech (0.9) inside the given [from, to) second ranges, silence (0.05) elsewhere. */
function vad(seconds: number, speech: [number, number][]): Float32Array {
  const p = new Float32Array(Math.ceil(seconds / FRAME)).fill(0.05);
  for (const [from, to] of speech) for (let f = Math.floor(from / FRAME); f < Math.ceil(to / FRAME); f++) p[f] = 0.9;
  return p;
}

const token = (text: string, start: number, end: number, id = 0): TimedToken => ({ id, text, start, end, logprob: -0.1 });

describe('alignWordStarts', () => {
  it('moves a word stamped at the start of a pause onto the speech, keeping its end', () => {
    // Speech from 2.02 s; the model stamped "hello" from 0 (its pieces at 0 and 2.3).
    const t = assembleTranscript([token(' hel', 0, 0.08), token('lo', 2.3, 2.5), token(' world', 2.6, 3)], 4);
    const moved = alignWordStarts(t, { probabilities: vad(4, [[2.02, 3.1]]), frameSeconds: FRAME, threshold: 0.5 });
    expect(moved.words[0].start).toBeCloseTo(2.016, 3);
    expect(moved.words[0].end).toBe(2.5);
    expect(moved.tokens[0].start).toBeCloseTo(2.016, 3);
    expect(moved.words[1]).toEqual(t.words[1]);
  });

  it('moves a word that lies wholly in the silence to the onset, before the next word', () => {
    const t = assembleTranscript([token(' so', 5, 5.08), token(' then', 8.1, 8.4)], 9);
    const moved = alignWordStarts(t, { probabilities: vad(9, [[0, 5], [7.9, 8.5]]), frameSeconds: FRAME, threshold: 0.5 });
    // "so" at 5.0 starts on speech (the frame holding 5.0 is speech): left alone.
    expect(moved.words[0]).toEqual(t.words[0]);
    const late = assembleTranscript([token(' so', 5.2, 5.28), token(' then', 8.1, 8.4)], 9);
    const w = alignWordStarts(late, { probabilities: vad(9, [[0, 5], [7.9, 8.5]]), frameSeconds: FRAME, threshold: 0.5 }).words[0];
    expect(w.start).toBeCloseTo(7.872, 3);
    expect(w.end).toBeGreaterThan(w.start);
    expect(w.end).toBeLessThanOrEqual(8.1);
  });

  it('leaves words alone when no speech comes before the next word, and ignores a frame of jitter', () => {
    const t = assembleTranscript([token(' a', 1, 1.2), token(' b', 1.25, 1.5), token(' c', 1.6, 1.9)], 3);
    expect(alignWordStarts(t, { probabilities: vad(3, [[1.62, 3]]), frameSeconds: FRAME, threshold: 0.5 }).words).toEqual(t.words);
    expect(alignWordStarts(t, { probabilities: vad(3, [[1.03, 1.6]]), frameSeconds: FRAME, threshold: 0.5 }).words).toEqual(t.words);
  });
});
