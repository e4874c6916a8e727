import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { installGracefulShutdown } from './health/graceful-shutdown.js';
import { ModelService } from './model/model.service.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`parakeet-nest: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  let app;
  try {
    app = await createApp(config);
  } catch (e) {
    process.stderr.write(`parakeet-nest: cannot start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  await app.listen(config.port, config.host);
  const logger = new Logger('Bootstrap');
  logger.log(`listening on ${await app.getUrl()}`);
  installGracefulShutdown(app, config, logger);
  app
    .get(ModelService)
    .load()
    .catch((e: Error) => {
      process.stderr.write(`parakeet-nest: model failed to load: ${e.message}\n`);
      void app.close().finally(() => process.exit(1));
    });
}

void bootstrap();
