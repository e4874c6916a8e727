import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { formatPurge, planPurge, runPurge } from '../scripts/purge/purge.js';

/** Every file under a directory (relative path → size), to prove what a purge touched. */
function tree(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out[relative(dir, p)] = entry.isSymbolicLink() ? -1 : statSync(p).size;
    }
  };
  walk(dir);
  return out;
}

function put(path: string, bytes: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes, 7));
}

describe('npm run purge', () => {
  let base: string;
  let root: string;
  let outside: string;
  let env: Record<string, string>;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'parakeet-purge-'));
    root = join(base, 'project');
    outside = join(base, 'outside');
    // The project: logs, metrics, a hub cache, a fetched model, and the embedded model.
    put(join(root, 'logs', 'service.log'), 100);
    put(join(root, 'logs', 'metrics', 'metrics.log'), 200);
    put(join(root, 'logs', 'metrics', 'metrics.log.2026-11-25'), 250);
    put(join(root, 'models', 'hub-cache', 'istupakov--parakeet-tdt-0.6b-v2-onnx', 'encoder-model.onnx'), 300);
    put(join(root, 'models', 'parakeet-fp32', 'encoder-model.onnx'), 400);
    put(join(root, 'models', 'parakeet-tiny-en', 'encoder-model.onnx'), 1000);
    put(join(root, 'models', 'parakeet-tiny-en', 'vocab.txt'), 10);
    // Outside the project: TensorRT caches named explicitly, and a file nothing names.
    put(join(outside, 'trt_cache', 'engine.bin'), 500);
    put(join(outside, 'timing.cache'), 60);
    put(join(outside, 'keep', 'precious.txt'), 70);
    // A link inside a purged directory to a directory outside: the link goes, its target stays.
    symlinkSync(join(outside, 'keep'), join(root, 'logs', 'link-to-keep'));
    env = { TRT_ENGINE_CACHE: join(outside, 'trt_cache'), TRT_TIMING_CACHE: join(outside, 'timing.cache') };
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const purgedBytes = 100 + 200 + 250 + 300 + 400 + 500 + 60;

  it('--dry-run lists every target with its size and deletes nothing', () => {
    const before = tree(base);
    const result = runPurge(planPurge(env, root), true);
    expect(tree(base)).toEqual(before);
    expect(result.bytes).toBe(purgedBytes); // the link counts as a file without data
    const byWhat = Object.fromEntries(result.targets.map((t) => [t.what, t]));
    expect(byWhat['logs']).toMatchObject({ path: join(root, 'logs'), files: 4, bytes: 550 });
    expect(byWhat['JSONL metrics']).toMatchObject({ within: join(root, 'logs'), files: 0 });
    expect(byWhat['TensorRT engine cache']).toMatchObject({ files: 1, bytes: 500 });
    expect(byWhat['TensorRT timing cache']).toMatchObject({ files: 1, bytes: 60 });
    expect(byWhat['hub model cache']).toMatchObject({ files: 1, bytes: 300 });
    expect(byWhat['model fetched by fetch-model (fp32)']).toMatchObject({ files: 1, bytes: 400 });
    const report = formatPurge(result, root);
    expect(report).toMatch(/would remove\s+logs\s/);
    expect(report).toMatch(/kept\s+models\/parakeet-tiny-en\s+the embedded model/);
    expect(report).toContain('dry run, nothing deleted: would free 8 file(s), 1.8 KB');
  });

  it('a real run removes logs, metrics, TensorRT caches and downloaded models, and keeps the embedded model', () => {
    const result = runPurge(planPurge(env, root), false);
    expect(result.bytes).toBe(purgedBytes);
    expect(tree(root)).toEqual({ 'models/parakeet-tiny-en/encoder-model.onnx': 1000, 'models/parakeet-tiny-en/vocab.txt': 10 });
    expect(tree(outside)).toEqual({ 'keep/precious.txt': 70 });
    // Directories stay (a volume's mount point can be purged); only their contents go.
    expect(existsSync(join(root, 'logs'))).toBe(true);
    expect(existsSync(join(outside, 'trt_cache'))).toBe(true);
    expect(formatPurge(result, root)).toContain('purge: freed 8 file(s), 1.8 KB');
    // Nothing left: a second run frees nothing.
    expect(runPurge(planPurge(env, root), false).bytes).toBe(0);
  });

  it('leaves paths outside the project alone unless their variable names them', () => {
    const plan = planPurge({ TRT_TIMING_CACHE: join(outside, 'timing.cache') }, root);
    const engine = plan.targets.find((t) => t.variable === 'TRT_ENGINE_CACHE')!;
    expect(engine.path).toBe('/models/trt_cache'); // the schema's default, not set here
    expect(engine.skipped).toMatch(/outside the project/);
    // A project path that is a link to the outside counts as outside.
    rmSync(join(root, 'models', 'hub-cache'), { recursive: true });
    symlinkSync(join(outside, 'keep'), join(root, 'models', 'hub-cache'));
    runPurge(planPurge({}, root), false);
    expect(tree(outside)['keep/precious.txt']).toBe(70);
  });

  it('never purges the embedded model, the project, the home directory or a top-level directory', () => {
    const skippedFor = (vars: Record<string, string>) => planPurge(vars, root).targets.find((t) => t.variable === 'PARAKEET_CACHE_DIR')!.skipped;
    expect(skippedFor({ PARAKEET_CACHE_DIR: 'models' })).toMatch(/embedded model/);
    expect(skippedFor({ PARAKEET_CACHE_DIR: 'models/parakeet-tiny-en/cache' })).toMatch(/embedded model/);
    expect(skippedFor({ PARAKEET_CACHE_DIR: '.' })).toMatch(/embedded model|project itself/);
    expect(skippedFor({ PARAKEET_CACHE_DIR: base })).toMatch(/embedded model|project itself/);
    expect(skippedFor({ PARAKEET_CACHE_DIR: '/usr' })).toMatch(/top-level/);
    // PARAKEET_MODELS_ROOT elsewhere: the embedded model it names is protected too.
    put(join(outside, 'models', 'parakeet-tiny-en', 'vocab.txt'), 5);
    expect(skippedFor({ PARAKEET_MODELS_ROOT: join(outside, 'models'), PARAKEET_CACHE_DIR: join(outside, 'models') })).toMatch(/embedded model/);
    runPurge(planPurge({ PARAKEET_CACHE_DIR: 'models', PARAKEET_METRICS_DIR: 'models/parakeet-tiny-en' }, root), false);
    expect(tree(join(root, 'models', 'parakeet-tiny-en'))).toEqual({ 'encoder-model.onnx': 1000, 'vocab.txt': 10 });
  });

  it('the command reads the config from the environment, relative to the project root, and reports the space', () => {
    // A copy of the built project in a temporary directory, so its project root (found from package.json) is that copy.
    const project = join(base, 'copy');
    mkdirSync(project);
    cpSync(join(process.cwd(), 'package.json'), join(project, 'package.json'));
    cpSync(join(process.cwd(), 'dist'), join(project, 'dist'), { recursive: true });
    symlinkSync(join(process.cwd(), 'node_modules'), join(project, 'node_modules'));
    put(join(project, 'logs', 'metrics', 'metrics.log'), 2000);
    put(join(project, 'models', 'hub-cache', 'a--b', 'vocab.txt'), 3000);
    put(join(project, 'models', 'parakeet-tiny-en', 'vocab.txt'), 10);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(project, 'dist', 'scripts', 'purge.js'), ...args], { cwd: base, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });

    const dry = run('--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/would remove\s+logs\s+logs: 1 file\(s\), 2\.0 KB/);
    expect(dry.stdout).toMatch(/would remove\s+models\/hub-cache\s+hub model cache \(PARAKEET_CACHE_DIR\): 1 file\(s\), 3\.0 KB/);
    expect(dry.stdout).toMatch(/skipped\s+\/models\/trt_cache/);
    expect(dry.stdout).toContain('would free 2 file(s), 5.0 KB');
    expect(existsSync(join(project, 'logs', 'metrics', 'metrics.log'))).toBe(true);

    const real = run();
    expect(real.status).toBe(0);
    expect(real.stdout).toContain('purge: freed 2 file(s), 5.0 KB');
    expect(existsSync(join(project, 'logs', 'metrics', 'metrics.log'))).toBe(false);
    expect(existsSync(join(project, 'models', 'hub-cache', 'a--b'))).toBe(false);
    expect(existsSync(join(project, 'models', 'parakeet-tiny-en', 'vocab.txt'))).toBe(true);

    const bad = run('--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: npm run purge');
  });
});
