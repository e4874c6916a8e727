import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/common/project-paths.js';
import { withConfigTable } from '../src/config/config-docs.js';

/** Rewrites the configuration table in README.md from the config schema. */
const path = join(PROJECT_ROOT, 'README.md');
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
writeFileSync(path, after);
console.log(before === after ? 'README.md configuration table is up to date' : 'README.md configuration table updated');
