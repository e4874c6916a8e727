import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { EnvironmentVariables } from './config/env.schema.js';
import { ModelService } from './model/model.service.js';

/**
 * Builds the application for a validated configuration. The model directory is resolved (and checked)
 * here, before anything listens, so a broken model stops start-up with a message naming the file.
 */
export async function createApp(config: EnvironmentVariables): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: Math.ceil(config.maxUploadMb * 1024 * 1024) + 64 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  const maxUpload = Math.floor(config.maxUploadMb * 1024 * 1024);
  // The file limit truncates the stream at the limit; the form reader turns that into a 413 at once.
  await app.register(multipart, { limits: { fileSize: maxUpload, files: 2, fields: 64, fieldSize: 64 * 1024, parts: 100, headerPairs: 100 } });
  app.enableShutdownHooks();
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
