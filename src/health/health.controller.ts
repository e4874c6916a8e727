import { Controller, Get, HttpCode, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { AudioService } from '../audio/audio.service.js';
import { EMBEDDED_MODEL_DIR } from '../common/project-paths.js';
import { JobsService } from '../jobs/jobs.service.js';
import { AppConfig } from '../config/app-config.js';
import { modelFiles } from '../model/model-directory.js';
import { ModelService } from '../model/model.service.js';
import { AdmissionControl } from '../scheduler/admission-control.js';
import { MicrobatchScheduler } from '../scheduler/microbatch-scheduler.js';
import { ServerTls } from '../tls/server-tls.js';
import { tlsDetails } from '../tls/tls-status.js';
import { DrainState } from './drain-state.js';
import { EventLoopLag } from './event-loop-lag.js';

/**
 * Kubernetes probes. Liveness never depends on the model (a slow load must not restart the pod);
 * readiness is true only when every runner lane is loaded and warm (false while a hub download runs).
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly model: ModelService,
    private readonly audio: AudioService,
    private readonly scheduler: MicrobatchScheduler,
    private readonly admission: AdmissionControl,
    private readonly drain: DrainState,
    private readonly lag: EventLoopLag,
    private readonly config: AppConfig,
    private readonly tls: ServerTls,
    @Optional() @Inject(JobsService) private readonly jobs?: JobsService,
  ) {}

  /** Liveness: the process and its event loop answer in time. Never the model (a long load is not a hang). */
  @Get('healthz')
  @HttpCode(200)
  liveness(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.probe(reply, [
      () => {
        const lag = this.indicators.check('event_loop');
        const details = { p99_lag_ms: Math.round(this.lag.p99Ms), max_lag_ms: this.config.healthMaxLagMs, uptime_s: Math.round(process.uptime()) };
        return this.lag.p99Ms <= this.config.healthMaxLagMs ? lag.up(details) : lag.down(details);
      },
    ]);
  }

  /** Readiness: model loaded and warm on every lane, scheduler running, not draining; with TLS, the certificate's expiry. */
  @Get('readyz')
  @HttpCode(200)
  readiness(@Res({ passthrough: true }) reply: FastifyReply) {
    const tls = this.tls.enabled ? [() => this.indicators.check('tls').up(tlsDetails(this.tls, Date.now()))] : [];
    // A Redis outage does not make the replica unready: live transcription goes on, and job submissions say 503.
    const jobs = this.jobs ? [() => this.indicators.check('jobs').up({ redis: this.jobs!.connected ? 'connected' : 'disconnected' })] : [];
    return this.probe(reply, [() => this.modelIndicator(), () => this.ffmpegIndicator(), () => this.schedulerIndicator(), ...tls, ...jobs]);
  }

  /** Terminus's body (status/info/error/details) plus the reference's top-level `ready`. */
  private async probe(reply: FastifyReply, checks: Parameters<HealthCheckService['check']>[0]) {
    try {
      return { ready: true, ...(await this.health.check(checks)) };
    } catch (e) {
      // Keep Terminus's own body for probes and dashboards rather than the API error shape.
      if (e instanceof ServiceUnavailableException) {
        reply.status(503);
        return { ready: false, ...(e.getResponse() as object) };
      }
      throw e;
    }
  }

  /**
   * Files of the loaded model that have gone from disk. The sessions in memory keep serving, so readiness stays
   * up, but the next start (or reload) would fail: say so while there is time to act.
   */
  private missingFiles(dir: string | undefined): { files_missing?: string[] } {
    if (!dir) return {};
    const files = modelFiles(dir, this.config.quantization);
    const missing = [files.encoder, files.decoderJoint, files.vocab].filter((f) => !existsSync(f)).map((f) => basename(f));
    return missing.length ? { files_missing: missing } : {};
  }

  private schedulerIndicator() {
    const indicator = this.indicators.check('scheduler');
    const { admission } = this;
    const details = {
      draining: this.drain.draining,
      queue_depth: admission.waiting,
      queued_items: this.scheduler.queued,
      busy_lanes: this.scheduler.inFlightBatches,
      lanes: this.model.laneCount,
      express_lanes: this.model.expressLanes,
      admission: {
        admitted: admission.admitted,
        limit: admission.limit,
        rule: `${admission.limit} requests at once: regular lanes × PARAKEET_MICROBATCH_MAX_BATCH running (${admission.runningAllowance}) + PARAKEET_QUEUE_MAX_FACTOR × PARAKEET_MICROBATCH_MAX_BATCH waiting (${admission.waitingAllowance}); then 429`,
      },
    };
    return this.drain.draining ? indicator.down(details) : indicator.up(details);
  }

  private ffmpegIndicator() {
    const { path, version, source } = this.audio.ffmpeg;
    return this.indicators.check('ffmpeg').up({ version, path, source });
  }

  private modelIndicator() {
    const session = this.indicators.check('model');
    const info = this.model.info;
    const details = {
      state: this.model.state,
      source: this.model.source,
      reason: this.model.reason,
      ...(this.model.repository ? { repository: this.model.repository } : {}),
      name: info?.modelName,
      // The web page says what the small embedded model is good for when it is the one served.
      ...(info ? { embedded: resolve(info.modelDir) === EMBEDDED_MODEL_DIR } : {}),
      dir: info?.modelDir,
      provider: info?.provider,
      decoding: info?.decoding,
      ...(info?.providerFallbacks.length ? { provider_fallbacks: info.providerFallbacks } : {}),
      ...(this.model.failure ? { error: this.model.failure } : {}),
      ...this.missingFiles(info?.modelDir),
    };
    return this.model.ready ? session.up(details) : session.down(details);
  }
}
