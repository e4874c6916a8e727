import type { TimedWord, Transcript } from './transcript.js';

export interface TranscriptSegment {
  id: number;
  start: number;
  end: number;
  text: string;
  tokens: number[];
  avgLogprob: number;
}

export interface SegmentRules {
  /** A segment longer than this is cut at the best pause in reach of it. */
  targetSeconds: number;
  /** No segment is longer than this (unless one word is). */
  maxSeconds: number;
  /** Gaps between words at least this long count as pauses. */
  minPauseSeconds: number;
}

export const DEFAULT_SEGMENT_RULES: SegmentRules = { targetSeconds: 15, maxSeconds: 30, minPauseSeconds: 0.5 };

const SENTENCE_END = /[.?!]["')\]]*$/;

/**
 * Where the segment starting at word `from` ends (index of its last word), when the text gives no sentence
 * end in time. The longest pause whose cut keeps the segment within the target; else the longest pause
 * within the maximum; else the longest gap of any size within the target, so speech with no pause at all
 * still gets segments of a readable length.
 */
function cutByPause(words: TimedWord[], from: number, to: number, rules: SegmentRules): number {
  const start = words[from].start;
  const best = (limit: number, minGap: number): number => {
    let at = -1;
    let longest = -Infinity;
    for (let i = from; i < to; i++) {
      if (words[i].end - start > limit) break;
      const gap = words[i + 1].start - words[i].end;
      // Ties go to the later cut: fewer, longer segments.
      if (gap >= minGap && gap >= longest) {
        longest = gap;
        at = i;
      }
    }
    return at;
  };
  for (const [limit, minGap] of [
    [rules.targetSeconds, rules.minPauseSeconds],
    [rules.maxSeconds, rules.minPauseSeconds],
    [rules.targetSeconds, -Infinity],
    [rules.maxSeconds, -Infinity],
  ]) {
    const at = best(limit, minGap);
    if (at >= 0) return at;
  }
  return from; // one word longer than the maximum: it stands alone
}

/**
 * Segments of a whole transcript (made once, after chunks are stitched): a segment ends at sentence
 * punctuation; a stretch with no sentence end within the target length is cut at a pause instead, since the
 * embedded model writes no punctuation and even the real Parakeet leaves long stretches unpunctuated.
 */
export function buildSegments(t: Transcript, rules: SegmentRules = DEFAULT_SEGMENT_RULES): TranscriptSegment[] {
  const { words, tokens } = t;
  const segments: TranscriptSegment[] = [];
  const push = (first: number, last: number) => {
    const from = words[first].fromToken;
    const to = words[last].toToken;
    let logprob = 0;
    for (let k = from; k < to; k++) logprob += tokens[k].logprob;
    segments.push({
      id: segments.length,
      start: words[first].start,
      end: words[last].end,
      text: words
        .slice(first, last + 1)
        .map((w) => w.word)
        .join(' '),
      tokens: tokens.slice(from, to).map((x) => x.id),
      avgLogprob: to > from ? logprob / (to - from) : 0,
    });
  };
  let first = 0;
  while (first < words.length) {
    // The sentence end or the last word, whichever comes first.
    let last = first;
    while (last + 1 < words.length && !SENTENCE_END.test(words[last].word)) last++;
    if (words[last].end - words[first].start > rules.targetSeconds) last = cutByPause(words, first, last, rules);
    push(first, last);
    first = last + 1;
  }
  return segments;
}
