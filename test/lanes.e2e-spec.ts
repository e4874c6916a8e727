import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { HostResources } from '../src/common/host-resources.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { HubClient } from '../src/model/hub-client.js';
import { ModelDownloader } from '../src/model/model-downloader.js';
import { ModelService } from '../src/model/model.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { MicrobatchScheduler } from '../src/scheduler/microbatch-scheduler.js';
import { TEST_METRICS_DIR } from './helpers/app.js';
import { mixedClips } from './helpers/audio.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

/** A ModelService outside Nest, on a generated model; the hub is never contacted for a set directory. */
function service(dir: string, lanes: number | 'auto', host = new HostResources(), env: Record<string, string> = {}): ModelService {
  const config = loadConfig({ PARAKEET_MODEL_DIR: dir, PARAKEET_LANES: String(lanes), PARAKEET_PROVIDER: 'cpu', PARAKEET_MICROBATCH_MAX_BATCH: '4', PARAKEET_METRICS_DIR: TEST_METRICS_DIR, PARAKEET_EXPRESS_LANES: '0', ...env });
  return new ModelService(config as AppConfig, host, new ModelDownloader(new HubClient('http://127.0.0.1:9')), new MetricsService(config as AppConfig));
}

describe('runner lanes (PARAKEET_LANES)', () => {
  let dir: string;
  beforeAll(() => {
    dir = testModel({ shape: 'tiny', seed: 7 });
    Logger.overrideLogger(['error']);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
    removeTestModels();
  });

  it('featurizer threads (PARAKEET_FEATURIZER_THREADS) make features ahead that give the lanes the same tokens as featurizing in the lane', async () => {
    const clips = mixedClips(5, 3);
    const inLane = service(dir, 1);
    const ahead = service(dir, 1, new HostResources(), { PARAKEET_FEATURIZER_THREADS: '2' });
    try {
      await Promise.all([inLane.load(), ahead.load()]);
      expect(inLane.featurizerThreads).toBe(0); // auto on the CPU: the lanes featurize
      expect(ahead.featurizerThreads).toBe(2);
      expect(inLane.prepare(clips[0])).toBe(clips[0]);
      const inputs = await Promise.all(clips.map((c) => ahead.prepare(c.slice())));
      for (const [i, input] of inputs.entries()) {
        expect(input).toMatchObject({ kind: 'features', mels: 128, samples: clips[i].length, valid: Math.floor(clips[i].length / 160) });
      }
      const made = await ahead.transcribeBatch(inputs);
      const own = await inLane.transcribeBatch(clips.map((c) => c.slice()));
      const tokens = (r: typeof own) => r.transcripts.map((t) => t.tokens.map((k) => [k.id, k.start, k.end]));
      expect(tokens(made)).toEqual(tokens(own));
      expect(made.transcripts.map((t) => t.duration)).toEqual(own.transcripts.map((t) => t.duration));
      expect(own.transcripts.filter((t) => t.tokens.length > 0).length).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all([inLane.onApplicationShutdown(), ahead.onApplicationShutdown()]);
    }
  });

  it('two lanes serve two batches at once and give the same text as one lane', async () => {
    const batches = [mixedClips(4, 1), mixedClips(4, 2)];
    const one = service(dir, 1);
    const two = service(dir, 2);
    try {
      await Promise.all([one.load(), two.load()]);
      expect(two.laneLoad).toEqual([0, 0]);
      const inFlight = batches.map((b) => two.transcribeBatch(b.map((c) => c.slice())));
      // Both batches are in different worker threads before either has finished.
      expect(two.laneLoad).toEqual([1, 1]);
      const parallel = await Promise.all(inFlight);
      expect(parallel.map((r) => r.lane).sort()).toEqual([0, 1]);

      const serial: Awaited<ReturnType<ModelService['transcribeBatch']>>[] = [];
      for (const b of batches) serial.push(await one.transcribeBatch(b.map((c) => c.slice())));
      expect(serial.map((r) => r.lane)).toEqual([0, 0]);
      const texts = (rs: typeof serial) => rs.map((r) => r.transcripts.map((t) => t.text));
      expect(texts(parallel)).toEqual(texts(serial));
      expect(parallel.map((r) => r.transcripts.map((t) => t.tokens.map((k) => [k.id, k.start, k.end])))).toEqual(
        serial.map((r) => r.transcripts.map((t) => t.tokens.map((k) => [k.id, k.start, k.end]))),
      );
      expect(texts(parallel).flat().filter((t) => t.length > 0).length).toBeGreaterThanOrEqual(4); // equality of empty texts proves little
    } finally {
      await Promise.all([one.onApplicationShutdown(), two.onApplicationShutdown()]);
    }
  });

  it('PARAKEET_LANES=auto on the CPU: one single-threaded lane per usable core, as the cgroup quota allows', async () => {
    const limited = (cpuMax: string) => {
      const host = new HostResources();
      host.cgroupRoot = mkdtempSync(join(tmpdir(), 'cgroup-'));
      writeFileSync(join(host.cgroupRoot, 'cpu.max'), cpuMax);
      return host;
    };
    const twoCores = service(dir, 'auto', limited('200000 100000'));
    const oneCore = service(dir, 'auto', limited('50000 100000'));
    const pinned = service(dir, 'auto', limited('200000 100000'), { ORT_INTRA_OP_NUM_THREADS: '2' });
    // PARAKEET_EXPRESS_LANES=auto adds one lane for short work on top, with the same threads.
    const express = service(dir, 'auto', limited('200000 100000'), { PARAKEET_EXPRESS_LANES: 'auto' });
    try {
      await Promise.all([twoCores.load(), oneCore.load(), pinned.load(), express.load()]);
      expect([twoCores.laneCount, twoCores.layout!.threads, twoCores.laneLoad]).toEqual([2, 1, [0, 0]]);
      expect([oneCore.laneCount, oneCore.layout!.threads, oneCore.laneLoad]).toEqual([1, 1, [0]]);
      expect([express.laneCount, express.expressLanes, express.layout!.threads, express.laneLoad]).toEqual([3, 1, 1, [0, 0, 0]]);
      expect([pinned.laneCount, pinned.layout!.threads]).toEqual([2, 2]);
      // Both auto lanes really run: two batches are in different worker threads at once.
      const inFlight = [mixedClips(2, 3), mixedClips(2, 4)].map((b) => twoCores.transcribeBatch(b));
      expect(twoCores.laneLoad).toEqual([1, 1]);
      expect((await Promise.all(inFlight)).map((r) => r.lane).sort()).toEqual([0, 1]);
    } finally {
      await Promise.all([twoCores.onApplicationShutdown(), oneCore.onApplicationShutdown(), pinned.onApplicationShutdown(), express.onApplicationShutdown()]);
    }
  });

  it('job work never takes an express lane, however short: a live clip arriving beside it starts at once', async () => {
    const env = { PARAKEET_EXPRESS_LANES: '1', PARAKEET_MICROBATCH_MAX_BATCH: '1' };
    const model = service(dir, 1, new HostResources(), env);
    const config = loadConfig({ PARAKEET_MODEL_DIR: dir, PARAKEET_LANES: '1', PARAKEET_METRICS_DIR: TEST_METRICS_DIR, ...env }) as AppConfig;
    const scheduler = new MicrobatchScheduler(config, model, new MetricsService(config));
    try {
      await model.load();
      expect([model.laneCount, model.expressLanes]).toEqual([2, 1]);
      const [clip] = mixedClips(1, 5);
      expect(clip.length).toBeLessThanOrEqual(10 * 16000); // short enough for an express lane
      const jobs = [0, 1, 2].map((i) => scheduler.submit(clip.slice(), { priority: 'low', background: true, flow: { client: 'jobs', request: `job${i}` } }));
      // One job clip on the regular lane; the others wait for it rather than take the free express lane.
      expect([scheduler.inFlightBatches, scheduler.queued]).toEqual([1, 2]);
      const live = scheduler.submit(clip.slice(), { priority: 'normal' });
      expect([scheduler.inFlightBatches, scheduler.queued]).toEqual([2, 2]);
      const answers = await Promise.all([...jobs, live]);
      expect(answers.every((a) => a.transcript.text === answers[0].transcript.text)).toBe(true);
    } finally {
      scheduler.onApplicationShutdown();
      await model.onApplicationShutdown();
    }
  });
});
