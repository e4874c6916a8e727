import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DelayedError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { ModelService } from '../model/model.service.js';
import { JobProcessor } from './job-processor.js';
import { autoJobShare } from './job-share.js';
import { JobHandedBackError } from './jobs-errors.js';
import { QUEUE_NAME } from './job-queue.js';

/**
 * This replica's BullMQ worker. It runs at most PARAKEET_JOBS_CONCURRENCY jobs (the replica's job share, by default
 * four per regular lane) and asks Redis for another only when one of them ends, so no replica hoards the backlog.
 * It starts once the model is warm and stops taking jobs when shutdown begins; a job it is running when killed is
 * handed to another replica by BullMQ's stalled-job check once its lock (PARAKEET_JOBS_LOCK_S) has lapsed.
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private worker?: Worker;
  private connection?: Redis;
  private waitForModel?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly config: AppConfig,
    private readonly model: ModelService,
    private readonly processor: JobProcessor,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.jobsConcurrency === 0) return;
    this.waitForModel = setInterval(() => {
      if (!this.model.ready) return;
      clearInterval(this.waitForModel);
      this.start();
    }, 200);
    this.waitForModel.unref();
  }

  private start(): void {
    const lockDuration = Math.round(this.config.jobsLockS * 1000);
    // Known once the model has loaded: the lanes its layout gave this replica.
    const auto = autoJobShare({ regularLanes: this.model.laneCount - this.model.expressLanes, maxBatch: this.config.microbatchMaxBatch });
    const concurrency = this.config.jobsConcurrency === 'auto' ? auto.jobs : this.config.jobsConcurrency;
    // A worker blocks on Redis for new jobs, so its connection must retry forever (maxRetriesPerRequest: null);
    // ioredis reconnects by itself after an outage.
    this.connection = new Redis(this.config.redisUrl!, { maxRetriesPerRequest: null });
    this.connection.on('error', () => {});
    this.worker = new Worker(QUEUE_NAME, (job, token, signal) => this.process(job, token, signal), {
      connection: this.connection,
      concurrency,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 2,
    });
    this.worker.on('error', (e) => this.logger.warn(`job worker: ${e.message}`));
    this.logger.log(`job worker started: up to ${concurrency} job(s) at once (${this.config.jobsConcurrency === 'auto' ? auto.reason : 'PARAKEET_JOBS_CONCURRENCY'}), lock ${this.config.jobsLockS} s`);
  }

  private async process(job: Job<{ id: string }>, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    // A job BullMQ hands over while this replica closes (fetched with the previous one's completion) goes straight
    // back to the backlog for another replica, without costing it an attempt.
    if (this.closing && token) {
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    try {
      await this.processor.run(String(job.data.id), job.attemptsMade + 1, signal ?? new AbortController().signal);
    } catch (e) {
      if (!(e instanceof JobHandedBackError) || !token) throw e;
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
  }

  /**
   * Stops taking jobs, hands back those whose work has not reached a lane, and waits for the others (the shutdown
   * timeout bounds the wait; see graceful-shutdown.ts).
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.waitForModel);
    this.closing = true;
    if (!this.worker) return;
    const handed = this.processor.handBackUnstarted();
    this.logger.log(`job worker closing: no new jobs; finishing the running ones${handed.length ? `, handing back ${handed.length} not started` : ''}`);
    await this.worker.close();
    await this.processor.idle();
    this.connection?.disconnect();
  }
}
