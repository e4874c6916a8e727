import { editDistance } from '../../src/asr/word-error-rate.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readWav } from '../../src/audio/wav-reader.js';
import { PROJECT_ROOT } from '../../src/common/project-paths.js';
import { modelFiles } from '../../src/model/model-directory.js';
import { InferenceEngine } from '../../src/model/runner/inference-engine.js';
import { buildClips } from '../bench/bench-clips.js';

/**
 * `node dist/scripts/gpu/compare-providers.js --model DIR --provider cuda [--against cpu] [--against-model DIR]
 * [--set heldout|bench] [--clips N] [--batch N] [--json out.json]`: the same clips through two engines (another
 * provider, or another copy of the model such as its fp16 conversion) and how far their tokens differ: the
 * check behind "same tokens on CUDA as on the CPU" and "≤ 2 % token edit distance in fp16" (docs/gpu.md).
 */
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    provider: { type: 'string', default: 'cuda' },
    against: { type: 'string', default: 'cpu' },
    'against-model': { type: 'string' },
    set: { type: 'string', default: 'heldout' },
    clips: { type: 'string', default: '12' },
    batch: { type: 'string', default: '8' },
    threads: { type: 'string', default: '4' },
    json: { type: 'string' },
  },
});
if (!values.model) {
  console.error('usage: node dist/scripts/gpu/compare-providers.js --model DIR [--provider cuda] [--against cpu] [--against-model DIR] [--set heldout|bench] [--clips N] [--batch N] [--json out.json]');
  process.exit(2);
}

function clipSet(): { id: string; samples: Float32Array }[] {
  if (values.set === 'bench') return buildClips(Number(values.clips)).map((c) => ({ id: c.id, samples: c.samples }));
  const dir = join(PROJECT_ROOT, 'test', 'fixtures', 'heldout');
  const items = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { file: string }[];
  return items.map((it) => ({ id: it.file, samples: readWav(readFileSync(join(dir, it.file))).samples }));
}

async function tokens(dir: string, provider: string, clips: { samples: Float32Array }[]) {
  const started = performance.now();
  const engine = await InferenceEngine.load({
    files: modelFiles(resolve(dir), 'none'),
    intraOpThreads: Number(values.threads),
    providers: [provider],
    warmupBatchSizes: [],
    // The same batches on both sides: padding changes what a batch computes (contract §6.8).
    encoderBatching: 'padded',
  });
  const loadMs = performance.now() - started;
  const out: { ids: number[]; text: string }[] = [];
  const batch = Number(values.batch);
  try {
    for (let i = 0; i < clips.length; i += batch) {
      const { transcripts } = await engine.transcribe(clips.slice(i, i + batch).map((c) => c.samples.slice()));
      out.push(...transcripts.map((t) => ({ ids: t.tokens.map((k) => k.id), text: t.text })));
    }
  } finally {
    await engine.release();
  }
  return { provider: engine.info.provider, loadMs, out };
}


const clips = clipSet();
const a = await tokens(values.model, values.provider!, clips);
const b = await tokens(values['against-model'] ?? values.model, values.against!, clips);
let distance = 0;
let total = 0;
let sameText = 0;
const differing: { id: string; a: string; b: string }[] = [];
clips.forEach((c, i) => {
  distance += editDistance(b.out[i].ids, a.out[i].ids);
  total += b.out[i].ids.length;
  if (a.out[i].text === b.out[i].text) sameText++;
  else differing.push({ id: c.id, a: a.out[i].text, b: b.out[i].text });
});
const result = {
  model: values.model,
  against_model: values['against-model'] ?? values.model,
  a: { provider: a.provider, load_ms: Math.round(a.loadMs) },
  b: { provider: b.provider, load_ms: Math.round(b.loadMs) },
  clips: clips.length,
  same_text: sameText,
  tokens: total,
  token_edit_distance: distance,
  token_edit_rate: total ? distance / total : 0,
  differing: differing.slice(0, 10),
};
console.log(`${result.a.provider} vs ${result.b.provider}: ${sameText}/${clips.length} transcripts identical, token edit distance ${distance}/${total} = ${(100 * result.token_edit_rate).toFixed(2)} %`);
for (const d of result.differing) console.log(`  ${d.id}: ${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
