import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHub } from './helpers/fake-hub.js';
import { removeTestModels, testModel } from './helpers/test-models.js';
import { runScript } from './helpers/processes.js';

const REPO = 'istupakov/parakeet-tdt-0.6b-v2-onnx';

const fetchModel = (args: string[], env: Record<string, string> = {}) => runScript('fetch-model', args, env);

describe('npm run fetch-model', () => {
  let model: string;
  let hub: FakeHub;
  let work: string;
  beforeAll(async () => {
    model = testModel({ shape: 'parakeet', seed: 2 });
    hub = new FakeHub().addRepo(REPO, model);
    await hub.start();
    work = mkdtempSync(join(tmpdir(), 'parakeet-cli-'));
  });
  afterAll(async () => {
    await hub.stop();
    removeTestModels();
    rmSync(work, { recursive: true, force: true });
  });

  it('downloads an alias into --out with progress (size, rate, ETA) on stderr and the directory on stdout', async () => {
    const out = join(work, 'parakeet-fp32');
    const { code, stdout, stderr } = await fetchModel(['--id', 'nemo-parakeet-tdt-0.6b-v2', '--out', out], { PARAKEET_HUB_URL: hub.url });
    expect(stderr).toContain(`${REPO} (fp32) from ${hub.url}`);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(out);
    expect(stderr).toMatch(/decoder_joint-model\.onnx {2}\[#{20}\] 100% 35\.\d MB \/ 35\.\d MB {2}[\d.]+ [KMG]?B\/s {2}ETA 00:00/);
    expect(stderr).toContain('encoder-model.onnx.data: not in this repository (optional)');
    expect(readFileSync(join(out, 'vocab.txt')).equals(readFileSync(join(model, 'vocab.txt')))).toBe(true);
  });

  it('exits 1 with the hub error for a missing repository, and 2 for bad usage', async () => {
    const missing = await fetchModel(['--id', 'nobody/nothing', '--out', join(work, 'x')], { PARAKEET_HUB_URL: hub.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/fetch-model: nobody\/nothing\/.*: 404 Not Found \(no such repository\)/);
    const usage = await fetchModel(['--quantization', 'fp4'], { PARAKEET_HUB_URL: hub.url });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: npm run fetch-model');
  });
});
