import { describe, expect, it } from '@jest/globals';
import { normalizeWords, wordErrors } from './word-error-rate.js';

describe('word error rate', () => {
  it('normalises case and punctuation but keeps apostrophes', () => {
    expect(normalizeWords("Don't stop, Bob!  Go.")).toEqual(["don't", 'stop', 'bob', 'go']);
  });

  it('counts substitutions, deletions and insertions', () => {
    expect(wordErrors('the cat sat on the mat', 'the cat sat on the mat')).toEqual({ errors: 0, words: 6 });
    expect(wordErrors('the cat sat on the mat', 'the bat sat on mat')).toEqual({ errors: 2, words: 6 });
    expect(wordErrors('a b', 'a b c d')).toEqual({ errors: 2, words: 2 });
    expect(wordErrors('', 'noise')).toEqual({ errors: 1, words: 0 });
  });
});
