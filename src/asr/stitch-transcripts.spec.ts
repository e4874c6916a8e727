import { describe, expect, it } from '@jest/globals';
import { planChunks } from '../scheduler/chunk-plan.js';
import { assembleTranscript, stitchTranscripts, TranscriptStitcher } from './stitch-transcripts.js';
import type { TimedToken } from './transcript.js';

/** Words spoken at known times: one token per word, 0.4 s long, 0.2 s pauses. */
const SPEECH = Array.from({ length: 40 }, (_, i) => ({ word: `w${i}`, start: i * 0.6, end: i * 0.6 + 0.4 }));

/** What a chunk covering [from, to) would transcribe, on its own clock. */
function chunkTranscript(from: number, to: number) {
  const tokens: TimedToken[] = SPEECH.filter((w) => w.start >= from && w.end <= to).map((w, i) => ({
    id: i,
    text: ` ${w.word}`,
    start: Math.round((w.start - from) * 1000) / 1000,
    end: Math.round((w.end - from) * 1000) / 1000,
    logprob: -0.1,
  }));
  return assembleTranscript(tokens, to - from);
}

describe('chunking', () => {
  it('plans overlapping windows that cover the audio, the last one full size', () => {
    expect(planChunks(100, 200, 20)).toEqual([{ start: 0, end: 100 }]);
    const spans = planChunks(1000, 300, 50);
    expect(spans[0]).toEqual({ start: 0, end: 300 });
    expect(spans[spans.length - 1]).toEqual({ start: 700, end: 1000 });
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeLessThan(spans[i - 1].end);
    expect(spans.every((s) => s.end - s.start === 300)).toBe(true);
  });

  it.each([
    [5, 1],
    [6.3, 2],
    [8, 3.1],
  ])('stitches %s s chunks with %s s overlap without losing or repeating a word', (chunk, overlap) => {
    const total = 24;
    const spans = planChunks(total * 1000, chunk * 1000, overlap * 1000);
    const parts = spans.map((s) => ({ transcript: chunkTranscript(s.start / 1000, s.end / 1000), offset: s.start / 1000 }));
    const stitched = stitchTranscripts(parts, total);
    expect(stitched.words.map((w) => w.word)).toEqual(SPEECH.filter((w) => w.end <= total).map((w) => w.word));
    stitched.words.forEach((w, i) => expect(w.start).toBeCloseTo(SPEECH[i].start, 3));
    expect(stitched.duration).toBe(total);
  });

  it('keeps a word whose time the later chunk gets wrong: a first word emitted on the chunk\'s first frame', () => {
    // Phrases of four words with 2.8 s pauses, chunks of 5 s with 2 s overlap. A later chunk that starts in a
    // pause reports its first word at its own time 0, as the embedded model does: a cut by time alone (at a
    // pause near the overlap's middle) drops that word whenever it is really spoken after the cut.
    const phrases = Array.from({ length: 32 }, (_, i) => {
      const start = Math.floor(i / 4) * 5 + (i % 4) * 0.6;
      return { word: `p${i}`, start, end: start + 0.4 };
    });
    const total = 40;
    const spans = planChunks(total * 1000, 5000, 2000);
    let moved = 0;
    const parts = spans.map((s, k) => {
      const [from, to] = [s.start / 1000, s.end / 1000];
      const tokens: TimedToken[] = phrases
        .filter((w) => w.start >= from && w.end <= to)
        .map((w, i) => ({ id: i, text: ` ${w.word}`, start: Math.round((w.start - from) * 1000) / 1000, end: Math.round((w.end - from) * 1000) / 1000, logprob: -0.1 }));
      const inPause = !phrases.some((w) => w.start < from && w.end > from);
      if (k > 0 && inPause && tokens.length && tokens[0].start > 1) {
        tokens[0] = { ...tokens[0], start: 0, end: 0.08 };
        moved++;
      }
      return { transcript: assembleTranscript(tokens, to - from), offset: from };
    });
    expect(moved).toBeGreaterThan(2);
    const stitched = stitchTranscripts(parts, total);
    expect(stitched.words.map((w) => w.word)).toEqual(phrases.filter((w) => w.end <= total).map((w) => w.word));
    for (let i = 1; i < stitched.words.length; i++) expect(stitched.words[i].start).toBeGreaterThanOrEqual(stitched.words[i - 1].start);
  });

  it('drops the fragment of a word cut by the start of a chunk, and streams the same words it finally returns', () => {
    const total = 24;
    const spans = planChunks(total * 1000, 6300, 2000);
    const parts = spans.map((s) => {
      const from = s.start / 1000;
      const t = chunkTranscript(from, s.end / 1000);
      // The word that straddles the chunk's start comes out as a fragment at time 0.
      const cut = SPEECH.find((w) => w.start < from && w.end > from);
      if (cut) t.tokens.unshift({ id: 99, text: ' frag', start: 0, end: Math.round((cut.end - from) * 1000) / 1000, logprob: -2 });
      return { transcript: assembleTranscript(t.tokens, t.duration), offset: from };
    });
    const stitcher = new TranscriptStitcher();
    const streamed = parts.flatMap((p, k) => stitcher.add(p, parts[k + 1]?.offset));
    const stitched = stitcher.finish(total);
    const expected = SPEECH.filter((w) => w.end <= total).map((w) => w.word);
    expect(stitched.words.map((w) => w.word)).toEqual(expected);
    expect(streamed.map((t) => t.text.trim())).toEqual(expected);
  });

  it('rebuilds words from tokens', () => {
    const t = assembleTranscript(
      [
        { id: 1, text: ' hel', start: 0, end: 0.2, logprob: -0.1 },
        { id: 2, text: 'lo', start: 0.2, end: 0.4, logprob: -0.3 },
        { id: 3, text: '.', start: 0.4, end: 0.4, logprob: 0 },
        { id: 4, text: ' yes', start: 1, end: 1.3, logprob: -0.2 },
      ],
      2,
    );
    expect(t.text).toBe('hello. yes');
    expect(t.words.map((w) => w.word)).toEqual(['hello.', 'yes']);
    expect(t.words.map((w) => [w.start, w.end, w.fromToken, w.toToken])).toEqual([
      [0, 0.4, 0, 3],
      [1, 1.3, 3, 4],
    ]);
  });
});
