import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAbsolute, join } from 'node:path';
import { PROJECT_ROOT } from '../common/project-paths.js';
import { AppConfig } from '../config/app-config.js';
import { metricLine, type MetricLine, type RequestOutcome } from './metric-line.js';
import { MetricsFile } from './metrics-file.js';
import { ServiceMetrics } from './service-metrics.js';

const REJECTIONS = new Set([401, 413, 429, 503]);
/** Routes whose requests are transcriptions, with the JSONL endpoint name. */
const TRANSCRIPTION_ROUTES: Record<string, 'transcriptions'> = { '/v1/audio/transcriptions': 'transcriptions' };

declare module 'fastify' {
  interface FastifyRequest {
    /** What the handler learned (audio length, timings), for the metric line. */
    outcome?: RequestOutcome;
  }
}

/** Live numbers other providers own, read at scrape time (set by those providers, so there is no import cycle). */
export interface LiveSources {
  queueDepth: () => number;
  admittedRequests: () => number;
  busyLanes: () => number;
  activeSessions: () => number;
  /** Set by the model once its sessions run on a GPU provider. */
  gpuMemory?: () => Promise<{ device: string; usedBytes: number; totalBytes: number; processBytes: number | null }[]>;
}

/** Every finished request becomes a Prometheus observation and, for transcriptions, one JSONL line. */
@Injectable()
export class MetricsService implements OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  readonly live: LiveSources = { queueDepth: () => 0, admittedRequests: () => 0, busyLanes: () => 0, activeSessions: () => 0 };
  readonly prometheus = new ServiceMetrics({
    queueDepth: () => this.live.queueDepth(),
    admittedRequests: () => this.live.admittedRequests(),
    busyLanes: () => this.live.busyLanes(),
    activeSessions: () => this.live.activeSessions(),
    droppedLines: () => this.file.dropped,
    gpuMemory: async () => (this.live.gpuMemory ? this.live.gpuMemory() : []),
  });
  private readonly file: MetricsFile;
  private model: { name: string | null; provider: string | null } = { name: null, provider: null };

  constructor(private readonly config: AppConfig) {
    const dir = isAbsolute(config.metricsDir) ? config.metricsDir : join(PROJECT_ROOT, config.metricsDir);
    this.file = new MetricsFile(dir, config.metricsRetentionDays);
    this.file.onDrop = (message) => {
      this.logger.warn(message);
    };
  }

  get droppedLines(): number {
    return this.file.dropped;
  }

  /** Hooks the HTTP server: one observation per response, one JSONL line per transcription. */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      this.onResponse(request, reply);
      done();
    });
  }

  modelLoaded(fields: { seconds: number; name: string; provider: string; lanes: number }): void {
    this.model = { name: fields.name, provider: fields.provider };
    this.prometheus.modelLoadSeconds.set(fields.seconds);
    this.prometheus.modelInfo.reset();
    this.prometheus.modelInfo.set({ model: fields.name, provider: fields.provider, lanes: String(fields.lanes) }, 1);
  }

  observeBatch(size: number, inferenceMs: number): void {
    this.prometheus.batchSize.observe(size);
    this.prometheus.inferenceSeconds.observe(inferenceMs / 1000);
  }

  observeQueueWait(ms: number): void {
    this.prometheus.queueWait.observe(ms / 1000);
  }

  /** Logs a transcript only when PARAKEET_LOG_TRANSCRIPTS=1 (transcripts are user data). */
  logTranscript(requestId: string, endpoint: string, text: string): void {
    if (this.config.logTranscripts) this.logger.log({ request_id: requestId, endpoint, transcript: text }, 'transcript');
  }

  /** A realtime turn finished (code 200) or failed. */
  recordTurn(fields: { code: number; requestId: string; totalMs: number; outcome: RequestOutcome; transcript?: string }): void {
    if (fields.transcript !== undefined) this.logTranscript(fields.requestId, 'realtime', fields.transcript);
    this.prometheus.turns.inc({ status: fields.code < 400 ? 'ok' : 'error' });
    if (fields.code < 400 && fields.outcome.audioSeconds) this.prometheus.audioSeconds.inc({ endpoint: 'realtime' }, fields.outcome.audioSeconds);
    this.writeLine({ code: fields.code, requestId: fields.requestId, totalMs: fields.totalMs, outcome: fields.outcome, endpoint: 'realtime' });
  }

  /** An asynchronous job finished here (code 200) or failed for good (its error's status). */
  recordJob(fields: { code: number; jobId: string; totalMs: number; outcome: RequestOutcome }): void {
    if (fields.code < 400 && fields.outcome.audioSeconds) this.prometheus.audioSeconds.inc({ endpoint: 'jobs' }, fields.outcome.audioSeconds);
    this.writeLine({ code: fields.code, requestId: fields.jobId, totalMs: fields.totalMs, outcome: fields.outcome, endpoint: 'jobs' });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.file.close();
  }

  private onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? 'unmatched';
    const code = reply.statusCode;
    this.prometheus.requestDuration.observe({ endpoint: route, status: String(code) }, reply.elapsedTime / 1000);
    if (REJECTIONS.has(code)) this.prometheus.rejections.inc({ reason: String(code) });
    const endpoint = TRANSCRIPTION_ROUTES[route];
    if (!endpoint) return;
    const outcome = request.outcome;
    if (code < 400 && !outcome?.lateErrorCode && outcome?.audioSeconds) this.prometheus.audioSeconds.inc({ endpoint }, outcome.audioSeconds);
    this.writeLine({ code, endpoint, requestId: String(request.id), totalMs: reply.elapsedTime, outcome });
  }

  private writeLine(fields: { code: number; endpoint: MetricLine['endpoint']; requestId: string; totalMs: number; outcome?: RequestOutcome }): void {
    this.file.write(metricLine({ now: new Date(), ...fields, model: this.model.name, provider: this.model.provider }));
  }
}
