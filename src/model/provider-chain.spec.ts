import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestModel } from '../../scripts/test-model/make-test-model.js';
import { loadConfig } from '../config/load-config.js';
import { parseSessionConfig, providerPlan } from './provider-chain.js';
import { createSession, ProviderUnavailableError, sessionOptionsFor } from './runner/session-factory.js';

let dir: string;
let encoder: string;

beforeAll(() => {
  dir = makeTestModel({ out: mkdtempSync(join(tmpdir(), 'parakeet-providers-')), shape: 'tiny' });
  encoder = join(dir, 'encoder-model.onnx');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('provider plan', () => {
  it.each([
    [{}, ['tensorrt', 'cuda', 'cpu'], false],
    [{ PARAKEET_USE_TENSORRT: '0' }, ['cuda', 'cpu'], false],
    [{ PARAKEET_PROVIDER: 'cpu' }, ['cpu'], true],
    [{ PARAKEET_PROVIDER: 'cuda', PARAKEET_USE_TENSORRT: '1' }, ['cuda'], true],
    [{ PARAKEET_PROVIDER: 'tensorrt', PARAKEET_USE_TENSORRT: '0' }, ['tensorrt'], true],
  ])('%j → %j (forced: %s)', (env, providers, forced) => {
    expect(providerPlan(loadConfig(env))).toEqual({ providers, forced });
  });

  it('parses session config entries and rejects malformed ones at config load', () => {
    expect(parseSessionConfig('session.intra_op.allow_spinning=0; session.disable_prepacking=1;')).toEqual({
      'session.intra_op.allow_spinning': '0',
      'session.disable_prepacking': '1',
    });
    expect(() => loadConfig({ PARAKEET_ORT_SESSION_CONFIG: 'no-equals-sign' })).toThrow('PARAKEET_ORT_SESSION_CONFIG');
  });
});

describe('provider chain on this CPU-only machine (real onnxruntime-node)', () => {
  it('tensorrt and cuda fail with their reason, one warning each, and cpu serves', async () => {
    const warnings: string[] = [];
    const loaded = await createSession(encoder, ['tensorrt', 'cuda', 'cpu'], 1, (m) => warnings.push(m));
    try {
      expect(loaded.provider).toBe('cpu');
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/^provider tensorrt failed for encoder-model\.onnx, falling back to cuda: .*TensorRT: Failed to load shared library.*ONNXRUNTIME_NODE_INSTALL=cuda12/);
      expect(warnings[1]).toMatch(/^provider cuda failed for encoder-model\.onnx, falling back to cpu: .*Cuda: Failed to load shared library/);
      expect(loaded.fallbacks.map((f) => f.split(':')[0])).toEqual(['tensorrt', 'cuda']);
      expect(loaded.session.inputNames).toEqual(['audio_signal', 'length']);
    } finally {
      await loaded.session.release();
    }
  });

  it('a forced provider that cannot load is a ProviderUnavailableError, not a fallback', async () => {
    const warnings: string[] = [];
    let error: unknown;
    try {
      await createSession(encoder, ['cuda'], 1, (m) => warnings.push(m), { deviceId: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toContain('cuda: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
    expect(warnings).toEqual([]);
  });

  it('webgpu without a Vulkan GPU (this machine) is a provider failure with its reason', async () => {
    expect(sessionOptionsFor('webgpu', 1, { deviceId: 3 }).executionProviders).toEqual(['webgpu']);
    await expect(createSession(encoder, ['webgpu'], 1, () => {})).rejects.toThrow(ProviderUnavailableError);
    await expect(createSession(encoder, ['webgpu'], 1, () => {})).rejects.toThrow(/webgpu: .*WebGPU/);
  });

  it('a model that no provider can read is a model error, not a provider error', async () => {
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    let error: unknown;
    try {
      await createSession(junk, ['cuda', 'cpu'], 1, () => {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ProviderUnavailableError);
  });

  it('passes the device id to GPU providers and session config entries to ONNX Runtime', async () => {
    expect(sessionOptionsFor('tensorrt', 2, { deviceId: 3 }).executionProviders).toEqual([
      { name: 'tensorrt', deviceId: 3 },
      { name: 'cuda', deviceId: 3 },
    ]);
    expect(sessionOptionsFor('cuda', 2, { deviceId: 3 }).executionProviders).toEqual([{ name: 'cuda', deviceId: 3 }]);
    expect(sessionOptionsFor('cpu', 2, { deviceId: 3 }).executionProviders).toEqual(['cpu']);
    // A harmless entry loads; an entry ORT acts on (load the file as ORT format) makes it fail: the entries arrive.
    const ok = await createSession(encoder, ['cpu'], 1, () => {}, { sessionConfig: { 'session.intra_op.allow_spinning': '0' } });
    await ok.session.release();
    await expect(createSession(encoder, ['cpu'], 1, () => {}, { sessionConfig: { 'session.load_model_format': 'ORT' } })).rejects.toThrow(
      /ORT model verification failed/,
    );
  });
});
