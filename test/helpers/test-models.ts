import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestModel, type TestModelOptions } from '../../scripts/test-model/make-test-model.js';

const made: string[] = [];

/** A freshly generated contract model in a private temp directory (removed by `removeTestModels`). */
export function testModel(options: Omit<TestModelOptions, 'out'> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `parakeet-test-${options.shape ?? 'tiny'}-`));
  made.push(dir);
  return makeTestModel({ ...options, out: dir });
}

export function removeTestModels(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
