import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { HostResources } from '../src/common/host-resources.js';
import { PROJECT_ROOT } from '../src/common/project-paths.js';
import { loadConfig } from '../src/config/load-config.js';
import { chooseDecoding } from '../src/model/decoding-choice.js';
import { laneLayout } from '../src/model/lane-layout.js';
import { modelFiles, modelWeightBytes } from '../src/model/model-directory.js';
import { buildClips, toMp3 } from './bench/bench-clips.js';
import { renderBenchHtml } from './bench/bench-html.js';
import { limitBatchSizes, parseBenchArgs } from './bench/bench-options.js';
import { headline, levelTable, peerBest, targetChecks, type BenchResult } from './bench/bench-result.js';
import { runClosedLoop, uploadClip } from './bench/http-load.js';
import { runLevel, type LevelRow } from './bench/load-level.js';
import { buildMixedClips, describeMixed, runMixedLoad, type MixedRow } from './bench/mixed-load.js';
import { benchFeaturizer, ModelLimitProbe } from './bench/model-limit.js';
import { runRealtimeLevel, type RealtimeRow } from './bench/realtime-load.js';
import { startServerChild } from './bench/server-child.js';
import { measureSherpaPeer, type PeerResult } from './bench/sherpa-peer.js';
import { probeSingleRequests, type SingleRequestProbe } from './bench/single-request-probe.js';
import { round1 } from './bench/stats.js';

/**
 * `npm run bench -- [--model DIR] [--json out.json] [--html out.html] [--quick]`: the production build over
 * real HTTP and WebSocket at rising concurrency, against the model's own limit in-process and against
 * sherpa-onnx on the same model, clips and thread count. See docs/benchmarks.md.
 */
const o = parseBenchArgs(process.argv.slice(2));
const started = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);

const clips = buildClips(o.clipCount);
const seconds = clips.map((c) => c.seconds);
const totalS = seconds.reduce((s, v) => s + v, 0);
// The service's own layout rule, so the limit and the peer get exactly the CPU the service gets.
const host = new HostResources();
const files = modelFiles(o.modelDir, 'none');
const layout = laneLayout({
  lanes: o.lanes ?? 'auto',
  threads: o.threads ?? 'auto',
  provider: o.provider,
  cores: host.cores(),
  memoryBytes: host.memoryBytes(),
  modelBytes: modelWeightBytes(files),
});
const totalThreads = layout.lanes * layout.threads;
say(`${clips.length} clips, ${Math.min(...seconds)}–${Math.max(...seconds)} s, Σ ${totalS} s; ${layout.reason}, batch ≤ ${o.maxBatch}, provider ${o.provider}${o.quick ? ' (--quick)' : ''}`);

const featurizer = benchFeaturizer();
say(`featurizer: ${featurizer.x_realtime}× real time on one core`);
// Greedy unless --env says otherwise: the peer decodes greedily, and so does the real Parakeet by default. The limit
// decodes the way the server will, or the overhead ratio would compare two different searches.
const decodingEnv = { PARAKEET_DECODING: 'greedy', ...o.serverEnv };
const decoding = chooseDecoding(loadConfig(decodingEnv), o.modelDir);
const probe = await ModelLimitProbe.load(o.modelDir, clips, { lanes: layout.lanes, threads: layout.threads, repeats: o.repeats, provider: o.provider, maxBatch: o.maxBatch, decoding });
say(`decoding: ${probe.decoding}`);
const limit = await probe.measure(limitBatchSizes(o.maxBatch), say);
/** The limit at the largest batch sampled again while the server idles between levels (the machine is shared). */
const resample = async (when: string) => {
  const { row } = await probe.pass(o.maxBatch);
  limit.max_batch_rtfx_samples.push(row.rtfx);
  say(`model limit  batch ${o.maxBatch} ${when}: RTFx ${row.rtfx}`);
};

const noPeer: PeerResult = { engine: 'sherpa-onnx-node', loaded: false, mode: '', batch: 8, threads: totalThreads, rtfx: null, audio_per_cpu_s: null, batch1_rtfx: null, wer: null, files: {}, error: 'skipped (--no-peer)' };
const peer = o.peer ? await measureSherpaPeer({ modelDir: o.modelDir, clipCount: o.clipCount, threads: totalThreads, batch: 8, repeats: o.repeats }, say) : noPeer;
if (!peer.loaded) say(`peer not measured: ${peer.error}`);

const metricsDir = mkdtempSync(join(tmpdir(), 'parakeet-bench-metrics-'));
const serverEnv: Record<string, string> = {
  PARAKEET_MODEL_DIR: o.modelDir,
  PARAKEET_PROVIDER: o.provider,
  ORT_INTRA_OP_NUM_THREADS: String(layout.threads),
  PARAKEET_LANES: String(layout.lanes),
  PARAKEET_MICROBATCH_MAX_BATCH: String(o.maxBatch),
  // Room for every client of the highest level to wait, so that level measures throughput, not 429s.
  PARAKEET_QUEUE_MAX_FACTOR: String(Math.max(2, Math.ceil(Math.max(...o.levels) / o.maxBatch))),
  ...decodingEnv,
};
const lanes = layout.lanes;
if (Object.keys(o.serverEnv).length) say(`server environment overrides: ${Object.entries(o.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
say('starting the production build (node dist/src/main.js)');
// TensorRT builds its engines before the server is ready (minutes for the real model): wait longer off the CPU.
const readyTimeoutMs = o.provider === 'cpu' ? 180_000 : 1_800_000;
const server = await startServerChild({ ...serverEnv, PARAKEET_METRICS_DIR: metricsDir }, o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [], readyTimeoutMs);
const levels: LevelRow[] = [];
const realtime: RealtimeRow[] = [];
let mp3: LevelRow | null = null;
let mixed: MixedRow | null = null;
const firstText = new Map<string, string>();
let c1: SingleRequestProbe = { pairs: 0, p50: null, model_single_ms_p50: null, service_p50_ms: null };
try {
  say(`server ready at ${server.url} (pid ${server.pid})`);
  const wavUploads = clips.map((c) => uploadClip(c.id, c.wav, c.seconds, 'audio/wav', 'wav'));
  // Every clip through every lane twice before anything is timed: the in-process engine it is compared with has run
  // them all many times (JIT-compiled loops, ONNX Runtime's arena grown to the longest clip), a fresh server has not.
  await runClosedLoop({ url: server.url, concurrency: lanes, clips: wavUploads, minSeconds: 1, minRequests: 2 * lanes * wavUploads.length, idPrefix: 'bench-warmup' });
  c1 = await probeSingleRequests(server.url, (samples) => probe.single(samples), clips);
  say(`lone requests: service p50 ${c1.service_p50_ms} ms, the same clips in-process ${c1.model_single_ms_p50} ms: ${c1.p50} ms more (median of ${c1.pairs} back-to-back pairs)`);
  for (const concurrency of o.levels) {
    const { row, records } = await runLevel(server, metricsDir, wavUploads, { format: 'wav', concurrency, seconds: o.levelSeconds, lanes });
    levels.push(row);
    for (const r of records) if (r.status === 200 && !firstText.has(r.clip)) firstText.set(r.clip, r.text);
    say(`wav c=${String(concurrency).padStart(2)}: RTFx ${row.rtfx} (${row.audio_per_cpu_s} audio s per server CPU s), p50 ${row.latency_ms.p50} ms, p95 ${row.latency_ms.p95} ms, batch ${row.mean_batch_size}, lane busy ${row.lane_busy_pct} %, CPU ${row.cpu_pct} % (other processes ${row.others_cpu_pct} %), RSS ${row.rss_mb_peak} MiB`);
    await resample(`after wav c=${concurrency}`);
  }
  if (o.mp3) {
    const mp3Uploads = clips.map((c) => uploadClip(c.id, toMp3(c), c.seconds, 'audio/mpeg', 'mp3'));
    const row = (await runLevel(server, metricsDir, mp3Uploads, { format: 'mp3', concurrency: o.mp3Concurrency, seconds: o.levelSeconds, lanes })).row;
    mp3 = row;
    say(`mp3 c=${row.concurrency}: RTFx ${row.rtfx}, p50 ${row.latency_ms.p50} ms, preprocess ${row.breakdown?.preprocess_ms} ms/request (WAV at c=${row.concurrency}: ${levels.find((l) => l.concurrency === row.concurrency)?.breakdown?.preprocess_ms})`);
  }
  // The long uploads are mp3, as people send recordings: skipped with the mp3 row where there is no ffmpeg.
  if (o.mp3 && o.mixedLongS > 0) {
    mixed = await runMixedLoad(server.url, buildMixedClips(3, o.mixedLongS));
    say(describeMixed(mixed));
  }
  for (const sessions of o.sessions) {
    say(`realtime: ${sessions} sessions × ${o.turns} turns at 1× speed …`);
    const row = await runRealtimeLevel(server, sessions, o.turns);
    realtime.push(row);
    say(`realtime ${sessions} sessions: ${row.completed}/${row.turns} turns, speech_stopped → completed p50 ${row.stop_to_completed_ms.p50} ms, p95 ${row.stop_to_completed_ms.p95} ms, max ${row.stop_to_completed_ms.max} ms, CPU ${row.cpu_pct} % (other processes ${row.others_cpu_pct} %)`);
  }
} finally {
  await server.stop();
  rmSync(metricsDir, { recursive: true, force: true });
}
if (o.profileDir) say(`server CPU profiles in ${o.profileDir}`);
await resample('after the server phase');
await probe.release();
if (peer.loaded) {
  // The machine is shared: measure the peer again too and keep its better run, as for the model limit.
  const peerAgain = await measureSherpaPeer({ modelDir: o.modelDir, clipCount: o.clipCount, threads: totalThreads, batch: 8, repeats: o.repeats }, (line) => say(`${line} (again)`));
  peer.rtfx_runs = [peer.rtfx!, peerAgain.rtfx ?? 0];
  if ((peerAgain.rtfx ?? 0) > peer.rtfx!) Object.assign(peer, { rtfx: peerAgain.rtfx, audio_per_cpu_s: peerAgain.audio_per_cpu_s, batch1_rtfx: peerAgain.batch1_rtfx });
}

let errors = 0;
let words = 0;
for (const c of clips) {
  if (!firstText.has(c.id)) continue;
  const w = wordErrors(c.text, firstText.get(c.id)!);
  errors += w.errors;
  words += w.words;
}
const ratios = headline(levels, limit, peer, o.maxBatch);
const partial = { ...ratios, featurizer, realtime, c1_overhead_ms: c1 };
const result: BenchResult = {
  ...ratios,
  date: new Date().toISOString(),
  quick: o.quick,
  machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? '?', node: process.version, loadavg_start: loadStart, loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100) },
  settings: { model_dir: relative(PROJECT_ROOT, o.modelDir) || '.', threads: layout.threads, lanes, max_batch: o.maxBatch, server_env: { ...serverEnv, PARAKEET_MODEL_DIR: relative(PROJECT_ROOT, o.modelDir) }, level_seconds: o.levelSeconds },
  clips: { count: clips.length, total_s: totalS, min_s: Math.min(...seconds), max_s: Math.max(...seconds), mean_s: round1(totalS / clips.length)! },
  featurizer,
  model_limit: limit,
  peer,
  levels,
  mp3,
  mixed,
  realtime,
  wer: { service: firstText.size ? round1((100 * errors) / Math.max(1, words)) : null, model: limit.wer.wer, model_batch1: limit.wer.batch1_wer, sherpa: peer.wer?.wer ?? null, words: limit.wer.words },
  targets: targetChecks(partial),
  c1_overhead_ms: c1,
  duration_s: Math.round((performance.now() - started) / 1000),
};

console.log('');
for (const line of levelTable([...levels, ...(mp3 ? [mp3] : [])])) console.log(line);
console.log('');
console.log(`model limit (${layout.lanes} lane(s) × ${layout.threads} thread(s)): ${limit.rows.map((r) => `batch ${r.batch} ${r.rtfx}`).join(', ')}; batch ${o.maxBatch} sampled again ${limit.max_batch_rtfx_samples.join(', ')}; batch ${o.maxBatch} unsorted ${limit.unsorted_max_batch_rtfx}`);
console.log(`peer ${peer.engine}: ${peer.loaded ? `batch ${peer.batch} RTFx ${peer.rtfx}, batch 1 RTFx ${peer.batch1_rtfx}; peer_ratio uses the better, ${peerBest(peer)}` : `not measured (${peer.error})`}`);
console.log(`WER on the same clips: service ${result.wer.service} % (first answer per clip, batch 1), core in-process ${result.wer.model_batch1} % at batch 1 and ${result.wer.model} % at batch ${o.maxBatch}, sherpa-onnx ${result.wer.sherpa ?? '–'} % at batch 8 (${result.wer.words} words)`);
if (mixed) console.log(describeMixed(mixed));
console.log(`lone requests: service p50 ${c1.service_p50_ms} ms vs in-process batch 1 p50 ${c1.model_single_ms_p50} ms; median excess ${c1.p50} ms over ${c1.pairs} pairs`);
console.log('');
console.log(`overhead_ratio ${result.overhead_ratio}   batching_gain ${result.batching_gain}   peer_ratio ${result.peer_ratio}`);
console.log(`the model's own batching gain (limit at batch ${o.maxBatch} ÷ batch 1): ${result.model_batching_gain}`);
console.log(`on a CPU-time basis (audio s per CPU s): overhead ${result.cpu_basis.overhead_ratio}   batching ${result.cpu_basis.batching_gain}   peer ${result.cpu_basis.peer_ratio}`);
for (const [name, t] of Object.entries(result.targets)) console.log(`  ${name.padEnd(42)} ${String(t.value ?? '–').padStart(8)}  target ${t.target.padEnd(9)} ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`);
console.log(`finished in ${result.duration_s} s`);
if (o.json) writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
if (o.html) writeFileSync(o.html, renderBenchHtml(result));
