import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { hostname } from 'node:os';
import { AudioTooLongError, DecodeAbortedError } from '../audio/audio-errors.js';
import { AudioService } from '../audio/audio.service.js';
import { ApiError, errorBody } from '../common/api-error.js';
import { ByteBudget } from '../common/byte-budget.js';
import { HostResources } from '../common/host-resources.js';
import { AppConfig } from '../config/app-config.js';
import { MicrobatchScheduler } from '../scheduler/microbatch-scheduler.js';
import { serverVadSettings } from '../transcription/chunking-strategy.js';
import { showsTimes } from '../transcription/formatters.js';
import type { TranscriptionRequestDto } from '../transcription/transcription-request.dto.js';
import { TranscriptionService } from '../transcription/transcription.service.js';
import { AudioStore } from './audio-store.js';
import { JobStore } from './job-store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RequestOutcome } from '../metrics/metric-line.js';
import { JobMetrics } from './job-metrics.js';
import { JOB_MEMORY_SHARE } from './job-share.js';
import { JobHandedBackError } from './jobs-errors.js';
import { WebhookQueue } from './webhook-queue.js';

/** Jobs take their fair turns as one client of their own, beside (and strictly below) live traffic. */
export const JOBS_CLIENT = 'jobs';

const REPLICA = `${hostname()}:${process.pid}`;

/** Audio the REST API would refuse with a 4xx: retrying cannot help. */
const isPermanent = (e: unknown): e is ApiError => e instanceof ApiError && e.status < 500;

/** A run in progress on this replica, as shutdown sees it. */
interface Run {
  abort: AbortController;
  /** Whether any of its work has reached a lane (a chunk running or done). */
  started: () => boolean;
  handedBack: boolean;
}

/**
 * One run of one job: audio from the shared store, decoded, transcribed at priority `low` (outside live admission
 * and its queue timeout), the result written once. Called by the worker; a throw is BullMQ's to retry.
 */
@Injectable()
export class JobProcessor {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly files: AudioStore,
    private readonly audio: AudioService,
    private readonly transcription: TranscriptionService,
    private readonly scheduler: MicrobatchScheduler,
    private readonly metrics: JobMetrics,
    private readonly lines: MetricsService,
    private readonly webhooks: WebhookQueue,
  ) {}

  /**
   * Before the run returns, so that BullMQ completes the job only once its webhook is queued: a replica that dies
   * in between leaves the job to be run again, which then only asks for the webhook (see runOnce).
   */
  private async notify(id: string): Promise<void> {
    const record = await this.store.get(id);
    if (record) await this.webhooks.enqueue(record);
  }

  private readonly inFlight = new Set<Promise<void>>();
  /**
   * The decoded audio of this replica's running jobs: a job waits here, its audio decoded to a file on disk, until
   * its samples fit beside the others', so a job share sized for short clips cannot fill the memory with hours.
   */
  private readonly memory = new ByteBudget(Math.floor(new HostResources().memoryBytes() * JOB_MEMORY_SHARE));
  private readonly runs = new Map<string, Run>();

  run(id: string, attempt: number, signal: AbortSignal): Promise<void> {
    const running = this.runOnce(id, attempt, signal);
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running)).catch(() => {});
    return running;
  }

  /**
   * Resolves when no run is in progress. BullMQ's close() waits for the jobs it knows are running, but a job it
   * fetched as it closed (with the previous job's completion) can start after: shutdown waits for those too.
   */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * At shutdown: runs none of whose work has reached a lane yet (decoding, or every chunk waiting behind live
   * work) stop and go back to the backlog at once, for a replica that stays; the started ones are finished. A
   * replica busy with live traffic would otherwise hold them through its whole drain, or past it.
   */
  handBackUnstarted(): string[] {
    const ids: string[] = [];
    for (const [id, run] of this.runs) {
      if (run.started()) continue;
      run.handedBack = true;
      run.abort.abort(new JobHandedBackError('handed back'));
      ids.push(id);
    }
    return ids;
  }

  private async runOnce(id: string, attempt: number, signal: AbortSignal): Promise<void> {
    const status = await this.store.start(id, REPLICA);
    // Cancelled or deleted while it waited, or finished by a replica that died (or whose lock lapsed) before
    // BullMQ heard of it: that replica may not have queued the webhook yet.
    if (status === 'completed' || status === 'failed') await this.notify(id);
    if (status !== 'running') return;
    const record = (await this.store.get(id))!;
    this.logger.log(`job ${id} started on ${REPLICA} (attempt ${attempt})`);
    const abort = new AbortController();
    let chunksDone = 0;
    const run: Run = { abort, started: () => chunksDone > 0 || this.scheduler.isRunning(id), handedBack: false };
    this.runs.set(id, run);
    const cancelled = () => abort.abort(new Error('cancelled'));
    signal.addEventListener('abort', cancelled, { once: true });
    // A cancel is a status in Redis, set by whichever replica answered it: look for it while the job runs.
    const watch = setInterval(() => {
      void this.store.get(id).then((r) => (!r || r.status === 'cancelled') && cancelled(), () => {});
    }, 500);
    const started = performance.now();
    let outcome: RequestOutcome = {};
    let releaseMemory = () => {};
    try {
      // A result can exist only from an earlier start of this job (its replica died before recording it).
      if (Number(record.attempts) <= 1 || !(await this.files.readResult(id))) {
        const fields = JSON.parse(record.fields) as TranscriptionRequestDto;
        // The live path's chunking_strategy and word starts, by the format submitted: the stored transcript is
        // what POST /v1/audio/transcriptions answers for the same file and fields.
        const alignWords = showsTimes(fields.response_format ?? 'json');
        // Silero's pass (word starts, server_vad) holds a second copy of the audio while it runs.
        const copies = alignWords || serverVadSettings(fields.chunking_strategy) ? 2 : 1;
        const reserve = async (bytes: number) => {
          releaseMemory = await this.memory.reserve(bytes * copies, abort.signal, () => new DecodeAbortedError('job stopped'));
        };
        const decoded = await this.audio.decodeFile(this.files.audioPath(id), { signal: abort.signal, maxSeconds: this.config.jobsMaxAudioSeconds, timeoutS: this.config.jobsDecodeTimeoutS, reserve });
        await this.store.setFields(id, { audio_seconds: decoded.duration.toFixed(3), progress: '0.05' });
        const result = await this.transcription.transcribeSamples(decoded.samples, fields, {
          alignWords,
          priority: 'low',
          signal: abort.signal,
          waitLimited: false,
          background: true,
          flow: { client: JOBS_CLIENT, request: id },
          onChunk: (done, total) => {
            chunksDone = done;
            void this.store.setFields(id, { progress: Math.min(0.99, 0.05 + (0.9 * done) / total).toFixed(2) }).catch(() => {});
          },
        });
        await this.files.writeResultOnce(id, result.transcript);
        outcome = {
          audioSeconds: decoded.duration,
          preprocessMs: decoded.decodeMs + result.timings.featurizeMs,
          inferenceMs: result.timings.encoderMs + result.timings.decodeMs,
          queueWaitMs: result.queueWaitMs,
          batchSize: result.batchSize,
          lane: result.lane,
        };
      }
      if (await this.store.finish(id, record.owner, 'completed', { progress: '1' })) {
        this.metrics.finished('completed', (performance.now() - started) / 1000);
        this.lines.recordJob({ code: 200, jobId: id, totalMs: performance.now() - started, outcome });
        this.logger.log(`job ${id} completed on ${REPLICA} (attempt ${attempt})`);
        await this.files.removeAudio(id);
        if (record.webhook_url) await this.notify(id);
      }
    } catch (thrown) {
      if (run.handedBack) {
        await this.store.release(id, REPLICA);
        this.logger.log(`job ${id} handed back by ${REPLICA}: shutting down before it started`);
        throw new JobHandedBackError(id);
      }
      if (abort.signal.aborted && !signal.aborted) return; // cancelled: the status is already final
      const e = thrown instanceof AudioTooLongError ? new AudioTooLongError(thrown.seconds, thrown.limit, 'PARAKEET_JOBS_MAX_AUDIO_SECONDS') : thrown;
      const last = attempt >= this.config.jobsAttempts;
      if (isPermanent(e) || last) {
        const error = e instanceof ApiError ? errorBody(e.message, e.type, e.code, e.param) : errorBody('Transcription failed.', 'server_error', 'job_failed');
        if (await this.store.finish(id, record.owner, 'failed', { error: JSON.stringify(error.error) })) {
          this.metrics.finished('failed', (performance.now() - started) / 1000);
          this.lines.recordJob({ code: e instanceof ApiError ? e.status : 500, jobId: id, totalMs: performance.now() - started, outcome });
          this.logger.warn(`job ${id} failed on ${REPLICA} (attempt ${attempt}): ${(e as Error).message}`);
          if (record.webhook_url) await this.notify(id);
        }
        throw new UnrecoverableError((e as Error).message);
      }
      this.logger.warn(`job ${id} attempt ${attempt} failed on ${REPLICA}, to be retried: ${(e as Error).message}`);
      await this.store.setFields(id, { status: 'queued' });
      throw e;
    } finally {
      releaseMemory();
      this.runs.delete(id);
      clearInterval(watch);
      signal.removeEventListener('abort', cancelled);
    }
  }
}
