import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GpuMemoryProbe } from '../src/model/gpu-memory.js';
import { buildClips } from './bench/bench-clips.js';
import { ModelLimitProbe } from './bench/model-limit.js';

/**
 * `npm run bench:model -- --model DIR [--lanes L] [--threads T] [--batches 1,8] [--clips N] [--provider cpu]`:
 * one model directory in-process, as the service's lanes run it (worker threads), on the bench clips. Load and
 * warm-up time, resident memory the lanes add, and RTFx per batch size; meant for models too big for `bench`'s
 * full run on a small machine (the Parakeet-size model on 2 cores), so every pass is bounded by `--clips`.
 */
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    lanes: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    batches: { type: 'string', default: '1,8' },
    clips: { type: 'string', default: '8' },
    repeats: { type: 'string', default: '1' },
    provider: { type: 'string', default: 'cpu' },
    json: { type: 'string' },
  },
});
if (!values.model) {
  console.error('usage: npm run bench:model -- --model DIR [--lanes L] [--threads T] [--batches 1,8] [--clips N] [--repeats R] [--provider cpu|cuda] [--json out.json]');
  process.exit(2);
}
const lanes = Number(values.lanes);
const threads = Number(values.threads);
const batches = values.batches!.split(',').map(Number);
const clips = buildClips(Number(values.clips));
const audioS = clips.reduce((s, c) => s + c.seconds, 0);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const probe = await ModelLimitProbe.load(resolve(values.model), clips, { lanes, threads, repeats: Number(values.repeats), provider: values.provider!, maxBatch: Math.max(...batches) });
const startMs = performance.now() - t0;
const rssLoaded = process.memoryUsage().rss;
const info = probe.info;
// On a GPU the weights and arenas live on the card: what this process holds there, as nvidia-smi reports it.
const gpu = values.provider === 'cpu' ? [] : await new GpuMemoryProbe('nvidia-smi', 0).sample();
const gpuMib = gpu.reduce((s, g) => s + (g.processBytes ?? 0), 0) / 2 ** 20;
console.log(`${info.modelName} on ${info.provider} (${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores): ${lanes} lane(s) × ${threads} thread(s), ${clips.length} clips, Σ ${audioS} s`);
console.log(probe.featuresAhead ? 'features made ahead, off the lanes (as the service does on a GPU): the rows time encoder + decoding' : 'each lane featurizes its own batches (as the service does on the CPU)');
console.log(`load ${Math.round(info.loadMs)} ms, warm-up ${Math.round(info.warmupMs)} ms (all lanes started in ${Math.round(startMs)} ms); RSS +${mib(rssLoaded - rssBefore)} MiB loaded = ${mib((rssLoaded - rssBefore) / lanes)} MiB per lane`);
if (gpu.length) console.log(`GPU memory held by this process after warm-up: ${Math.round(gpuMib)} MiB = ${Math.round(gpuMib / lanes)} MiB per lane (cards: ${gpu.map((g) => `${g.device} ${Math.round(g.usedBytes / 2 ** 20)}/${Math.round(g.totalBytes / 2 ** 20)} MiB`).join(', ')})`);
const rows = [];
for (const b of batches) {
  const { row } = await probe.pass(b);
  rows.push(row);
  console.log(`batch ${String(b).padStart(2)}: RTFx ${row.rtfx} (${lanes} × ${audioS} s in ${row.total_ms} ms; per lane featurize ${row.featurize_ms} ms, encoder ${row.encoder_ms} ms, decode ${row.decoder_ms} ms), ${row.audio_per_cpu_s} audio s per CPU s`);
}
const peak = mib(process.resourceUsage().maxRSS * 1024);
const gpuAfter = values.provider === 'cpu' ? [] : await new GpuMemoryProbe('nvidia-smi', 0).sample();
const gpuPeakMib = Math.round(gpuAfter.reduce((s, g) => s + (g.processBytes ?? 0), 0) / 2 ** 20);
if (gpuAfter.length) console.log(`GPU memory held by this process after the largest batch: ${gpuPeakMib} MiB`);
console.log(`peak RSS ${peak} MiB`);
await probe.release();
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ model: info.modelName, provider: info.provider, cpu: cpus()[0]?.model, cores: cpus().length, lanes, threads, features_ahead: probe.featuresAhead, clips: clips.length, audio_s: audioS, load_ms: Math.round(info.loadMs), warmup_ms: Math.round(info.warmupMs), start_ms: Math.round(startMs), rss_per_lane_mib: mib((rssLoaded - rssBefore) / lanes), peak_rss_mib: peak, gpu_mib_after_warmup: Math.round(gpuMib), gpu_mib_after_passes: gpuPeakMib, gpus: gpuAfter, rows }, null, 2));
}
