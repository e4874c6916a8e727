import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDecoderJoint } from './decoder-joint-graph.js';
import { buildEncoder } from './encoder-graph.js';
import { ExternalDataFile } from './external-data-file.js';
import { buildFastConformerEncoder } from './fastconformer-graph.js';
import { FASTCONFORMER_MODELS, type FastConformerModelShape } from './fastconformer-models.js';
import { SeededRandom } from './random.js';

/**
 * tiny, parakeet: the Parakeet I/O contract around a small convolutional encoder (fast, for tests);
 * parakeet-full: the real architecture at its real size (≈ 618 M parameters, 2.4 GB);
 * parakeet-mini: the same FastConformer code path scaled down, for tests of that definition.
 */
export type TestModelShape = 'tiny' | 'parakeet' | FastConformerModelShape;
export const TEST_MODEL_SHAPES: readonly TestModelShape[] = ['tiny', 'parakeet', 'parakeet-full', 'parakeet-mini'];

export interface TestModelOptions {
  out: string;
  shape?: TestModelShape;
  seed?: number;
  /** Make the encoder fail at run time on inputs with exactly this many valid mel frames. */
  failOnMarker?: boolean;
  /** Overrides the shape's blank logit bias (calibration only). */
  blankBias?: number;
}

/** Valid mel frames (samples // 160) that trip a `--fail-on-marker` model: 13.37 s of audio. */
export const FAIL_MARKER_FRAMES = 1337;

const SHAPES = {
  tiny: { channels: 32, dim: 64, vocab: 64, layers: 1, hidden: 32, joint: 32, blankBias: 1.0 },
  parakeet: { channels: 64, dim: 1024, vocab: 1025, layers: 2, hidden: 640, joint: 640, blankBias: 1.2 },
} as const;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Deterministic SentencePiece-like pieces: `<unk>`, word starts, letters, punctuation, then bigrams. */
export function testVocabulary(size: number): string[] {
  const pieces = ['<unk>'];
  const seen = new Set(pieces);
  const add = (p: string) => {
    if (pieces.length < size - 1 && !seen.has(p)) {
      seen.add(p);
      pieces.push(p);
    }
  };
  for (const c of LETTERS) add(`\u2581${c}`);
  for (const c of LETTERS) add(c);
  for (const p of ['.', ',', '?', "'", '!']) add(p);
  for (const a of LETTERS) for (const b of LETTERS) add(`\u2581${a}${b}`);
  for (const a of LETTERS) for (const b of LETTERS) add(`${a}${b}`);
  pieces.push('<blk>');
  return pieces;
}

/** Writes a random-weight model directory with exactly the Parakeet ONNX contract. */
export function makeTestModel(options: TestModelOptions): string {
  const shapeName = options.shape ?? 'tiny';
  const seed = options.seed ?? 1;
  const rng = new SeededRandom(seed);
  mkdirSync(options.out, { recursive: true });
  const durations = [0, 1, 2, 3, 4];
  let s: { vocab: number };
  if (shapeName === 'tiny' || shapeName === 'parakeet') {
    const conv = SHAPES[shapeName];
    s = conv;
    const encoder = buildEncoder(
      { features: 128, channels: conv.channels, dim: conv.dim, failMarkerFrames: options.failOnMarker ? FAIL_MARKER_FRAMES : null },
      rng,
    );
    const decoder = buildDecoderJoint(
      { encoderDim: conv.dim, vocabSize: conv.vocab, durations: durations.length, layers: conv.layers, hidden: conv.hidden, joint: conv.joint, blankBias: options.blankBias ?? conv.blankBias },
      rng,
    );
    rmSync(join(options.out, 'encoder-model.onnx.data'), { force: true });
    writeFileSync(join(options.out, 'encoder-model.onnx'), encoder);
    writeFileSync(join(options.out, 'decoder_joint-model.onnx'), decoder);
  } else {
    if (options.failOnMarker) throw new Error(`--fail-on-marker is for the tiny and parakeet shapes, not ${shapeName}`);
    const m = FASTCONFORMER_MODELS[shapeName];
    s = m.decoder;
    // As the onnx-asr export stores it: the encoder's weights in encoder-model.onnx.data beside the graph.
    const data = new ExternalDataFile(join(options.out, 'encoder-model.onnx.data'));
    try {
      writeFileSync(join(options.out, 'encoder-model.onnx'), buildFastConformerEncoder(m.encoder, rng, { externalData: data }).encode());
    } finally {
      data.close();
    }
    const decoder = buildDecoderJoint({ ...m.decoder, vocabSize: m.decoder.vocab, durations: durations.length, blankBias: options.blankBias ?? m.decoder.blankBias }, rng);
    writeFileSync(join(options.out, 'decoder_joint-model.onnx'), decoder);
  }
  const vocab = testVocabulary(s.vocab);
  writeFileSync(join(options.out, 'vocab.txt'), vocab.map((p, i) => `${p} ${i}\n`).join(''));
  const config = {
    model_type: 'nemo-conformer-tdt',
    features_size: 128,
    subsampling_factor: 8,
    max_tokens_per_step: 10,
    durations,
    name: `parakeet-nest-test-${shapeName}`,
    generated: { by: 'npm run make-test-model', shape: shapeName, seed, fail_on_marker_frames: options.failOnMarker ? FAIL_MARKER_FRAMES : null },
  };
  writeFileSync(join(options.out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return options.out;
}
