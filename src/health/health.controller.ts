import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { AudioService } from '../audio/audio.service.js';
import { ModelService } from '../model/model.service.js';

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
  ) {}

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([() => this.indicators.check('process').up({ uptime_s: Math.round(process.uptime()) })]);
  }

  @Get('readyz')
  @HttpCode(200)
  async readiness(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.health.check([() => this.modelIndicator(), () => this.ffmpegIndicator()]);
    } catch (e) {
      // Keep Terminus's own body for probes and dashboards rather than the API error shape.
      if (e instanceof ServiceUnavailableException) {
        reply.status(503);
        return e.getResponse();
      }
      throw e;
    }
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
      dir: info?.modelDir,
      provider: info?.provider,
      ...(info?.providerFallbacks.length ? { provider_fallbacks: info.providerFallbacks } : {}),
      ...(this.model.failure ? { error: this.model.failure } : {}),
    };
    return this.model.ready ? session.up(details) : session.down(details);
  }
}
