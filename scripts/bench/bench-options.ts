import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EMBEDDED_MODEL_DIR } from '../../src/common/project-paths.js';

export interface BenchOptions {
  modelDir: string;
  json?: string;
  html?: string;
  quick: boolean;
  /** Lanes and intra-op threads per lane (`--lanes`, `--threads`): absent, the service's own `auto` rule decides. */
  lanes?: number;
  threads?: number;
  maxBatch: number;
  levels: number[];
  /** Each REST level runs at least this long (and at least 2 requests per client). */
  levelSeconds: number;
  mp3Concurrency: number;
  clipCount: number;
  sessions: number[];
  turns: number;
  repeats: number;
  peer: boolean;
  /** Upload the clips as mp3 too (ffmpeg's path); off where the host has no ffmpeg (`--no-mp3`, the GPU host). */
  mp3: boolean;
  /** ONNX Runtime provider for the service and the in-process limit (`cpu`, `cuda`, `tensorrt`). */
  provider: string;
  /** Extra server environment (`--env KEY=VALUE`, repeatable), e.g. PARAKEET_MICROBATCH_WINDOW_MS=5, to try settings. */
  serverEnv: Record<string, string>;
  /** Directory for the server's `node --cpu-prof` profiles (written when it exits). */
  profileDir?: string;
  /** Length of the long uploads of the `mixed` row (`--mixed-long-s`; 0 skips the row). */
  mixedLongS: number;
}

const list = (text: string) => text.split(',').filter(Boolean).map(Number);

/**
 * `npm run bench -- [--model DIR] [--json out.json] [--html out.html] [--quick]` and the knobs behind them.
 * --quick: fewer clips, 3 s per level, one realtime level, a single timed pass: the whole run in under 5 min.
 */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      quick: { type: 'boolean', default: false },
      threads: { type: 'string' },
      lanes: { type: 'string' },
      'max-batch': { type: 'string' },
      levels: { type: 'string' },
      seconds: { type: 'string' },
      clips: { type: 'string' },
      sessions: { type: 'string' },
      turns: { type: 'string' },
      'no-peer': { type: 'boolean', default: false },
      'no-mp3': { type: 'boolean', default: false },
      provider: { type: 'string', default: 'cpu' },
      'cpu-prof': { type: 'string' },
      env: { type: 'string', multiple: true },
      'mixed-long-s': { type: 'string', default: '129' },
    },
  });
  const quick = values.quick!;
  if (!['cpu', 'cuda', 'tensorrt'].includes(values.provider!)) throw new Error(`--provider must be cpu, cuda or tensorrt, not ${values.provider}`);
  for (const name of ['threads', 'lanes', 'max-batch', 'seconds', 'clips', 'turns'] as const) {
    const v = values[name];
    if (v !== undefined && !(Number(v) > 0)) throw new Error(`--${name} must be a positive number, not ${v}`);
  }
  const levels = list(values.levels ?? '1,2,4,8,16,32');
  return {
    modelDir: resolve(values.model ?? EMBEDDED_MODEL_DIR),
    json: values.json,
    html: values.html,
    quick,
    lanes: values.lanes === undefined ? undefined : Number(values.lanes),
    threads: values.threads === undefined ? undefined : Number(values.threads),
    maxBatch: Number(values['max-batch'] ?? 8),
    levels,
    levelSeconds: Number(values.seconds ?? (quick ? 4 : 15)),
    mp3Concurrency: levels.includes(8) ? 8 : levels[levels.length - 1],
    clipCount: Number(values.clips ?? (quick ? 12 : 24)),
    sessions: list(values.sessions ?? (quick ? '8' : '4,8,16')),
    turns: Number(values.turns ?? (quick ? 3 : 6)),
    repeats: quick ? 2 : 3,
    peer: !values['no-peer'],
    mp3: !values['no-mp3'],
    provider: values.provider!,
    profileDir: values['cpu-prof'] && resolve(values['cpu-prof']),
    mixedLongS: Number(values['mixed-long-s']),
    serverEnv: Object.fromEntries(
      (values.env ?? []).map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error(`--env takes KEY=VALUE, not ${pair}`);
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      }),
    ),
  };
}

/** Batch sizes for the model limit: powers of two up to the scheduler's largest batch, and that batch. */
export function limitBatchSizes(maxBatch: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < maxBatch; b *= 2) out.push(b);
  out.push(maxBatch);
  return out;
}
