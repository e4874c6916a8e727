import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { bearerToken, secretMatcher } from '../auth/api-keys.js';
import { ApiError } from '../common/api-error.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from './metrics.service.js';

/** GET /metrics in Prometheus text format; PARAKEET_METRICS_TOKEN, when set, is required as a Bearer token. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly tokenMatches?: (candidate: string) => boolean;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.tokenMatches = config.metricsToken ? secretMatcher([config.metricsToken]) : undefined;
  }

  @Get()
  async scrape(@Res() reply: FastifyReply, @Headers('authorization') authorization?: string): Promise<void> {
    if (this.tokenMatches) {
      const given = bearerToken(authorization);
      if (!given || !this.tokenMatches(given)) throw new ApiError(401, 'This endpoint needs PARAKEET_METRICS_TOKEN as a Bearer token.', 'invalid_metrics_token');
    }
    const registry = this.metrics.prometheus.registry;
    await reply.header('content-type', registry.contentType).send(await registry.metrics());
  }
}
