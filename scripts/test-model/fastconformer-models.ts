import { PARAKEET_ENCODER, type FastConformerShape } from './fastconformer-graph.js';

export type FastConformerModelShape = 'parakeet-full' | 'parakeet-mini';

export interface FastConformerModel {
  encoder: FastConformerShape;
  decoder: {
    encoderDim: number;
    vocab: number;
    layers: number;
    hidden: number;
    joint: number;
    /**
     * Chosen by measurement (docs/gpu.md) so that greedy decoding of speech-like input emits about as many
     * tokens per second as the real model does on speech: decoding then costs what it costs on speech.
     */
    blankBias: number;
    durationBias: readonly number[];
    separateJointBiases: true;
  };
}

export const FASTCONFORMER_MODELS: Record<FastConformerModelShape, FastConformerModel> = {
  // parakeet-tdt-0.6b-v2: prediction net Embedding(1025, 640) + LSTM 2 × 640, joint 640, 1024 tokens + blank.
  'parakeet-full': {
    encoder: PARAKEET_ENCODER,
    decoder: { encoderDim: 1024, vocab: 1025, layers: 2, hidden: 640, joint: 640, blankBias: 3.2, durationBias: [0, 1, 1, 0, 0], separateJointBiases: true },
  },
  // The same code path at 1/16 the width and 1/12 the depth: seconds to make and run, for tests.
  'parakeet-mini': {
    encoder: { ...PARAKEET_ENCODER, subsamplingChannels: 16, dModel: 64, layers: 2, heads: 2, ffDim: 256, posEmbMaxLen: 500 },
    decoder: { encoderDim: 64, vocab: 1025, layers: 2, hidden: 64, joint: 64, blankBias: 2.7, durationBias: [0, 1, 1, 0, 0], separateJointBiases: true },
  },
};
