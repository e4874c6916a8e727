import { editDistance } from '../src/asr/word-error-rate.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { modelFiles } from '../src/model/model-directory.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';
import { toHalf } from '../scripts/fp16/fp16-converter.js';
import { mixedClips } from './helpers/audio.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };

function convert(model: string, out: string, all = true): void {
  const args = [join(process.cwd(), 'dist', 'scripts', 'convert-fp16.js'), '--model', model, '--out', out, ...(all ? ['--all'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  expect(r.stderr).not.toContain('convert-fp16:');
  expect(r.status).toBe(0);
}

/** Moves every initializer of a graph into `<graph>.data`, as exports over protobuf's 2 GB limit are stored. */
function externalize(path: string): void {
  const model = onnx.ModelProto.decode(readFileSync(path));
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of model.graph!.initializer!) {
    // As onnx's writer does: small tensors (shapes, axes) stay inline, where shape inference needs them.
    if (t.dataType !== 1 || (t.rawData?.length ?? 0) < 1024) continue;
    const bytes = Buffer.from(t.rawData!);
    t.rawData = new Uint8Array(0);
    t.dataLocation = 1;
    t.externalData = [
      { key: 'location', value: 'encoder-model.onnx.data' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.length) },
    ];
    chunks.push(bytes);
    offset += bytes.length;
  }
  writeFileSync(`${path}.data`, Buffer.concat(chunks));
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
}

async function transcribeAll(dir: string, clips: Float32Array[]) {
  const engine = await InferenceEngine.load({ files: modelFiles(dir, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: [] });
  try {
    return (await engine.transcribe(clips.map((c) => c.slice()))).transcripts;
  } finally {
    await engine.release();
  }
}


describe('fp16 conversion (scripts/convert-fp16.ts)', () => {
  let work: string;
  let fp32: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'parakeet-fp16-'));
    fp32 = testModel({ shape: 'parakeet', seed: 11 });
  });
  afterAll(() => {
    removeTestModels();
    rmSync(work, { recursive: true, force: true });
  });

  it('rounds float32 to float16 bits as IEEE 754 does', () => {
    expect([1, -2, 0.1, 65504, 65520, 2 ** -24, 2 ** -26, Infinity, -0].map(toHalf)).toEqual([0x3c00, 0xc000, 0x2e66, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x7c00, 0x8000]);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalf(NaN) & 0x7e00).toBe(0x7e00);
  });

  // Stated tolerance: on CPU the fp16 model must give the same tokens as fp32 for at least 7 of 8 clips, and
  // at most 2 % token edit distance over all of them (fp16 rounding may flip a near-tie in a random-weight model).
  it('gives the same text as fp32 on CPU within the stated tolerance, at about half the weight size', async () => {
    const fp16 = join(work, 'fp16');
    convert(fp32, fp16);
    expect(statSync(join(fp16, 'encoder-model.onnx')).size).toBeLessThan(0.6 * statSync(join(fp32, 'encoder-model.onnx')).size);
    const clips = mixedClips(8, 3);
    const a = await transcribeAll(fp32, clips);
    const b = await transcribeAll(fp16, clips);
    const ids = (t: (typeof a)[number]) => t.tokens.map((k) => k.id);
    const total = a.reduce((n, t) => n + t.tokens.length, 0);
    expect(total).toBeGreaterThan(20); // the model must say something, or agreement proves little
    const same = a.filter((t, i) => ids(t).join() === ids(b[i]).join()).length;
    const distance = a.reduce((n, t, i) => n + editDistance(ids(t), ids(b[i])), 0);
    expect(same).toBeGreaterThanOrEqual(7);
    expect(distance / total).toBeLessThanOrEqual(0.02);
  });

  it('reads and writes external weight data (.onnx.data), as the real 2.4 GB encoder has', async () => {
    const ext = join(work, 'external');
    cpSync(fp32, ext, { recursive: true });
    externalize(join(ext, 'encoder-model.onnx'));
    const out = join(work, 'external-fp16');
    convert(ext, out, false);
    expect(existsSync(join(out, 'encoder-model.onnx.data'))).toBe(true);
    const inline = join(work, 'inline-fp16');
    convert(fp32, inline, false);
    const clips = mixedClips(4, 4);
    const viaExternal = await transcribeAll(out, clips);
    const viaInline = await transcribeAll(inline, clips);
    expect(viaExternal.map((t) => t.text)).toEqual(viaInline.map((t) => t.text));
  });
});
