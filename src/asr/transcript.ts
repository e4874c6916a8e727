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
  /** The word's tokens are the transcript's tokens [fromToken, toToken): segments and times refer back to them. */
  fromToken: number;
  toToken: number;
}

export interface Transcript {
  text: string;
  /** Audio duration in seconds. */
  duration: number;
  tokens: TimedToken[];
  words: TimedWord[];
}

const PUNCTUATION_ONLY = /^[\p{P}\p{S}]+$/u;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Text, token and word timings from decoded tokens, as NeMo derives TDT offsets: a token starts on its
 * emission frame and lasts its predicted duration (at least one frame, so words never have zero length);
 * punctuation takes the previous token's end; words are runs starting at a `▁` piece. Segments are made
 * later, once, from the whole (stitched) transcript (segments.ts).
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
  let from = 0;
  const flushWord = (to: number) => {
    const word = vocab.decode(wordIds);
    if (word) {
      const lp = wordTokens.reduce((s, t) => s + t.logprob, 0) / wordTokens.length;
      words.push({ word, start: wordTokens[0].start, end: wordTokens[wordTokens.length - 1].end, probability: Math.exp(lp), fromToken: from, toToken: to });
    }
    wordIds = [];
    wordTokens = [];
    from = to;
  };
  tokens.forEach((token, i) => {
    if (vocab.startsWord[token.id] && wordIds.length > 0) flushWord(i);
    wordIds.push(token.id);
    wordTokens.push(token);
  });
  if (wordIds.length) flushWord(tokens.length);

  return { text: vocab.decode(decoded.tokens), duration: round3(duration), tokens, words };
}
