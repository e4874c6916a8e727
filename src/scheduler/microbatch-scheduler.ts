import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Transcript } from '../asr/transcript.js';
import { TARGET_RATE } from '../audio/resampler.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelNotReadyError, ModelService } from '../model/model.service.js';
import type { EngineInput, StageTimings } from '../model/runner/runner-protocol.js';
import { batchJoinRule, type BatchJoinRule } from './batch-join-rule.js';
import { PriorityQueue, type FlowKey, type Priority, type QueueItem } from './priority-queue.js';
import { BatchFailedError, QueueTimeoutError, RequestAbortedError } from './scheduler-errors.js';
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
  /** Whose work it is; fair turns are taken per client and per request. Default: a request of its own. */
  flow?: FlowKey;
  /** Aborted when the client goes away: a queued request is dropped before it costs inference. */
  signal?: AbortSignal;
  /**
   * Answer 503 if this item waits longer than PARAKEET_MAX_QUEUE_WAIT_S. A request's first chunk waits under it;
   * its later chunks and realtime turns do not (they were accepted through the first, or bounded elsewhere).
   */
  waitLimited?: boolean;
  /** An asynchronous job's work (priority low): batched apart from live work on the CPU, with a minimum share. */
  background?: boolean;
}

interface Job extends QueueItem {
  /** The audio, or its features being made on the featurizer threads while the job waits (GPU lanes). */
  input: EngineInput | Promise<EngineInput>;
  resolve: (r: ScheduledResult) => void;
  reject: (e: Error) => void;
  detach: () => void;
}

let anonymousFlows = 0;

/** Longest item an express lane takes (PARAKEET_EXPRESS_LANES): a short clip or a realtime turn, never a long chunk. */
const EXPRESS_MAX_SAMPLES = 10 * TARGET_RATE;
const isShort = (job: QueueItem) => job.length <= EXPRESS_MAX_SAMPLES;
/** What an express lane takes: short live work. A job's clip, however short, takes a regular lane. */
const isExpress = (job: QueueItem) => isShort(job) && !job.background;

/**
 * Continuous microbatching over the runner lanes. A free lane takes up to PARAKEET_MICROBATCH_MAX_BATCH queued
 * items in fair turns (priority-queue.ts); on a GPU (padded encoder) a lane that frees while others are busy first
 * waits up to PARAKEET_MICROBATCH_WINDOW_MS for the batch to fill. On the CPU a batch holds only items of like
 * length and bounded audio, so a short request never waits for long chunks batched with it, and a lane frees soon.
 * Admission (429) is decided per request before decoding (admission-control.ts); here a first chunk that waits
 * too long is answered 503, and a failed batch fails only its own items.
 */
@Injectable()
export class MicrobatchScheduler implements OnApplicationShutdown {
  private readonly logger = new Logger(MicrobatchScheduler.name);
  private readonly queue = new PriorityQueue<Job>();
  /** Items on a lane per request (requests with work running are not waiting). */
  private readonly running = new Map<string, number>();
  private busy = 0;
  /** Lanes running a batch that holds a long item: at most the lanes less PARAKEET_EXPRESS_LANES. */
  private busyLong = 0;
  private windowTimer?: NodeJS.Timeout;
  private rule?: BatchJoinRule<Job>;
  private closed = false;
  dispatchedBatches = 0;
  /** Requests that reached the model (for operators and tests: dropped requests never count). */
  dispatchedRequests = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly model: ModelService,
    private readonly metrics: MetricsService,
  ) {
    metrics.live.busyLanes = () => this.busy;
  }

  /** Items (requests or chunks) waiting for a lane. */
  get queued(): number {
    return this.queue.size;
  }

  get inFlightBatches(): number {
    return this.busy;
  }

  /** Whether any item of this request is on a lane now. */
  isRunning(request: string): boolean {
    return this.running.has(request);
  }

  submit(audio: Samples, options: SubmitOptions = {}): Promise<ScheduledResult> {
    const { priority = 'normal', signal, waitLimited = false, background = false } = options;
    const flow = options.flow ?? { client: 'anonymous', request: `anonymous-${++anonymousFlows}` };
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('request aborted'));
    if (this.closed || !this.model.ready) return Promise.reject(new ModelNotReadyError(this.closed ? 'the server is shutting down' : `model is ${this.model.state}`));

    return new Promise<ScheduledResult>((resolve, reject) => {
      const maxWaitMs = this.config.maxQueueWaitS * 1000;
      const job: Job = { priority, flow, background, enqueuedAt: performance.now(), length: audio.length, input: this.model.prepare(audio), resolve, reject, detach: () => {} };
      const drop = (error: Error) => {
        if (this.queue.remove(job)) {
          job.detach();
          reject(error);
        }
      };
      const timer = waitLimited ? setTimeout(() => drop(new QueueTimeoutError(maxWaitMs / 1000, this.config.maxQueueWaitS)), maxWaitMs) : undefined;
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

  /** Made once the model has loaded (where batching pays is known only then), not once per batch. */
  private joinRule(): BatchJoinRule<Job> {
    this.rule ??= batchJoinRule(this.model.batchingPays, Math.round(this.config.microbatchMaxAudioS * TARGET_RATE));
    return this.rule;
  }

  private pump(): void {
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    const lanes = this.model.laneCount;
    const max = this.config.microbatchMaxBatch;
    while (this.busy < lanes && this.queue.size > 0) {
      const windowMs = this.config.microbatchWindowMs;
      // An idle server runs a lone request at once. With work in flight, a batch may form for a moment, but only
      // where batching pays (a padded GPU encoder): on the CPU the encoder costs the same per clip batched or
      // not, so an idle lane is worth more than a bigger batch later. The wait (a walk over the queue) is read
      // only where the window applies.
      const go = this.busy === 0 || !this.model.batchingPays || this.queue.size >= max;
      const waited = go ? 0 : this.queue.oldestWaitMs(performance.now());
      if (go || waited >= windowMs) {
        // Long items and job work run on at most the regular lanes' count at once; short live work may take any
        // free lane (a replica draining a backlog keeps its express lane for live clips).
        const longAllowed = this.busyLong < lanes - this.model.expressLanes;
        if (!this.dispatch(max, longAllowed)) return;
        continue;
      }
      this.windowTimer = setTimeout(() => this.pump(), Math.max(0, windowMs - waited));
      return;
    }
  }

  /** Starts one batch on a free lane; false when nothing could go (only long items wait, and no regular lane is free). */
  private dispatch(max: number, longAllowed: boolean): boolean {
    const now = performance.now();
    // Every 1/PARAKEET_JOBS_MIN_SHARE-th batch is led by job work when some waits, however busy live traffic is.
    const share = this.config.jobsMinShare;
    const every = share > 0 ? Math.max(1, Math.round(1 / share)) : 0;
    const batch = this.queue.takeBatch(max, this.joinRule(), longAllowed ? undefined : isExpress, every > 0 && this.dispatchedBatches % every === every - 1);
    if (batch.length === 0) return false;
    const long = !batch.every(isExpress);
    if (long) this.busyLong++;
    for (const job of batch) {
      job.detach();
      this.running.set(job.flow.request, (this.running.get(job.flow.request) ?? 0) + 1);
    }
    this.busy++;
    this.dispatchedBatches++;
    this.dispatchedRequests += batch.length;
    let freed = false;
    // The lane takes its next batch before this one's answers are written, so it never waits on the event loop.
    const free = () => {
      if (freed) return;
      freed = true;
      this.busy--;
      if (long) this.busyLong--;
      for (const job of batch) {
        const left = this.running.get(job.flow.request)! - 1;
        if (left > 0) this.running.set(job.flow.request, left);
        else this.running.delete(job.flow.request);
      }
      this.pump();
    };
    Promise.all(batch.map((j) => j.input))
      .then((inputs) => this.model.transcribeBatch(inputs))
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
    return true;
  }
}
