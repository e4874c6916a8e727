import type { Transcript } from '../../asr/transcript.js';
import type { ModelFiles } from '../model-directory.js';
import type { Samples } from '../../asr/samples.js';
import type { ShapeBuckets } from './shape-buckets.js';

export interface EngineOptions {
  files: ModelFiles;
  intraOpThreads: number;
  /** Execution providers in order of preference; each is tried alone, falling back on failure. */
  providers: string[];
  /** GPU index for cuda / tensorrt. */
  deviceId?: number;
  /** onnxruntime-node `extra` session config entries, applied to every session. */
  sessionConfig?: Record<string, string>;
  /** Batch sizes run once at load so the first real request pays no first-run costs. */
  warmupBatchSizes: number[];
  /** `auto`: one unpadded encoder call per clip on the CPU, one padded call per batch on a GPU. */
  encoderBatching?: EncoderBatching | 'auto';
  /** Where the encoder runs padded batches (a GPU): the shapes they are rounded up to (shape-buckets.ts). Absent: exact shapes. */
  shapeBuckets?: ShapeBuckets;
  /** Greedy (the default) or beam search with this many hypotheses per utterance, optionally with a word LM. */
  decoding?: Decoding;
}

export interface Decoding {
  strategy: 'greedy' | 'beam';
  beamSize: number;
  /** A word n-gram LM (ARPA, plain or gzip) fused into beam search. */
  lm?: LanguageModelOptions;
}

export interface LanguageModelOptions {
  path: string;
  weight: number;
  wordBonus: number;
  unkPenalty: number;
}

export type EncoderBatching = 'per-item' | 'padded';

export interface EngineInfo {
  modelName: string;
  modelDir: string;
  provider: string;
  /** Providers tried before `provider` that failed, with their reasons. */
  providerFallbacks: string[];
  encoderDim: number;
  vocabSize: number;
  featuresSize: number;
  stateLayers: number;
  stateSize: number;
  frameSeconds: number;
  sampleRate: number;
  loadMs: number;
  warmupMs: number;
  encoderBatching: EncoderBatching;
  /** `greedy`, `beam N`, or `beam N + word LM <file> (weight W, word bonus B)`. */
  decoding: string;
}

export interface StageTimings {
  featurizeMs: number;
  encoderMs: number;
  decodeMs: number;
  totalMs: number;
}

export interface BatchResult {
  transcripts: Transcript[];
  timings: StageTimings;
}

/**
 * One clip's nemo128 features computed ahead of its batch (featurizer-pool.ts): [mels, frames] row-major,
 * frames = samples // hop + 1 of which `valid` count. A lane copies the rows into its padded tensor.
 */
export interface Features {
  kind: 'features';
  data: Float32Array;
  mels: number;
  frames: number;
  valid: number;
  /** The clip's length in samples (its duration in the transcript). */
  samples: number;
}

/** What a lane takes per batch item: audio it featurizes itself, or features made ahead. */
export type EngineInput = Samples | Features;

export const isFeatures = (input: EngineInput): input is Features => (input as Features).kind === 'features';

/** Samples in an item, whichever form it takes. */
export const inputSamples = (input: EngineInput): number => (isFeatures(input) ? input.samples : input.length);

export type ToWorker = { type: 'run'; id: number; audio: EngineInput[] } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; result: BatchResult }
  | { type: 'run-error'; id: number; message: string };
