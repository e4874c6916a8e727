import { isAbsolute, join } from 'node:path';
import { PROJECT_ROOT } from '../common/project-paths.js';
import type { EnvironmentVariables } from '../config/env.schema.js';
import { inspectModelDirectory, type Quantization } from './model-directory.js';
import { repositoriesToTry } from './model-aliases.js';

export type ModelSource = 'PARAKEET_MODEL_DIR' | 'fetched' | 'embedded' | 'hub';

/** Where the model comes from and why; `dir` is absent for the hub until the download finishes. */
export interface ModelChoice {
  source: ModelSource;
  reason: string;
  dir?: string;
  /** Repositories to download, in order (hub only). */
  repositories?: string[];
}

export type ResolverConfig = Pick<
  EnvironmentVariables,
  'modelDir' | 'modelSource' | 'modelId' | 'fallbackModelId' | 'modelsRoot' | 'cacheDir' | 'quantization'
>;

/** Relative configured paths are taken from the project root, so the service behaves the same from any cwd. */
export function projectPath(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

/** The directory `npm run fetch-model` fills by default, and the resolver looks in when PARAKEET_MODEL_DIR is unset. */
export function fetchedModelDir(modelsRoot: string, quantization: Quantization): string {
  return join(projectPath(modelsRoot), quantization === 'int8' ? 'parakeet-int8' : 'parakeet-fp32');
}

export function embeddedModelDir(modelsRoot: string): string {
  return join(projectPath(modelsRoot), 'parakeet-tiny-en');
}

/** Cache sub-directory of one hub repository. */
export function hubCacheDir(cacheDir: string, repo: string, quantization: Quantization): string {
  return join(projectPath(cacheDir), `${repo.replace('/', '--')}${quantization === 'int8' ? '-int8' : ''}`);
}

/**
 * The reference service's model rules, made safe offline:
 * PARAKEET_MODEL_DIR set → that directory (never replaced by another model);
 * PARAKEET_MODEL_DIR="" or PARAKEET_MODEL_SOURCE=hub → download PARAKEET_MODEL_ID, then the fallback;
 * unset → models/parakeet-fp32 when complete, else the embedded default.
 */
export function chooseModel(config: ResolverConfig, inspect = inspectModelDirectory): ModelChoice {
  const raw = config.modelDir;
  if (raw !== undefined && raw.trim() !== '') {
    const hubIgnored = config.modelSource === 'hub' ? ' (PARAKEET_MODEL_SOURCE=hub is ignored while PARAKEET_MODEL_DIR names a directory)' : '';
    return { source: 'PARAKEET_MODEL_DIR', dir: raw.trim(), reason: `PARAKEET_MODEL_DIR is set${hubIgnored}` };
  }
  if (raw !== undefined || config.modelSource === 'hub') {
    return {
      source: 'hub',
      repositories: repositoriesToTry([config.modelId, config.fallbackModelId]),
      reason: config.modelSource === 'hub' ? 'PARAKEET_MODEL_SOURCE=hub' : 'PARAKEET_MODEL_DIR is set to the empty string (download from the hub)',
    };
  }
  const fetched = fetchedModelDir(config.modelsRoot, config.quantization);
  const embedded = embeddedModelDir(config.modelsRoot);
  try {
    inspect(fetched, config.quantization);
    return { source: 'fetched', dir: fetched, reason: `PARAKEET_MODEL_DIR is unset and ${fetched} holds a complete model` };
  } catch (e) {
    const why = (e as Error).message.split(';')[0];
    return { source: 'embedded', dir: embedded, reason: `PARAKEET_MODEL_DIR is unset and ${fetched} is not a complete model (${why}); using the embedded default` };
  }
}
