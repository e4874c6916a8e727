import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HostResources } from '../src/common/host-resources.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { QUEUE_NAME } from '../src/jobs/job-queue.js';
import { laneLayout } from '../src/model/lane-layout.js';
import { modelFiles, modelWeightBytes } from '../src/model/model-directory.js';
import { buildClips } from './bench/bench-clips.js';
import { runClosedLoop, uploadClip } from './bench/http-load.js';
import { checkJobs, drained, shortRequests, submitBacklog } from './bench/jobs-load.js';
import { buildMixedClips } from './bench/mixed-load.js';
import { cpuSeconds, ProcessSampler, type ProcessUsage } from './bench/process-sampler.js';
import { promDelta, scrapeProm, type PromSnapshot } from './bench/server-metrics.js';
import { startRedisChild } from './bench/redis-child.js';
import { startServerChild, type ServerChild } from './bench/server-child.js';
import { ratio, round1, summarize } from './bench/stats.js';

/**
 * `npm run bench:jobs -- [--json out.json] [--quick] [--drain-s 20] [--concurrency 32] [--env KEY=VALUE …] [--replica-env KEY=VALUE …]`: the
 * jobs targets in one run on this machine, every server with the same lanes (the service's `auto` layout):
 * (a) the live path's saturated throughput with the benchmark clips (one server, a closed loop of `--concurrency`
 * clients); (b) the same clips as a backlog of jobs drained by two replicas sharing one redis-server and one
 * directory, as audio s per wall s against (a) (target ≥ 0.8); (c) 3-s live requests while another such backlog
 * drains, median against the same requests on the idle replicas (target ≤ 4×). The machine is shared, so (a) and
 * (b) are each sampled twice, in the order a, b, c, b, a, and the better sample of each is compared; every sample
 * says how much CPU other processes took meanwhile. See docs/benchmarks.md.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'drain-s': { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    env: { type: 'string', multiple: true },
    'replica-env': { type: 'string', multiple: true },
  },
});
const quick = values.quick!;
const drainS = Number(values['drain-s'] ?? (quick ? 6 : 20));
const concurrency = Number(values.concurrency);
const pairs = (list: string[] = []) => Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const overrides = pairs(values.env);
/** For the two replicas only (`--replica-env`): to see what a setting does to the drain, the baseline kept as it is. */
const replicaOverrides = pairs(values['replica-env']);
const started = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const loadStart = load();

const clips = buildClips(quick ? 12 : 24);
const uploads = clips.map((c) => uploadClip(c.id, c.wav, c.seconds, 'audio/wav', 'wav'));
const clipSetS = clips.reduce((s, c) => s + c.seconds, 0);
const short = buildMixedClips(3, 4).short;
const host = new HostResources();
const layout = laneLayout({ lanes: 'auto', threads: 'auto', provider: 'cpu', cores: host.cores(), memoryBytes: host.memoryBytes(), modelBytes: modelWeightBytes(modelFiles(EMBEDDED_MODEL_DIR, 'none')) });
const serverEnv: Record<string, string> = {
  PARAKEET_LANES: String(layout.lanes),
  ORT_INTRA_OP_NUM_THREADS: String(layout.threads),
  PARAKEET_MICROBATCH_MAX_BATCH: '8',
  PARAKEET_QUEUE_MAX_FACTOR: String(Math.max(2, Math.ceil(concurrency / 8))),
  // Greedy, as npm run bench decodes: the comparison is of the paths, not of the search.
  PARAKEET_DECODING: 'greedy',
  ...overrides,
};
say(`${clips.length} clips, Σ ${clipSetS} s; every server: ${layout.reason}; ${cpus()[0]?.model} × ${cpus().length}; load ${loadStart.join(' ')}`);
if (Object.keys(overrides).length) say(`server environment overrides: ${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(' ')}`);
if (Object.keys(replicaOverrides).length) say(`the replicas only: ${Object.entries(replicaOverrides).map(([k, v]) => `${k}=${v}`).join(' ')}`);

const scratch = mkdtempSync(join(tmpdir(), 'parakeet-bench-jobs-'));
const cleanups: (() => Promise<unknown>)[] = [];
// Stopped by hand (Ctrl-C, a timeout's SIGTERM): its servers and redis-server go with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled(cleanups.map((c) => c())).finally(() => {
      rmSync(scratch, { recursive: true, force: true });
      process.exit(130);
    });
  });
}
const startServer = async (env: Record<string, string>, name: string) => {
  const server = await startServerChild({ ...serverEnv, ...env, PARAKEET_METRICS_DIR: join(scratch, `metrics-${name}`) });
  cleanups.push(() => server.stop());
  return server;
};
/** Each clip through each lane twice first, as npm run bench does: a cold lane runs long clips ≈ 10 % slower. */
const warm = (server: ServerChild) => runClosedLoop({ url: server.url, concurrency: layout.lanes, clips: uploads, minSeconds: 1, minRequests: 2 * layout.lanes * uploads.length, idPrefix: 'bench-jobs-warm' });
const usageOf = (samplers: ProcessSampler[]) => samplers.map((s) => s.stop());
const cpuS = (usage: ProcessUsage[]) => usage.reduce((s, u) => s + u.cpu_s, 0);
const scrape = (servers: ServerChild[]) => Promise.all(servers.map((s) => scrapeProm(s.url)));
/** Mean batch and lane seconds (featurize + encoder + decoding) per audio second, from the servers' /metrics. */
async function lanesOver(servers: ServerChild[], before: PromSnapshot[], audioS: number) {
  const deltas = (await scrape(servers)).map((after, i) => promDelta(before[i], after));
  const sum = (k: keyof PromSnapshot) => deltas.reduce((s, d) => s + d[k], 0);
  return { mean_batch: round1(sum('batch_sum') / sum('batch_count')), lane_s_per_audio_ms: round1((1000 * sum('inference_s_sum')) / audioS) };
}

/** CPU other processes took over a phase, in % of one core: the machine less the servers, redis and this bench. */
function othersMeter(pids: number[]) {
  const cpu0 = pids.map(cpuSeconds);
  const self0 = process.cpuUsage();
  const machine = new ProcessSampler(process.pid);
  const t0 = performance.now();
  machine.start();
  return () => {
    const { machine_cpu_pct: machinePct } = machine.stop();
    const wallS = (performance.now() - t0) / 1000;
    const ours = pids.reduce((s, pid, i) => s + cpuSeconds(pid) - cpu0[i], 0);
    const self = process.cpuUsage(self0);
    return round1(Math.max(0, machinePct - (100 * (ours + (self.user + self.system) / 1e6)) / wallS))!;
  };
}

/** (a) One sample of the live path, saturated: a closed loop of `concurrency` clients for a while. */
async function liveSample(live: ServerChild, round: number) {
  const others = othersMeter([live.pid]);
  const sampler = new ProcessSampler(live.pid);
  const before = await scrape([live]);
  sampler.start();
  const level = await runClosedLoop({ url: live.url, concurrency, clips: uploads, minSeconds: quick ? 5 : 15, minRequests: 2 * concurrency, idPrefix: `bench-jobs-live${round}` });
  const usage = usageOf([sampler]);
  const answered = level.records.filter((r) => r.status === 200);
  const audio = answered.reduce((s, r) => s + r.audio_s, 0);
  const row = { round, requests: level.records.length, refused: level.records.length - answered.length, audio_s: round1(audio), wall_s: round1(level.wall_s), rtfx: round1(audio / level.wall_s)!, audio_per_cpu_s: round1(audio / cpuS(usage)), ...(await lanesOver([live], before, audio)), server_cpu_pct: usage[0].cpu_pct, others_cpu_pct: others() };
  say(`(a) live c=${concurrency} #${round}: RTFx ${row.rtfx} (${row.audio_per_cpu_s} audio s per server CPU s), server CPU ${row.server_cpu_pct} %, other processes ${row.others_cpu_pct} %, mean batch ${row.mean_batch}, ${row.lane_s_per_audio_ms} lane ms per audio s`);
  return { row, answered };
}

/** Runs a live server for samples of (a): each clip twice through each lane first. */
async function liveSamples(round: number, texts: Map<string, string>) {
  const live = await startServer({}, `live${round}`);
  try {
    await warm(live);
    const { row, answered } = await liveSample(live, round);
    for (const r of answered) if (!texts.has(r.clip)) texts.set(r.clip, r.text);
    return row;
  } finally {
    await live.stop();
  }
}

try {
  const liveText = new Map<string, string>();
  const syncRows = [await liveSamples(1, liveText)];

  // Two replicas, one redis-server, one directory.
  const redis = await startRedisChild();
  cleanups.push(() => redis.stop());
  const jobsEnv = { PARAKEET_REDIS_URL: redis.url, PARAKEET_JOBS_DIR: join(scratch, 'jobs'), ...replicaOverrides };
  const replicas = await Promise.all(['a', 'b'].map((name) => startServer(jobsEnv, name)));
  const urls = replicas.map((r) => r.url);
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection });
  cleanups.push(async () => {
    await queue.close();
    connection.disconnect();
  });
  for (const r of replicas) await warm(r);
  const repeats = Math.max(1, Math.ceil((drainS * syncRows[0].rtfx) / clipSetS));

  /** A backlog, queued while the queue is paused so that the drain is timed from its start to its end. */
  const queueBacklog = async (tag: string) => {
    await queue.pause();
    const jobs = await submitBacklog(urls, uploads, repeats, tag);
    return jobs;
  };
  /** (b) One drain of a backlog by both replicas. */
  const drainSample = async (round: number) => {
    const backlog = await queueBacklog(`drain${round}`);
    const others = othersMeter([...replicas.map((r) => r.pid), redis.pid]);
    const samplers = replicas.map((r) => new ProcessSampler(r.pid));
    const before = await scrape(replicas);
    samplers.forEach((s) => s.start());
    const t0 = performance.now();
    await queue.resume();
    await drained(queue, 600);
    const wall = (performance.now() - t0) / 1000;
    const usage = usageOf(samplers);
    const othersPct = others();
    const check = await checkJobs(urls[0], backlog, liveText);
    const audio = repeats * clipSetS;
    const row = { round, jobs: backlog.length, audio_s: audio, wall_s: round1(wall), rtfx: round1(audio / wall)!, audio_per_cpu_s: round1(audio / cpuS(usage)), ...(await lanesOver(replicas, before, audio)), replica_cpu_pct: usage.map((u) => u.cpu_pct), others_cpu_pct: othersPct, check };
    say(`(b) drain #${round}: ${row.jobs} jobs (${audio} s of audio) in ${row.wall_s} s: RTFx ${row.rtfx} (${row.audio_per_cpu_s} audio s per CPU s of both replicas), replica CPU ${row.replica_cpu_pct.join(' + ')} %, other processes ${othersPct} %, mean batch ${row.mean_batch}, ${row.lane_s_per_audio_ms} lane ms per audio s; ${check.completed} completed, ${check.text_mismatches} texts unlike the live answer`);
    return row;
  };

  const drainRows = [await drainSample(1)];

  // (c) Short live requests on the idle replicas, then while a backlog drains.
  await shortRequests(urls, short, 'warm', () => true, 3);
  const idle = summarize(await shortRequests(urls, short, 'idle', () => true, 20));
  const second = await queueBacklog('mixed');
  let done = false;
  await queue.resume();
  const finished = drained(queue, 600).finally(() => (done = true));
  const mixedTimes = await shortRequests(urls, short, 'mixed', () => done, 20);
  await finished;
  const mixed = summarize(mixedTimes);
  const latency = { clip_s: short.seconds, idle_ms: idle, draining_ms: mixed, draining_count: mixedTimes.length, p50_ratio: ratio(mixed.p50, idle.p50), backlog_jobs: second.length };
  say(`(c) ${short.seconds}-s live requests: idle p50 ${idle.p50} ms, p95 ${idle.p95} ms; while ${second.length} jobs drain p50 ${mixed.p50} ms, p95 ${mixed.p95} ms (${mixedTimes.length} requests): ${latency.p50_ratio}× idle`);

  // Second samples of (b) and (a), in the other order: the machine is shared, and each side keeps its better one.
  drainRows.push(await drainSample(2));
  for (const r of replicas) await r.stop();
  syncRows.push(await liveSamples(2, liveText));

  const best = <T extends { rtfx: number }>(rows: T[]) => rows.reduce((a, b) => (b.rtfx > a.rtfx ? b : a));
  const sync = best(syncRows);
  const jobs = best(drainRows);
  const result = {
    command: `npm run bench:jobs -- ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, load_start: loadStart, load_end: load() },
    layout: layout.reason,
    server_env: serverEnv,
    replica_env: replicaOverrides,
    concurrency,
    sync: syncRows,
    jobs: drainRows,
    latency,
    targets: {
      drain_ratio: ratio(jobs.rtfx, sync.rtfx),
      drain_ratio_cpu_basis: ratio(jobs.audio_per_cpu_s, sync.audio_per_cpu_s),
      drain_target: 0.8,
      drain_met: (ratio(jobs.rtfx, sync.rtfx) ?? 0) >= 0.8,
      latency_ratio: latency.p50_ratio,
      latency_target: 4,
      latency_met: (latency.p50_ratio ?? Infinity) <= 4,
    },
    seconds: Math.round((performance.now() - started) / 1000),
  };
  say(`targets: drain ${result.targets.drain_ratio} of live, best against best (≥ 0.8: ${result.targets.drain_met ? 'met' : 'missed'}; CPU basis ${result.targets.drain_ratio_cpu_basis}), live p50 while draining ${result.targets.latency_ratio}× idle (≤ 4: ${result.targets.latency_met ? 'met' : 'missed'}); load ${result.machine.load_end.join(' ')}`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
