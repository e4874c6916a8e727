import type { TimedToken, TimedWord, Transcript } from './transcript.js';

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

/** Words rebuilt from timed tokens (a token whose text starts with a space starts a word). */
export function assembleTranscript(tokens: TimedToken[], duration: number): Transcript {
  const words: TimedWord[] = [];
  const text = (ts: TimedToken[]) => ts.map((t) => t.text).join('').replace(/\s+/g, ' ').trim();
  const meanLogprob = (ts: TimedToken[]) => ts.reduce((s, t) => s + t.logprob, 0) / ts.length;
  let word: TimedToken[] = [];
  let from = 0;
  const flushWord = (to: number) => {
    const w = text(word);
    if (w) words.push({ word: w, start: word[0].start, end: word[word.length - 1].end, probability: Math.exp(meanLogprob(word)), fromToken: from, toToken: to });
    word = [];
    from = to;
  };
  tokens.forEach((token, i) => {
    if (token.text.startsWith(' ') && word.length) flushWord(i);
    word.push(token);
  });
  flushWord(tokens.length);
  return { text: text(tokens), duration: round3(duration), tokens, words };
}

/** Tokens grouped into words (a token whose text starts with a space starts a word). */
function groupWords(tokens: TimedToken[]): TimedToken[][] {
  const words: TimedToken[][] = [];
  for (const token of tokens) {
    if (!words.length || token.text.startsWith(' ')) words.push([token]);
    else words[words.length - 1].push(token);
  }
  return words;
}

const spelling = (word: TimedToken[]) =>
  word
    .map((t) => t.text)
    .join('')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, '');

/**
 * Matched word pairs (i in a, j in b) of a longest common subsequence of the two word lists' spellings,
 * in order. Overlaps hold a few dozen words at most, so the quadratic table is small.
 */
function commonWords(a: TimedToken[][], b: TimedToken[][]): [number, number][] {
  const sa = a.map(spelling);
  const sb = b.map(spelling);
  const n = sa.length;
  const m = sb.length;
  const table = new Int32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] =
        sa[i] && sa[i] === sb[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (sa[i] && sa[i] === sb[j]) pairs.push([i++, j++]);
    else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return pairs;
}

/**
 * Joins the transcripts of overlapping chunks of one audio, in order, as they arrive; token times move to the
 * whole audio's clock. Words of a chunk that fall inside its overlap with the next chunk are held back until
 * that chunk arrives; the two versions of the overlap are then aligned by their words, and the seam goes at
 * the common word nearest the overlap's middle: the earlier chunk's words up to it, the later chunk's after
 * it. Aligning words rather than trusting times keeps a word whose time one chunk gets wrong (a small model
 * emits a chunk's first word on its first frame, even when it is spoken a second later) from being lost or
 * repeated. Overlaps with no common word are cut by time, at a pause inside the overlap.
 */
export class TranscriptStitcher {
  private readonly kept: TimedToken[] = [];
  /** The previous chunk's words inside its overlap with the next one, and that chunk's tokens and end. */
  private held: TimedToken[][] = [];
  private previous: TimedToken[] = [];
  private previousEnd = 0;
  private from = 0;

  /** Adds chunk k; `nextOffset` is where chunk k+1 starts (undefined for the last). Returns the tokens released. */
  add(part: TranscriptPart, nextOffset?: number): TimedToken[] {
    const tokens = part.transcript.tokens.map((t) => ({ ...t, start: round3(t.start + part.offset), end: round3(t.end + part.offset) }));
    let words = groupWords(tokens.filter((t) => t.start >= this.from));
    const released: TimedToken[][] = [];
    if (this.previousEnd > part.offset) {
      const overlap = words.filter((w) => w[0].start < this.previousEnd);
      const [fromHeld, fromHere] = this.splice(overlap, part.offset);
      released.push(...this.held.slice(0, fromHeld));
      words = words.slice(fromHere);
    }
    const end = part.offset + part.transcript.duration;
    const overlapsNext = nextOffset !== undefined && end > nextOffset;
    this.held = [];
    if (overlapsNext) {
      const first = words.findIndex((w) => w[0].start >= nextOffset);
      if (first >= 0) {
        this.held = words.slice(first);
        words = words.slice(0, first);
      }
      this.from = -Infinity;
    } else {
      // No overlap with the next chunk (VAD cuts at pauses): a plain cut at its start.
      if (nextOffset !== undefined) words = words.filter((w) => w[0].start < nextOffset);
      this.from = nextOffset ?? Infinity;
    }
    this.previous = tokens;
    this.previousEnd = overlapsNext ? end : 0;
    released.push(...words);
    const out = released.flat();
    // Word times from two chunks can disagree by a frame or two: keep them in order.
    let last = this.kept.length ? this.kept[this.kept.length - 1].start : 0;
    for (const t of out) {
      if (t.start < last) t.start = last;
      if (t.end < t.start) t.end = t.start;
      last = t.start;
    }
    this.kept.push(...out);
    return out;
  }

  /** How many held words to keep, and from which of this chunk's words (in its overlap) to go on. */
  private splice(here: TimedToken[][], overlapStart: number): [number, number] {
    const held = this.held;
    if (!here.length) return [held.length, 0];
    if (!held.length) {
      // The earlier chunk heard no word start in the overlap: all of this chunk's words are new, except the
      // fragment of a word that the earlier chunk released and that runs past this chunk's start.
      let straddle = -Infinity;
      for (const t of this.previous) if (t.start < overlapStart && t.end > straddle) straddle = t.end;
      const from = here.findIndex((w) => w[0].start >= straddle);
      return [0, from < 0 ? here.length : from];
    }
    const pairs = commonWords(held, here);
    if (pairs.length) {
      const middle = (overlapStart + this.previousEnd) / 2;
      let [i, j] = pairs[0];
      for (const [a, b] of pairs) if (Math.abs(held[a][0].start - middle) < Math.abs(held[i][0].start - middle)) [i, j] = [a, b];
      return [i + 1, j + 1];
    }
    const cut = seam(this.previous, overlapStart, this.previousEnd);
    const keep = held.filter((w) => w[0].start < cut).length;
    const from = here.findIndex((w) => w[0].start >= cut);
    return [keep, from < 0 ? here.length : from];
  }

  finish(duration: number): Transcript {
    this.kept.push(...this.held.flat());
    this.held = [];
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
