import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioService } from '../src/audio/audio.service.js';
import { AdmissionControl } from '../src/scheduler/admission-control.js';
import { MicrobatchScheduler } from '../src/scheduler/microbatch-scheduler.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';
import { FIXTURES, fixtureAudio, pcm16Wav } from './helpers/audio.js';
import { fakeFfmpeg } from './helpers/fake-ffmpeg.js';
import { childProcesses, openNonSocketFileCount } from './helpers/processes.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

const speech = () => pcm16Wav(fixtureAudio('nemo128/speech_a.wav'));
const mp3 = () => new Uint8Array(readFileSync(join(FIXTURES, 'audio', 'speech.mp3')));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean, ms = 10000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(20);
};

/** The OpenAI error body, exactly its four keys, with nothing from the server's insides in the message. */
function expectOpenAiError(body: unknown, code?: string) {
  expect(Object.keys((body as { error: object }).error).sort()).toEqual(['code', 'message', 'param', 'type']);
  const { message } = (body as { error: { message: string; code: string } }).error;
  expect(message).not.toMatch(/\/work|\/tmp|\/etc|\/usr|\.ts:\d|node_modules|\bat \w+ \(/);
  if (code) expect((body as { error: { code: string } }).error.code).toBe(code);
}

/** Sends raw bytes and resolves with what came back and whether/when the server closed the connection. */
function rawExchange(port: number, writes: { data: string; afterMs: number }[], limitMs: number): Promise<{ response: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ response, closedAfterMs: closed ? Date.now() - started : null });
    };
    socket.on('data', (d) => (response += d.toString()));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    for (const w of writes) setTimeout(() => !done && socket.write(w.data), w.afterMs);
    setTimeout(() => finish(false), limitMs);
  });
}

let model: string;
beforeAll(() => {
  model = testModel({ shape: 'tiny', seed: 11 });
});
afterAll(() => removeTestModels());

describe('rate limits and CORS', () => {
  let keyed: RunningApp;
  let open: RunningApp;
  beforeAll(async () => {
    keyed = await startApp({ PARAKEET_MODEL_DIR: model, PARAKEET_API_KEYS: 'alpha,beta', PARAKEET_RATE_LIMIT_PER_MIN: '3', PARAKEET_CORS_ORIGINS: 'https://app.example' });
    open = await startApp({ PARAKEET_MODEL_DIR: model, PARAKEET_RATE_LIMIT_PER_MIN: '2' });
  });
  afterAll(async () => {
    await keyed.close();
    await open.close();
  });

  it('limits each API key on its own, with 429, Retry-After and the OpenAI body; probes are never limited', async () => {
    const as = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } });
    const alpha = [];
    for (let i = 0; i < 4; i++) alpha.push(await fetch(`${keyed.url}/v1/models`, as('alpha')));
    expect(alpha.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    const limited = alpha[3];
    // The window is a minute: the wait is most of it, not the generic 1 s.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(30);
    expectOpenAiError(await limited.json(), 'rate_limit_exceeded');
    expect((await fetch(`${keyed.url}/v1/models`, as('beta'))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await fetch(`${keyed.url}/healthz`)).status).toBe(200);
  });

  it('limits by client address when no key is sent', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await transcribe(open.url, speech())).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('sends CORS headers only to configured origins, and none by default', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/v1/audio/transcriptions`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' } });
    const allowed = await preflight(keyed.url, 'https://app.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await preflight(keyed.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(open.url, 'https://app.example')).headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${open.url}/v1/models`, { headers: { Origin: 'https://app.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('slow clients', () => {
  let server: RunningApp;
  let port: number;
  beforeAll(async () => {
    server = await startApp({ PARAKEET_MODEL_DIR: model, PARAKEET_HEADERS_TIMEOUT_S: '1', PARAKEET_REQUEST_TIMEOUT_S: '2' });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  it('closes a connection whose headers trickle in past PARAKEET_HEADERS_TIMEOUT_S', async () => {
    const drip = Array.from({ length: 20 }, (_, i) => ({ data: i === 0 ? 'POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\n' : `X-Drip-${i}: y\r\n`, afterMs: i * 300 }));
    const { closedAfterMs, response } = await rawExchange(port, drip, 8000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(4000);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes an upload that trickles in past PARAKEET_REQUEST_TIMEOUT_S, without inference', async () => {
    const dispatched = server.app.get(MicrobatchScheduler).dispatchedRequests;
    const head = 'POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n';
    const drip = [{ data: head, afterMs: 0 }, ...Array.from({ length: 30 }, (_, i) => ({ data: 'x'.repeat(100), afterMs: 200 + i * 200 }))];
    const { closedAfterMs } = await rawExchange(port, drip, 9000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(6000);
    expect(server.app.get(MicrobatchScheduler).dispatchedRequests).toBe(dispatched);
    expect((await transcribe(server.url, speech())).status).toBe(200);
  });
});

describe('faults', () => {
  it('keeps serving from loaded sessions when the model files are removed, and readiness names what is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parakeet-vanishing-model-'));
    cpSync(model, dir, { recursive: true });
    const server = await startApp({ PARAKEET_MODEL_DIR: dir });
    try {
      unlinkSync(join(dir, 'encoder-model.onnx'));
      unlinkSync(join(dir, 'vocab.txt'));
      expect((await transcribe(server.url, speech())).status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { details: { model: { files_missing: string[] } } }).details.model.files_missing).toEqual(['encoder-model.onnx', 'vocab.txt']);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a crashing ffmpeg with a clean error and keeps serving', async () => {
    // Dies of a segmentation fault on the decode.
    const fake = fakeFfmpeg('kill -SEGV $$');
    const server = await startApp({ PARAKEET_MODEL_DIR: model, PARAKEET_FFMPEG_PATH: fake.path });
    try {
      const crashed = await transcribe(server.url, mp3(), {}, { filename: 'a.mp3' });
      expect(crashed.status).toBe(400);
      expectOpenAiError(await crashed.json());
      expect((await transcribe(server.url, speech())).status).toBe(200);
    } finally {
      await server.close();
      fake.remove();
    }
  });

  it('starts ffmpeg from a small decoder host process, never from the server itself; a host killed mid-decode answers 503 and is replaced', async () => {
    // A real ffmpeg that takes a second to start decoding, so the test can see it run.
    const fake = fakeFfmpeg('sleep 1\nexec "$REAL" "$@"');
    const server = await startApp({ PARAKEET_MODEL_DIR: model, PARAKEET_FFMPEG_PATH: fake.path });
    const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    process.env.PARAKEET_TEST_SECRET = 'do-not-leak';
    try {
      const host = server.app.get(AudioService).host;
      const first = transcribe(server.url, mp3(), {}, { filename: 'a.mp3' });
      await until(() => childProcesses('ffmpeg').length > 0);
      const [decoder] = childProcesses('ffmpeg');
      expect(parentOf(decoder)).toBe(host.pid);
      expect(parentOf(host.pid!)).toBe(process.pid);
      expect(rssMb(host.pid!)).toBeLessThan(150); // what makes starting a process cheap
      // Neither the host nor ffmpeg sees the server's environment (API keys, tokens).
      for (const pid of [host.pid!, decoder]) {
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        expect(environ).toContain('PATH=');
        expect(environ).not.toContain('PARAKEET_TEST_SECRET');
      }
      expect((await first).status).toBe(200);

      // The host dies while a decode is in flight: that request is answered, the next one gets a new host.
      const second = transcribe(server.url, mp3(), {}, { filename: 'a.mp3' });
      await until(() => childProcesses('ffmpeg').length > 0);
      const killed = host.pid!;
      process.kill(killed, 'SIGKILL');
      const lost = await second;
      expect(lost.status).toBe(503);
      expect(lost.headers.get('retry-after')).toBe('1');
      expectOpenAiError(await lost.json(), 'decoder_unavailable');
      expect((await transcribe(server.url, mp3(), {}, { filename: 'a.mp3' })).status).toBe(200);
      expect(host.pid).not.toBe(killed);
    } finally {
      delete process.env.PARAKEET_TEST_SECRET;
      await server.close();
      fake.remove();
    }
  });

  it('spends no inference and leaves nothing behind when a client disconnects mid-upload', async () => {
    const server = await startApp({ PARAKEET_MODEL_DIR: model });
    try {
      const dispatched = server.app.get(MicrobatchScheduler).dispatchedRequests;
      const spool = server.app.get(AudioService).spool.dir;
      const port = Number(new URL(server.url).port);
      await new Promise<void>((resolve) => {
        const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/audio/transcriptions', headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': '500000' } });
        req.on('error', () => resolve());
        req.write('--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\n');
        req.write(Buffer.from(mp3()).subarray(0, 20000));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
      await sleep(300);
      expect(server.app.get(MicrobatchScheduler).dispatchedRequests).toBe(dispatched);
      expect(childProcesses('ffmpeg')).toEqual([]);
      expect(readdirSync(spool)).toEqual([]);
      expect((await transcribe(server.url, speech())).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('overload', () => {
  it('answers 5× the admission capacity with only 200, 429 and 503, and returns to its ffmpeg, file and pipe baseline', async () => {
    const server = await startApp({ PARAKEET_MODEL_DIR: model, PARAKEET_MICROBATCH_MAX_BATCH: '2', PARAKEET_QUEUE_MAX_FACTOR: '2', PARAKEET_MAX_QUEUE_WAIT_S: '2' });
    try {
      expect((await transcribe(server.url, mp3(), {}, { filename: 'a.mp3' })).status).toBe(200);
      await sleep(200);
      const ffmpegBefore = childProcesses('ffmpeg').length;
      const capacity = server.app.get(AdmissionControl).limit;
      const flood = () => Promise.all(Array.from({ length: 5 * capacity }, (_, i) => (i % 2 ? transcribe(server.url, mp3(), {}, { filename: 'a.mp3' }) : transcribe(server.url, speech()))));
      // A first flood grows the decode worker pool to its size (threads bring their own pipes and event fds);
      // the baseline is taken after it, so what is measured is what a flood leaves behind.
      for (const r of await flood()) await r.arrayBuffer();
      await sleep(300);
      const fdsBefore = openNonSocketFileCount();
      const responses = await flood();
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => ![200, 429, 503].includes(s))).toEqual([]);
      expect(statuses).toContain(200);
      for (const r of responses) await r.arrayBuffer();
      await until(() => childProcesses('ffmpeg').length <= ffmpegBefore && openNonSocketFileCount() <= fdsBefore);
      expect(childProcesses('ffmpeg').length).toBeLessThanOrEqual(ffmpegBefore);
      expect(openNonSocketFileCount()).toBeLessThanOrEqual(fdsBefore);
    } finally {
      await server.close();
    }
  });
});
