import { describe, expect, it } from '@jest/globals';
import { join, resolve } from 'node:path';
import { chooseDecoding, type DecodingSettings } from './decoding-choice.js';

const base: DecodingSettings = { decoding: 'auto', beamSize: 4, lmWeight: 0.3, lmWordBonus: 2, lmUnkPenalty: -10 };
const withLm = (p: string) => p === join('/m/tiny', 'lm.arpa.gz');

describe('chooseDecoding', () => {
  it('auto: beam search with the LM the model directory carries', () => {
    expect(chooseDecoding(base, '/m/tiny', withLm)).toEqual({
      strategy: 'beam',
      beamSize: 4,
      lm: { path: join('/m/tiny', 'lm.arpa.gz'), weight: 0.3, wordBonus: 2, unkPenalty: -10 },
    });
  });

  it('auto: greedy decoding for a directory without an LM', () => {
    expect(chooseDecoding(base, '/m/parakeet', withLm)).toEqual({ strategy: 'greedy', beamSize: 4, lm: undefined });
  });

  it('greedy and "none" turn the LM off; beam without an LM is plain beam search', () => {
    expect(chooseDecoding({ ...base, decoding: 'greedy' }, '/m/tiny', withLm).strategy).toBe('greedy');
    expect(chooseDecoding({ ...base, lmPath: 'none' }, '/m/tiny', withLm)).toEqual({ strategy: 'greedy', beamSize: 4, lm: undefined });
    expect(chooseDecoding({ ...base, lmPath: '', decoding: 'beam' }, '/m/tiny', withLm)).toEqual({ strategy: 'beam', beamSize: 4, lm: undefined });
  });

  it('an explicit LM path wins over the directory, relative to the working directory', () => {
    const d = chooseDecoding({ ...base, lmPath: 'lms/domain.arpa' }, '/m/parakeet', withLm);
    expect(d.strategy).toBe('beam');
    expect(d.lm?.path).toBe(resolve('lms/domain.arpa'));
  });
});
