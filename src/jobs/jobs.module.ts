import { Module, type DynamicModule } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module.js';
import { AuthModule } from '../auth/auth.module.js';
import type { EnvironmentVariables } from '../config/env.schema.js';
import { ModelModule } from '../model/model.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { TranscriptionModule } from '../transcription/transcription.module.js';
import { AudioStore } from './audio-store.js';
import { JobMetrics } from './job-metrics.js';
import { JobProcessor } from './job-processor.js';
import { JobQueue } from './job-queue.js';
import { JobRetention } from './job-retention.js';
import { JobStore } from './job-store.js';
import { JobWorker } from './job-worker.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { UrlDownloader } from './url-download.js';
import { WebhookQueue } from './webhook-queue.js';
import { WebhookSender } from './webhook-sender.js';

/**
 * Asynchronous jobs. Without PARAKEET_REDIS_URL only the controller is there (answering 503): nothing connects to
 * Redis or touches PARAKEET_JOBS_DIR.
 */
@Module({})
export class JobsModule {
  static forRoot(config: EnvironmentVariables): DynamicModule {
    const enabled = !!config.redisUrl;
    return {
      module: JobsModule,
      // Global so that /readyz can show the Redis connection without the health module knowing about jobs' wiring.
      global: true,
      imports: [AuthModule, ...(enabled ? [AudioModule, SchedulerModule, ModelModule, TranscriptionModule] : [])],
      controllers: [JobsController],
      providers: enabled ? [JobStore, AudioStore, JobQueue, JobMetrics, WebhookSender, WebhookQueue, UrlDownloader, JobProcessor, JobWorker, JobRetention, JobsService] : [],
      exports: enabled ? [JobsService] : [],
    };
  }
}
