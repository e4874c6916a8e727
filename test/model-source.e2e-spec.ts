import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHub } from './helpers/fake-hub.js';
import { startServer, waitForReady } from './helpers/server-process.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

const V2 = 'istupakov/parakeet-tdt-0.6b-v2-onnx';
let model: string;
let root: string;

/** JSON log lines (nestjs-pino writes them to stdout) whose message matches. */
function logLines(stdout: string, pattern: RegExp): { level: number; msg: string }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => pattern.test(l.msg ?? ''));
}

async function readyDetails(url: string): Promise<Record<string, unknown>> {
  const res = await waitForReady(url);
  expect(res.status).toBe(200);
  return ((await res.json()) as { details: { model: Record<string, unknown> } }).details.model;
}

beforeAll(() => {
  model = testModel({ shape: 'tiny', seed: 5 });
  root = mkdtempSync(join(tmpdir(), 'parakeet-source-'));
});
afterAll(() => {
  removeTestModels();
  rmSync(root, { recursive: true, force: true });
});

describe('model source at start-up', () => {
  it('PARAKEET_MODEL_DIR="": downloads after listening (live, not ready), falls back to the second id, then serves it; a restart uses the cache offline', async () => {
    const hub = new FakeHub().addRepo(V2, model);
    const gate = hub.hold('vocab.txt');
    const hubUrl = await hub.start();
    const cache = join(root, 'cache');
    const env = {
      PARAKEET_MODEL_DIR: '',
      PARAKEET_MODEL_ID: 'nobody/missing-model',
      PARAKEET_FALLBACK_MODEL_ID: 'nemo-parakeet-tdt-0.6b-v2',
      PARAKEET_CACHE_DIR: cache,
      PARAKEET_PROVIDER: 'cpu',
    };
    const server = startServer({ ...env, PARAKEET_HUB_URL: hubUrl });
    try {
      const url = await server.url;
      await gate.requested;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const during = await fetch(`${url}/readyz`);
      expect(during.status).toBe(503);
      const body = (await during.json()) as { ready: boolean; details: { model: unknown } };
      expect(body.ready).toBe(false);
      expect(body.details.model).toMatchObject({ status: 'down', state: 'downloading', source: 'hub' });
      gate.release();
      const model = await readyDetails(url);
      expect(model).toMatchObject({ state: 'ready', source: 'hub', repository: V2, dir: join(cache, 'istupakov--parakeet-tdt-0.6b-v2-onnx'), provider: 'cpu' });
      expect(model.reason).toBe(`PARAKEET_MODEL_DIR is set to the empty string (download from the hub); downloaded ${V2} after 1 failed repository(ies)`);
      expect(hub.requests.some((r) => r.path.startsWith('/nobody/missing-model/'))).toBe(true);
    } finally {
      await server.stop();
      await hub.stop();
    }
    expect(logLines((await server.exit).stdout, /download of nobody\/missing-model failed: .*404/)).toHaveLength(1);

    // The hub is gone now: a complete cached copy is served without it.
    const again = startServer({ ...env, PARAKEET_HUB_URL: hubUrl });
    try {
      const model = await readyDetails(await again.url);
      expect(model).toMatchObject({ source: 'hub', repository: V2 });
      expect(model.reason).toContain(`${V2} found complete in`);
    } finally {
      await again.stop();
    }
  });

  it('unset: serves models/parakeet-fp32 when complete, else the embedded default, logging why', async () => {
    const models = join(root, 'models');
    cpSync(model, join(models, 'parakeet-fp32'), { recursive: true });
    cpSync(model, join(models, 'parakeet-tiny-en'), { recursive: true });
    const first = startServer({ PARAKEET_MODELS_ROOT: models, PARAKEET_PROVIDER: 'cpu' });
    try {
      const details = await readyDetails(await first.url);
      expect(details).toMatchObject({ source: 'fetched', dir: join(models, 'parakeet-fp32') });
    } finally {
      await first.stop();
    }
    expect(logLines((await first.exit).stdout, /holds a complete model/)).toHaveLength(1);

    unlinkSync(join(models, 'parakeet-fp32', 'encoder-model.onnx'));
    const second = startServer({ PARAKEET_MODELS_ROOT: models, PARAKEET_PROVIDER: 'cpu' });
    try {
      const details = await readyDetails(await second.url);
      expect(details).toMatchObject({ source: 'embedded', dir: join(models, 'parakeet-tiny-en') });
      expect(details.reason).toContain('encoder-model.onnx: is missing');
    } finally {
      await second.stop();
    }
  });
});

describe('execution providers at start-up (CPU-only machine)', () => {
  it('default chain: tensorrt and cuda fall back with one warning each (even with two lanes), cpu serves', async () => {
    const server = startServer({ PARAKEET_MODEL_DIR: model, PARAKEET_LANES: '2' });
    try {
      const details = await readyDetails(await server.url);
      expect(details.provider).toBe('cpu');
      expect((details.provider_fallbacks as string[]).map((f) => f.split(':')[0])).toEqual(['tensorrt', 'cuda']);
    } finally {
      await server.stop();
    }
    const { stdout } = await server.exit;
    const warnings = logLines(stdout, /^provider \w+ failed/);
    expect(warnings.map((w) => w.msg.split(' for ')[0])).toEqual(['provider tensorrt failed', 'provider cuda failed']);
    expect(warnings.every((w) => w.level === 40)).toBe(true);
    expect(logLines(stdout, /model ready: .* on cpu, 2 lane\(s\)/)).toHaveLength(1);
  });

  it.each(['cuda', 'tensorrt'])('PARAKEET_PROVIDER=%s stops start-up with the reason instead of falling back', async (provider) => {
    const { code, stderr, stdout } = await startServer({ PARAKEET_MODEL_DIR: model, PARAKEET_PROVIDER: provider }).exit;
    expect(code).toBe(1);
    expect(stderr).toContain(`PARAKEET_PROVIDER=${provider} forces that provider and it cannot load`);
    expect(stderr).toContain('Failed to load shared library');
    expect(stderr).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(logLines(stdout, /falling back/)).toEqual([]);
  });

  it('PARAKEET_PROVIDER=cpu tries nothing else', async () => {
    const server = startServer({ PARAKEET_MODEL_DIR: model, PARAKEET_PROVIDER: 'cpu' });
    try {
      const details = await readyDetails(await server.url);
      expect(details.provider).toBe('cpu');
      expect(details.provider_fallbacks).toBeUndefined();
    } finally {
      await server.stop();
    }
    expect(readdirSync(model).sort()).toEqual(['config.json', 'decoder_joint-model.onnx', 'encoder-model.onnx', 'vocab.txt']);
  });
});
