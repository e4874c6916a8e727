import type { LmState, NgramLm } from './ngram-lm.js';
import { WORD_START } from './vocabulary.js';

export interface WordLmWeights {
  /** Scale of the LM's natural-log probability added to the acoustic score (shallow fusion). */
  weight: number;
  /** Added per word, so that the LM's per-word cost does not push the search towards fewer, longer words. */
  wordBonus: number;
  /**
   * Added to the LM's log-probability of a word it does not list (before weighting). `<unk>` stands for
   * every such word at once, so on its own it would rate any misspelling above a rare real word.
   */
  unkPenalty: number;
}

/** A hypothesis's LM side: the words it has finished and the letters of the word it is still spelling. */
export interface FusionState {
  readonly lm: LmState;
  readonly word: string;
}

/**
 * Shallow fusion of a word n-gram LM into a search over SentencePiece tokens: a word is scored once it is
 * complete, when the next word-start piece (`▁…`) is emitted or the utterance ends. Scoring at word ends
 * (rather than per token through a lexicon trie) keeps any spelling the acoustic model proposes possible,
 * including words the LM has never seen; they pay the LM's `<unk>` probability plus `unkPenalty`.
 */
export class WordLmFusion {
  /** Per token: the text before its first `▁` (continues the current word), then the words it starts. */
  private readonly parts: { head: string; words: string[] }[];
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly lm: NgramLm,
    pieces: readonly string[],
    private readonly weights: WordLmWeights,
  ) {
    this.parts = pieces.map((piece) => {
      if (/^<.*>$/.test(piece)) return { head: '', words: [] };
      const [head, ...words] = piece.split(WORD_START);
      return { head, words };
    });
  }

  initial(): FusionState {
    return { lm: this.lm.start(), word: '' };
  }

  /** Score change for emitting `token` after `state`, and the state after it. */
  advance(state: FusionState, token: number): { delta: number; state: FusionState } {
    const { head, words } = this.parts[token];
    if (words.length === 0) return { delta: 0, state: head ? { lm: state.lm, word: state.word + head } : state };
    let delta = 0;
    let lm = state.lm;
    let word = state.word + head;
    for (const next of words) {
      if (word) {
        delta += this.wordScore(lm, word);
        lm = this.lm.next(lm, this.lm.wordId(word));
      }
      word = next;
    }
    return { delta, state: { lm, word } };
  }

  /** Score change for ending the utterance: its last word, then the end of the sentence. */
  finish(state: FusionState): number {
    let lm = state.lm;
    let delta = 0;
    if (state.word) {
      delta += this.wordScore(lm, state.word);
      lm = this.lm.next(lm, this.lm.wordId(state.word));
    }
    return delta + this.weights.weight * this.lm.logprob(lm, this.lm.eosId);
  }

  private wordScore(lm: LmState, word: string): number {
    // Hypotheses of one beam finish the same words in the same contexts over and over.
    const key = `${lm.join(' ')}|${word}`;
    let s = this.cache.get(key);
    if (s === undefined) {
      const id = this.lm.wordId(word);
      const unknown = id === this.lm.unkId || id < 0;
      s = this.weights.weight * (this.lm.logprob(lm, id) + (unknown ? this.weights.unkPenalty : 0)) + this.weights.wordBonus;
      if (this.cache.size > 200_000) this.cache.clear();
      this.cache.set(key, s);
    }
    return s;
  }
}
