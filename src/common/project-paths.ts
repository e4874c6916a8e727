import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository (package) root, found from this file whether it runs from src/ (tests) or dist/src/. */
export const PROJECT_ROOT = (() => {
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error(`cannot find package.json above ${here}`);
})();

/** The embedded default model shipped in the repository. */
export const EMBEDDED_MODEL_DIR = join(PROJECT_ROOT, 'models', 'parakeet-tiny-en');

/**
 * Compiled location of a module under src/. Worker threads need JavaScript; when the sources run through
 * ts-jest the sibling .js does not exist, so workers are taken from dist/ (which `npm test` builds first).
 */
export function compiledModuleUrl(fromUrl: string, relative: string): URL {
  const path = fileURLToPath(new URL(relative, fromUrl));
  if (existsSync(path)) return new URL(relative, fromUrl);
  const rel = path.slice(PROJECT_ROOT.length + 1).replace(/\.ts$/, '.js');
  return new URL(`file://${join(PROJECT_ROOT, 'dist', rel)}`);
}
