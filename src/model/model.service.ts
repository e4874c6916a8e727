import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EMBEDDED_MODEL_DIR } from '../common/project-paths.js';
import { inspectModelDirectory, modelFiles, type InspectedModel } from './model-directory.js';
import { ModelRunner, RunnerUnavailableError } from './runner/model-runner.js';
import type { BatchResult, EngineInfo } from './runner/runner-protocol.js';

export type ModelState = 'unloaded' | 'loading' | 'ready' | 'failed';

export interface ResolvedModel {
  dir: string;
  source: 'PARAKEET_MODEL_DIR' | 'embedded';
  inspected: InspectedModel;
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
 * Owns the model: where it comes from, its runner lanes and their readiness. Resolution is synchronous
 * and fatal (a bad directory stops start-up); loading runs after the server listens, so liveness answers
 * while a large model loads and readiness turns true when every lane is warm.
 */
@Injectable()
export class ModelService implements OnApplicationShutdown {
  private readonly logger = new Logger(ModelService.name);
  private lanes: ModelRunner[] = [];
  private resolved?: ResolvedModel;
  private loading?: Promise<EngineInfo>;
  private nextLane = 0;
  state: ModelState = 'unloaded';
  info?: EngineInfo;
  failure?: string;

  constructor(private readonly config: AppConfig) {}

  resolve(): ResolvedModel {
    if (this.resolved) return this.resolved;
    // An empty PARAKEET_MODEL_DIR is treated as unset until hub downloads exist.
    const fromEnv = this.config.modelDir?.trim();
    const dir = fromEnv ? fromEnv : EMBEDDED_MODEL_DIR;
    const source = fromEnv ? 'PARAKEET_MODEL_DIR' : 'embedded';
    const inspected = inspectModelDirectory(dir, this.config.quantization);
    this.resolved = { dir, source, inspected };
    this.logger.log(`model ${dir} (${source === 'embedded' ? 'embedded default: PARAKEET_MODEL_DIR is unset' : 'from PARAKEET_MODEL_DIR'})`);
    return this.resolved;
  }

  load(): Promise<EngineInfo> {
    this.loading ??= this.startLanes();
    return this.loading;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  get source(): ResolvedModel['source'] | undefined {
    return this.resolved?.source;
  }

  /** Runs one batch on the least busy lane. */
  async transcribeBatch(audio: Float32Array[]): Promise<BatchResult & { lane: number }> {
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
    await Promise.all(this.lanes.map((l) => l.close()));
  }

  private async startLanes(): Promise<EngineInfo> {
    const { dir } = this.resolve();
    this.state = 'loading';
    const files = modelFiles(dir, this.config.quantization);
    const options = {
      files,
      intraOpThreads: this.config.ortIntraOpNumThreads,
      providers: ['cpu'],
      warmupBatchSizes: this.config.warmup ? warmupSizes(this.config.microbatchMaxBatch) : [],
    };
    this.lanes = Array.from({ length: this.config.runnerLanes }, () => new ModelRunner(options, (m) => this.logger.warn(m)));
    try {
      const infos = await Promise.all(this.lanes.map((l) => l.start()));
      this.info = infos[0];
      this.state = 'ready';
      this.logger.log(
        `model ready: ${this.info.modelName} on ${this.info.provider}, ${this.lanes.length} lane(s), load ${this.info.loadMs.toFixed(0)} ms, warm-up ${this.info.warmupMs.toFixed(0)} ms`,
      );
      return this.info;
    } catch (e) {
      this.state = 'failed';
      this.failure = (e as Error).message;
      await Promise.all(this.lanes.map((l) => l.close()));
      throw e;
    }
  }
}
