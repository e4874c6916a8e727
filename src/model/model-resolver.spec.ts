import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestModel } from '../../scripts/test-model/make-test-model.js';
import { loadConfig } from '../config/load-config.js';
import { repositoryFor, UnknownModelIdError } from './model-aliases.js';
import { chooseModel, hubCacheDir } from './model-resolver.js';

let root: string;
let model: string;

/** A models root holding the given sub-directories, each a copy of a generated model. */
function modelsRoot(...dirs: string[]): string {
  const r = mkdtempSync(join(root, 'models-'));
  for (const d of dirs) cpSync(model, join(r, d), { recursive: true });
  return r;
}

const choose = (env: Record<string, string>) => chooseModel(loadConfig(env));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'parakeet-resolve-'));
  model = makeTestModel({ out: join(root, 'generated'), shape: 'tiny' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('model resolution', () => {
  it('PARAKEET_MODEL_DIR set: that directory, unchecked here (the service fails on it, never falls back)', () => {
    const r = modelsRoot('parakeet-fp32');
    expect(choose({ PARAKEET_MODEL_DIR: '/srv/my-model', PARAKEET_MODELS_ROOT: r })).toEqual({
      source: 'PARAKEET_MODEL_DIR',
      dir: '/srv/my-model',
      reason: 'PARAKEET_MODEL_DIR is set',
    });
  });

  it('PARAKEET_MODEL_DIR set wins over PARAKEET_MODEL_SOURCE=hub, and says so', () => {
    const c = choose({ PARAKEET_MODEL_DIR: '/srv/my-model', PARAKEET_MODEL_SOURCE: 'hub' });
    expect(c.source).toBe('PARAKEET_MODEL_DIR');
    expect(c.reason).toContain('PARAKEET_MODEL_SOURCE=hub is ignored');
  });

  it('unset: models/parakeet-fp32 when it holds a complete model', () => {
    const r = modelsRoot('parakeet-fp32', 'parakeet-tiny-en');
    const c = choose({ PARAKEET_MODELS_ROOT: r });
    expect(c).toMatchObject({ source: 'fetched', dir: join(r, 'parakeet-fp32') });
    expect(c.reason).toContain('holds a complete model');
  });

  it('unset: the embedded default when models/parakeet-fp32 does not exist, saying why', () => {
    const r = modelsRoot('parakeet-tiny-en');
    const c = choose({ PARAKEET_MODELS_ROOT: r });
    expect(c).toMatchObject({ source: 'embedded', dir: join(r, 'parakeet-tiny-en') });
    expect(c.reason).toContain(`${join(r, 'parakeet-fp32')} is not a complete model (${join(r, 'parakeet-fp32')}: model directory does not exist)`);
  });

  it('unset: the embedded default when models/parakeet-fp32 is incomplete, naming the missing file', () => {
    const r = modelsRoot('parakeet-fp32', 'parakeet-tiny-en');
    unlinkSync(join(r, 'parakeet-fp32', 'vocab.txt'));
    const c = choose({ PARAKEET_MODELS_ROOT: r });
    expect(c.source).toBe('embedded');
    expect(c.reason).toContain(`${join(r, 'parakeet-fp32', 'vocab.txt')}: is missing`);
  });

  it('unset with int8: looks in models/parakeet-int8', () => {
    const r = modelsRoot('parakeet-fp32');
    expect(choose({ PARAKEET_MODELS_ROOT: r, PARAKEET_QUANTIZATION: 'int8' }).source).toBe('embedded');
  });

  it('PARAKEET_MODEL_DIR="": the hub, with the alias mapped and the identical fallback not repeated', () => {
    expect(choose({ PARAKEET_MODEL_DIR: '' })).toEqual({
      source: 'hub',
      repositories: ['istupakov/parakeet-tdt-0.6b-v2-onnx'],
      reason: 'PARAKEET_MODEL_DIR is set to the empty string (download from the hub)',
    });
  });

  it('PARAKEET_MODEL_SOURCE=hub: PARAKEET_MODEL_ID first, then PARAKEET_FALLBACK_MODEL_ID', () => {
    expect(choose({ PARAKEET_MODEL_SOURCE: 'hub', PARAKEET_MODEL_ID: 'nemo-parakeet-tdt-0.6b-v3' })).toEqual({
      source: 'hub',
      repositories: ['istupakov/parakeet-tdt-0.6b-v3-onnx', 'istupakov/parakeet-tdt-0.6b-v2-onnx'],
      reason: 'PARAKEET_MODEL_SOURCE=hub',
    });
  });

  it('maps aliases in one table and passes repositories through', () => {
    expect(repositoryFor('nemo-parakeet-tdt-0.6b-v2')).toBe('istupakov/parakeet-tdt-0.6b-v2-onnx');
    expect(repositoryFor('nemo-parakeet-tdt-0.6b-v3')).toBe('istupakov/parakeet-tdt-0.6b-v3-onnx');
    expect(repositoryFor('me/my-export')).toBe('me/my-export');
    expect(() => repositoryFor('parakeet-large')).toThrow(UnknownModelIdError);
    expect(hubCacheDir('/cache', 'me/my-export', 'int8')).toBe('/cache/me--my-export-int8');
  });
});
