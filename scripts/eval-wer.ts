import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { readWav } from '../src/audio/wav-reader.js';
import { EMBEDDED_MODEL_DIR, PROJECT_ROOT } from '../src/common/project-paths.js';
import { modelFiles } from '../src/model/model-directory.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';

/**
 * `npm run eval -- [--model DIR] [--set DIR] [--batch N] [--beam N [--lm ARPA --lm-weight W --word-bonus B]]`: WER
 * through the TypeScript core (featurizer, ONNX Runtime, TDT decoder: greedy, or beam search with --beam N, with a
 * word n-gram LM fused in with --lm) on a folder of 16 kHz WAVs with a
 * manifest.json of {file, text, synth}.
 */
const { values } = parseArgs({
  options: { model: { type: 'string', default: EMBEDDED_MODEL_DIR }, set: { type: 'string', default: join(PROJECT_ROOT, 'test', 'fixtures', 'heldout') }, batch: { type: 'string', default: '8' }, beam: { type: 'string', default: '0' }, lm: { type: 'string' }, 'lm-weight': { type: 'string', default: '0.5' }, 'word-bonus': { type: 'string', default: '1' }, 'unk-penalty': { type: 'string', default: '-10' } },
});
const items = JSON.parse(readFileSync(join(values.set!, 'manifest.json'), 'utf8')) as { file: string; text: string; synth?: string; set?: string }[];
const engine = await InferenceEngine.load({ files: modelFiles(values.model!, 'none'), intraOpThreads: 2, providers: ['cpu'], warmupBatchSizes: [], decoding: { strategy: Number(values.beam) > 0 ? 'beam' : 'greedy', beamSize: Number(values.beam), lm: values.lm ? { path: values.lm, weight: Number(values['lm-weight']), wordBonus: Number(values['word-bonus']), unkPenalty: Number(values['unk-penalty']) } : undefined } });
if (values.lm && !(Number(values.beam) > 0)) throw new Error('--lm needs --beam N (the LM is fused into beam search)');
console.log(`decoding: ${engine.info.decoding}`);
const groups = new Map<string, { errors: number; words: number; clips: number; nonEmptyOnSilence: number; silence: number }>();
const batch = Number(values.batch);
let audioSeconds = 0;
const started = performance.now();
for (let i = 0; i < items.length; i += batch) {
  const chunk = items.slice(i, i + batch);
  const audio = chunk.map((it) => readWav(readFileSync(join(values.set!, it.file))).samples);
  audioSeconds += audio.reduce((s, a) => s + a.length / 16000, 0);
  const { transcripts } = await engine.transcribe(audio);
  chunk.forEach((it, k) => {
    const key = `${it.set ?? 'all'}/${it.synth ?? '?'}`;
    const g = groups.get(key) ?? { errors: 0, words: 0, clips: 0, nonEmptyOnSilence: 0, silence: 0 };
    const { errors, words } = wordErrors(it.text, transcripts[k].text);
    g.errors += words ? errors : 0;
    g.words += words;
    g.clips++;
    if (!it.text.trim()) {
      g.silence++;
      if (transcripts[k].text.trim()) g.nonEmptyOnSilence++;
    }
    groups.set(key, g);
    if (process.env.VERBOSE) console.log(`${it.file}\n  ref: ${it.text}\n  hyp: ${transcripts[k].text}`);
  });
}
const wall = (performance.now() - started) / 1000;
let errors = 0;
let words = 0;
for (const [key, g] of [...groups].sort()) {
  errors += g.errors;
  words += g.words;
  const wer = g.words ? `${((100 * g.errors) / g.words).toFixed(1)}% WER (${g.errors}/${g.words} words)` : `${g.nonEmptyOnSilence}/${g.silence} non-speech clips got text`;
  console.log(`${key.padEnd(32)} ${String(g.clips).padStart(3)} clips  ${wer}`);
}
console.log(`overall: ${((100 * errors) / Math.max(1, words)).toFixed(1)}% WER over ${words} words; ${audioSeconds.toFixed(1)} s of audio in ${wall.toFixed(2)} s (RTFx ${(audioSeconds / wall).toFixed(0)})`);
await engine.release();
