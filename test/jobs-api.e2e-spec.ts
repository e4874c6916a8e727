import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET, serveAudio, speech, submit, until, type Job } from './helpers/jobs.js';
import { startRedis, type RedisServer } from './helpers/redis-server.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

describe('asynchronous jobs without PARAKEET_REDIS_URL', () => {
  let server: ServerProcess;
  afterAll(() => server?.stop());

  it('answer 503 naming the setting; the rest of the API is as before', async () => {
    server = startServer({});
    const url = await server.url;
    const res = await submit(url, speech());
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error).toMatchObject({ code: 'jobs_disabled', type: 'server_error' });
    expect(body.error.message).toContain('PARAKEET_REDIS_URL');
    expect((await fetch(`${url}/v1/audio/transcriptions/jobs`)).status).toBe(503);
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
  });

  it('are in the OpenAPI document (/docs) with their bodies: the form, the job, the list page, the errors', async () => {
    const doc = (await (await fetch(`${await server.url}/openapi.json`)).json()) as OpenApi;
    const ref = (op: Operation | undefined, status: number) => op?.responses[status]?.content?.['application/json']?.schema.$ref?.split('/').pop();
    const schema = (name: string | undefined) => doc.components.schemas[name ?? '(none)'];
    const jobs = doc.paths['/v1/audio/transcriptions/jobs'];
    const one = doc.paths['/v1/audio/transcriptions/jobs/{id}'];
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/audio/transcriptions/jobs/{id}/result', '/v1/audio/transcriptions/jobs/{id}/cancel']));

    const form = schema(jobs.post!.requestBody!.content['multipart/form-data'].schema.$ref!.split('/').pop());
    expect(Object.keys(form.properties)).toEqual(expect.arrayContaining(['file', 'audio_url', 'webhook_url', 'response_format', 'chunking_strategy', 'timestamp_granularities[]']));
    expect(form.properties).not.toHaveProperty('stream');
    expect(jobs.post!.parameters?.map((p) => p.name)).toContain('Idempotency-Key');

    expect(ref(jobs.post, 202)).toBe('JobDto');
    expect(jobs.post!.responses[202].headers).toHaveProperty('Location');
    expect(ref(one.get, 200)).toBe('JobDto');
    expect(ref(doc.paths['/v1/audio/transcriptions/jobs/{id}/cancel'].post, 200)).toBe('JobDto');
    const job = schema('JobDto');
    expect(job.properties.status.enum).toEqual(['queued', 'running', 'completed', 'failed', 'cancelled']);
    expect(job.required).toEqual(expect.arrayContaining(['id', 'status', 'progress', 'created_at', 'error']));

    const page = schema(ref(jobs.get, 200));
    expect(Object.keys(page.properties).sort()).toEqual(['data', 'first_id', 'has_more', 'last_id', 'object']);
    expect(page.properties.data.items?.$ref).toBe('#/components/schemas/JobDto');
    expect(Object.keys(schema(ref(one.delete, 200)).properties).sort()).toEqual(['deleted', 'id', 'object']);

    // Every error the jobs endpoints document is the OpenAI error body.
    const errors = [[jobs.post, 400], [jobs.post, 413], [jobs.post, 429], [jobs.post, 503], [one.get, 404], [doc.paths['/v1/audio/transcriptions/jobs/{id}/result'].get, 409]] as const;
    for (const [op, status] of errors) expect([status, ref(op, status)]).toEqual([status, 'ErrorBodyDto']);
    const error = schema('ErrorObjectDto');
    expect(Object.keys(error.properties).sort()).toEqual(['code', 'message', 'param', 'type']);
  });
});

interface Schema {
  properties: Record<string, { enum?: unknown[]; items?: { $ref?: string } }>;
  required?: string[];
}
interface Operation {
  parameters?: { name: string }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<number, { headers?: Record<string, unknown>; content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface OpenApi {
  paths: Record<string, Partial<Record<'get' | 'post' | 'delete', Operation>>>;
  components: { schemas: Record<string, Schema> };
}

describe('a replica with API keys and the default address checks (runs no jobs)', () => {
  const KEY = { authorization: 'Bearer key-one' };
  const OTHER = { authorization: 'Bearer key-two' };
  let redis: RedisServer;
  let dir: string;
  let server: ServerProcess;
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a webhook_url to a loopback or private address with 400', async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'parakeet-jobs-'));
    server = startServer({ PARAKEET_REDIS_URL: redis.url, PARAKEET_JOBS_DIR: dir, PARAKEET_JOBS_CONCURRENCY: '0', PARAKEET_JOBS_WEBHOOK_SECRET: SECRET, PARAKEET_API_KEYS: 'key-one,key-two', PARAKEET_JOBS_MAX_QUEUED: '3', PARAKEET_JOBS_RETENTION_H: '0.001' });
    const url = await server.url;
    await until('Redis connected', async () => ((await submit(url, speech(), {}, KEY)).status === 202 ? true : undefined), 30_000);
    for (const target of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest', 'http://[::1]/x']) {
      const res = await submit(url, speech(), { webhook_url: target }, KEY);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('webhook_url');
    }
    const audio = serveAudio();
    await new Promise<void>((r) => audio.listen(0, '127.0.0.1', r));
    const port = (audio.address() as { port: number }).port;
    try {
      // A literal address is refused as given; a name is refused by the address it resolves to.
      for (const target of [`http://127.0.0.1:${port}/speech.wav`, `http://localhost:${port}/speech.wav`, 'http://10.1.2.3/a.wav']) {
        const res = await submit(url, new Uint8Array(0), { audio_url: target }, KEY, false);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { param: string } }).error.param).toBe('audio_url');
      }
    } finally {
      audio.close();
    }
  });

  it('a key sees only its own jobs, and has a quota of queued jobs', async () => {
    const url = await server.url;
    const list = async (headers: Record<string, string>) => ((await (await fetch(`${url}/v1/audio/transcriptions/jobs`, { headers })).json()) as { data: Job[] }).data;
    const mine = await list(KEY);
    expect(mine).toHaveLength(1);
    expect(await list(OTHER)).toEqual([]);
    const id = mine[0].id;
    expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}`, { headers: KEY })).status).toBe(200);
    for (const path of [id, `${id}/result`]) expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${path}`, { headers: OTHER })).status).toBe(404);
    expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}`, { method: 'DELETE', headers: OTHER })).status).toBe(404);
    expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}`)).status).toBe(401);
    // PARAKEET_JOBS_MAX_QUEUED=3 per key: this replica runs no jobs, so they stay queued.
    expect((await submit(url, speech(), {}, KEY)).status).toBe(202);
    expect((await submit(url, speech(), {}, KEY)).status).toBe(202);
    const over = await submit(url, speech(), {}, KEY);
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('job_quota_exceeded');
    expect((await submit(url, speech(), {}, OTHER)).status).toBe(202);
    // A cancelled job leaves the quota.
    expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}/cancel`, { method: 'POST', headers: KEY })).status).toBe(200);
    expect((await submit(url, speech(), {}, KEY)).status).toBe(202);
    // PARAKEET_JOBS_RETENTION_H=0.001 (3.6 s): the finished (cancelled) job goes, the queued ones stay.
    await until('the finished job removed', async () => ((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}`, { headers: KEY })).status === 404 ? true : undefined), 30_000);
    expect((await list(KEY)).map((j) => j.status)).toEqual(['queued', 'queued', 'queued']);
  });

  it('answers 503 while Redis is down and reconnects by itself', async () => {
    const url = await server.url;
    const port = Number(new URL(redis.url).port);
    await redis.stop();
    await until('a 503 while Redis is down', async () => ((await submit(url, speech(), {}, KEY)).status === 503 ? true : undefined), 30_000);
    const res = await submit(url, speech(), {}, KEY);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('jobs_unavailable');
    redis = await startRedis(port);
    await until('a 202 after Redis is back', async () => ((await submit(url, speech(), {}, KEY)).status === 202 ? true : undefined), 60_000);
  });
});

