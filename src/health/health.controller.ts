import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ModelService } from '../model/model.service.js';

/**
 * Kubernetes probes. Liveness never depends on the model (a slow load must not restart the pod);
 * readiness is true only when every runner lane is loaded and warm.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly model: ModelService,
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
      return await this.health.check([() => this.modelIndicator()]);
    } catch (e) {
      // Keep Terminus's own body for probes and dashboards rather than the API error shape.
      if (e instanceof ServiceUnavailableException) {
        reply.status(503);
        return e.getResponse();
      }
      throw e;
    }
  }

  private modelIndicator() {
    const session = this.indicators.check('model');
    const info = this.model.info;
    const details = {
      state: this.model.state,
      source: this.model.source,
      name: info?.modelName,
      dir: info?.modelDir,
      provider: info?.provider,
      ...(this.model.failure ? { error: this.model.failure } : {}),
    };
    return this.model.ready ? session.up(details) : session.down(details);
  }
}
