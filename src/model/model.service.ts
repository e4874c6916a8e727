import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HostResources } from '../common/host-resources.js';
import { AppConfig } from '../config/app-config.js';
import { chooseDecoding } from './decoding-choice.js';
import { FeaturizerPool } from './featurizer-pool.js';
import { featurizerThreads, laneLayout, withExpressLanes, type LaneLayout } from './lane-layout.js';
import { inspectModelDirectory, modelFiles, modelWeightBytes, type InspectedModel } from './model-directory.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelDownloader } from './model-downloader.js';
import { chooseModel, hubCacheDir, type ModelSource } from './model-resolver.js';
import { GpuMemoryProbe } from './gpu-memory.js';
import { ServiceDownloadLog } from './service-download-log.js';
import { parseSessionConfig, providerPlan } from './provider-chain.js';
import { ModelRunner, RunnerUnavailableError } from './runner/model-runner.js';
import type { BatchResult, EngineInfo, EngineInput, EngineOptions } from './runner/runner-protocol.js';
import { DEFAULT_FRAME_BUCKET } from './runner/shape-buckets.js';
import type { Samples } from '../asr/samples.js';

export type ModelState = 'unloaded' | 'downloading' | 'loading' | 'ready' | 'failed';

export interface ResolvedModel {
  source: ModelSource;
  /** Why this model: shown in the start-up log and /readyz. */
  reason: string;
  /** Absent for the hub until the download has finished. */
  dir?: string;
  /** Repositories to try, in order (hub only). */
  repositories?: string[];
  /** The hub repository served (hub only). */
  repository?: string;
  inspected?: InspectedModel;
}

export class ModelNotReadyError extends Error {
  override name = 'ModelNotReadyError';
}

/** Batch sizes the lanes are warmed with: powers of two up to the largest microbatch, and that size. */
export function warmupSizes(maxBatch: number): number[] {
  const sizes = new Set<number>();
  for (let s = 1; s < maxBatch; s *= 2) sizes.add(s);
  sizes.add(maxBatch);
  return [...sizes];
}

/**
 * Owns the model: where it comes from, its runner lanes and their readiness. Resolution of a local
 * directory is synchronous and fatal (a bad directory stops start-up); hub downloads and loading run
 * after the server listens, so liveness answers while they run and readiness turns true when every
 * lane is warm.
 */
@Injectable()
export class ModelService implements OnApplicationShutdown {
  private readonly logger = new Logger(ModelService.name);
  private readonly warned = new Set<string>();
  private lanes: ModelRunner[] = [];
  /** Featurizes queued clips ahead of their batch (GPU lanes); absent where lanes featurize. */
  private featurizers?: FeaturizerPool;
  /** Lanes × threads once loaded; the scheduler dispatches one batch per lane. */
  layout?: LaneLayout;
  private resolved?: ResolvedModel;
  private loading?: Promise<EngineInfo>;
  private nextLane = 0;
  state: ModelState = 'unloaded';
  info?: EngineInfo;
  failure?: string;

  constructor(
    private readonly config: AppConfig,
    private readonly host: HostResources,
    private readonly downloader: ModelDownloader,
    private readonly metrics: MetricsService,
  ) {}

  resolve(): ResolvedModel {
    if (this.resolved) return this.resolved;
    const choice = chooseModel(this.config);
    if (choice.source === 'hub') {
      this.resolved = { source: 'hub', reason: choice.reason, repositories: choice.repositories };
      this.logger.log(`model from the hub (${choice.reason}): ${choice.repositories!.join(', then ')}; downloading after the server listens`);
      return this.resolved;
    }
    const dir = choice.dir!;
    const inspected = inspectModelDirectory(dir, this.config.quantization);
    this.resolved = { source: choice.source, reason: choice.reason, dir, inspected };
    this.logger.log(`model ${dir} (${choice.reason})`);
    return this.resolved;
  }

  load(): Promise<EngineInfo> {
    if (!this.loading) {
      const started = performance.now();
      this.loading = this.fetchAndStart();
      this.loading
        .then((info) => this.metrics.modelLoaded({ seconds: (performance.now() - started) / 1000, name: info.modelName, provider: info.provider, lanes: this.lanes.length }))
        .catch(() => {});
    }
    return this.loading;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  get source(): ModelSource | undefined {
    return this.resolved?.source;
  }

  get reason(): string | undefined {
    return this.resolved?.reason;
  }

  get repository(): string | undefined {
    return this.resolved?.repository;
  }

  /** Whether bigger batches are cheaper per clip: the encoder pads a batch into one call (GPU), not one call per clip. */
  get batchingPays(): boolean {
    return this.info?.encoderBatching === 'padded';
  }

  /** Lanes the scheduler may keep busy at once. */
  get laneCount(): number {
    return this.layout?.lanes ?? 1;
  }

  /** Of those, lanes kept for short work: batches of long items never take them. */
  get expressLanes(): number {
    return this.layout?.express ?? 0;
  }

  /** Requests in flight per lane (for tests and diagnostics). */
  get laneLoad(): number[] {
    return this.lanes.map((l) => l.inFlight);
  }

  /** Threads featurizing queued clips ahead of their batch (0: each lane featurizes its own). */
  get featurizerThreads(): number {
    return this.featurizers?.threads ?? 0;
  }

  /**
   * What a queued clip becomes before its batch runs: its features, started now on the featurizer threads, or
   * the audio itself where lanes featurize. A featurizer failure falls back to the audio (the lane featurizes it).
   */
  prepare(audio: Samples): EngineInput | Promise<EngineInput> {
    if (!this.featurizers) return audio;
    return this.featurizers.featurize(audio).catch((e: Error) => {
      this.warnOnce(`featurizer thread failed (${e.message}): the lane featurizes instead`);
      return audio;
    });
  }

  /** Runs one batch on the least busy lane. */
  async transcribeBatch(audio: EngineInput[]): Promise<BatchResult & { lane: number }> {
    if (!this.ready) throw new ModelNotReadyError(this.failure ?? `model is ${this.state}`);
    let best = -1;
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = (this.nextLane + i) % this.lanes.length;
      if (this.lanes[lane].ready && (best < 0 || this.lanes[lane].inFlight < this.lanes[best].inFlight)) best = lane;
    }
    if (best < 0) throw new RunnerUnavailableError('no runner lane is available');
    this.nextLane = (best + 1) % this.lanes.length;
    return { ...(await this.lanes[best].run(audio)), lane: best };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.lanes.map((l) => l.close()), this.featurizers?.close()]);
  }

  private async fetchAndStart(): Promise<EngineInfo> {
    try {
      const resolved = this.resolve();
      if (!resolved.dir) await this.download(resolved);
      return await this.startLanes(resolved.dir!);
    } catch (e) {
      this.state = 'failed';
      this.failure = (e as Error).message;
      throw e;
    }
  }

  /** Tries each repository in turn; a complete cached copy is used without the network. */
  private async download(resolved: ResolvedModel): Promise<void> {
    this.state = 'downloading';
    const repositories = resolved.repositories ?? [];
    const failures: string[] = [];
    for (const repo of repositories) {
      const dir = hubCacheDir(this.config.cacheDir, repo, this.config.quantization);
      try {
        const cached = inspectModelDirectory(dir, this.config.quantization);
        Object.assign(resolved, { dir, repository: repo, inspected: cached, reason: `${resolved.reason}; ${repo} found complete in ${dir}` });
        this.logger.log(`model ${dir} (${resolved.reason})`);
        return;
      } catch {
        // Not cached (or incomplete): download it.
      }
      try {
        this.logger.log(`downloading ${repo} into ${dir}`);
        await this.downloader.download({ repo, out: dir, quantization: this.config.quantization, progress: new ServiceDownloadLog((m) => this.logger.log(m)) });
        const inspected = inspectModelDirectory(dir, this.config.quantization);
        const fellBack = failures.length ? ` after ${failures.length} failed repository(ies)` : '';
        Object.assign(resolved, { dir, repository: repo, inspected, reason: `${resolved.reason}; downloaded ${repo}${fellBack}` });
        this.logger.log(`model ${dir} (${resolved.reason})`);
        return;
      } catch (e) {
        failures.push(`${repo}: ${(e as Error).message}`);
        const next = repositories[repositories.indexOf(repo) + 1];
        this.logger.warn(`download of ${repo} failed: ${(e as Error).message}${next ? `; trying ${next}` : ''}`);
      }
    }
    throw new Error(`no model could be downloaded from ${this.config.hubUrl}: ${failures.join(' | ')}`);
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.logger.warn(message);
  }

  private async startLanes(dir: string): Promise<EngineInfo> {
    this.state = 'loading';
    const plan = providerPlan(this.config);
    const files = modelFiles(dir, this.config.quantization);
    const machine = {
      lanes: this.config.runnerLanes,
      threads: this.config.ortIntraOpNumThreads,
      cores: this.host.cores(),
      memoryBytes: this.host.memoryBytes(),
      modelBytes: modelWeightBytes(files),
    };
    const layoutOn = (provider: string) => laneLayout({ ...machine, provider });
    // The layout depends on where the sessions land, known only once the first lane has loaded: it starts
    // with the threads of the first provider tried (1 on a GPU, the CPU's share otherwise).
    const first = layoutOn(plan.providers[0]);
    const options = (threads: number): EngineOptions => ({
      files,
      intraOpThreads: threads,
      providers: plan.providers,
      deviceId: this.config.deviceId,
      sessionConfig: parseSessionConfig(this.config.ortSessionConfig),
      warmupBatchSizes: this.config.warmup ? warmupSizes(this.config.microbatchMaxBatch) : [],
      shapeBuckets: this.config.shapeBuckets === 'off' ? undefined : { frames: DEFAULT_FRAME_BUCKET, batchSizes: warmupSizes(this.config.microbatchMaxBatch) },
      decoding: chooseDecoding(this.config, dir),
    });
    const lane = (threads: number) => new ModelRunner(options(threads), (m) => this.warnOnce(m));
    try {
      let layout = first;
      if (this.config.runnerLanes === 'auto') {
        this.lanes = [lane(first.threads)];
        const info = await this.lanes[0].start();
        layout = layoutOn(info.provider);
        // Later lanes follow the first onto its provider (the failed ones are not tried again by a
        // fallback: their failure is in the log once). A CPU lane started with the wrong thread count is
        // replaced; on a GPU the threads only serve the few CPU-side ops.
        const redo = info.provider === 'cpu' && layout.threads !== first.threads;
        if (redo) await this.lanes.pop()!.close();
        const rest = Array.from({ length: layout.lanes - this.lanes.length }, () => lane(layout.threads));
        this.lanes.push(...rest);
        await Promise.all(rest.map((l) => l.start()));
      } else {
        this.lanes = Array.from({ length: layout.lanes }, () => lane(layout.threads));
        await Promise.all(this.lanes.map((l) => l.start()));
      }
      // Express lanes follow once the provider is known (a CPU-only rule), with the other lanes' threads.
      const express = withExpressLanes(layout, { express: this.config.expressLanes, provider: this.lanes[0].info!.provider, memoryBytes: machine.memoryBytes, modelBytes: machine.modelBytes });
      const extra = Array.from({ length: express.express }, () => lane(layout.threads));
      this.lanes.push(...extra);
      await Promise.all(extra.map((l) => l.start()));
      this.layout = express;
      this.info = this.lanes[0].info!;
      const featurizing = featurizerThreads(this.config.featurizerThreads, this.info.provider, machine.cores, this.lanes.length);
      if (featurizing > 0) this.featurizers = new FeaturizerPool(featurizing, this.info.featuresSize);
      this.state = 'ready';
      if (/cuda|tensorrt/.test(this.info.provider)) {
        const probe = new GpuMemoryProbe();
        this.metrics.live.gpuMemory = () => probe.sample();
      }
      if (this.info.provider.startsWith('tensorrt')) {
        this.warnOnce(
          'TensorRT runs without fp16, engine cache or timing cache: onnxruntime-node 1.30 forwards only the device id to TensorRT (TRT_ENGINE_CACHE / TRT_TIMING_CACHE are not applied); engines are rebuilt at every start',
        );
      }
      this.logger.log(
        `model ready: ${this.info.modelName} from ${dir} on ${this.info.provider}${plan.forced ? ' (forced by PARAKEET_PROVIDER)' : ''}, ${layout.reason}, ${featurizing > 0 ? `${featurizing} featurizer threads` : 'lanes featurize'}, encoder ${this.info.encoderBatching}, decoding ${this.info.decoding}, load ${this.info.loadMs.toFixed(0)} ms, warm-up ${this.info.warmupMs.toFixed(0)} ms`,
      );
      return this.info;
    } catch (e) {
      await Promise.all(this.lanes.map((l) => l.close()));
      if (plan.forced && /no execution provider could load/.test((e as Error).message)) {
        throw new Error(`PARAKEET_PROVIDER=${this.config.provider} forces that provider and it cannot load: ${(e as Error).message}. Set PARAKEET_PROVIDER=auto to fall back to the next provider.`);
      }
      throw e;
    }
  }
}
