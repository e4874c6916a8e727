import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable, DOCS_BEGIN, DOCS_END } from '../src/config/config-docs.js';
import { envVarSpecs } from '../src/config/env-var.decorator.js';

describe('README configuration table', () => {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

  it('matches the config schema (run `npm run docs:config` after changing it)', () => {
    const block = readme.slice(readme.indexOf(DOCS_BEGIN) + DOCS_BEGIN.length, readme.indexOf(DOCS_END)).trim();
    expect(block).toBe(configTable());
  });

  it('documents every variable with its default', () => {
    for (const spec of envVarSpecs()) {
      expect(readme).toContain(`| \`${spec.name}\` |`);
    }
    expect(envVarSpecs().length).toBeGreaterThanOrEqual(19);
  });
});
