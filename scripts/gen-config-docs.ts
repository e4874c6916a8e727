import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/common/project-paths.js';
import { CONFIG_DOC, withConfigTable } from '../src/config/config-docs.js';

/** Rewrites the configuration table in docs/configuration.md from the config schema. */
const path = join(PROJECT_ROOT, CONFIG_DOC);
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
writeFileSync(path, after);
console.log(before === after ? `${CONFIG_DOC}: configuration table is up to date` : `${CONFIG_DOC}: configuration table updated`);
