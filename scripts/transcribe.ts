import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readWav } from '../src/audio/wav-reader.js';
import { loadConfig } from '../src/config/load-config.js';
import { inspectModelDirectory, modelFiles } from '../src/model/model-directory.js';
import { chooseModel } from '../src/model/model-resolver.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';

/** `npm run transcribe -- file.wav [more.wav] [--json] [--model DIR]`: the service's core, in-process. */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, model: { type: 'string' } },
});
if (positionals.length === 0) {
  console.error('usage: npm run transcribe -- FILE.wav [FILE.wav ...] [--json] [--model DIR]');
  process.exit(2);
}

try {
  const config = loadConfig(process.env);
  // The service's resolution rules, except the hub: this command works offline on a directory.
  const choice = values.model ? undefined : chooseModel(config);
  if (choice?.source === 'hub') throw new Error(`${choice.reason}: download it first with npm run fetch-model, or pass --model DIR`);
  const dir = values.model ?? choice!.dir!;
  inspectModelDirectory(dir, config.quantization);
  const engine = await InferenceEngine.load({
    files: modelFiles(dir, config.quantization),
    intraOpThreads: config.ortIntraOpNumThreads,
    providers: ['cpu'],
    warmupBatchSizes: [],
  });
  const audio = positionals.map((file) => {
    const pcm = readWav(readFileSync(file));
    if (pcm.sampleRate !== 16000) throw new Error(`${file}: ${pcm.sampleRate} Hz; this command reads 16 kHz WAV (convert with: ffmpeg -i IN -ar 16000 -ac 1 OUT.wav)`);
    return pcm.samples;
  });
  const { transcripts, timings } = await engine.transcribe(audio);
  if (values.json) {
    const out = transcripts.map((t, i) => ({ file: positionals[i], model: engine.info.modelName, ...t }));
    console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
  } else {
    transcripts.forEach((t, i) => {
      console.log(`${positionals[i]} (${t.duration.toFixed(2)} s): ${t.text}`);
      for (const w of t.words) console.log(`  [${w.start.toFixed(2)} - ${w.end.toFixed(2)}] ${w.word}`);
    });
    console.error(`model ${engine.info.modelName} on ${engine.info.provider}: featurize ${timings.featurizeMs.toFixed(1)} ms, encoder ${timings.encoderMs.toFixed(1)} ms, decode ${timings.decodeMs.toFixed(1)} ms`);
  }
  await engine.release();
} catch (e) {
  console.error(`transcribe: ${(e as Error).message}`);
  process.exit(1);
}
