import { describe, expect, it } from '@jest/globals';
import { buildTranscript } from './transcript.js';
import { Vocabulary } from './vocabulary.js';

const vocab = Vocabulary.parse(['<unk> 0', '▁hel 1', 'lo 2', '▁there 3', '. 4', '▁how 5', '? 6', '<blk> 7'].join('\n'));

describe('buildTranscript', () => {
  const decoded = {
    tokens: [1, 2, 3, 4, 5, 6],
    frames: [2, 3, 6, 9, 20, 22],
    durations: [1, 2, 3, 0, 0, 1],
    logprobs: [-0.1, -0.2, -0.3, -0.01, -1, -0.5],
  };
  const t = buildTranscript(decoded, vocab, 0.08, 2.0);

  it('joins the text and groups words at ▁ pieces with frame-based times', () => {
    expect(t.text).toBe('hello there. how?');
    expect(t.words.map((w) => w.word)).toEqual(['hello', 'there.', 'how?']);
    expect(t.words[0]).toMatchObject({ start: 0.16, end: 0.4 });
    // Punctuation takes the previous token's end; a zero duration still spans one frame.
    expect(t.words[1]).toMatchObject({ start: 0.48, end: 0.72 });
    expect(t.words[2]).toMatchObject({ start: 1.6, end: 1.68 });
    expect(t.words[0].probability).toBeCloseTo(Math.exp(-0.15), 6);
  });

  it('records which tokens make each word', () => {
    expect(t.words.map((w) => [w.fromToken, w.toToken])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
  });

  it('clamps times to the audio duration', () => {
    const late = buildTranscript({ tokens: [5], frames: [24], durations: [4], logprobs: [0] }, vocab, 0.08, 2.0);
    expect(late.words[0]).toMatchObject({ start: 1.92, end: 2.0 });
  });

  it('gives empty lists for silence', () => {
    const none = buildTranscript({ tokens: [], frames: [], durations: [], logprobs: [] }, vocab, 0.08, 1);
    expect(none).toEqual({ text: '', duration: 1, tokens: [], words: [] });
  });
});
