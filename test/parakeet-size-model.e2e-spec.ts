import { editDistance } from '../src/asr/word-error-rate.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelFiles } from '../src/model/model-directory.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';
import { buildDecoderJointGraph } from '../scripts/test-model/decoder-joint-graph.js';
import { buildFastConformerEncoder, fastConformerParameters, PARAKEET_ENCODER, relativePositionTable } from '../scripts/test-model/fastconformer-graph.js';
import { FASTCONFORMER_MODELS } from '../scripts/test-model/fastconformer-models.js';
import { makeTestModel } from '../scripts/test-model/make-test-model.js';
import { SeededRandom } from '../scripts/test-model/random.js';
import { mixedClips } from './helpers/audio.js';

/**
 * The Parakeet-size model (`--shape parakeet-full`, issue #20) is 2.4 GB, too big to make in a test: its
 * definition is checked as a graph without weights, and the same code path runs end to end scaled down
 * (`parakeet-mini`) through real ONNX Runtime sessions.
 */
describe('Parakeet-size model generator (scripts/test-model/fastconformer-graph.ts)', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'parakeet-size-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('defines parakeet-tdt-0.6b-v2: 608,879,616 encoder and 8,946,310 prediction + joint parameters (617.8 M)', () => {
    const encoder = buildFastConformerEncoder(PARAKEET_ENCODER, new SeededRandom(1), { dryRun: true });
    // Counted the way PyTorch counts the real model, from its published hyperparameters (contract §8).
    const D = 1024;
    const perLayer = 2 * 2 * D * 4096 + 5 * D * D + 2 * D + 2 * D * D + 9 * D + 2 * D + D * D + 10 * D;
    const subsampling = 256 * 10 + 2 * (256 * 10 + 256 * 257) + 4096 * D + D;
    expect(encoder.elements.parameter).toBe(subsampling + 24 * perLayer);
    expect(encoder.elements.parameter).toBe(608_879_616);
    expect(fastConformerParameters(PARAKEET_ENCODER)).toBe(608_879_616);
    // Buffers: the ±4999 relative-position table (the 400 s limit of the export) and BatchNorm statistics.
    expect(encoder.elements.buffer).toBe(9999 * D + 24 * 2 * D);
    const shapes = encoder.weightShapes.map((w) => w.dims.join('x'));
    const count = (s: string) => shapes.filter((x) => x === s).length;
    expect(count('1024x4096')).toBe(48); // FF1 and FF2 in, per layer
    expect(count('4096x1024')).toBe(48 + 1); // FF out, and the subsampling's Linear(4096 → 1024)
    expect(count('1024x1024')).toBe(24 * 5); // q, k, v, out, pos
    expect(count('2048x1024x1')).toBe(24); // pointwise conv 1 (GLU)
    expect(count('1024x1x9')).toBe(24); // depthwise conv, kernel 9
    expect(count('256x1x3x3')).toBe(3);

    const fullDecoder = FASTCONFORMER_MODELS['parakeet-full'].decoder;
    const joint = buildDecoderJointGraph({ ...fullDecoder, vocabSize: fullDecoder.vocab, durations: 5 }, new SeededRandom(1), { dryRun: true });
    const lstm = 2 * (4 * 640 * 640 * 2 + 8 * 640);
    const jointParams = 1024 * 640 + 640 + 640 * 640 + 640 + 640 * 1030 + 1030;
    expect(joint.elements.parameter).toBe(1025 * 640 + lstm + jointParams);
    expect(joint.elements.parameter).toBe(8_946_310);
  });

  it('builds the rel-pos table NeMo builds: row max−1 is position 0, even channels sin, odd cos', () => {
    const t = relativePositionTable(5, 4);
    const row = (r: number) => Array.from(t.subarray(r * 4, r * 4 + 4));
    expect(row(4)).toEqual([0, 1, 0, 1]);
    expect(row(3)[0]).toBeCloseTo(Math.sin(1), 6); // position 1
    expect(row(5)[0]).toBeCloseTo(Math.sin(-1), 6); // position −1
    expect(row(3)[3]).toBeCloseTo(Math.cos(1 / 100), 6); // channel 2's frequency is 10000^(−2/4)
  });

  it('scaled down, the same code path writes external data deterministically and transcribes through ONNX Runtime', async () => {
    const a = makeTestModel({ out: join(work, 'a'), shape: 'parakeet-mini', seed: 5 });
    const b = makeTestModel({ out: join(work, 'b'), shape: 'parakeet-mini', seed: 5 });
    for (const f of ['encoder-model.onnx', 'encoder-model.onnx.data', 'decoder_joint-model.onnx']) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true);
    }
    // The weights live in the data file, the graph is only structure (as in the onnx-asr export).
    expect(statSync(join(a, 'encoder-model.onnx.data')).size).toBeGreaterThan(20 * statSync(join(a, 'encoder-model.onnx')).size);

    const engine = await InferenceEngine.load({ files: modelFiles(a, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: [], encoderBatching: 'padded' });
    try {
      expect(engine.info).toMatchObject({ encoderDim: 64, vocabSize: 1025, stateLayers: 2, stateSize: 64 });
      const clips = mixedClips(6, 2);
      const { transcripts } = await engine.transcribe(clips.map((c) => c.slice()));
      const seconds = clips.reduce((s, c) => s + c.length / 16000, 0);
      const tokens = transcripts.reduce((n, t) => n + t.tokens.length, 0);
      // The joint's blank bias makes speech-like audio decode at a speech-like rate, with varied tokens.
      expect(tokens / seconds).toBeGreaterThan(1);
      expect(tokens / seconds).toBeLessThan(8);
      expect(new Set(transcripts.flatMap((t) => t.tokens.map((k) => k.id))).size).toBeGreaterThan(5);
      // Every token lies inside its clip: encoded lengths follow the three stride-2 stages.
      for (const [i, t] of transcripts.entries()) for (const k of t.tokens) expect(k.start).toBeLessThanOrEqual(clips[i].length / 16000);
    } finally {
      await engine.release();
    }
  });

  it('its fp16 copy (scripts/convert-fp16) keeps the weights external and decodes within 2 % token edit distance', async () => {
    const fp32 = makeTestModel({ out: join(work, 'fp32'), shape: 'parakeet-mini', seed: 6 });
    const fp16 = join(work, 'fp16');
    const r = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'scripts', 'convert-fp16.js'), '--model', fp32, '--out', fp16], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(statSync(join(fp16, 'encoder-model.onnx.data')).size).toBeLessThan(0.65 * statSync(join(fp32, 'encoder-model.onnx.data')).size);
    const clips = mixedClips(6, 3);
    const ids = async (dir: string) => {
      const engine = await InferenceEngine.load({ files: modelFiles(dir, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: [] });
      try {
        return (await engine.transcribe(clips.map((c) => c.slice()))).transcripts.map((t) => t.tokens.map((k) => k.id));
      } finally {
        await engine.release();
      }
    };
    const a = await ids(fp32);
    const b = await ids(fp16);
    const total = a.reduce((n, t) => n + t.length, 0);
    expect(total).toBeGreaterThan(20);
    const distance = a.reduce((n, t, i) => n + editDistance(t, b[i]), 0);
    expect(distance / total).toBeLessThanOrEqual(0.02);
  });
});

