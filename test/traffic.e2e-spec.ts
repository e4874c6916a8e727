import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AudioService } from '../src/audio/audio.service.js';
import { ModelService } from '../src/model/model.service.js';
import { AdmissionControl } from '../src/scheduler/admission-control.js';
import { MicrobatchScheduler } from '../src/scheduler/microbatch-scheduler.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';
import { FIXTURES } from './helpers/audio.js';
import { longSpeechMp3 } from './helpers/long-audio.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shortClip = () => new Uint8Array(readFileSync(join(FIXTURES, 'audio', 'speech.wav')));
/** The embedded model, greedy (fast and deterministic), on two lanes as on the 2-core CI machine. */
const EMBEDDED = { PARAKEET_LANES: '2', PARAKEET_DECODING: 'greedy' };

async function withServer(env: Record<string, string>, body: (server: RunningApp) => Promise<void>): Promise<void> {
  const server = await startApp({ ...EMBEDDED, ...env });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { text?: string; error?: Record<string, unknown> };
  batchSize: string | null;
  at: number;
}

async function upload(url: string, file: Uint8Array, name: string, init: RequestInit = {}): Promise<Answer> {
  const res = await transcribe(url, file, {}, { filename: name, ...init });
  const body = (await res.json()) as Answer['body'];
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body, batchSize: res.headers.get('x-batch-size'), at: performance.now() };
}

describe('admission by request, before decoding', () => {
  it('40 concurrent 129-s uploads with batch 2 × factor 1 on two lanes: the rule\'s 6 answered 200, the rest 429 with Retry-After, and no refused upload decoded', async () => {
    await withServer({ PARAKEET_MICROBATCH_MAX_BATCH: '2', PARAKEET_QUEUE_MAX_FACTOR: '1' }, async (server) => {
      const admission = server.app.get(AdmissionControl);
      const audio = server.app.get(AudioService);
      // lanes × batch running (2 × 2) + factor × batch waiting (1 × 2)
      expect(admission.limit).toBe(6);
      const readyz = (await (await fetch(`${server.url}/readyz`)).json()) as { details: { scheduler: { admission: { limit: number; rule: string } } } };
      expect(readyz.details.scheduler.admission).toMatchObject({ limit: 6, rule: expect.stringMatching(/running \(4\).*waiting \(2\)/) });
      const decodesBefore = audio.decodesStarted;
      const mp3 = longSpeechMp3(129);
      const answers = await Promise.all(Array.from({ length: 40 }, () => upload(server.url, mp3, 'long.mp3')));
      const ok = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 429);
      expect(ok.length + refused.length).toBe(40);
      // Every slot the rule gives was used; a slot freed before the last upload arrived could admit one more.
      expect(ok.length).toBeGreaterThanOrEqual(6);
      expect(ok.length).toBeLessThanOrEqual(8);
      for (const a of ok) expect(a.body.text).toMatch(/quick brown fox/);
      for (const a of refused) {
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
        expect(a.body.error).toMatchObject({ code: 'queue_full', type: 'rate_limit_error' });
      }
      expect(audio.decodesStarted - decodesBefore).toBe(ok.length);
      expect(admission.admitted).toBe(0);
    });
  });

  it('with the defaults, six concurrent 129-s uploads are all answered 200 (a request counts once, not once per chunk)', async () => {
    await withServer({}, async (server) => {
      const mp3 = longSpeechMp3(129);
      const answers = await Promise.all(Array.from({ length: 6 }, () => upload(server.url, mp3, 'long.mp3')));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    });
  });
});

describe('fair turns', () => {
  it('a short clip arriving while three long uploads are chunked is answered before any of them, in a batch of its own, on the express lane', async () => {
    await withServer({}, async (server) => {
      const scheduler = server.app.get(MicrobatchScheduler);
      const mp3 = longSpeechMp3(129);
      const long = Array.from({ length: 3 }, () => upload(server.url, mp3, 'long.mp3'));
      // The long uploads are decoded and their chunks are on the lanes and in the queue.
      for (const end = Date.now() + 30000; scheduler.queued < 6 && Date.now() < end; ) await sleep(10);
      expect(scheduler.queued).toBeGreaterThanOrEqual(6);
      // Long chunks run on the two regular lanes only; the express lane stays free for the short clip.
      const model = server.app.get(ModelService);
      expect([model.laneCount, model.expressLanes]).toEqual([3, 1]);
      let mostBusy = 0;
      const sampler = setInterval(() => (mostBusy = Math.max(mostBusy, scheduler.inFlightBatches)), 5);
      await sleep(300);
      clearInterval(sampler);
      expect(mostBusy).toBe(2);
      const short = await upload(server.url, shortClip(), 'short.wav');
      expect(short.status).toBe(200);
      expect(short.body.text).toMatch(/quick brown fox/);
      expect(short.batchSize).toBe('1');
      const longs = await Promise.all(long);
      expect(longs.map((a) => a.status)).toEqual([200, 200, 200]);
      for (const a of longs) expect(a.at).toBeGreaterThan(short.at);
    });
  });

  it('clients (API keys) take turns: one key\'s burst of long uploads does not hold back another key\'s upload', async () => {
    await withServer({ PARAKEET_API_KEYS: 'key-a,key-b' }, async (server) => {
      const scheduler = server.app.get(MicrobatchScheduler);
      const mp3 = longSpeechMp3(129);
      const as = (key: string): RequestInit => ({ headers: { authorization: `Bearer ${key}` } });
      const burst = Array.from({ length: 4 }, () => upload(server.url, mp3, 'a.mp3', as('key-a')));
      for (const end = Date.now() + 30000; scheduler.queued < 8 && Date.now() < end; ) await sleep(10);
      const other = await upload(server.url, mp3, 'b.mp3', as('key-b'));
      expect(other.status).toBe(200);
      const burstAnswers = await Promise.all(burst);
      expect(burstAnswers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      // Sharing the lanes turn by turn with key-a's four, key-b's one upload finishes before most of them; in one
      // FIFO it would finish last.
      expect(burstAnswers.filter((a) => a.at > other.at).length).toBeGreaterThanOrEqual(3);
    });
  });
});
