import { HostResources } from '../src/common/host-resources.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAIL_MARKER_FRAMES } from '../scripts/test-model/make-test-model.js';
import type { MetricLine } from '../src/metrics/metric-line.js';
import { MetricsFile } from '../src/metrics/metrics-file.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';
import { fixtureAudio, pcm16Wav } from './helpers/audio.js';
import { RealtimeClient, pcm16Base64 } from './helpers/realtime-client.js';
import { startServer, waitForReady } from './helpers/server-process.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

const speech = () => pcm16Wav(fixtureAudio('nemo128/speech_a.wav'));
const until = async (check: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
};
const readLines = (dir: string): MetricLine[] =>
  existsSync(join(dir, 'metrics.log'))
    ? readFileSync(join(dir, 'metrics.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as MetricLine)
    : [];
const scrape = async (url: string, init?: RequestInit) => (await fetch(`${url}/metrics`, init)).text();
/** The value of one sample line of a Prometheus text exposition (0 when absent). */
const sample = (text: string, name: string, labels = '') => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'parakeet-observability-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  removeTestModels();
});

describe('JSONL metrics, /metrics and request ids', () => {
  let server: RunningApp;
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'metrics');
    server = await startApp({
      PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 5, failOnMarker: true }),
      PARAKEET_METRICS_DIR: dir,
      PARAKEET_MAX_UPLOAD_MB: '1',
      PARAKEET_METRICS_TOKEN: 'scrape-me',
    });
  });
  afterAll(() => server.close());

  it('writes one line per request, success or failure, with the reference fields and ours', async () => {
    const ok = await transcribe(server.url, speech(), { model: 'whisper-1' }, { headers: { 'X-Request-Id': 'req-ok-1' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('req-ok-1');
    const generated = await transcribe(server.url, speech(), { language: 'fr' });
    expect(generated.status).toBe(400);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await transcribe(server.url, new Uint8Array(2 * 1024 * 1024))).status).toBe(413);
    expect((await transcribe(server.url, new TextEncoder().encode('not audio at all'))).status).toBe(400);
    const marker = new Float32Array(FAIL_MARKER_FRAMES * 160 + 80).map((_, i) => 0.2 * Math.sin(i / 9));
    expect((await transcribe(server.url, pcm16Wav(marker))).status).toBe(500);
    expect((await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    await until(() => readLines(dir).length >= 6);

    const lines = readLines(dir);
    expect(lines.map((l) => l.code)).toEqual([200, 400, 413, 400, 500, 415]);
    const first = lines[0];
    expect(first).toEqual({
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 'ok',
      code: 200,
      audio_len_s: expect.closeTo(fixtureAudio('nemo128/speech_a.wav').length / 16000, 2),
      duration_preprocess_s: expect.any(Number),
      duration_inference_s: expect.any(Number),
      duration_total_s: expect.any(Number),
      queue_wait_s: expect.any(Number),
      model: 'parakeet-nest-test-tiny',
      endpoint: 'transcriptions',
      request_id: 'req-ok-1',
      batch_size: 1,
      lane: 0,
      rtfx: expect.any(Number),
      provider: 'cpu',
    });
    expect(first.duration_total_s).toBeGreaterThanOrEqual(first.duration_inference_s!);
    for (const failed of lines.slice(1)) expect(failed).toMatchObject({ status: 'error', endpoint: 'transcriptions', rtfx: null, batch_size: null });
    expect(lines[1].request_id).toBe(generated.headers.get('x-request-id'));
  });

  it('writes a line per realtime turn', async () => {
    const before = readLines(dir).length;
    const c = await RealtimeClient.connect(server.url, { path: '/v1/realtime' });
    await c.next('session.created');
    c.send({ type: 'input_audio_buffer.append', audio: pcm16Base64(fixtureAudio('nemo128/speech_a.wav')) });
    c.send({ type: 'input_audio_buffer.commit' });
    const done = await c.next('conversation.item.input_audio_transcription.completed');
    await c.close();
    await until(() => readLines(dir).length > before);
    expect(readLines(dir).pop()).toMatchObject({ endpoint: 'realtime', status: 'ok', code: 200, request_id: done.item_id, batch_size: 1 });
  });

  it('serves Prometheus families behind the token, moving with traffic', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const auth = { headers: { Authorization: 'Bearer scrape-me' } };
    const before = await scrape(server.url, auth);
    for (const family of [
      'parakeet_request_duration_seconds',
      'parakeet_queue_depth',
      'parakeet_queue_wait_seconds',
      'parakeet_batch_size',
      'parakeet_inference_seconds',
      'parakeet_audio_seconds_total',
      'parakeet_realtime_sessions',
      'parakeet_rejections_total',
      'parakeet_model_load_seconds',
      'parakeet_model_info',
      'parakeet_metric_lines_dropped_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(before).toContain(`# TYPE ${family} `);
    }
    // PARAKEET_LANES=auto: one lane per usable core, at most 8, and PARAKEET_EXPRESS_LANES=auto's one.
    expect(sample(before, 'parakeet_model_info', `model="parakeet-nest-test-tiny",provider="cpu",lanes="${Math.min(8, new HostResources().cores()) + 1}"`)).toBe(1);
    expect(sample(before, 'parakeet_rejections_total', 'reason="413"')).toBe(1);
    const ok = sample(before, 'parakeet_request_duration_seconds_count', 'endpoint="/v1/audio/transcriptions",status="200"');
    const audio = sample(before, 'parakeet_audio_seconds_total', 'endpoint="transcriptions"');
    expect((await transcribe(server.url, speech())).status).toBe(200);
    const after = await scrape(server.url, auth);
    expect(sample(after, 'parakeet_request_duration_seconds_count', 'endpoint="/v1/audio/transcriptions",status="200"')).toBe(ok + 1);
    expect(sample(after, 'parakeet_audio_seconds_total', 'endpoint="transcriptions"')).toBeGreaterThan(audio + 1);
    expect(sample(after, 'parakeet_batch_size_count')).toBeGreaterThan(sample(before, 'parakeet_batch_size_count'));
  });
});

describe('logs', () => {
  it('tag every line of a request with its X-Request-Id, redact credentials, and hold transcripts only with PARAKEET_LOG_TRANSCRIPTS=1', async () => {
    const model = testModel({ shape: 'tiny', seed: 5 });
    for (const [logTranscripts, id] of [['0', 'log-req-1'], ['1', 'log-req-2']] as const) {
      const proc = startServer({ PARAKEET_MODEL_DIR: model, PARAKEET_API_KEYS: 'sekrit-key-123', PARAKEET_LOG_TRANSCRIPTS: logTranscripts });
      const url = await proc.url;
      await waitForReady(url);
      const ok = await transcribe(url, speech(), {}, { headers: { Authorization: 'Bearer sekrit-key-123', 'X-Request-Id': id } });
      expect(ok.status).toBe(200);
      const { text } = (await ok.json()) as { text: string };
      await proc.stop();
      const lines = (await proc.exit).stdout.split('\n').filter((l) => l.includes(id));
      // The access line ("request completed") at least, tagged with the id; with transcripts on, that line too.
      expect(lines.length).toBeGreaterThanOrEqual(logTranscripts === '1' ? 2 : 1);
      expect(lines.some((l) => (JSON.parse(l) as { req?: { id?: string } }).req?.id === id)).toBe(true);
      const all = (await proc.exit).stdout;
      expect(all).not.toContain('sekrit-key-123');
      // waitForReady polled /readyz: probes every few seconds would bury the requests that matter.
      expect(all).not.toContain('"url":"/readyz"');
      const logged = lines.filter((l) => l.includes('"transcript"'));
      if (logTranscripts === '1') expect(logged.map((l) => (JSON.parse(l) as { transcript: string }).transcript)).toEqual([text]);
      else expect(logged).toEqual([]);
    }
  });
});

describe('metrics file', () => {
  it('rotates at UTC midnight and keeps PARAKEET_METRICS_RETENTION_DAYS files (fake clock)', async () => {
    const dir = join(root, 'rotation');
    let now = new Date('2026-11-20T23:59:59.000Z');
    const file = new MetricsFile(dir, 2, { now: () => now, pollMs: 10 });
    const line = (ts: string) => ({ ts, code: 200 }) as unknown as MetricLine;
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      for (const day of [20, 21, 22, 23]) {
        now = new Date(`2026-11-${day}T23:59:59.000Z`);
        file.write(line(now.toISOString()));
        await wait(80);
        now = new Date(`2026-11-${day + 1}T00:00:00.500Z`);
        await wait(150);
      }
      file.write(line(now.toISOString()));
      await wait(80);
    } finally {
      await file.close();
    }
    const names = readdirSync(dir).filter((n) => n.startsWith('metrics.log')).sort();
    // Four days rotated, two kept, plus the current file.
    expect(names).toEqual(['metrics.log', 'metrics.log.2026-11-22', 'metrics.log.2026-11-23']);
    expect(readFileSync(join(dir, 'metrics.log.2026-11-23'), 'utf8')).toContain('2026-11-23T23:59:59.000Z');
    expect(readFileSync(join(dir, 'metrics.log'), 'utf8')).toContain('2026-11-24T00:00:00.500Z');
    expect(file.dropped).toBe(0);
  });

  it('drops and counts lines it cannot write, and the request still succeeds', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'a file where the metrics directory should be');
    const server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 5 }), PARAKEET_METRICS_DIR: join(blocker, 'metrics') });
    try {
      expect((await transcribe(server.url, speech())).status).toBe(200);
      expect((await transcribe(server.url, speech())).status).toBe(200);
      expect(sample(await scrape(server.url), 'parakeet_metric_lines_dropped_total')).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM: not ready at once, serves through the drain delay, then refuses new work, answers all accepted work, exits 0', async () => {
    const proc = startServer({ PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 5 }), PARAKEET_DRAIN_DELAY_S: '1.5', PARAKEET_LANES: '1', PARAKEET_MICROBATCH_MAX_BATCH: '4' });
    const url = await proc.url;
    await waitForReady(url);
    const long = pcm16Wav(new Float32Array(16000 * 20).map((_, i) => 0.2 * Math.sin(i / 7)));
    const inFlight = Array.from({ length: 6 }, () => transcribe(url, long));
    await new Promise((r) => setTimeout(r, 200));
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, details: { scheduler: { status: 'down', draining: true } } });
    const duringDelay = await transcribe(url, speech());
    expect(duringDelay.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const refused = await transcribe(url, speech()).catch(() => undefined);
    // After the delay a new request is refused with 503 (or finds the listener already closed).
    if (refused) {
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
    }
    const answers = await Promise.all(inFlight);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const { code } = await proc.exit;
    expect(code).toBe(0);
  });
});
