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
 * Joins the transcripts of overlapping chunks of one audio, in order, as they arrive: token times move to the
 * whole audio's clock and each seam is cut at a pause inside the overlap. The cut depends only on the earlier
 * chunk, so each chunk's words can be released (streamed) as soon as that chunk is decoded.
 */
export class TranscriptStitcher {
  private readonly kept: TimedToken[] = [];
  private from = 0;

  /** Adds chunk k; `nextOffset` is where chunk k+1 starts (undefined for the last). Returns the tokens kept. */
  add(part: TranscriptPart, nextOffset?: number): TimedToken[] {
    const tokens = part.transcript.tokens.map((t) => ({ ...t, start: round3(t.start + part.offset), end: round3(t.end + part.offset) }));
    let until = Infinity;
    if (nextOffset !== undefined) {
      const overlapEnd = part.offset + part.transcript.duration;
      until = overlapEnd > nextOffset ? seam(tokens, nextOffset, overlapEnd) : nextOffset;
    }
    const added = tokens.filter((t) => t.start >= this.from && t.start < until);
    this.kept.push(...added);
    this.from = until;
    return added;
  }

  finish(duration: number): Transcript {
    return assembleTranscript(this.kept, duration);
  }
}

/** All parts at once (see TranscriptStitcher). */
export function stitchTranscripts(parts: TranscriptPart[], duration: number): Transcript {
  if (parts.length === 1 && parts[0].offset === 0) return parts[0].transcript;
  const stitcher = new TranscriptStitcher();
  parts.forEach((p, k) => stitcher.add(p, parts[k + 1]?.offset));
  return stitcher.finish(duration);
}
