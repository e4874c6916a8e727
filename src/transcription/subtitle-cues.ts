import type { TimedWord } from '../asr/transcript.js';

export interface SubtitleRules {
  maxLineChars: number;
  maxLines: number;
  maxCueSeconds: number;
  /** Reading speed the cue's on-screen time must allow (characters per second, spaces included). */
  maxCharsPerSecond: number;
  minCueSeconds: number;
  /** A gap between words this long always ends the cue, so no text stays on screen through a pause. */
  breakPauseSeconds: number;
}

/** The common broadcast and streaming subtitle rules (42 characters, 2 lines, 7 s, about 20 characters a second). */
export const DEFAULT_SUBTITLE_RULES: SubtitleRules = { maxLineChars: 42, maxLines: 2, maxCueSeconds: 7, maxCharsPerSecond: 20, minCueSeconds: 0.833, breakPauseSeconds: 1 };

export interface SubtitleCue {
  start: number;
  end: number;
  /** One to maxLines lines. */
  lines: string[];
}

const SENTENCE_END = /[.?!]["')\]]*$/;
const CLAUSE_END = /[,;:]["')\]]*$/;

/**
 * Splits words into at most `maxLines` lines of at most `maxLineChars`, as evenly as possible (a balanced
 * pair reads better than a full line over a single short word); null when they do not fit. A single word longer than a
 * line is allowed a line of its own.
 */
export function wrapLines(words: string[], maxLineChars: number, maxLines: number): string[] | null {
  const n = words.length;
  // solve(i, k): the shortest possible longest line when words [i, n) fill at most k lines, and where to cut.
  const lineLength = (i: number, j: number) => words.slice(i, j).join(' ').length;
  const memo = new Map<number, { worst: number; cut: number }>();
  const solve = (i: number, k: number): { worst: number; cut: number } => {
    const key = i * (maxLines + 1) + k;
    const known = memo.get(key);
    if (known) return known;
    const whole = lineLength(i, n);
    let result = whole <= maxLineChars || n - i === 1 ? { worst: whole, cut: n } : { worst: Infinity, cut: -1 };
    if (k > 1) {
      for (let j = i + 1; j < n; j++) {
        const len = lineLength(i, j);
        if (len > maxLineChars && j > i + 1) break;
        const worst = Math.max(len, solve(j, k - 1).worst);
        if (worst < result.worst) result = { worst, cut: j };
      }
    }
    memo.set(key, result);
    return result;
  };
  if (!n) return [];
  // The fewest lines that hold the words, then those lines as even as they can be.
  let count = 1;
  while (count <= maxLines && solve(0, count).worst === Infinity) count++;
  if (count > maxLines) return null;
  const lines: string[] = [];
  for (let i = 0, k = count; i < n; k--) {
    const { cut } = solve(i, k);
    lines.push(words.slice(i, cut).join(' '));
    i = cut;
  }
  return lines;
}

/** How good a place the end of word `i` is to end a cue: sentence end, clause end, then the pause after it. */
function breakScore(words: TimedWord[], i: number): number {
  const text = words[i].word;
  const gap = i + 1 < words.length ? words[i + 1].start - words[i].end : 10;
  return (SENTENCE_END.test(text) ? 3 : CLAUSE_END.test(text) ? 1.5 : 0) + 2 * Math.min(gap, 1);
}

/**
 * Subtitle cues from timed words, built greedily: each cue takes as many words as the rules allow (lines,
 * duration, reading speed), then ends at its best break (punctuation and pauses before length). Each word goes into exactly one cue, in order, so the cues' words are the transcript's words.
 */
export function buildCues(words: TimedWord[], duration: number, rules: SubtitleRules = DEFAULT_SUBTITLE_RULES): SubtitleCue[] {
  const spans: [number, number][] = [];
  const texts = words.map((w) => w.word);
  let first = 0;
  while (first < words.length) {
    const start = words[first].start;
    let last = first;
    while (last + 1 < words.length) {
      const next = last + 1;
      if (words[next].start - words[last].end >= rules.breakPauseSeconds) break;
      if (words[next].end - start > rules.maxCueSeconds) break;
      const chars = texts.slice(first, next + 1).join(' ').length;
      // Time it may stay on screen: until the word after it starts, at most the longest cue.
      const shown = Math.min(next + 1 < words.length ? words[next + 1].start : duration, start + rules.maxCueSeconds) - start;
      if (chars > rules.maxCharsPerSecond * Math.max(shown, rules.minCueSeconds)) break;
      if (!wrapLines(texts.slice(first, next + 1), rules.maxLineChars, rules.maxLines)) break;
      last = next;
    }
    if (last + 1 < words.length && words[last + 1].start - words[last].end < rules.breakPauseSeconds) {
      // A full cue that did not end at a pause ends at the best break instead: a sentence end anywhere past
      // half a line, a clause end or a shorter pause in the cue's later half.
      const full = texts.slice(first, last + 1).join(' ').length;
      let best = last;
      let bestScore = breakScore(words, last);
      for (let i = last - 1; i >= first; i--) {
        const chars = texts.slice(first, i + 1).join(' ').length;
        if (chars < rules.maxLineChars / 2) break;
        const score = breakScore(words, i);
        if (score > bestScore && (chars >= full / 2 || SENTENCE_END.test(texts[i]))) {
          best = i;
          bestScore = score;
        }
      }
      last = best;
    }
    spans.push([first, last]);
    first = last + 1;
  }
  return spans.map(([a, b], k) => {
    const start = words[a].start;
    const lines = wrapLines(texts.slice(a, b + 1), rules.maxLineChars, rules.maxLines) ?? [texts.slice(a, b + 1).join(' ')];
    const chars = lines.join(' ').length;
    // Long enough to read, never into the next cue, never past the longest cue or the audio.
    const limit = Math.min(k + 1 < spans.length ? words[spans[k + 1][0]].start : Math.max(duration, words[b].end), start + rules.maxCueSeconds);
    const wanted = Math.max(words[b].end, start + rules.minCueSeconds, start + chars / rules.maxCharsPerSecond);
    return { start, end: Math.max(start, Math.min(wanted, limit)), lines };
  });
}
