import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { job, speech, submit, until, type Job } from './helpers/jobs.js';
import { longSpeechMp3 } from './helpers/long-audio.js';
import { startRedis, type RedisServer } from './helpers/redis-server.js';
import { startServer, waitForReady, type ServerProcess } from './helpers/server-process.js';

/**
 * One lane running one item at a time (no express lane), so that live uploads streamed with stream=true hold it
 * deterministically: once a stream has sent its first delta, its audio is decoded and every later chunk waits in
 * the queue, at priority normal, above any job's.
 */
const ONE_LANE = { PARAKEET_LANES: '1', ORT_INTRA_OP_NUM_THREADS: '1', PARAKEET_EXPRESS_LANES: '0', PARAKEET_MICROBATCH_MAX_BATCH: '1', PARAKEET_QUEUE_MAX_FACTOR: '8', PARAKEET_DECODING: 'greedy' };
const LIVE_STREAMS = 4;
/** 200 s: 8 chunks of 30 s each, so 28 wait once all four streams have answered their first chunk. */
const LIVE_SECONDS = 200;

interface LiveStream {
  firstDelta: Promise<void>;
  done: Promise<string>;
  finished: boolean;
}

/** A live upload with stream=true, read event by event. */
function liveStream(url: string, audio: Uint8Array): LiveStream {
  const form = new FormData();
  form.append('stream', 'true');
  form.append('file', new Blob([audio]), 'long.mp3');
  let deltaSeen!: () => void;
  const stream: LiveStream = { firstDelta: new Promise((r) => (deltaSeen = r)), done: Promise.resolve(''), finished: false };
  stream.done = (async () => {
    const res = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form });
    if (res.status !== 200) throw new Error(`live upload answered ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffered = '';
    let text = '';
    for await (const piece of res.body!) {
      buffered += decoder.decode(piece, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const event = JSON.parse(buffered.slice(0, end).replace(/^data: /, '')) as { type: string; delta?: string; text?: string };
        buffered = buffered.slice(end + 2);
        if (event.type === 'transcript.text.delta' && event.delta) deltaSeen();
        if (event.type === 'transcript.text.done') text = event.text!;
      }
    }
    stream.finished = true;
    return text;
  })();
  stream.done.catch(() => {});
  return stream;
}

/** Live streams that all hold chunks in the queue by the time this resolves. */
async function saturate(url: string): Promise<LiveStream[]> {
  const streams = Array.from({ length: LIVE_STREAMS }, () => liveStream(url, longSpeechMp3(LIVE_SECONDS)));
  await Promise.race([Promise.all(streams.map((s) => s.firstDelta)), Promise.all(streams.map((s) => s.done))]);
  expect(streams.filter((s) => s.finished).length).toBe(0);
  return streams;
}

describe('job work beside live load that saturates the only lane', () => {
  let redis: RedisServer;
  let dir: string;
  const servers: ServerProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'parakeet-jobs-live-'));
    env = { ...ONE_LANE, PARAKEET_REDIS_URL: redis.url, PARAKEET_JOBS_DIR: dir, PARAKEET_METRICS_DIR: join(dir, 'metrics') };
    longSpeechMp3(LIVE_SECONDS);
  });

  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exit));
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM hands back the jobs a replica holds but has not started (no minimum share: live work keeps them waiting); another replica completes them', async () => {
    const busy = startServer({ ...env, PARAKEET_JOBS_MIN_SHARE: '0', PARAKEET_JOBS_CONCURRENCY: '2' });
    servers.push(busy);
    const url = await busy.url;
    await waitForReady(url, 60_000);
    const streams = await saturate(url);
    const ids = await Promise.all([0, 1].map(async () => ((await (await submit(url, speech(), { response_format: 'text' })).json()) as Job).id));
    // Both taken by this replica (its job share is 2) and decoded, but neither has had a chunk on the lane.
    const held = await until('both jobs running, decoded', async () => {
      const jobs = await Promise.all(ids.map((id) => job(url, id)));
      return jobs.every((j) => j.status === 'running' && j.progress >= 0.05) ? jobs : undefined;
    });
    expect(held.map((j) => j.progress)).toEqual([0.05, 0.05]);
    expect(streams.filter((s) => s.finished).length).toBe(0);

    busy.child.kill('SIGTERM');
    const { code, stdout } = await busy.exit;
    expect(code).toBe(0);
    for (const id of ids) expect(stdout).toContain(`job ${id} handed back by`);
    expect(stdout).not.toMatch(/job job_\w+ completed on/);
    // The live uploads it had accepted were answered in its drain.
    for (const text of await Promise.all(streams.map((s) => s.done))) expect(text).toMatch(/quick brown fox/i);

    const other = startServer({ ...env, PARAKEET_JOBS_MIN_SHARE: '0.25' });
    servers.push(other);
    const otherUrl = await other.url;
    const done = await until('the handed-back jobs completed elsewhere', async () => {
      const jobs = await Promise.all(ids.map((id) => job(otherUrl, id)));
      return jobs.every((j) => j.status === 'completed') ? jobs : undefined;
    });
    // Handing back cost no attempt: one run each, on the other replica.
    expect(done.map((j) => j.attempts)).toEqual([1, 1]);
    for (const id of ids) expect(await (await fetch(`${otherUrl}/v1/audio/transcriptions/jobs/${id}/result`)).text()).toMatch(/quick brown fox/i);
  });

  it('PARAKEET_JOBS_MIN_SHARE: a job progresses and completes while live uploads keep the lane saturated', async () => {
    const url = await servers[1].url;
    const streams = await saturate(url);
    const res = await submit(url, longSpeechMp3(60), { response_format: 'text' }, {}, true, 'job.mp3');
    const { id } = (await res.json()) as Job;
    const seen = new Set<number>();
    const finished = await until('the job completed', async () => {
      const j = await job(url, id);
      seen.add(j.progress);
      return j.status === 'completed' || j.status === 'failed' ? j : undefined;
    });
    // One batch in four was the job's while live chunks waited, so it finished first: no live upload had its
    // answer yet. Without the share it would have waited for every live chunk (as in the test above).
    expect(streams.filter((s) => s.finished).length).toBe(0);
    expect(finished.status).toBe('completed');
    expect([...seen].some((p) => p > 0.05 && p < 1)).toBe(true);
    await Promise.all(streams.map((s) => s.done));
  });
});
