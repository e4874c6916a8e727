import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { longSpeechMp3 } from './helpers/long-audio.js';
import { startRedis, type RedisServer } from './helpers/redis-server.js';
import { completions, job, SECRET, serveAudio, speech, submit, until, type Job } from './helpers/jobs.js';
import { startServer, waitForReady, type ServerProcess } from './helpers/server-process.js';

const JOBS = 50;

describe('asynchronous jobs on Redis, two replicas sharing it and a directory', () => {
  let redis: RedisServer;
  let dir: string;
  let receiver: Server;
  let hookUrl: string;
  let audioServer: Server;
  let audioBase: string;
  const hooks: { id: string; type: string; verified: boolean }[] = [];
  const servers: ServerProcess[] = [];
  let a: string;
  let b: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'parakeet-jobs-'));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const timestamp = String(req.headers['x-parakeet-timestamp']);
        const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
        const event = JSON.parse(body) as { type: string; data: { id: string } };
        hooks.push({ id: event.data.id, type: event.type, verified: req.headers['x-parakeet-signature'] === expected });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    audioServer = serveAudio();
    await new Promise<void>((r) => audioServer.listen(0, '127.0.0.1', r));
    audioBase = `http://127.0.0.1:${(audioServer.address() as { port: number }).port}`;
    hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    env = {
      PARAKEET_METRICS_DIR: join(dir, 'metrics'),
      PARAKEET_REDIS_URL: redis.url,
      PARAKEET_JOBS_DIR: dir,
      PARAKEET_JOBS_LOCK_S: '2',
      PARAKEET_JOBS_CONCURRENCY: '2',
      PARAKEET_JOBS_WEBHOOK_SECRET: SECRET,
      PARAKEET_JOBS_ALLOW_PRIVATE_URLS: 'true',
      PARAKEET_DECODING: 'greedy',
      // The live limits, far below the fixture's size and length: jobs have limits of their own.
      PARAKEET_MAX_UPLOAD_MB: '0.05',
      PARAKEET_MAX_AUDIO_SECONDS: '2',
    };
    for (let i = 0; i < 2; i++) servers.push(startServer({ ...env, PARAKEET_METRICS_DIR: join(dir, `metrics-${i}`) }));
    [a, b] = await Promise.all(servers.map((s) => s.url));
    await Promise.all([waitForReady(a, 60_000), waitForReady(b, 60_000)]);
  });

  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exit));
    receiver?.close();
    audioServer?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`${JOBS} jobs over both replicas, one replica killed mid-job: every job completed exactly once with the right text, webhooks signed`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const res = await submit(i % 2 ? b : a, speech(), { webhook_url: hookUrl, response_format: 'text' });
      expect(res.status).toBe(202);
      const body = (await res.json()) as Job;
      expect(res.headers.get('location')).toBe(`/v1/audio/transcriptions/jobs/${body.id}`);
      expect(body.status).toBe('queued');
      ids.push(body.id);
    }
    // Kill B once it has finished a job (and delivered its webhook), while it runs more.
    const victim = servers[1];
    const first = await until('a job completed on replica B', () => completions(victim.log())[0]);
    await until('its webhook', () => hooks.find((h) => h.id === first));
    const runningOnB = await until('B running a job', async () => {
      const page = (await (await fetch(`${a}/v1/audio/transcriptions/jobs?limit=100`)).json()) as { data: Job[] };
      return page.data.some((j) => j.status === 'running') ? true : undefined;
    });
    expect(runningOnB).toBe(true);
    victim.child.kill('SIGKILL');
    const { stdout: bLog } = await victim.exit;

    const finished = await until('every job finished', async () => {
      const all = await Promise.all(ids.map((id) => job(a, id)));
      return all.every((j) => j.status === 'completed' || j.status === 'failed') ? all : undefined;
    }, 240_000);
    expect(finished.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
    for (const id of ids) {
      const res = await fetch(`${a}/v1/audio/transcriptions/jobs/${id}/result`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/quick brown fox/i);
    }
    // Exactly once: no job was completed twice. The store moves a job to a final status once (one Lua script); a
    // replica killed right after that move may not have flushed its log line, so the logs can miss one job, never
    // repeat one, and every job reads completed with its text above.
    const done = [...completions(servers[0].log()), ...completions(bLog)];
    expect(done.length).toBe(new Set(done).size);
    expect(ids).toEqual(expect.arrayContaining(done));
    expect(done.length).toBeGreaterThanOrEqual(ids.length - 1);
    // Both replicas took work, and B's unfinished job was taken up again by A after its lock lapsed.
    expect(completions(bLog).length).toBeGreaterThan(0);
    expect(completions(servers[0].log()).length).toBeGreaterThan(0);
    expect(finished.some((j) => j.attempts >= 2)).toBe(true);

    await until('every webhook', () => (new Set(hooks.map((h) => h.id)).size >= JOBS ? true : undefined), 60_000);
    expect(hooks.every((h) => h.verified && h.type === 'transcription.job.completed')).toBe(true);
    expect(new Set(hooks.map((h) => h.id))).toEqual(new Set(ids));
  });

  it('the live limits do not apply to jobs (every job above was over both); the job limits do', async () => {
    const form = new FormData();
    form.append('file', new Blob([speech()]), 'speech.wav');
    expect((await fetch(`${a}/v1/audio/transcriptions`, { method: 'POST', body: form })).status).toBe(413);
    expect(speech().length).toBeGreaterThan(0.05 * 1024 * 1024);
  });

  it('stored files decode from disk through ffmpeg: a 48-kHz stereo WAV beyond the live upload limit, an m4a indexed at its end', async () => {
    const ids: string[] = [];
    const bytesOf = (file: string) => new Uint8Array(readFileSync(join(process.cwd(), 'test', 'fixtures', 'audio', file)));
    expect(bytesOf('speech-48k-stereo.wav').length).toBeGreaterThan(0.05 * 1024 * 1024);
    for (const file of ['speech-48k-stereo.wav', 'speech-moov-at-end.m4a']) {
      const bytes = bytesOf(file);
      ids.push(((await (await submit(a, bytes, { response_format: 'text' }, {}, true, file)).json()) as Job).id);
    }
    for (const id of ids) {
      const done = await until('the job finished', async () => ((j) => (j.status === 'completed' || j.status === 'failed' ? j : undefined))(await job(a, id)));
      expect(done.status).toBe('completed');
      expect((done as Job & { audio_seconds: number }).audio_seconds).toBeCloseTo(4.69, 1);
      expect(await (await fetch(`${a}/v1/audio/transcriptions/jobs/${id}/result`)).text()).toMatch(/quick brown fox/i);
    }
  });

  it('an Idempotency-Key resubmission returns the same job', async () => {
    const key = { 'idempotency-key': 'batch-7-file-1' };
    const first = await submit(a, speech(), {}, key);
    expect(first.status).toBe(202);
    const again = await submit(a, speech(), {}, key);
    expect(again.status).toBe(200);
    const [x, y] = (await Promise.all([first.json(), again.json()])) as Job[];
    expect(y.id).toBe(x.id);
    expect((await submit(a, speech(), {}, { 'idempotency-key': 'another' })).status).toBe(202);
  });

  it('an audio_url is fetched (following a redirect) and transcribed', async () => {
    const res = await submit(a, new Uint8Array(0), { audio_url: `${audioBase}/moved` }, {}, false);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    await until('the job completed', async () => ((await job(a, id)).status === 'completed' ? true : undefined));
    const result = (await (await fetch(`${a}/v1/audio/transcriptions/jobs/${id}/result?response_format=verbose_json&timestamp_granularities=word`)).json()) as { text: string; words: unknown[] };
    expect(result.text).toMatch(/quick brown fox/i);
    expect(result.words.length).toBeGreaterThan(5);
    const missing = await submit(a, new Uint8Array(0), { audio_url: `${audioBase}/nothing-here` }, {}, false);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe('audio_url');
  });

  it('the job object has exactly the fields of its OpenAPI schema (JobDto)', async () => {
    const doc = (await (await fetch(`${a}/openapi.json`)).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    const page = (await (await fetch(`${a}/v1/audio/transcriptions/jobs?limit=1`)).json()) as { data: Record<string, unknown>[] };
    expect(Object.keys(page.data[0]).sort()).toEqual(Object.keys(doc.components.schemas.JobDto.properties).sort());
  });

  it('/readyz shows the Redis connection', async () => {
    const ready = (await (await fetch(`${a}/readyz`)).json()) as { details: { jobs: { redis: string } } };
    expect(ready.details.jobs.redis).toBe('connected');
  });

  it('/metrics counts the backlog (shared, read from Redis) and the jobs this replica finished', async () => {
    const text = await (await fetch(`${a}/metrics`)).text();
    expect(text).toMatch(/^parakeet_jobs_backlog \d+$/m);
    expect(text).toMatch(/^parakeet_jobs_running \d+$/m);
    const completed = /^parakeet_jobs_total\{status="completed"\} (\d+)$/m.exec(text);
    expect(Number(completed?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^parakeet_job_duration_seconds_count\{status="completed"\} \d+$/m);
  });

  it('undecodable audio fails once with the REST API error; result, list, cancel and delete', async () => {
    const res = await submit(a, new TextEncoder().encode('this is not audio at all, just text'));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    const failed = await until('the job failed', async () => {
      const j = await job(a, id);
      return j.status === 'failed' ? j : undefined;
    });
    expect(failed.attempts).toBe(1);
    expect(failed.error?.code).toBe('invalid_audio');
    expect((await fetch(`${a}/v1/audio/transcriptions/jobs/${id}/result`)).status).toBe(409);

    const page1 = (await (await fetch(`${a}/v1/audio/transcriptions/jobs?limit=2`)).json()) as { data: Job[]; has_more: boolean; last_id: string };
    expect(page1.data).toHaveLength(2);
    expect(page1.data[0].id).toBe(id);
    expect(page1.has_more).toBe(true);
    const page2 = (await (await fetch(`${a}/v1/audio/transcriptions/jobs?limit=2&after=${page1.last_id}`)).json()) as { data: Job[] };
    expect(page2.data[0].id < page1.last_id).toBe(true);

    const del = await fetch(`${a}/v1/audio/transcriptions/jobs/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await fetch(`${a}/v1/audio/transcriptions/jobs/${id}`)).status).toBe(404);
  });
  it('SIGTERM: a replica stops taking jobs, finishes its running ones and exits 0; another replica drains the rest', async () => {
    const status = new Redis(redis.url);
    // A alone runs jobs here (B was killed above; when this test runs alone, B goes now).
    if (servers[1].child.exitCode === null && servers[1].child.signalCode === null) servers[1].child.kill('SIGKILL');
    await servers[1].exit;
    try {
      const mp3 = longSpeechMp3(300);
      const answers = await Promise.all(Array.from({ length: 6 }, () => submit(a, mp3, { response_format: 'text' })));
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
      const ids = await Promise.all(answers.map(async (r) => ((await r.json()) as Job).id));
      const of = (id: string) => status.hget(`parakeet:jobs:rec:${id}`, 'status');
      // A's job share is 2: two run, the others wait. Both have had a chunk done (a job none of whose work has
      // reached a lane would be handed back instead: test/jobs-live-load.e2e-spec.ts).
      const progress = (id: string) => status.hget(`parakeet:jobs:rec:${id}`, 'progress');
      await until('two jobs under way on A', async () => {
        const now = await Promise.all(ids.map(of));
        const moved = await Promise.all(ids.map(async (id) => Number(await progress(id)) > 0.05));
        return now.filter((s, i) => s === 'running' && moved[i]).length === 2 && now.includes('queued') ? true : undefined;
      });
      const running = (await Promise.all(ids.map(async (id) => ((await of(id)) === 'running' ? id : undefined)))).filter((x): x is string => !!x);
      servers[0].child.kill('SIGTERM');
      const { code } = await servers[0].exit;
      expect(code).toBe(0);
      // npm run metrics:report counts job lines: one per job A finished, under the endpoint `jobs`.
      const report = JSON.parse(execFileSync(process.execPath, ['dist/scripts/metrics-report.js', '--dir', join(dir, 'metrics-0'), '--json', '--windows', '1h'], { encoding: 'utf8' })) as { windows: Array<{ byEndpoint: Record<string, { requests: number; ok: number }> }> };
      const jobLines = report.windows[0].byEndpoint.jobs;
      expect(jobLines.ok).toBe(completions(servers[0].log()).length);
      expect(jobLines.requests - jobLines.ok).toBe(1); // the undecodable upload
      // What ran when the signal came was finished; nothing was left half-done; the rest stayed in the backlog.
      const after = await Promise.all(ids.map(of));
      for (const id of running) expect(await of(id)).toBe('completed');
      expect(after.filter((s) => s !== 'completed' && s !== 'queued')).toEqual([]);
      expect(after.filter((s) => s === 'queued').length).toBeGreaterThan(0);

      const c = startServer(env);
      servers.push(c);
      const url = await c.url;
      const all = await until('the rest drained by another replica', async () => {
        const jobs = await Promise.all(ids.map((id) => job(url, id)));
        return jobs.every((j) => j.status === 'completed') ? jobs : undefined;
      });
      expect(all.map((j) => j.attempts)).toEqual(ids.map(() => 1));
      for (const id of ids) expect(await (await fetch(`${url}/v1/audio/transcriptions/jobs/${id}/result`)).text()).toMatch(/quick brown fox/i);

      // Cancelling a running job: it ends cancelled (never completed), its result is a 409, a second cancel too.
      const res = await submit(url, mp3);
      const { id } = (await res.json()) as Job;
      await until('the job running', async () => ((await of(id)) === 'running' ? true : undefined));
      const cancel = await fetch(`${url}/v1/audio/transcriptions/jobs/${id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(200);
      expect(((await cancel.json()) as Job).status).toBe('cancelled');
      const short = (await (await submit(url, speech())).json()) as Job;
      await until('a later job completed', async () => ((await job(url, short.id)).status === 'completed' ? true : undefined));
      expect((await job(url, id)).status).toBe('cancelled');
      expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}/result`)).status).toBe(409);
      expect((await fetch(`${url}/v1/audio/transcriptions/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(409);
    } finally {
      status.disconnect();
    }
  });
});
