import { existsSync, lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/project-paths.js';
import { loadConfig } from '../../src/config/load-config.js';
import { formatBytes } from '../../src/model/download-progress.js';
import { embeddedModelDir, fetchedModelDir } from '../../src/model/model-resolver.js';

/**
 * What `npm run purge` removes: everything the service and its tools write that can be made again (logs,
 * JSONL metrics, TensorRT caches, downloaded models), taken from the same configuration the service reads.
 * Never the embedded model, never the project itself, and nothing outside the project unless the variable
 * that names it is set explicitly.
 */
export interface PurgeTarget {
  /** What it is, for the report. */
  what: string;
  /** The variable it comes from, when the configuration names it. */
  variable?: string;
  path: string;
  /** Why it is left alone; absent when it will be purged. */
  skipped?: string;
  /** Another target this one lies in: it goes with that one and is counted there. */
  within?: string;
  /** Files (not directories) and their bytes under the path; 0 when it does not exist. */
  files: number;
  bytes: number;
}

export interface PurgePlan {
  targets: PurgeTarget[];
  /** The embedded model directories, protected whatever the configuration says. */
  embedded: string[];
}

export interface PurgeResult extends PurgePlan {
  dryRun: boolean;
  /** Files and bytes removed (dry run: that would be removed). */
  files: number;
  bytes: number;
}

/** The project's own log directory: `.gitignore`'s `logs/`, parent of the default PARAKEET_METRICS_DIR. */
const PROJECT_LOG_DIR = 'logs';

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
/** Resolves symlinks of the longest existing prefix, so a link cannot smuggle a protected directory in. */
function realish(path: string): string {
  let p = resolve(path);
  const rest: string[] = [];
  while (!existsSync(p) && dirname(p) !== p) {
    rest.unshift(p.slice(dirname(p).length + 1));
    p = dirname(p);
  }
  return join(realpathSync(p), ...rest);
}

/** Files and bytes under a path, never following symlinks (a link counts as a file of no data). */
function measure(path: string): { files: number; bytes: number } {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return { files: 0, bytes: 0 };
  if (st.isSymbolicLink()) return { files: 1, bytes: 0 };
  if (!st.isDirectory()) return { files: 1, bytes: st.size };
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(path)) {
    const m = measure(join(path, name));
    files += m.files;
    bytes += m.bytes;
  }
  return { files, bytes };
}

/**
 * The purge plan for an environment. Relative configured paths are taken from `root` (the project root, as
 * the service does); `root` is a parameter only so tests can run on a temporary layout.
 */
export function planPurge(env: Record<string, string | undefined>, root = PROJECT_ROOT): PurgePlan {
  const config = loadConfig(env);
  const at = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(root, p));
  const modelsRoot = at(config.modelsRoot);
  const candidates: Array<Pick<PurgeTarget, 'what' | 'variable' | 'path'>> = [
    { what: 'logs', path: at(PROJECT_LOG_DIR) },
    { what: 'JSONL metrics', variable: 'PARAKEET_METRICS_DIR', path: at(config.metricsDir) },
    { what: 'TensorRT engine cache', variable: 'TRT_ENGINE_CACHE', path: at(config.trtEngineCache) },
    { what: 'TensorRT timing cache', variable: 'TRT_TIMING_CACHE', path: at(config.trtTimingCache) },
    { what: 'hub model cache', variable: 'PARAKEET_CACHE_DIR', path: at(config.cacheDir) },
    { what: 'model fetched by fetch-model (fp32)', variable: 'PARAKEET_MODELS_ROOT', path: fetchedModelDir(modelsRoot, 'none') },
    { what: 'model fetched by fetch-model (int8)', variable: 'PARAKEET_MODELS_ROOT', path: fetchedModelDir(modelsRoot, 'int8') },
  ];
  const realRoot = realish(root);
  const home = realish(homedir());
  const embedded = [...new Set([embeddedModelDir(modelsRoot), join(root, 'models', 'parakeet-tiny-en')])];
  const protectedModels = embedded.map(realish);
  const targets: PurgeTarget[] = candidates.map((c) => {
    const real = realish(c.path);
    const explicit = c.variable !== undefined && (env[c.variable] ?? '') !== '';
    let skipped: string | undefined;
    if (protectedModels.some((m) => inside(real, m) || inside(m, real))) skipped = 'holds the embedded model, which is never purged';
    else if (inside(realRoot, real)) skipped = 'is the project itself or above it';
    else if (inside(home, real)) skipped = 'is the home directory or above it';
    else if (dirname(real) === dirname(dirname(real))) skipped = 'is a top-level directory, never purged whole: point the variable at a sub-directory';
    else if (!inside(real, realRoot) && !explicit) skipped = `is outside the project and ${c.variable ?? 'nothing'} does not name it explicitly`;
    return { ...c, ...(skipped ? { skipped } : {}), files: 0, bytes: 0 };
  });
  // A target inside another one (logs/metrics inside logs/, or a path given twice) goes with the outermost.
  const live = targets.filter((t) => !t.skipped);
  for (const t of live) {
    const outer = live.find((o) => o !== t && !o.within && inside(realish(t.path), realish(o.path)) && (realish(t.path) !== realish(o.path) || live.indexOf(o) < live.indexOf(t)));
    if (outer) t.within = outer.path;
  }
  for (const t of live) if (!t.within) Object.assign(t, measure(t.path));
  return { targets, embedded };
}

/**
 * Removes what the plan lists (nothing with `dryRun`). A directory keeps itself and loses its contents, so a
 * mount point (a container volume) can be purged too; a file is removed. Symlinks are removed, not followed.
 */
export function runPurge(plan: PurgePlan, dryRun: boolean): PurgeResult {
  const result: PurgeResult = { ...plan, dryRun, files: 0, bytes: 0 };
  for (const t of plan.targets) {
    if (t.skipped || t.within || t.files === 0) continue;
    if (!dryRun) {
      const st = lstatSync(t.path, { throwIfNoEntry: false });
      if (st?.isDirectory()) for (const name of readdirSync(t.path)) rmSync(join(t.path, name), { recursive: true, force: true });
      else if (st) rmSync(t.path, { force: true });
    }
    result.files += t.files;
    result.bytes += t.bytes;
  }
  return result;
}

/** The report: one line per target, then the total. */
export function formatPurge(result: PurgeResult, root = PROJECT_ROOT): string {
  const show = (p: string) => (inside(p, root) && p !== root ? relative(root, p) : p);
  const lines: string[] = [];
  const line = (status: string, path: string, text: string) => lines.push(`  ${status.padEnd(13)} ${show(path)}  ${text}`);
  for (const t of result.targets) {
    const label = `${t.what}${t.variable ? ` (${t.variable})` : ''}`;
    if (t.skipped) line('skipped', t.path, `${label}: ${t.skipped}`);
    else if (t.within) line(`with ${show(t.within)}`, t.path, label);
    else if (t.files === 0) line('nothing', t.path, label);
    else line(result.dryRun ? 'would remove' : 'removed', t.path, `${label}: ${t.files} file(s), ${formatBytes(t.bytes)}`);
  }
  for (const dir of result.embedded) line('kept', dir, 'the embedded model');
  const total = `${result.files} file(s), ${formatBytes(result.bytes)}`;
  lines.push(result.dryRun ? `purge: dry run, nothing deleted: would free ${total}` : `purge: freed ${total}`);
  return lines.join('\n');
}
