import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AudioStore } from './audio-store.js';
import { JobStore } from './job-store.js';

/** Removes finished jobs (record, audio, result) PARAKEET_JOBS_RETENTION_H after they finished. Any replica may. */
@Injectable()
export class JobRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly files: AudioStore,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = Math.min(60_000, Math.max(1000, (this.config.jobsRetentionH * 3600_000) / 10));
    this.timer = setInterval(() => void this.sweep().catch((e: Error) => this.logger.warn(`retention sweep: ${e.message}`)), everyMs);
    this.timer.unref();
  }

  async sweep(now = Date.now()): Promise<number> {
    const ids = await this.store.finishedBefore(now - this.config.jobsRetentionH * 3600_000, 100);
    for (const id of ids) {
      const record = await this.store.get(id);
      await this.files.remove(id);
      if (record) await this.store.remove(record);
      else await this.store.redis.zrem('parakeet:jobs:finished', id);
    }
    return ids.length;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
