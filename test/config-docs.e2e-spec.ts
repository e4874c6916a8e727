import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOC, configTable, DOCS_BEGIN, DOCS_END } from '../src/config/config-docs.js';
import { envVarSpecs } from '../src/config/env-var.decorator.js';

describe('configuration table (docs/configuration.md)', () => {
  const page = readFileSync(join(process.cwd(), CONFIG_DOC), 'utf8');

  it('matches the config schema (run `npm run docs:config` after changing it)', () => {
    const block = page.slice(page.indexOf(DOCS_BEGIN) + DOCS_BEGIN.length, page.indexOf(DOCS_END)).trim();
    expect(block).toBe(configTable());
  });

  it('documents every variable with its default', () => {
    for (const spec of envVarSpecs()) {
      expect(page).toContain(`| \`${spec.name}\` |`);
    }
    expect(envVarSpecs().length).toBeGreaterThanOrEqual(19);
  });
});
