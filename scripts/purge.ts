import { parseArgs } from 'node:util';
import { ConfigError } from '../src/config/load-config.js';
import { formatPurge, planPurge, runPurge } from './purge/purge.js';

const USAGE = `usage: npm run purge [-- --dry-run]

Removes what the service and its tools write and can write again: logs/ and PARAKEET_METRICS_DIR, the TensorRT
engine and timing caches (TRT_ENGINE_CACHE, TRT_TIMING_CACHE), the hub model cache (PARAKEET_CACHE_DIR) and the
models fetch-model downloaded into PARAKEET_MODELS_ROOT (parakeet-fp32, parakeet-int8). Never the embedded
model (models/parakeet-tiny-en), and nothing outside the project unless its variable is set explicitly.
--dry-run lists what would go and how much space would come back, deleting nothing.`;

let values;
try {
  ({ values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }));
} catch (e) {
  console.error(`purge: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

try {
  const dryRun = values['dry-run'];
  console.log(dryRun ? 'purge: dry run (nothing is deleted)' : 'purge:');
  console.log(formatPurge(runPurge(planPurge(process.env), dryRun)));
} catch (e) {
  console.error(`purge: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
  process.exit(1);
}
