import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { wordErrors } from '../../src/asr/word-error-rate.js';
import { buildClips, type BenchClip } from './bench-clips.js';
import { loadSherpaBatchAddon } from './sherpa-batch-addon.js';
import type { PeerOptions, PeerResult } from './sherpa-peer.js';
import { median, round1 } from './stats.js';

/**
 * Child process of `npm run bench`: sherpa-onnx-node on the model's sherpa-layout export, same clips and
 * thread count, batches of `batch` streams per decode call. A child, because sherpa-onnx exits the process
 * on a model it cannot use; the parent then reports its stderr instead of dying with it.
 */
interface SherpaStream {
  handle: object;
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
interface SherpaRecognizer {
  handle: object;
  createStream(): SherpaStream;
  decode(s: SherpaStream): void;
  getResult(s: SherpaStream): { text: string };
}

const options = JSON.parse(process.argv[2]) as PeerOptions;
const log = (line: string) => process.stderr.write(`${line}\n`);
const require = createRequire(import.meta.url);
const pkgPath = require.resolve('sherpa-onnx-node/package.json');
const sherpa = require(dirname(pkgPath)) as { OfflineRecognizer: new (config: object) => SherpaRecognizer };
const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;

const files = {
  encoder: join(options.modelDir, 'encoder-model.onnx'),
  decoder: join(options.modelDir, 'sherpa', 'decoder.onnx'),
  joiner: join(options.modelDir, 'sherpa', 'joiner.onnx'),
  tokens: join(options.modelDir, 'sherpa', 'tokens.txt'),
};
const missing = Object.values(files).filter((f) => !existsSync(f));
const base: PeerResult = { engine: `sherpa-onnx-node ${version}`, loaded: false, mode: '', batch: options.batch, threads: options.threads, rtfx: null, audio_per_cpu_s: null, batch1_rtfx: null, wer: null, files };
if (missing.length) {
  process.stdout.write(`${JSON.stringify({ ...base, error: `missing ${missing.join(', ')}` })}\n`);
  process.exit(0);
}
const recognizer = new sherpa.OfflineRecognizer({
  featConfig: { sampleRate: 16000, featureDim: 128 },
  modelConfig: { transducer: { encoder: files.encoder, decoder: files.decoder, joiner: files.joiner }, tokens: files.tokens, numThreads: options.threads, provider: 'cpu', debug: 0, modelType: 'nemo_transducer' },
  decodingMethod: 'greedy_search',
});
const built = loadSherpaBatchAddon();
const addon = 'addon' in built ? built.addon : undefined;
const mode = addon
  ? `${options.batch} streams per call through the C API's SherpaOnnxDecodeMultipleOfflineStreams (the Node binding has no offline batch call)`
  : `one stream per decode() call (${(built as { error: string }).error})`;
log(`peer: ${base.engine} loaded the export; ${mode}`);

const clips = buildClips(options.clipCount);
const audioS = clips.reduce((s, c) => s + c.seconds, 0);
const sorted = [...clips].sort((a, b) => b.samples.length - a.samples.length);

/** One pass over the clips in groups of `size`: features (acceptWaveform), encoder and decoding, all timed. */
function pass(size: number, batched: boolean): { ms: number; cpuMs: number; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  let ms = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < sorted.length; i += size) {
    const group: BenchClip[] = sorted.slice(i, i + size);
    const t = performance.now();
    const streams = group.map((c) => {
      const s = recognizer.createStream();
      s.acceptWaveform({ samples: c.samples, sampleRate: 16000 });
      return s;
    });
    if (batched && addon) addon.decodeMultipleOfflineStreams(recognizer.handle, streams.map((s) => s.handle));
    else for (const s of streams) recognizer.decode(s);
    const results = streams.map((s) => recognizer.getResult(s).text);
    ms += performance.now() - t;
    group.forEach((c, j) => texts.set(c.id, results[j]));
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, texts };
}

pass(options.batch, true);
const runs = Array.from({ length: options.repeats }, () => pass(options.batch, true));
const rtfx = round1((audioS * 1000) / median(runs.map((r) => r.ms)))!;
const perCpu = round1((audioS * 1000) / median(runs.map((r) => r.cpuMs)))!;
log(`peer: batch ${options.batch}: RTFx ${rtfx}, ${perCpu} audio s per CPU s`);
const single = Array.from({ length: options.repeats }, () => pass(1, false));
const batch1 = round1((audioS * 1000) / median(single.map((r) => r.ms)))!;
log(`peer: batch 1: RTFx ${batch1}`);
let errors = 0;
let words = 0;
for (const c of clips) {
  const w = wordErrors(c.text, runs[0].texts.get(c.id) ?? '');
  errors += w.errors;
  words += w.words;
}
const result: PeerResult = { ...base, loaded: true, mode, rtfx, audio_per_cpu_s: perCpu, batch1_rtfx: batch1, wer: { errors, words, wer: round1((100 * errors) / Math.max(1, words))! } };
process.stdout.write(`${JSON.stringify(result)}\n`);
