import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { loadConfig } from '../src/config/load-config.js';
import { chooseDecoding } from '../src/model/decoding-choice.js';
import { modelFiles } from '../src/model/model-directory.js';
import type { Decoding } from '../src/model/runner/runner-protocol.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';
import { benchFeaturizer, speechLikeSignal, timeBatch } from './bench/model-limit.js';
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

async function benchModel(name: string, dir: string, decoding?: Decoding) {
  const engine = await InferenceEngine.load({ files: modelFiles(dir, 'none'), intraOpThreads: threads, providers: ['cpu'], warmupBatchSizes: [1], decoding });
  const rows = [];
  for (const b of batchSizes) {
    const clips = Array.from({ length: b }, (_, i) => speechLikeSignal(clipSeconds, i));
    const t = await timeBatch(engine, clips, repeats);
    rows.push({ batch: b, featurize_ms: round(t.featurize_ms), encoder_ms: round(t.encoder_ms), decoder_ms: round(t.decoder_ms), total_ms: round(t.total_ms), rtfx: round((b * clipSeconds * 1000) / t.total_ms) });
  }
  await engine.release();
  return { model: name, provider: engine.info.provider, decoding: engine.info.decoding, clip_s: clipSeconds, rows };
}

function round(x: number) {
  return Math.round(x * 10) / 10;
}

const work = mkdtempSync(join(tmpdir(), 'parakeet-bench-'));
try {
  const featurizer = benchFeaturizer();
  console.log(`featurizer: ${featurizer.audio_s} s of audio in ${featurizer.ms} ms on one core = ${featurizer.x_realtime}x real time`);
  const models: [string, string, Decoding?][] = [
    ['generated tiny', makeTestModel({ out: join(work, 'tiny'), shape: 'tiny' })],
    ['generated parakeet-shape', makeTestModel({ out: join(work, 'parakeet'), shape: 'parakeet' })],
  ];
  if (existsSync(join(EMBEDDED_MODEL_DIR, 'encoder-model.onnx'))) {
    models.push(['embedded, greedy', EMBEDDED_MODEL_DIR]);
    // What the service runs on it by default (PARAKEET_DECODING=auto): beam search with its word LM.
    models.push(['embedded, service default', EMBEDDED_MODEL_DIR, chooseDecoding(loadConfig({}), EMBEDDED_MODEL_DIR)]);
  }
  const results = [];
  for (const [name, dir, decoding] of models) {
    const r = await benchModel(name, dir, decoding);
    results.push(r);
    console.log(`\n${name} (${r.provider}, ${r.decoding}, ${threads} intra-op thread(s), ${clipSeconds} s clips)`);
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
