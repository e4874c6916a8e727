import { describe, expect, it } from '@jest/globals';
import { NgramLm } from './ngram-lm.js';
import { WordLmFusion } from './word-lm-fusion.js';

const ARPA = `\\data\\
ngram 1=6
ngram 2=2

\\1-grams:
-3.0 <unk>
-99 <s> -0.25
-1.0 </s>
-1.0 the -0.5
-2.0 peace
-2.5 new

\\2-grams:
-0.3 <s> the
-0.6 the peace

\\end\\
`;

// pieces: a word start, word continuations, a piece that holds a whole word and starts the next, specials
const PIECES = ['<unk>', '▁the', '▁pe', 'ace', '▁new▁', 'x', '<blk>'];

describe('WordLmFusion', () => {
  const lm = NgramLm.parse(ARPA);
  const weights = { weight: 0.5, wordBonus: 2, unkPenalty: -4 };
  const fusion = new WordLmFusion(lm, PIECES, weights);
  const score = (ctx: string[], w: string) => weights.weight * lm.logprob(ctx.map((x) => lm.wordId(x)), lm.wordId(w)) + weights.wordBonus;

  function run(tokens: number[]): { total: number; steps: number[] } {
    let state = fusion.initial();
    const steps: number[] = [];
    for (const t of tokens) {
      const r = fusion.advance(state, t);
      steps.push(r.delta);
      state = r.state;
    }
    return { total: steps.reduce((a, b) => a + b, 0) + fusion.finish(state), steps };
  }

  it('scores a word when the next word starts, and the last word with the sentence end', () => {
    const { total, steps } = run([1, 2, 3]); // "▁the ▁pe ace"
    expect(steps[0]).toBe(0);
    expect(steps[1]).toBeCloseTo(score(['<s>'], 'the'), 9);
    expect(steps[2]).toBe(0);
    const end = score(['<s>', 'the'], 'peace') + weights.weight * lm.logprob([lm.wordId('the'), lm.wordId('peace')], lm.eosId);
    expect(total - steps[1]).toBeCloseTo(end, 9);
  });

  it('scores a word the LM does not know as <unk> plus the penalty, whatever pieces spell it', () => {
    const { total } = run([2, 5]); // "pex"
    const unk = weights.weight * (lm.logprob([lm.bosId], lm.unkId) + weights.unkPenalty + lm.logprob([lm.bosId, lm.unkId], lm.eosId)) + weights.wordBonus;
    expect(total).toBeCloseTo(unk, 9);
  });

  it('splits a piece that ends one word and starts another', () => {
    const { steps } = run([1, 4, 1]); // "▁the ▁new▁ ▁the": "new" is complete inside the piece
    expect(steps[1]).toBeCloseTo(score(['<s>'], 'the') + score(['<s>', 'the'], 'new'), 9);
    expect(steps[2]).toBe(0);
  });

  it('leaves special pieces out of the words', () => {
    expect(run([0, 1, 6]).total).toBeCloseTo(run([1]).total, 9);
  });

  it('scores an empty hypothesis as an empty sentence', () => {
    expect(run([]).total).toBeCloseTo(weights.weight * lm.logprob([lm.bosId], lm.eosId), 9);
  });
});
