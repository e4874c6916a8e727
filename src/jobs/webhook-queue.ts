import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { jobView, type JobRecord } from './job-record.js';
import { WebhookSender } from './webhook-sender.js';

const QUEUE = 'parakeet-webhooks';
/** Tries per delivery; the pauses double from the first (1 s, 2 s, 4 s …). */
export const WEBHOOK_ATTEMPTS = 6;

interface Delivery {
  url: string;
  event: { type: string; data: ReturnType<typeof jobView> };
}

/**
 * Webhook deliveries as BullMQ jobs of their own, so that they outlive the replica that finished the job: any
 * replica delivers, retries back off, and a replica killed mid-delivery leaves it to another. One delivery per job
 * (its id is the job's): a job re-run after its replica died between finishing and enqueueing asks again, and
 * BullMQ ignores the second request while the first is kept.
 */
@Injectable()
export class WebhookQueue implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly connection: Redis;
  private readonly queue: Queue<Delivery>;
  private worker?: Worker<Delivery>;
  private workerConnection?: Redis;

  constructor(
    private readonly config: AppConfig,
    private readonly sender: WebhookSender,
  ) {
    this.connection = new Redis(config.redisUrl!, { maxRetriesPerRequest: 1 });
    this.connection.on('error', () => {});
    this.queue = new Queue<Delivery>(QUEUE, { connection: this.connection });
    this.queue.on('error', () => {});
  }

  /** Asks for the delivery of a finished job's final state (nothing without a webhook_url). */
  async enqueue(record: JobRecord): Promise<void> {
    if (!record.webhook_url) return;
    const keepS = Math.ceil(this.config.jobsRetentionH * 3600);
    await this.queue.add(
      'deliver',
      { url: record.webhook_url, event: { type: `transcription.job.${record.status}`, data: jobView(record) } },
      { jobId: `hook-${record.id}`, attempts: WEBHOOK_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: keepS }, removeOnFail: { age: keepS } },
    );
  }

  onApplicationBootstrap(): void {
    this.workerConnection = new Redis(this.config.redisUrl!, { maxRetriesPerRequest: null });
    this.workerConnection.on('error', () => {});
    // A delivery in flight on a replica that dies is taken up elsewhere after the same lock as a job's.
    const lockDuration = Math.round(this.config.jobsLockS * 1000);
    this.worker = new Worker<Delivery>(QUEUE, (job) => this.sender.deliver(job.data.url, job.data.event), { connection: this.workerConnection, concurrency: 4, lockDuration, stalledInterval: lockDuration });
    this.worker.on('failed', (job, e) => job && this.logger.warn(`webhook of ${job.data.event.data.id} to ${job.data.url}: ${e.message} (try ${job.attemptsMade} of ${WEBHOOK_ATTEMPTS})`));
    this.worker.on('error', () => {});
  }

  /** Deliveries still queued stay in Redis for the other replicas. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    this.workerConnection?.disconnect();
  }

  /** After the job worker's drain, whose last jobs still queue their webhooks. */
  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => {});
    this.connection.disconnect();
  }
}
