import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transcribe } from './helpers/app.js';
import { job, submit, until, type Job } from './helpers/jobs.js';
import { startRedis, type RedisServer } from './helpers/redis-server.js';
import { startServer, waitForReady, type ServerProcess } from './helpers/server-process.js';

const AUDIO = join(process.cwd(), 'test', 'fixtures', 'audio');
const fixture = (file: string) => new Uint8Array(readFileSync(join(AUDIO, file)));
const WORDS = { response_format: 'verbose_json', 'timestamp_granularities[]': 'word' };

/**
 * File and fields → what the live endpoint answers and what the job's result answers, compared whole. The ≈ 41-s
 * opus is chunked (10-s chunks here), so chunking_strategy matters; timed formats move word starts onto the
 * speech Silero finds; the containers take every decode path a stored job file can take.
 */
const CASES: [string, Record<string, string>][] = [
  ['long.opus', { ...WORDS, 'chunking_strategy[type]': 'server_vad' }],
  ['long.opus', { response_format: 'srt', chunking_strategy: 'auto' }],
  ['long.opus', { response_format: 'json' }],
  ['speech-moov-at-end.m4a', WORDS],
  ['speech.mp3', { response_format: 'vtt' }],
  ['speech-48k-stereo.wav', WORDS],
  ['speech.wav', WORDS],
  ['speech.flac', { response_format: 'text' }],
];

describe('a job result is the live answer for the same file and fields', () => {
  let redis: RedisServer;
  let dir: string;
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'parakeet-jobs-results-'));
    server = startServer({
      PARAKEET_REDIS_URL: redis.url,
      PARAKEET_JOBS_DIR: dir,
      PARAKEET_METRICS_DIR: join(dir, 'metrics'),
      PARAKEET_CHUNK_SECONDS: '10',
      PARAKEET_CHUNK_OVERLAP_SECONDS: '2',
      // Batches of one, live and job alike: a chunk's words then never depend on what shared its batch.
      PARAKEET_MICROBATCH_MAX_BATCH: '1',
    });
    url = await server.url;
    await waitForReady(url, 60_000);
  });

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)('%s with %j', async (file, fields) => {
    const live = await transcribe(url, fixture(file), fields, { filename: file });
    expect(live.status).toBe(200);
    const res = await submit(url, fixture(file), fields, {}, true, file);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    const done = await until('the job finished', async () => {
      const j = await job(url, id);
      return j.status === 'completed' || j.status === 'failed' ? j : undefined;
    });
    expect(done.status).toBe('completed');
    const result = await fetch(`${url}/v1/audio/transcriptions/jobs/${id}/result`);
    expect(result.headers.get('content-type')).toBe(live.headers.get('content-type'));
    const [expected, got] = [await live.text(), await result.text()];
    expect(got).toBe(expected);
    expect(got).toMatch(/quick brown fox|\w+ \w+ \w+/i);
  });
});
