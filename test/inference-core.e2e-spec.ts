import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { NemoFeaturizer } from '../src/asr/nemo-featurizer.js';
import { Vocabulary } from '../src/asr/vocabulary.js';
import { modelFiles } from '../src/model/model-directory.js';
import { InferenceError, ModelRunner } from '../src/model/runner/model-runner.js';
import type { EncoderBatching } from '../src/model/runner/runner-protocol.js';
import type { ShapeBuckets } from '../src/model/runner/shape-buckets.js';
import { FAIL_MARKER_FRAMES } from '../scripts/test-model/make-test-model.js';
import { mixedClips } from './helpers/audio.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

const runnerFor = (dir: string, warmup = [1, 8], encoderBatching: EncoderBatching | 'auto' = 'auto', shapeBuckets?: ShapeBuckets) =>
  new ModelRunner({ files: modelFiles(dir, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: warmup, encoderBatching, shapeBuckets });

/**
 * The unbatched reference: parakeet-contract.md §4.3 written out directly, one utterance and one
 * decoder_joint call (batch 1) at a time, with its own encoder call per utterance.
 */
async function referenceDecode(dir: string, audio: Float32Array): Promise<number[]> {
  const files = modelFiles(dir, 'none');
  const vocab = Vocabulary.parse(readFileSync(files.vocab, 'utf8'));
  const enc = await ort.InferenceSession.create(files.encoder);
  const dec = await ort.InferenceSession.create(files.decoderJoint);
  const meta = dec.inputMetadata.find((m) => m.name === 'input_states_1');
  const [L, , H] = (meta && meta.isTensor ? meta.shape : []) as number[];
  const { features, frames, validFrames } = new NemoFeaturizer().featurize(audio);
  const e = await enc.run({
    audio_signal: new ort.Tensor('float32', features, [1, 128, frames]),
    length: new ort.Tensor('int64', BigInt64Array.of(BigInt(validFrames)), [1]),
  });
  const [, D, T] = e.outputs.dims as number[];
  const encoded = e.outputs.data as Float32Array;
  const encLen = Number((e.encoded_lengths.data as BigInt64Array)[0]);
  let h = new Float32Array(L * H);
  let c = new Float32Array(L * H);
  const tokens: number[] = [];
  let t = 0;
  let emitted = 0;
  while (t < encLen) {
    const frame = new Float32Array(D);
    for (let d = 0; d < D; d++) frame[d] = encoded[d * T + t];
    const prev = tokens.length ? tokens[tokens.length - 1] : vocab.blankId;
    const out = await dec.run({
      encoder_outputs: new ort.Tensor('float32', frame, [1, D, 1]),
      targets: new ort.Tensor('int32', Int32Array.of(prev), [1, 1]),
      target_length: new ort.Tensor('int32', Int32Array.of(1), [1]),
      input_states_1: new ort.Tensor('float32', h, [L, 1, H]),
      input_states_2: new ort.Tensor('float32', c, [L, 1, H]),
    });
    const logits = out.outputs.data as Float32Array;
    let token = 0;
    for (let k = 1; k < vocab.size; k++) if (logits[k] > logits[token]) token = k;
    let dur = 0;
    for (let k = 1; k < logits.length - vocab.size; k++) if (logits[vocab.size + k] > logits[vocab.size + dur]) dur = k;
    if (token !== vocab.blankId) {
      h = (out.output_states_1.data as Float32Array).slice();
      c = (out.output_states_2.data as Float32Array).slice();
      tokens.push(token);
      emitted++;
    }
    if (dur > 0) {
      t += dur;
      emitted = 0;
    } else if (token === vocab.blankId || emitted === 10) {
      t += 1;
      emitted = 0;
    }
  }
  await enc.release();
  await dec.release();
  return tokens;
}

// The CPU runs the encoder once per clip; `padded` (one call per batch, what a GPU gets) is held to the same rules.
// The last case pads as the service does on a GPU (PARAKEET_SHAPE_BUCKETS=auto): 8 clips alone run as 1 row and
// whole seconds of frames, together as 8 rows; a batch of 5 would run as 8.
const GPU_BUCKETS: ShapeBuckets = { frames: 100, batchSizes: [1, 2, 4, 8] };
describe.each([
  ['tiny', 'auto', undefined],
  ['parakeet', 'auto', undefined],
  ['tiny', 'padded', undefined],
  ['parakeet', 'padded', GPU_BUCKETS],
] as const)('inference core on a generated %s-shape model, encoder batching %s, shape buckets %j', (shape, encoderBatching, buckets) => {
  let dir: string;
  let runner: ModelRunner;
  const clips = mixedClips(8, shape === 'tiny' ? 1 : 2);

  beforeAll(async () => {
    dir = testModel({ shape, seed: 7 });
    runner = runnerFor(dir, [1, 8], encoderBatching, buckets);
    const info = await runner.start();
    expect(info.encoderBatching).toBe(encoderBatching === 'auto' ? 'per-item' : encoderBatching);
  });
  afterAll(async () => {
    await runner.close();
    removeTestModels();
  });

  it('gives identical tokens, text and timestamps for 8 mixed-length clips alone and in one batch', async () => {
    const batch = await runner.run(clips.map((c) => c.slice()));
    expect(batch.transcripts).toHaveLength(8);
    const emitted = batch.transcripts.filter((t) => t.tokens.length > 0).length;
    expect(emitted).toBeGreaterThanOrEqual(4); // the model must say something, or equality proves little
    for (let i = 0; i < clips.length; i++) {
      const alone = (await runner.run([clips[i].slice()])).transcripts[0];
      const inBatch = batch.transcripts[i];
      expect(inBatch.tokens.map((t) => [t.id, t.start, t.end])).toEqual(alone.tokens.map((t) => [t.id, t.start, t.end]));
      expect(inBatch.text).toBe(alone.text);
      expect(inBatch.words.map((w) => [w.word, w.start, w.end])).toEqual(alone.words.map((w) => [w.word, w.start, w.end]));
      expect(inBatch.duration).toBeCloseTo(clips[i].length / 16000, 3);
    }
  });

  it('gives a batch of 5 (run as 8 rows where shape buckets pad it) the same tokens as the first 5 of the batch of 8', async () => {
    const eight = await runner.run(clips.map((c) => c.slice()));
    const five = await runner.run(clips.slice(0, 5).map((c) => c.slice()));
    expect(five.transcripts).toHaveLength(5);
    expect(five.transcripts.map((t) => t.tokens.map((k) => [k.id, k.start, k.end]))).toEqual(eight.transcripts.slice(0, 5).map((t) => t.tokens.map((k) => [k.id, k.start, k.end])));
  });

  it('decodes the same tokens as an unbatched reference decoder', async () => {
    const batch = await runner.run(clips.map((c) => c.slice()));
    for (let i = 0; i < clips.length; i++) {
      const reference = await referenceDecode(dir, clips[i]);
      expect(batch.transcripts[i].tokens.map((t) => t.id)).toEqual(reference);
    }
  });

  it('reports per-stage timings', async () => {
    const { timings } = await runner.run([clips[0].slice()]);
    expect(timings.featurizeMs).toBeGreaterThan(0);
    expect(timings.encoderMs).toBeGreaterThan(0);
    expect(timings.totalMs).toBeGreaterThanOrEqual(timings.featurizeMs + timings.encoderMs);
  });
});

describe('runner lane behaviour', () => {
  afterAll(() => removeTestModels());

  it('keeps the event loop responsive while a large batch runs in the worker', async () => {
    const runner = runnerFor(testModel({ shape: 'parakeet', seed: 3 }), []);
    await runner.start();
    const long = mixedClips(8, 5).map((c) => {
      const out = new Float32Array(4 * 16000);
      for (let n = 0; n < out.length; n++) out[n] = c[n % c.length];
      return out;
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const result = await runner.run(long);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    await runner.close();
    expect(result.transcripts).toHaveLength(8);
    // Were inference on this thread, the timer could not fire until the batch finished.
    expect(elapsed).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
  });

  it('answers a failing batch with an error and keeps serving', async () => {
    const runner = runnerFor(testModel({ shape: 'tiny', seed: 9, failOnMarker: true }), [1]);
    await runner.start();
    const marker = new Float32Array(FAIL_MARKER_FRAMES * 160 + 80).fill(0.01);
    await expect(runner.run([marker])).rejects.toBeInstanceOf(InferenceError);
    const ok = await runner.run(mixedClips(1));
    expect(ok.transcripts).toHaveLength(1);
    await runner.close();
  });
});
