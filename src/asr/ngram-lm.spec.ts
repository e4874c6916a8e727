import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { ArpaError, NgramLm } from './ngram-lm.js';

const LN10 = Math.LN10;

/** A trigram model small enough to check every backoff path by hand. */
const ARPA = `some tools write a preamble

\\data\\
ngram 1=6
ngram 2=4
ngram 3=1

\\1-grams:
-2.0\t<unk>
-99\t<s>\t-0.5
-1.0\t</s>
-0.7\tfavor\t-0.3
-1.5\tpeace
-1.2\tpiece

\\2-grams:
-0.2\t<s> favor\t-0.4
-0.1\tfavor peace
-0.05\tpeace </s>
-0.9\t<s> peace

\\3-grams:
-0.01\t<s> favor peace

\\end\\
`;

describe('NgramLm', () => {
  const lm = NgramLm.parse(ARPA);
  const id = (w: string) => lm.wordId(w);

  it('reads the header, the words and the sentence markers', () => {
    expect(lm.order).toBe(3);
    expect(lm.vocabularySize).toBe(6);
    expect(lm.start()).toEqual([lm.bosId]);
    expect(id('zebra')).toBe(lm.unkId);
  });

  it('uses the longest n-gram the file lists', () => {
    const s1 = lm.next(lm.start(), id('favor'));
    expect(lm.logprob(lm.start(), id('favor'))).toBeCloseTo(-0.2 * LN10, 6);
    expect(lm.logprob(s1, id('peace'))).toBeCloseTo(-0.01 * LN10, 6);
    expect(lm.logprob([id('favor')], id('peace'))).toBeCloseTo(-0.1 * LN10, 6);
  });

  it('backs off through every shorter context, adding the backoff weights of the contexts it leaves', () => {
    // P(piece | <s> favor): no trigram, no bigram "favor piece": bo(<s> favor) + bo(favor) + P(piece)
    expect(lm.logprob([id('<s>'), id('favor')], id('piece'))).toBeCloseTo((-0.4 - 0.3 - 1.2) * LN10, 6);
    // a context the file does not list has backoff weight 0 (log 1)
    expect(lm.logprob([id('piece'), id('peace')], id('</s>'))).toBeCloseTo(-0.05 * LN10, 6);
    expect(lm.logprob([id('piece')], lm.eosId)).toBeCloseTo(-1.0 * LN10, 6);
    // a word it does not know is <unk>
    expect(lm.logprob([id('favor')], id('zebra'))).toBeCloseTo((-0.3 - 2.0) * LN10, 6);
  });

  it('keeps order - 1 words of context', () => {
    let s = lm.start();
    for (const w of ['favor', 'peace', 'piece']) s = lm.next(s, id(w));
    expect(s).toEqual([id('peace'), id('piece')]);
    expect(NgramLm.parse(ARPA.replace('ngram 3=1', '').replace(/\\3-grams:\n.*\n\n/, '')).order).toBe(2);
  });

  it('reads gzip-compressed files by their magic bytes', () => {
    const z = NgramLm.fromBuffer(gzipSync(Buffer.from(ARPA)));
    expect(z.logprob([z.wordId('favor')], z.wordId('peace'))).toBeCloseTo(-0.1 * LN10, 6);
    expect(NgramLm.fromBuffer(Buffer.from(ARPA)).order).toBe(3);
  });

  it('gives an unknown word a low but finite score when the file has no <unk>', () => {
    const noUnk = NgramLm.parse(ARPA.replace('ngram 1=6', 'ngram 1=5').replace('-2.0\t<unk>\n', ''));
    expect(noUnk.wordId('zebra')).toBe(-1);
    expect(noUnk.logprob(noUnk.start(), -1)).toBeCloseTo(-7 * LN10, 6);
  });

  it.each([
    ['not an ARPA file', 'hello world\n', /no \\data\\ header/],
    ['a count that does not match', ARPA.replace('ngram 2=4', 'ngram 2=5'), /4 2-grams, but the header says 5/],
    ['a bigram over a word with no unigram', ARPA.replace('favor peace', 'favor war'), /"war" has no 1-gram/],
    ['a probability that is not a number', ARPA.replace('-1.5\tpeace', 'x\tpeace'), /not a number/],
    ['a missing \\end\\', ARPA.replace('\\end\\', ''), /expected \\end\\/],
    ['no sentence markers', ARPA.replace('ngram 1=6', 'ngram 1=5').replace('-1.0\t</s>\n', '').replace('-0.05\tpeace </s>\n', '').replace('ngram 2=4', 'ngram 2=3'), /<s> and <\/s>/],
  ])('rejects %s with an error that says where', (_what, text, message) => {
    expect(() => NgramLm.parse(text)).toThrow(ArpaError);
    expect(() => NgramLm.parse(text)).toThrow(message);
  });
});
