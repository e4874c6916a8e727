import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestModel } from '../../scripts/test-model/make-test-model.js';
import { modelFiles, modelWeightBytes } from './model-directory.js';

describe('modelWeightBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parakeet-weight-bytes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the external data beside a graph, where the Parakeet-size encoder keeps its weights', () => {
    const model = makeTestModel({ out: join(dir, 'mini'), shape: 'parakeet-mini' });
    const files = modelFiles(model, 'none');
    const size = (p: string) => statSync(p).size;
    const data = size(`${files.encoder}.data`);
    expect(data).toBeGreaterThan(size(files.encoder));
    expect(modelWeightBytes(files)).toBe(size(files.encoder) + data + size(files.decoderJoint));
  });

  it('is the two graphs alone when nothing is external', () => {
    const files = modelFiles(makeTestModel({ out: join(dir, 'tiny'), shape: 'tiny' }), 'none');
    expect(modelWeightBytes(files)).toBe(statSync(files.encoder).size + statSync(files.decoderJoint).size);
  });
});
