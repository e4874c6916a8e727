import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { OpenAiExceptionFilter } from './common/openai-exception.filter.js';
import { ConfigModule } from './config/config.module.js';
import type { EnvironmentVariables } from './config/env.schema.js';
import { DocsModule } from './docs/docs.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ModelModule } from './model/model.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { ServerTls } from './tls/server-tls.js';
import { TlsModule } from './tls/tls.module.js';
import { TranscriptionModule } from './transcription/transcription.module.js';
import { WebModule } from './web/web.module.js';

const QUIET_PATHS = new Set(['/healthz', '/readyz']);

@Module({})
export class AppModule {
  static forRoot(config: EnvironmentVariables, tls = ServerTls.disabled()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Credentials never reach the logs.
            redact: { paths: ['req.headers.authorization', 'req.headers["sec-websocket-protocol"]', 'req.headers.cookie', 'req.query.api_key'], censor: '[redacted]' },
            // Probes hit every few seconds; logging them buries the requests that matter.
            // Inside Nest's middleware on Fastify, req.url is relative to the mount point ('/'): use originalUrl.
            autoLogging: { ignore: (req) => QUIET_PATHS.has(((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0]) },
          },
          forRoutes: [{ path: '/{*splat}', method: RequestMethod.ALL }],
        }),
        MetricsModule,
        TlsModule.forRoot(tls),
        ModelModule,
        HealthModule,
        TranscriptionModule,
        JobsModule.forRoot(config),
        RealtimeModule,
        DocsModule,
        WebModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: OpenAiExceptionFilter }],
    };
  }
}
