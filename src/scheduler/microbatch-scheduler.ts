import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Transcript } from '../asr/transcript.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelNotReadyError, ModelService } from '../model/model.service.js';
import type { StageTimings } from '../model/runner/runner-protocol.js';
import { PriorityQueue, type Priority, type QueueItem } from './priority-queue.js';
import { BatchFailedError, QueueFullError, QueueTimeoutError, RequestAbortedError } from './scheduler-errors.js';
import type { Samples } from '../asr/samples.js';

export interface ScheduledResult {
  transcript: Transcript;
  timings: StageTimings;
  queueWaitMs: number;
  batchSize: number;
  lane: number;
  /** Chunks the audio was split into (absent: one pass). */
  chunks?: number;
}

export interface SubmitOptions {
  priority?: Priority;
  /** Aborted when the client goes away: a queued request is dropped before it costs inference. */
  signal?: AbortSignal;
  /** The later chunks of a request already admitted: a chunked request counts once against admission. */
  admitted?: boolean;
}

interface Job extends QueueItem {
  audio: Samples;
  resolve: (r: ScheduledResult) => void;
  reject: (e: Error) => void;
  detach: () => void;
}

/** How long length-aware grouping may pass over a request before it must join the next batch. */
const AGING_MS = 250;

/**
 * Continuous microbatching over the runner lanes. A free lane takes up to PARAKEET_MICROBATCH_MAX_BATCH
 * queued requests, grouped by length; on a GPU (padded encoder) a lane that frees while others are busy first
 * waits up to PARAKEET_MICROBATCH_WINDOW_MS for the batch to fill. Admission: a full queue answers 429, a request that
 * waits too long 503; a failed batch fails only its own requests.
 */
@Injectable()
export class MicrobatchScheduler implements OnApplicationShutdown {
  private readonly logger = new Logger(MicrobatchScheduler.name);
  private readonly queue = new PriorityQueue<Job>();
  private busy = 0;
  private windowTimer?: NodeJS.Timeout;
  private closed = false;
  dispatchedBatches = 0;
  /** Requests that reached the model (for operators and tests: dropped requests never count). */
  dispatchedRequests = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly model: ModelService,
    private readonly metrics: MetricsService,
  ) {
    metrics.live.queueDepth = () => this.queue.size;
    metrics.live.busyLanes = () => this.busy;
  }

  /** Most requests allowed to wait (realtime work is exempt). */
  get capacity(): number {
    return Math.max(1, Math.floor(this.config.queueMaxFactor * this.config.microbatchMaxBatch));
  }

  get queued(): number {
    return this.queue.size;
  }

  get inFlightBatches(): number {
    return this.busy;
  }

  submit(audio: Samples, options: SubmitOptions = {}): Promise<ScheduledResult> {
    const { priority = 'normal', signal, admitted = false } = options;
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('request aborted'));
    if (this.closed || !this.model.ready) return Promise.reject(new ModelNotReadyError(this.closed ? 'the server is shutting down' : `model is ${this.model.state}`));
    if (priority !== 'realtime' && !admitted && this.queue.size >= this.capacity) return Promise.reject(new QueueFullError(this.config.maxQueueWaitS));

    return new Promise<ScheduledResult>((resolve, reject) => {
      const maxWaitMs = this.config.maxQueueWaitS * 1000;
      const job: Job = { priority, enqueuedAt: performance.now(), length: audio.length, audio, resolve, reject, detach: () => {} };
      const drop = (error: Error) => {
        if (this.queue.remove(job)) {
          job.detach();
          reject(error);
        }
      };
      // A later chunk of an admitted request has already reached the model through its first chunk.
      const timer = admitted ? undefined : setTimeout(() => drop(new QueueTimeoutError(maxWaitMs / 1000, this.config.maxQueueWaitS)), maxWaitMs);
      const onAbort = () => drop(new RequestAbortedError('request aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      job.detach = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.queue.push(job);
      this.pump();
    });
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearTimeout(this.windowTimer);
  }

  private pump(): void {
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    const lanes = this.model.laneCount;
    const max = this.config.microbatchMaxBatch;
    while (this.busy < lanes && this.queue.size > 0) {
      const oldest = this.queue.peek()!;
      const waited = performance.now() - oldest.enqueuedAt;
      const windowMs = this.config.microbatchWindowMs;
      // An idle server runs a lone request at once. With work in flight, a batch may form for a moment, but only
      // where batching pays (a padded GPU encoder): on the CPU the encoder costs the same per clip batched or
      // not, so an idle lane is worth more than a bigger batch later.
      if (this.busy === 0 || !this.model.batchingPays || this.queue.size >= max || waited >= windowMs) {
        this.dispatch(max);
        continue;
      }
      this.windowTimer = setTimeout(() => this.pump(), Math.max(0, windowMs - waited));
      return;
    }
  }

  private dispatch(max: number): void {
    const now = performance.now();
    const batch = this.queue.takeBatch(max, now, AGING_MS);
    for (const job of batch) job.detach();
    this.busy++;
    this.dispatchedBatches++;
    this.dispatchedRequests += batch.length;
    let freed = false;
    // The lane takes its next batch before this one's answers are written, so it never waits on the event loop.
    const free = () => {
      if (freed) return;
      freed = true;
      this.busy--;
      this.pump();
    };
    this.model
      .transcribeBatch(batch.map((j) => j.audio))
      .then((result) => {
        free();
        this.metrics.observeBatch(batch.length, result.timings.totalMs);
        for (const job of batch) this.metrics.observeQueueWait(now - job.enqueuedAt);
        batch.forEach((job, i) =>
          job.resolve({ transcript: result.transcripts[i], timings: result.timings, queueWaitMs: now - job.enqueuedAt, batchSize: batch.length, lane: result.lane }),
        );
      })
      .catch((e: Error) => {
        free();
        this.logger.error(`batch of ${batch.length} failed: ${e.message}`);
        const error = e instanceof ModelNotReadyError ? e : new BatchFailedError();
        for (const job of batch) job.reject(error);
      });
  }
}
