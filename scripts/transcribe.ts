import type { Samples } from '../src/asr/samples.js';
import { HostResources } from '../src/common/host-resources.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { AudioService } from '../src/audio/audio.service.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { chooseDecoding } from '../src/model/decoding-choice.js';
import { inspectModelDirectory, modelFiles } from '../src/model/model-directory.js';
import { chooseModel } from '../src/model/model-resolver.js';
import { InferenceEngine } from '../src/model/runner/inference-engine.js';

/**
 * `npm run transcribe -- FILE [FILE ...] [--json] [--model DIR]`: the service's audio ingest and inference
 * core, in-process, on any container the service accepts.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, model: { type: 'string' } },
});
if (positionals.length === 0) {
  console.error('usage: npm run transcribe -- FILE [FILE ...] [--json] [--model DIR]');
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
    // One engine in this process: it gets the cores an `auto` setting would give a single lane.
    intraOpThreads: config.ortIntraOpNumThreads === 'auto' ? new HostResources().cores() : config.ortIntraOpNumThreads,
    providers: ['cpu'],
    warmupBatchSizes: [],
    // The service's decoding for this directory (PARAKEET_DECODING and the PARAKEET_LM_* settings).
    decoding: chooseDecoding(config, dir),
  });
  Logger.overrideLogger(['error']);
  const ingest = new AudioService(config as AppConfig);
  const audio: Samples[] = [];
  try {
    for (const file of positionals) audio.push((await ingest.decode(new Uint8Array(readFileSync(file)))).samples);
  } finally {
    await ingest.onApplicationShutdown();
  }
  const { transcripts, timings } = await engine.transcribe(audio);
  if (values.json) {
    const out = transcripts.map((t, i) => ({ file: positionals[i], model: engine.info.modelName, ...t }));
    console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
  } else {
    transcripts.forEach((t, i) => {
      console.log(`${positionals[i]} (${t.duration.toFixed(2)} s): ${t.text}`);
      for (const w of t.words) console.log(`  [${w.start.toFixed(2)} - ${w.end.toFixed(2)}] ${w.word}`);
    });
    console.error(`model ${engine.info.modelName} on ${engine.info.provider}, ${engine.info.decoding}: featurize ${timings.featurizeMs.toFixed(1)} ms, encoder ${timings.encoderMs.toFixed(1)} ms, decode ${timings.decodeMs.toFixed(1)} ms`);
  }
  await engine.release();
} catch (e) {
  console.error(`transcribe: ${(e as Error).message}`);
  process.exit(1);
}
