import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NemoFeaturizer } from '../src/asr/nemo-featurizer.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { modelFiles } from '../src/model/model-directory.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';
import { makeTestModel } from './test-model/make-test-model.js';

/**
 * `npm run bench:core [-- --threads N --seconds S --json out.json]`: the numeric core alone, in-process.
 * Featurizer speed, then encoder and decoder time per batch size on generated tiny and Parakeet-shape
 * models and, when present, the embedded model.
 */
const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    batches: { type: 'string', default: '1,2,4,8,16' },
    repeats: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const threads = Number(values.threads);
const clipSeconds = Number(values.seconds);
const batchSizes = values.batches!.split(',').map(Number);
const repeats = Number(values.repeats);

/** Speech-like test signal: a few harmonics with a wandering pitch and syllable-rate envelope. */
function signal(seconds: number, seed: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * 16000));
  let phase = 0;
  for (let n = 0; n < out.length; n++) {
    const t = n / 16000;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * (0.7 + seed * 0.05) * t);
    phase += (2 * Math.PI * f0) / 16000;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t + seed);
    out[n] = 0.1 * env * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase));
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function benchFeaturizer() {
  const f = new NemoFeaturizer();
  const audio = signal(60, 1);
  f.featurize(audio);
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    f.featurize(audio);
    runs.push(performance.now() - t);
  }
  const ms = median(runs);
  return { audio_s: 60, ms: round(ms), x_realtime: Math.round(60000 / ms) };
}

async function benchModel(name: string, dir: string) {
  const engine = await InferenceEngine.load({ files: modelFiles(dir, 'none'), intraOpThreads: threads, providers: ['cpu'], warmupBatchSizes: [1] });
  const rows = [];
  for (const b of batchSizes) {
    const clips = Array.from({ length: b }, (_, i) => signal(clipSeconds, i));
    await engine.transcribe(clips.map((c) => c.slice()));
    const samples = [];
    for (let r = 0; r < repeats; r++) samples.push((await engine.transcribe(clips.map((c) => c.slice()))).timings);
    const enc = median(samples.map((s) => s.encoderMs));
    const dec = median(samples.map((s) => s.decodeMs));
    const feat = median(samples.map((s) => s.featurizeMs));
    const total = median(samples.map((s) => s.totalMs));
    rows.push({ batch: b, featurize_ms: round(feat), encoder_ms: round(enc), decoder_ms: round(dec), total_ms: round(total), rtfx: round((b * clipSeconds * 1000) / total) });
  }
  await engine.release();
  return { model: name, provider: engine.info.provider, clip_s: clipSeconds, rows };
}

function round(x: number) {
  return Math.round(x * 10) / 10;
}

const work = mkdtempSync(join(tmpdir(), 'parakeet-bench-'));
try {
  const featurizer = benchFeaturizer();
  console.log(`featurizer: ${featurizer.audio_s} s of audio in ${featurizer.ms} ms on one core = ${featurizer.x_realtime}x real time`);
  const models: [string, string][] = [
    ['generated tiny', makeTestModel({ out: join(work, 'tiny'), shape: 'tiny' })],
    ['generated parakeet-shape', makeTestModel({ out: join(work, 'parakeet'), shape: 'parakeet' })],
  ];
  if (existsSync(join(EMBEDDED_MODEL_DIR, 'encoder-model.onnx'))) models.push(['embedded', EMBEDDED_MODEL_DIR]);
  const results = [];
  for (const [name, dir] of models) {
    const r = await benchModel(name, dir);
    results.push(r);
    console.log(`\n${name} (${r.provider}, ${threads} intra-op thread(s), ${clipSeconds} s clips)`);
    console.log('batch  featurize_ms  encoder_ms  decoder_ms  total_ms   RTFx');
    for (const row of r.rows) {
      console.log(`${String(row.batch).padStart(5)} ${String(row.featurize_ms).padStart(13)} ${String(row.encoder_ms).padStart(11)} ${String(row.decoder_ms).padStart(11)} ${String(row.total_ms).padStart(9)} ${String(row.rtfx).padStart(6)}`);
    }
  }
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`\npeak RSS: ${peakRssMb} MiB`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ threads, featurizer, models: results, peak_rss_mb: peakRssMb }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
