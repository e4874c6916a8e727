import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { FAIL_MARKER_FRAMES } from '../scripts/test-model/make-test-model.js';
import { MicrobatchScheduler } from '../src/scheduler/microbatch-scheduler.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';
import { pcm16Wav } from './helpers/audio.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

const AUDIO = join(process.cwd(), 'test', 'fixtures', 'audio');
const manifest = JSON.parse(readFileSync(join(AUDIO, 'manifest.json'), 'utf8')) as { clips: { file: string; duration_s: number }[] };
const fixture = (file: string) => new Uint8Array(readFileSync(join(AUDIO, file)));

/** `seconds` of a deterministic tone-and-noise signal as a 16 kHz PCM16 WAV. */
function wavOf(seconds: number, seed = 1): Uint8Array {
  const samples = new Float32Array(Math.round(seconds * 16000));
  let s = seed;
  for (let i = 0; i < samples.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    samples[i] = 0.3 * Math.sin((2 * Math.PI * (200 + seed * 37) * i) / 16000) + 0.05 * (s / 4294967296 - 0.5);
  }
  return pcm16Wav(samples);
}

const nullableString = {
  $$typeof: Symbol.for('jest.asymmetricMatcher'),
  asymmetricMatch: (v: unknown) => v === null || typeof v === 'string',
  toAsymmetricMatcher: () => 'NullableString',
};

/** Matches the OpenAI error body: all four keys, `param` and `code` nullable strings. */
const errorBody = (message: RegExp | string, code?: string | null) =>
  expect.objectContaining({
    error: {
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      type: expect.any(String),
      param: nullableString,
      code: code === undefined ? nullableString : code,
    },
  });

describe('POST /v1/audio/transcriptions', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 5 }), PARAKEET_MAX_UPLOAD_MB: '2' });
  });
  afterAll(async () => {
    await server.close();
    removeTestModels();
  });

  it.each(manifest.clips.map((c) => [c.file, c.duration_s] as const))('answers json for %s with the decoded duration', async (file, duration) => {
    const res = await transcribe(server.url, fixture(file), { model: 'whisper-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { text: string; usage: { type: string; seconds: number } };
    expect(typeof body.text).toBe('string');
    expect(body.usage).toEqual({ type: 'duration', seconds: Math.ceil(Number(res.headers.get('x-audio-duration'))) });
    expect(Math.abs(Number(res.headers.get('x-audio-duration')) - duration)).toBeLessThanOrEqual(0.02);
  });

  it('gives the same transcript in every response format', async () => {
    const audio = fixture('speech.flac');
    const json = (await (await transcribe(server.url, audio)).json()) as { text: string };
    expect(json.text.length).toBeGreaterThan(0);

    const text = await transcribe(server.url, audio, { response_format: 'text' });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe(`${json.text}\n`);

    const verbose = (await (await transcribe(server.url, audio, { response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'] })).json()) as {
      task: string; language: string; duration: number; text: string;
      segments: { id: number; start: number; end: number; text: string; tokens: number[] }[];
      words: { word: string; start: number; end: number }[];
    };
    expect(verbose).toMatchObject({ task: 'transcribe', language: 'english', text: json.text });
    expect(verbose.duration).toBeCloseTo(4.695, 2);
    expect(verbose.words.map((w) => w.word).join(' ')).toBe(json.text);
    expect(verbose.segments.map((s) => s.text).join(' ')).toBe(json.text);
    let last = 0;
    for (const w of verbose.words) {
      expect(w.start).toBeGreaterThanOrEqual(last - 1e-9);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(verbose.duration);
      last = w.start;
    }

    const wordsOnly = (await (await transcribe(server.url, audio, { response_format: 'verbose_json', timestamp_granularities: 'word' })).json()) as Record<string, unknown>;
    expect(wordsOnly.words).toEqual(verbose.words);
    expect(wordsOnly.segments).toBeUndefined();

    const srt = await (await transcribe(server.url, audio, { response_format: 'srt' })).text();
    const cues = srt.trim().split('\n\n');
    // Cues are made from the words (subtitle rules), so they hold the transcript's words, each once.
    expect(cues.flatMap((cue) => cue.split('\n').slice(2).join(' ').split(' '))).toEqual(json.text.split(' '));
    cues.forEach((cue, i) => {
      const [n, times] = cue.split('\n');
      expect(n).toBe(String(i + 1));
      expect(times).toMatch(/^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/);
    });

    const vtt = await (await transcribe(server.url, audio, { response_format: 'vtt' })).text();
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(vtt.match(/^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/gm)).toHaveLength(cues.length);

    const sse = await transcribe(server.url, audio, { stream: 'true' });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await sse.text()).trim().split('\n\n').map((e) => JSON.parse(e.replace(/^data: /, '')) as { type: string; delta?: string; text?: string });
    expect(events[0].type).toBe('transcript.text.delta');
    expect(events[events.length - 1]).toMatchObject({ type: 'transcript.text.done', text: json.text });
    expect(events.slice(0, -1).map((e) => e.delta).join('')).toBe(json.text);
  });

  it('works with the official openai SDK for every format and streaming', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
    const file = () => createReadStream(join(AUDIO, 'speech.mp3'));
    const json = await client.audio.transcriptions.create({ file: file(), model: 'whisper-1' });
    expect(typeof json.text).toBe('string');
    const verbose = await client.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word'] });
    expect(verbose.text).toBe(json.text);
    expect(verbose.words?.map((w) => w.word).join(' ')).toBe(json.text);
    expect(verbose.duration).toBeGreaterThan(4);
    for (const format of ['text', 'srt', 'vtt'] as const) {
      const out = (await client.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: format })) as unknown as string;
      expect(typeof out).toBe('string');
      if (format === 'text') expect(out.trim()).toBe(json.text);
    }
    const stream = await client.audio.transcriptions.create({ file: file(), model: 'gpt-4o-transcribe', stream: true });
    let done = '';
    for await (const event of stream) if (event.type === 'transcript.text.done') done = event.text;
    expect(done).toBe(json.text);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('parakeet-nest-test-tiny');
  });

  it('publishes OpenAPI at /openapi.json, generated from the request DTO', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
      components: { schemas: Record<string, { properties: Record<string, { format?: string; enum?: string[] }>; required?: string[] }> };
    };
    const body = doc.paths['/v1/audio/transcriptions'].post!.requestBody.content['multipart/form-data'];
    const schema = doc.components.schemas[body.schema.$ref.split('/').pop()!];
    expect(schema.properties.file.format).toBe('binary');
    expect(schema.properties.response_format.enum).toEqual(['json', 'text', 'srt', 'verbose_json', 'vtt']);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/models', '/v1/models/{id}', '/healthz', '/readyz']));
    const yaml = await fetch(`${server.url}/openapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(await yaml.text()).toContain('/v1/audio/transcriptions');
  });

  it('serves interactive docs at /docs whose page loads the UI and points it at /openapi.json', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/initializer.js']));
    for (const path of scripts) {
      const asset = await fetch(`${server.url}${path}`);
      expect([path, asset.status]).toEqual([path, 200]);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect(await (await fetch(`${server.url}/docs/initializer.js`)).text()).toContain("url: '/openapi.json'");
    const traversal = await fetch(`${server.url}/docs/..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
    expect(await traversal.json()).toEqual(errorBody(/No such documentation asset/));
  });

  it('lists and retrieves the served model', async () => {
    const list = (await (await fetch(`${server.url}/v1/models`)).json()) as { object: string; data: { id: string; object: string; owned_by: string; created: number }[] };
    expect(list.object).toBe('list');
    expect(list.data[0]).toMatchObject({ id: 'parakeet-nest-test-tiny', object: 'model', owned_by: 'parakeet-nest' });
    const one = await fetch(`${server.url}/v1/models/parakeet-nest-test-tiny`);
    expect(one.status).toBe(200);
    const missing = await fetch(`${server.url}/v1/models/gpt-5`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual(errorBody(/does not exist/, 'model_not_found'));
  });

  it.each([
    ['no file', () => transcribe(server.url, new Uint8Array(0), {}).then(() => fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: (() => { const f = new FormData(); f.append('model', 'whisper-1'); return f; })() })), 400, /file/],
    ['an empty file', () => transcribe(server.url, new Uint8Array(0)), 400, /empty/],
    ['bytes that are not audio', () => transcribe(server.url, new TextEncoder().encode('{"not": "audio"}')), 400, /not audio/],
    ['an unknown response_format', () => transcribe(server.url, fixture('speech.wav'), { response_format: 'xml' }), 400, /response_format/],
    ['a temperature above 1', () => transcribe(server.url, fixture('speech.wav'), { temperature: '7' }), 400, /temperature/],
    ['a temperature that is not a number', () => transcribe(server.url, fixture('speech.wav'), { temperature: 'warm' }), 400, /temperature/],
    ['stream=maybe', () => transcribe(server.url, fixture('speech.wav'), { stream: 'maybe' }), 400, /stream/],
    ['an unknown granularity', () => transcribe(server.url, fixture('speech.wav'), { 'timestamp_granularities[]': 'sentence' }), 400, /timestamp_granularities/],
    ['a language other than English', () => transcribe(server.url, fixture('speech.wav'), { language: 'fr' }), 400, /English only/],
    ['a field given twice', () => transcribe(server.url, fixture('speech.wav'), { model: ['a', 'b'] }), 400, /more than once/],
    ['a bad chunking_strategy', () => transcribe(server.url, fixture('speech.wav'), { chunking_strategy: 'fast' }), 400, /chunking_strategy/],
    ['a file under another field name', () => fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: (() => { const f = new FormData(); f.append('audio', new Blob([fixture('speech.wav')]), 'a.wav'); return f; })() }), 400, /file/],
    ['a JSON body', () => fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file":"x"}' }), 415, /multipart/],
    ['an upload over PARAKEET_MAX_UPLOAD_MB', () => transcribe(server.url, new Uint8Array(3 * 1024 * 1024)), 413, /exceeds the limit/],
    ['a bad X-Priority', () => transcribe(server.url, fixture('speech.wav'), {}, { headers: { 'x-priority': 'urgent' } }), 400, /X-Priority/],
  ])('answers %s with an OpenAI-shaped %i', async (_what, send, status, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toEqual(errorBody(message));
    expect(JSON.stringify(body)).not.toMatch(/\/tmp|\/work|at .*\.js/);
  });

  it('still answers a good request after all that', async () => {
    const res = await transcribe(server.url, fixture('speech.wav'), { chunking_strategy: 'auto', 'chunking_strategy[type]': 'server_vad' });
    expect(res.status).toBe(200);
  });
});

describe('API keys', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 6 }), PARAKEET_API_KEYS: 'alpha-key, beta-key', PARAKEET_STRICT_MODEL: '1' });
  });
  afterAll(async () => {
    await server.close();
    removeTestModels();
  });

  it('requires a configured key as a Bearer token, leaving the probes open', async () => {
    expect((await transcribe(server.url, fixture('speech.wav'))).status).toBe(401);
    const wrong = await transcribe(server.url, fixture('speech.wav'), {}, { headers: { authorization: 'Bearer gamma-key' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual(errorBody(/Incorrect API key/, 'invalid_api_key'));
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
    const ok = await transcribe(server.url, fixture('speech.wav'), { model: 'parakeet-nest-test-tiny' }, { headers: { authorization: 'Bearer beta-key' } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('rejects other model ids with PARAKEET_STRICT_MODEL=1', async () => {
    const res = await transcribe(server.url, fixture('speech.wav'), { model: 'whisper-1' }, { headers: { authorization: 'Bearer alpha-key' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(errorBody(/does not exist/, 'model_not_found'));
  });
});

describe('scheduler over HTTP', () => {
  afterAll(() => removeTestModels());

  it('forms batches larger than one under concurrency and gives the same texts as sequential requests', async () => {
    const server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'parakeet', seed: 8 }), PARAKEET_MICROBATCH_WINDOW_MS: '20' });
    try {
      const clips = Array.from({ length: 8 }, (_, i) => wavOf(2 + (i % 3), i + 1));
      const sequential: string[] = [];
      for (const clip of clips) sequential.push(((await (await transcribe(server.url, clip)).json()) as { text: string }).text);
      const responses = await Promise.all(clips.map((clip) => transcribe(server.url, clip)));
      const sizes = responses.map((r) => Number(r.headers.get('x-batch-size')));
      const texts = await Promise.all(responses.map(async (r) => ((await r.json()) as { text: string }).text));
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      expect(texts).toEqual(sequential);
    } finally {
      await server.close();
    }
  });

  it('answers a flood with only 200, 429 (with Retry-After) and 503 on queue TTL', async () => {
    const server = await startApp({
      PARAKEET_MODEL_DIR: testModel({ shape: 'parakeet', seed: 8 }),
      PARAKEET_QUEUE_MAX_FACTOR: '0.5',
      PARAKEET_MICROBATCH_MAX_BATCH: '2',
      PARAKEET_MAX_QUEUE_WAIT_S: '0.3',
    });
    try {
      const clip = wavOf(25, 3);
      const responses = await Promise.all(Array.from({ length: 12 }, () => transcribe(server.url, clip)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => [200, 429, 503].includes(s))).toBe(true);
      expect(statuses).toContain(200);
      expect(statuses).toContain(429);
      expect(statuses).toContain(503);
      for (const r of responses) {
        const body = await r.json();
        if (r.status === 429) {
          expect(r.headers.get('retry-after')).toBe('1');
          expect(body).toEqual(errorBody(/capacity/, 'queue_full'));
        }
        if (r.status === 503) expect(body).toEqual(errorBody(/waited/, 'queue_timeout'));
      }
      expect((await transcribe(server.url, wavOf(1))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  /** Polls until `condition` holds (or a generous deadline passes, letting the assertion after it fail). */
  const until = async (condition: () => boolean, deadlineMs = 20000) => {
    const end = Date.now() + deadlineMs;
    while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  };

  it('drops a disconnected client before its request reaches the model', async () => {
    // One lane (no express lane), so that one long request holds it and the next one must queue.
    const server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'parakeet', seed: 8 }), PARAKEET_LANES: '1', PARAKEET_EXPRESS_LANES: '0', PARAKEET_MICROBATCH_MAX_BATCH: '1', PARAKEET_CHUNK_SECONDS: '390' });
    try {
      const scheduler = server.app.get(MicrobatchScheduler);
      const before = scheduler.dispatchedRequests;
      const busy = transcribe(server.url, wavOf(60, 2));
      await until(() => scheduler.inFlightBatches === 1);
      const controller = new AbortController();
      const gone = transcribe(server.url, wavOf(2, 4), {}, { signal: controller.signal }).catch((e: Error) => e);
      await until(() => scheduler.queued === 1);
      expect(scheduler.queued).toBe(1);
      expect(scheduler.inFlightBatches).toBe(1);
      controller.abort();
      expect(((await gone) as Error).name).toBe('AbortError');
      await until(() => scheduler.queued === 0);
      expect(scheduler.queued).toBe(0);
      expect((await busy).status).toBe(200);
      expect(scheduler.dispatchedRequests - before).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('serves higher priorities first', async () => {
    const server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'parakeet', seed: 8 }), PARAKEET_LANES: '1', PARAKEET_EXPRESS_LANES: '0', PARAKEET_MICROBATCH_MAX_BATCH: '1', PARAKEET_QUEUE_MAX_FACTOR: '8', PARAKEET_CHUNK_SECONDS: '390' });
    try {
      const scheduler = server.app.get(MicrobatchScheduler);
      const order: string[] = [];
      const busy = transcribe(server.url, wavOf(60, 2));
      await until(() => scheduler.inFlightBatches === 1);
      const send = async (priority: string) => {
        const res = await transcribe(server.url, wavOf(1, 5), {}, { headers: { 'x-priority': priority } });
        order.push(priority);
        return res.status;
      };
      const pending: Promise<number>[] = [];
      for (const [i, p] of ['low', 'normal', 'high'].entries()) {
        pending.push(send(p));
        await until(() => scheduler.queued === i + 1);
      }
      expect(scheduler.inFlightBatches).toBe(1);
      await busy;
      expect(await Promise.all(pending)).toEqual([200, 200, 200]);
      expect(order).toEqual(['high', 'normal', 'low']);
    } finally {
      await server.close();
    }
  });

  it('fails only the batch that hit an inference error, and keeps serving', async () => {
    const server = await startApp({ PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 9, failOnMarker: true }) });
    try {
      const marker = wavOf((FAIL_MARKER_FRAMES * 160 + 80) / 16000, 7);
      const res = await transcribe(server.url, marker);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual(errorBody(/Inference failed/, 'inference_failed'));
      expect((await transcribe(server.url, wavOf(2, 1))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
