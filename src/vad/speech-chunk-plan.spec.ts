import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { assembleTranscript, stitchTranscripts } from '../asr/stitch-transcripts.js';
import type { TimedToken } from '../asr/transcript.js';
import type { ChunkSpan } from '../scheduler/chunk-plan.js';
import { planSpeechChunks, speechGaps } from './speech-chunk-plan.js';

const RATE = 16000;
const F = 512;
const VAD = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 200 };
type Interval = [number, number];

/** Per-frame probabilities of `seconds` of audio that is speech inside `speech` ([from, to) seconds). */
function probabilities(seconds: number, speech: Interval[]): Float32Array {
  const p = new Float32Array(Math.floor((seconds * RATE) / F));
  for (let i = 0; i < p.length; i++) {
    const [a, b] = [(i * F) / RATE, ((i + 1) * F) / RATE];
    p[i] = speech.some(([from, to]) => a < to && b > from) ? 0.95 : 0.02;
  }
  return p;
}

const plan = (seconds: number, speech: Interval[], maxSeconds: number, overlapSeconds = 2) =>
  planSpeechChunks(probabilities(seconds, speech), Math.round(seconds * RATE), { ...VAD, maxChunk: maxSeconds * RATE, overlap: overlapSeconds * RATE });

/** Spans cover [0, length) in order with no hole, each non-empty and at most maxChunk. */
function expectCover(spans: ChunkSpan[], length: number, maxChunk: number): void {
  expect(spans[0].start).toBe(0);
  expect(spans[spans.length - 1].end).toBe(length);
  spans.forEach((s, i) => {
    expect(s.end).toBeGreaterThan(s.start);
    expect(s.end - s.start).toBeLessThanOrEqual(maxChunk);
    if (i) {
      expect(s.start).toBeGreaterThan(spans[i - 1].start);
      expect(s.start).toBeLessThanOrEqual(spans[i - 1].end);
    }
  });
}

/** Where one span ends and the next starts (fallback windows, which overlap, have no cut). */
const cuts = (spans: ChunkSpan[]) => spans.slice(1).filter((s, i) => s.start === spans[i].end).map((s) => s.start / RATE);
/** Seconds from `t` to the nearest speech (negative inside speech). */
const clearance = (t: number, speech: Interval[]) => Math.min(...speech.map(([a, b]) => (t < a ? a - t : t > b ? t - b : -Math.min(t - a, b - t))));

describe('speechGaps', () => {
  it('finds the pauses between speech, padded before speech and never inside it', () => {
    const gaps = speechGaps(probabilities(10, [[1, 3], [3.1, 5], [6, 8]]), 10 * RATE, VAD).map((g) => [g.start / RATE, g.end / RATE]);
    // The 0.1 s dip is not a pause (silence_duration_ms 200); the padding takes 0.3 s off each pause's end.
    expect(gaps).toHaveLength(3);
    expect(gaps[0][0]).toBe(0);
    expect(gaps[0][1]).toBeCloseTo(0.7, 1);
    expect(gaps[1][0]).toBeCloseTo(5, 1);
    expect(gaps[1][1]).toBeCloseTo(5.7, 1);
    expect(gaps[2][0]).toBeCloseTo(8, 1);
    expect(gaps[2][1]).toBe(10);
  });
});

describe('planSpeechChunks', () => {
  it('keeps audio that fits one chunk whole', () => {
    expect(plan(8, [[1, 7]], 10)).toEqual([{ start: 0, end: 8 * RATE }]);
  });

  it('cuts in the middle of the longest pause in the second half of each window', () => {
    // Pauses: 2–4 s (long, but early), 5–5.4, 7–8.2 (the longest late one), 9.5–9.9.
    const speech: Interval[] = [[0.2, 2], [4, 5], [5.4, 7], [8.2, 9.5], [9.9, 14], [14.5, 19.6], [20.2, 24]];
    const spans = plan(25, speech, 10);
    expectCover(spans, 25 * RATE, 10 * RATE);
    const [first] = cuts(spans);
    expect(first).toBeGreaterThan(7.2);
    expect(first).toBeLessThan(8);
    // The shortest pause (0.5 s) less the 0.3 s padding leaves 0.1 s either side of its cut.
    for (const t of cuts(spans)) expect(clearance(t, speech)).toBeGreaterThanOrEqual(0.09);
    expect(spans.every((s, i) => i === 0 || s.start === spans[i - 1].end)).toBe(true);
  });

  it('falls back to overlapping windows only for speech that runs past a chunk without a pause', () => {
    const speech: Interval[] = [[0.5, 3], [3.8, 30], [31, 34]];
    const spans = plan(36, speech, 10, 2);
    expectCover(spans, 36 * RATE, 10 * RATE);
    const overlapping = spans.slice(1).filter((s, i) => s.start < spans[i].end);
    expect(overlapping.length).toBeGreaterThanOrEqual(2);
    // Overlaps sit inside the long stretch; every plain cut is in a pause.
    for (const s of overlapping) expect(s.start / RATE).toBeGreaterThan(3);
    for (const s of overlapping) expect(s.start / RATE).toBeLessThan(30);
    expect(cuts(spans).length).toBeGreaterThanOrEqual(2);
    for (const t of cuts(spans)) expect(clearance(t, speech)).toBeGreaterThan(0.1);
  });

  it('walks long silence in whole chunks', () => {
    const spans = plan(100, [[40, 45]], 10);
    expectCover(spans, 100 * RATE, 10 * RATE);
    expect(spans.length).toBeLessThanOrEqual(12);
    for (const t of cuts(spans)) expect(clearance(t, [[40, 45]])).toBeGreaterThan(0);
  });

  it('never cuts inside speech, whatever the pattern', () => {
    const pattern = fc.array(fc.tuple(fc.double({ min: 0.1, max: 14, noNaN: true }), fc.double({ min: 0.05, max: 3, noNaN: true })), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(pattern, fc.integer({ min: 4, max: 30 }), fc.double({ min: 0, max: 3, noNaN: true }), (blocks, maxSeconds, lead) => {
        const speech: Interval[] = [];
        let t = lead;
        for (const [talk, pause] of blocks) {
          speech.push([t, t + talk]);
          t += talk + pause;
        }
        const seconds = t + 0.5;
        const spans = plan(seconds, speech, maxSeconds);
        expectCover(spans, Math.round(seconds * RATE), maxSeconds * RATE);
        for (const c of cuts(spans)) expect(clearance(c, speech)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });

  it('gives spans the stitcher joins without losing or repeating a word', () => {
    // Words of 0.4 s every 0.6 s inside each stretch of speech; one stretch (3.8–30 s) has no pause at all.
    const speech: Interval[] = [[0.5, 3], [3.8, 30], [31, 34], [35.2, 41], [42, 47.5]];
    const words = speech.flatMap(([a, b]) => Array.from({ length: Math.floor((b - a + 0.2) / 0.6) }, (_, i) => ({ start: a + i * 0.6, end: a + i * 0.6 + 0.4 })));
    const total = 48;
    const spans = plan(total, speech, 10, 2);
    const parts = spans.map((s) => {
      const [from, to] = [s.start / RATE, s.end / RATE];
      const tokens: TimedToken[] = words
        .map((w, i) => ({ ...w, i }))
        .filter((w) => w.start >= from && w.end <= to)
        .map((w) => ({ id: w.i, text: ` w${w.i}`, start: Math.round((w.start - from) * 1000) / 1000, end: Math.round((w.end - from) * 1000) / 1000, logprob: -0.1 }));
      return { transcript: assembleTranscript(tokens, to - from), offset: from };
    });
    const stitched = stitchTranscripts(parts, total);
    expect(stitched.words.map((w) => w.word)).toEqual(words.map((_, i) => `w${i}`));
  });
});
