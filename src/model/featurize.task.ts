import { NEMO128, NemoFeaturizer } from '../asr/nemo-featurizer.js';
import type { Samples } from '../asr/samples.js';

export interface FeaturizeRequest {
  audio: Samples;
  nMels: number;
}

/** One featurizer per thread and mel count: a NemoFeaturizer owns scratch buffers and is not re-entrant. */
const featurizers = new Map<number, NemoFeaturizer>();

export function featurizerFor(nMels: number): NemoFeaturizer {
  let featurizer = featurizers.get(nMels);
  if (!featurizer) {
    featurizer = new NemoFeaturizer({ ...NEMO128, nMels });
    featurizers.set(nMels, featurizer);
  }
  return featurizer;
}

/** nemo128 features of one clip, unpadded: [nMels, frameCount(length)] row-major, as a runner lane takes them. */
export function featurize({ audio, nMels }: FeaturizeRequest): Float32Array {
  return featurizerFor(nMels).featurize(audio, audio.length).features;
}
