import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { HostResources } from '../src/common/host-resources.js';
import { removeTestModels, testModel } from './helpers/test-models.js';
import { startServer, waitForReady } from './helpers/server-process.js';

let good: string;
const copies: string[] = [];

/** A copy of the good model with one file damaged by `damage`. */
function damaged(damage: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'parakeet-damaged-'));
  copies.push(dir);
  cpSync(good, dir, { recursive: true });
  damage(dir);
  return dir;
}

beforeAll(() => {
  good = testModel({ shape: 'tiny', seed: 4 });
});
afterAll(() => {
  removeTestModels();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('start-up', () => {
  it('serves /healthz at once and /readyz once the model is warm', async () => {
    const server = startServer({ PARAKEET_MODEL_DIR: good });
    try {
      const url = await server.url;
      const live = await fetch(`${url}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ ready: true, status: 'ok', info: { event_loop: { status: 'up' } } });
      const ready = await waitForReady(url);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        status: 'ok',
        details: {
          model: { status: 'up', state: 'ready', source: 'PARAKEET_MODEL_DIR', name: 'parakeet-nest-test-tiny', provider: 'cpu' },
          ffmpeg: { status: 'up', source: 'PATH' },
          // PARAKEET_LANES=auto: one lane per usable core, at most 8; PARAKEET_EXPRESS_LANES=auto adds one on the CPU.
          scheduler: { status: 'up', draining: false, queue_depth: 0, lanes: Math.min(8, new HostResources().cores()) + 1, express_lanes: 1 },
        },
      });
      const missing = await fetch(`${url}/v1/nothing-here`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error: { message: 'Cannot GET /v1/nothing-here', type: 'invalid_request_error', param: null, code: 'not_found' },
      });
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['PARAKEET_PORT', 'http'],
    ['PARAKEET_MICROBATCH_MAX_BATCH', '-3'],
    ['PARAKEET_QUANTIZATION', 'fp8'],
    ['PARAKEET_USE_TENSORRT', 'perhaps'],
  ])('stops on a bad %s naming the variable', async (name, value) => {
    const server = startServer({ PARAKEET_MODEL_DIR: good, [name]: value });
    const { code, stderr } = await server.exit;
    expect(code).toBe(1);
    expect(stderr).toContain(name);
  });

  it.each(['encoder-model.onnx', 'decoder_joint-model.onnx', 'vocab.txt', 'config.json'])('stops when %s is missing, naming it and the fix', async (file) => {
    const dir = damaged((d) => unlinkSync(join(d, file)));
    const { code, stderr } = await startServer({ PARAKEET_MODEL_DIR: dir }).exit;
    expect(code).toBe(1);
    expect(stderr).toContain(join(dir, file));
    expect(stderr).toContain('is missing');
    expect(stderr).toContain('npm run fetch-model');
  });

  it('stops when the int8 files are asked for and absent', async () => {
    const { code, stderr } = await startServer({ PARAKEET_MODEL_DIR: good, PARAKEET_QUANTIZATION: 'int8' }).exit;
    expect(code).toBe(1);
    expect(stderr).toContain('encoder-model.int8.onnx');
  });

  it.each([
    ['encoder-model.onnx', 'junk bytes', (p: string) => writeFileSync(p, 'this is not a model')],
    ['decoder_joint-model.onnx', 'a truncated graph', (p: string) => truncateSync(p, Math.floor(readFileSync(p).length / 2))],
    ['encoder-model.onnx', 'a truncated graph', (p: string) => truncateSync(p, Math.floor(readFileSync(p).length / 3))],
    ['vocab.txt', 'a malformed line', (p: string) => writeFileSync(p, 'no-id-here\n')],
    ['config.json', 'invalid JSON', (p: string) => writeFileSync(p, '{"model_type": ')],
    ['config.json', 'a wrong features_size', (p: string) => writeFileSync(p, '{"model_type":"nemo-conformer-tdt","features_size":80}')],
    ['encoder-model.onnx', 'an empty file', (p: string) => writeFileSync(p, '')],
  ])('stops when %s is %s, naming the file', async (file, _what, damage) => {
    const dir = damaged((d) => damage(join(d, file)));
    const { code, stderr } = await startServer({ PARAKEET_MODEL_DIR: dir }).exit;
    expect(code).toBe(1);
    expect(stderr).toContain(join(dir, file));
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('never falls back to another model when a set directory does not exist', async () => {
    const { code, stderr } = await startServer({ PARAKEET_MODEL_DIR: '/nonexistent/parakeet' }).exit;
    expect(code).toBe(1);
    expect(stderr).toContain('/nonexistent/parakeet');
  });
});
