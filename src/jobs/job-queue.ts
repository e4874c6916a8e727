import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';

export const QUEUE_NAME = 'parakeet-transcriptions';

/** BullMQ's side of the backlog: one entry per job id, taken by whichever replica's worker has room. */
@Injectable()
export class JobQueue implements OnApplicationShutdown {
  readonly queue: Queue;
  private readonly connection: Redis;

  constructor(private readonly config: AppConfig) {
    // BullMQ checks the server's version on connecting, so this connection keeps ioredis's offline queue; a
    // submission fails fast while Redis is away through JobStore (no offline queue), which is asked first.
    this.connection = new Redis(config.redisUrl!, { maxRetriesPerRequest: 1 });
    this.connection.on('error', () => {});
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection });
    this.queue.on('error', () => {});
  }

  /** The record in JobStore is the job's state; BullMQ keeps no finished entries of its own. */
  async add(id: string): Promise<void> {
    await this.queue.add('transcribe', { id }, { jobId: id, attempts: this.config.jobsAttempts, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: true });
  }

  /** Drops a job that no worker has taken (false when one holds it). */
  async removeQueued(id: string): Promise<boolean> {
    return (await this.queue.remove(id)) === 1;
  }

  /** Jobs waiting for a worker on any replica (waiting, delayed for a retry, or prioritized). */
  async backlog(): Promise<{ waiting: number; active: number }> {
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => {});
    this.connection.disconnect();
  }
}
