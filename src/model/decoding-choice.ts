import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Decoding } from './runner/runner-protocol.js';

/** The language model a model directory may carry; used with beam search unless PARAKEET_LM_PATH says otherwise. */
export const MODEL_LM_FILE = 'lm.arpa.gz';

export interface DecodingSettings {
  decoding: 'auto' | 'greedy' | 'beam';
  beamSize: number;
  /** Unset: the model directory's lm.arpa.gz if any; '' or 'none': no LM; else an ARPA file. */
  lmPath?: string;
  lmWeight: number;
  lmWordBonus: number;
  lmUnkPenalty: number;
}

/**
 * Decoding for a model directory: `auto` is beam search with the word LM when there is one (the embedded
 * model ships one) and greedy decoding otherwise (the real Parakeet ships none, and greedy is what NVIDIA
 * publishes its figures with).
 */
export function chooseDecoding(settings: DecodingSettings, modelDir: string, exists: (path: string) => boolean = existsSync): Decoding {
  const off = settings.lmPath === '' || settings.lmPath?.trim().toLowerCase() === 'none';
  let lmPath: string | null = null;
  if (settings.lmPath !== undefined && !off) lmPath = resolve(settings.lmPath);
  else if (!off && settings.decoding !== 'greedy' && exists(join(modelDir, MODEL_LM_FILE))) lmPath = join(modelDir, MODEL_LM_FILE);
  const strategy = settings.decoding === 'auto' ? (lmPath ? 'beam' : 'greedy') : settings.decoding;
  return {
    strategy,
    beamSize: settings.beamSize,
    lm: strategy === 'beam' && lmPath ? { path: lmPath, weight: settings.lmWeight, wordBonus: settings.lmWordBonus, unkPenalty: settings.lmUnkPenalty } : undefined,
  };
}
