import type { TimedToken, TimedWord, Transcript, TranscriptSegment } from './transcript.js';

const SENTENCE_END = /[.?!]$/;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface TranscriptPart {
  transcript: Transcript;
  /** Where this part starts in the whole audio, seconds. */
  offset: number;
}

/**
 * Where to cut between two overlapping parts: the pause between words of the earlier part that lies
 * inside the overlap and nearest its middle, so no word is split (nor kept twice) at the seam.
 */
function seam(earlier: TimedToken[], overlapStart: number, overlapEnd: number): number {
  const middle = (overlapStart + overlapEnd) / 2;
  let best = middle;
  let bestDistance = Infinity;
  for (let i = 0; i + 1 < earlier.length; i++) {
    const next = earlier[i + 1];
    if (!next.text.startsWith(' ')) continue; // only between words
    const gapMiddle = (earlier[i].end + next.start) / 2;
    if (gapMiddle <= overlapStart || gapMiddle >= overlapEnd) continue;
    const distance = Math.abs(gapMiddle - middle);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = gapMiddle;
    }
  }
  return best;
}

/** Words and segments rebuilt from timed tokens (a token whose text starts with a space starts a word). */
export function assembleTranscript(tokens: TimedToken[], duration: number): Transcript {
  const words: TimedWord[] = [];
  const segments: TranscriptSegment[] = [];
  const text = (ts: TimedToken[]) => ts.map((t) => t.text).join('').replace(/\s+/g, ' ').trim();
  const meanLogprob = (ts: TimedToken[]) => ts.reduce((s, t) => s + t.logprob, 0) / ts.length;
  let word: TimedToken[] = [];
  let segment: TimedToken[] = [];
  const flushWord = () => {
    const w = text(word);
    if (w) words.push({ word: w, start: word[0].start, end: word[word.length - 1].end, probability: Math.exp(meanLogprob(word)) });
    word = [];
  };
  const flushSegment = () => {
    const s = text(segment);
    if (s) segments.push({ id: segments.length, start: segment[0].start, end: segment[segment.length - 1].end, text: s, tokens: segment.map((t) => t.id), avgLogprob: meanLogprob(segment) });
    segment = [];
  };
  for (const token of tokens) {
    if (token.text.startsWith(' ') && word.length) flushWord();
    word.push(token);
    segment.push(token);
    if (SENTENCE_END.test(token.text.trim())) flushSegment();
  }
  flushWord();
  flushSegment();
  return { text: text(tokens), duration: round3(duration), tokens, words, segments };
}

/**
 * One transcript from the transcripts of overlapping chunks of the same audio: token times are moved to the
 * whole audio's clock and each seam is cut in a pause inside the overlap.
 */
export function stitchTranscripts(parts: TranscriptPart[], duration: number): Transcript {
  if (parts.length === 1 && parts[0].offset === 0) return parts[0].transcript;
  const shifted = parts.map((p) =>
    p.transcript.tokens.map((t) => ({ ...t, start: round3(t.start + p.offset), end: round3(t.end + p.offset) })),
  );
  const kept: TimedToken[] = [];
  let from = 0;
  for (let k = 0; k < parts.length; k++) {
    const tokens = shifted[k];
    let until = Infinity;
    if (k + 1 < parts.length) {
      const overlapStart = parts[k + 1].offset;
      const overlapEnd = parts[k].offset + parts[k].transcript.duration;
      until = overlapEnd > overlapStart ? seam(tokens, overlapStart, overlapEnd) : overlapStart;
    }
    for (const t of tokens) if (t.start >= from && t.start < until) kept.push(t);
    from = until;
  }
  return assembleTranscript(kept, duration);
}
