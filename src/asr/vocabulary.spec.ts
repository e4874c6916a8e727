import { describe, expect, it } from '@jest/globals';
import { Vocabulary, VocabularyError } from './vocabulary.js';

const vocab = Vocabulary.parse(['<unk> 0', '▁hello 1', '▁wor 2', 'ld 3', ', 4', '▁$ 5', '5 6', '<0xC3> 7', '<0xA9> 8', '. 9', '<blk> 10', ''].join('\n'));

describe('Vocabulary', () => {
  it('finds the blank and word starts', () => {
    expect(vocab.size).toBe(11);
    expect(vocab.blankId).toBe(10);
    expect(Array.from(vocab.startsWord)).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('decodes with SentencePiece semantics, dropping specials', () => {
    expect(vocab.decode([1, 2, 3, 4])).toBe('hello world,');
    expect(vocab.decode([0, 1, 10, 5, 6, 9])).toBe('hello $5.');
    expect(vocab.decode([])).toBe('');
  });

  it('joins byte-fallback pieces into UTF-8', () => {
    expect(vocab.decode([2, 3, 7, 8])).toBe('worldé');
  });

  it.each([
    ['', /empty/],
    ['a 0\nb 2\n<blk> 3', /out of order/],
    ['nospace\n', /expected/],
    ['a 0\nb 1\n', /<blk>/],
  ])('rejects a malformed vocab.txt %j', (text, why) => {
    expect(() => Vocabulary.parse(text)).toThrow(VocabularyError);
    expect(() => Vocabulary.parse(text)).toThrow(why);
  });

  it('keeps pieces that contain spaces intact up to the last space', () => {
    const v = Vocabulary.parse('a b 0\n<blk> 1\n');
    expect(v.pieces[0]).toBe('a b');
  });
});
