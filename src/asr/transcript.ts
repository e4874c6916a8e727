import type { DecodedUtterance } from './tdt-greedy-decoder.js';
import type { Vocabulary } from './vocabulary.js';

export interface TimedToken {
  id: number;
  text: string;
  start: number;
  end: number;
  logprob: number;
}

export interface TimedWord {
  word: string;
  start: number;
  end: number;
  /** exp(mean token log-probability). */
  probability: number;
}

export interface TranscriptSegment {
  id: number;
  start: number;
  end: number;
  text: string;
  tokens: number[];
  avgLogprob: number;
}

export interface Transcript {
  text: string;
  /** Audio duration in seconds. */
  duration: number;
  tokens: TimedToken[];
  words: TimedWord[];
  segments: TranscriptSegment[];
}

const PUNCTUATION_ONLY = /^[\p{P}\p{S}]+$/u;
const SENTENCE_END = /[.?!]$/;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Text, token, word and segment timings from decoded tokens, as NeMo derives TDT offsets: a token starts
 * on its emission frame and lasts its predicted duration (at least one frame, so words never have zero
 * length); punctuation takes the previous token's end; words are runs starting at a `▁` piece; segments
 * end after `.`, `?` or `!`.
 */
export function buildTranscript(decoded: DecodedUtterance, vocab: Vocabulary, frameSeconds: number, duration: number): Transcript {
  const tokens: TimedToken[] = [];
  let prevEnd = 0;
  for (let i = 0; i < decoded.tokens.length; i++) {
    const id = decoded.tokens[i];
    const text = vocab.surfaceOf(id);
    let start = decoded.frames[i] * frameSeconds;
    let end = (decoded.frames[i] + Math.max(1, decoded.durations[i])) * frameSeconds;
    if (PUNCTUATION_ONLY.test(text.trim()) && i > 0) {
      start = prevEnd;
      end = prevEnd;
    }
    start = Math.min(start, duration);
    end = Math.min(Math.max(end, start), duration);
    tokens.push({ id, text, start: round3(start), end: round3(end), logprob: decoded.logprobs[i] });
    prevEnd = end;
  }

  const words: TimedWord[] = [];
  let wordIds: number[] = [];
  let wordTokens: TimedToken[] = [];
  const flushWord = () => {
    const word = vocab.decode(wordIds);
    if (word) {
      const lp = wordTokens.reduce((s, t) => s + t.logprob, 0) / wordTokens.length;
      words.push({ word, start: wordTokens[0].start, end: wordTokens[wordTokens.length - 1].end, probability: Math.exp(lp) });
    }
    wordIds = [];
    wordTokens = [];
  };
  for (const token of tokens) {
    if (vocab.startsWord[token.id] && wordIds.length > 0) flushWord();
    wordIds.push(token.id);
    wordTokens.push(token);
  }
  if (wordIds.length) flushWord();

  const segments: TranscriptSegment[] = [];
  let segTokens: TimedToken[] = [];
  const flushSegment = () => {
    const ids = segTokens.map((t) => t.id);
    const text = vocab.decode(ids);
    if (text) {
      segments.push({
        id: segments.length,
        start: segTokens[0].start,
        end: segTokens[segTokens.length - 1].end,
        text,
        tokens: ids,
        avgLogprob: segTokens.reduce((s, t) => s + t.logprob, 0) / segTokens.length,
      });
    }
    segTokens = [];
  };
  for (const token of tokens) {
    segTokens.push(token);
    if (SENTENCE_END.test(token.text.trim())) flushSegment();
  }
  if (segTokens.length) flushSegment();

  return { text: vocab.decode(decoded.tokens), duration: round3(duration), tokens, words, segments };
}
