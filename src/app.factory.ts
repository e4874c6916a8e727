import multipart from '@fastify/multipart';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { EnvironmentVariables } from './config/env.schema.js';
import { errorBody } from './common/api-error.js';
import { registerHttpLimits } from './common/http-limits.js';
import { DrainState } from './health/drain-state.js';
import { MetricsService } from './metrics/metrics.service.js';
import { ModelService } from './model/model.service.js';
import { RealtimeWsAdapter } from './realtime/realtime-ws.adapter.js';
import { ServerTls } from './tls/server-tls.js';

/** A client's X-Request-Id when it is a sane token (it ends up in logs and headers), else a new UUID. */
function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.:@/+=-]{1,128}$/.test(given) ? given : randomUUID();
  // pino-http takes req.id as the request id of every log line of this request.
  (raw as IncomingMessage & { id?: string }).id = id;
  return id;
}

/**
 * Builds the application for a validated configuration. The model directory is resolved (and checked)
 * here, before anything listens, so a broken model stops start-up with a message naming the file.
 */
export async function createApp(config: EnvironmentVariables): Promise<NestFastifyApplication> {
  const tls = await ServerTls.fromConfig(config);
  // Slow clients: headers and the whole request must arrive in time (Node checks every second, not its default 30 s).
  const http = { headersTimeout: Math.round(config.headersTimeoutS * 1000), connectionsCheckingInterval: 1000 };
  const adapter = new FastifyAdapter({
    bodyLimit: Math.ceil(config.maxUploadMb * 1024 * 1024) + 64 * 1024,
    genReqId: requestId,
    requestTimeout: Math.round(config.requestTimeoutS * 1000),
    // With `https`, Fastify ignores `http`: the same server options go into the TLS ones.
    ...(tls.enabled ? { https: { ...tls.serverOptions(), ...http } } : { http }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, tls), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  // Before init: without an adapter Nest looks for socket.io. The socket shares the HTTP port.
  app.useWebSocketAdapter(new RealtimeWsAdapter(app, config));
  const maxUpload = Math.floor(config.maxUploadMb * 1024 * 1024);
  // The file limit truncates the stream at the limit; the form reader turns that into a 413 at once.
  await app.register(multipart, { limits: { fileSize: maxUpload, files: 2, fields: 64, fieldSize: 64 * 1024, parts: 100, headerPairs: 100 } });
  // Signals are main.ts's (graceful drain); Nest's own hooks would close at once and re-raise the signal.
  const fastify = adapter.getInstance();
  const drain = app.get(DrainState);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (drain.refusing && request.url.startsWith('/v1/')) {
      void reply.code(503).header('retry-after', '5').header('connection', 'close').send(errorBody('The server is shutting down; retry on another instance.', 'server_error', 'shutting_down'));
      return;
    }
    done();
  });
  app.get(MetricsService).instrument(fastify);
  await registerHttpLimits(fastify, config);
  // OpenAPI generated from the same DTOs and decorators that validate requests.
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('parakeet-nest').setDescription('OpenAI-compatible speech-to-text for Parakeet TDT models').setVersion('0.1.0').addBearerAuth().build(),
  );
  // The UI (/docs) is DocsModule's: Nest's own needs @fastify/static, which Jest's module loader cannot import.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', swaggerUiEnabled: false, yamlDocumentUrl: 'openapi.yaml' });
  try {
    app.get(ModelService).resolve();
  } catch (e) {
    await app.close();
    throw e;
  }
  return app;
}
