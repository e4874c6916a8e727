import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { encodePcm16 } from '../src/audio/pcm16.js';
import { readWav } from '../src/audio/wav-reader.js';
import { EMBEDDED_MODEL_DIR, PROJECT_ROOT } from '../src/common/project-paths.js';
import { rssMb } from './bench/process-sampler.js';
import { startServerChild, type ServerChild } from './bench/server-child.js';

/**
 * `npm run soak [-- --requests 10000 --concurrency 8 --realtime-every 5 --json soak.json]`: a long mixed run of
 * REST uploads and realtime sessions against the production build, sampling the server's RSS, open file
 * descriptors and event-loop lag over time. The growth is taken from the end of a warm-up to the end of the run:
 * ONNX Runtime's memory arena grows until the largest batch shape has run once (about the first thousand
 * requests here), and that high-water mark is kept, not leaked.
 */
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    'realtime-every': { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1500' },
    model: { type: 'string', default: EMBEDDED_MODEL_DIR },
    json: { type: 'string', default: join(PROJECT_ROOT, 'logs', 'soak.json') },
    'sample-s': { type: 'string', default: '5' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const realtimeEvery = Number(values['realtime-every']);
const warmup = Math.min(Number(values.warmup), total);

interface Sample {
  t_s: number;
  done: number;
  rss_mb: number;
  fds: number;
  lag_p99_ms: number | null;
}

const HELDOUT = join(PROJECT_ROOT, 'test', 'fixtures', 'heldout');
const clips = readdirSync(HELDOUT)
  .filter((f) => f.endsWith('.wav'))
  .sort()
  .map((f) => readFileSync(join(HELDOUT, f)));
const pcm = clips.map((wav) => encodePcm16(readWav(wav).samples).toString('base64'));

async function rest(url: string, k: number): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([clips[k % clips.length]]), 'clip.wav');
  form.append('response_format', k % 2 ? 'verbose_json' : 'json');
  const res = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form });
  await res.arrayBuffer();
  return res.status;
}

/** One reference-flow session: append a clip, response.create, wait for response.done, close. */
function realtime(url: string, k: number): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime`);
    let status = 0;
    const timer = setTimeout(() => ws.terminate(), 30_000);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm[k % pcm.length] }));
      ws.send(JSON.stringify({ type: 'response.create' }));
    });
    ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString()) as { type: string; response?: { status: string } };
      if (event.type === 'response.done') {
        status = event.response?.status === 'completed' ? 200 : 500;
        ws.close();
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      clearTimeout(timer);
      resolve(status || 599);
    });
  });
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

async function lagMs(url: string): Promise<number | null> {
  const body = (await (await fetch(`${url}/healthz`)).json().catch(() => null)) as { details?: { event_loop?: { p99_lag_ms?: number } } } | null;
  return body?.details?.event_loop?.p99_lag_ms ?? null;
}

async function run(server: ServerChild): Promise<void> {
  const statuses: Record<string, number> = {};
  let next = 0;
  let done = 0;
  const samples: Sample[] = [];
  const started = performance.now();
  let baseline: Sample | undefined;
  const sample = async (): Promise<Sample> => ({
    t_s: Math.round((performance.now() - started) / 100) / 10,
    done,
    rss_mb: Math.round(rssMb(server.pid) * 10) / 10,
    fds: fdCount(server.pid),
    lag_p99_ms: await lagMs(server.url),
  });
  const sampler = setInterval(() => {
    void sample().then((s) => {
      samples.push(s);
      console.log(`${String(s.t_s).padStart(7)} s  ${String(s.done).padStart(6)} done  rss ${s.rss_mb} MiB  fds ${s.fds}  lag p99 ${s.lag_p99_ms} ms`);
    });
  }, Number(values['sample-s']) * 1000);
  const worker = async () => {
    for (let k = next++; k < total; k = next++) {
      const status = realtimeEvery > 0 && k % realtimeEvery === realtimeEvery - 1 ? await realtime(server.url, k) : await rest(server.url, k);
      statuses[status] = (statuses[status] ?? 0) + 1;
      done++;
      if (done === warmup) {
        await new Promise((r) => setTimeout(r, 500));
        baseline = await sample();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 1000));
  const end = await sample();
  samples.push(end);
  const wallS = (performance.now() - started) / 1000;
  const base = baseline ?? samples[0];
  const summary = {
    requests: total,
    concurrency,
    realtime_share: realtimeEvery > 0 ? 1 / realtimeEvery : 0,
    wall_s: Math.round(wallS),
    requests_per_s: Math.round((total / wallS) * 10) / 10,
    statuses,
    baseline_after_requests: base.done,
    rss_mb: { baseline: base.rss_mb, end: end.rss_mb, growth: Math.round((end.rss_mb - base.rss_mb) * 10) / 10, peak: Math.max(...samples.map((s) => s.rss_mb)) },
    fds: { baseline: base.fds, end: end.fds, max: Math.max(...samples.map((s) => s.fds)) },
    event_loop_lag_p99_ms: { max: Math.max(...samples.map((s) => s.lag_p99_ms ?? 0)), end: end.lag_p99_ms },
    samples,
  };
  writeFileSync(values.json!, JSON.stringify(summary, null, 2));
  console.log(JSON.stringify({ ...summary, samples: undefined }, null, 2));
  console.log(`written: ${values.json}`);
}

const metricsDir = mkdtempSync(join(tmpdir(), 'parakeet-soak-metrics-'));
const server = await startServerChild({ PARAKEET_MODEL_DIR: values.model!, PARAKEET_METRICS_DIR: metricsDir, PARAKEET_QUEUE_MAX_FACTOR: '8' });
console.log(`soak: ${total} requests (every ${realtimeEvery}th a realtime session), concurrency ${concurrency}, server pid ${server.pid} at ${server.url}`);
try {
  await run(server);
} finally {
  await server.stop();
  rmSync(metricsDir, { recursive: true, force: true });
}
