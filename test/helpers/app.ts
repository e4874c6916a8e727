import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ModelService } from '../../src/model/model.service.js';

/** Tests write their metric lines here, not into the repository's logs/. */
export const TEST_METRICS_DIR = join(tmpdir(), `parakeet-test-metrics-${process.pid}`);

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** The real application in this process, on a free loopback port, with the model loaded and warm. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const config = loadConfig({ PARAKEET_HOST: '127.0.0.1', PARAKEET_PORT: '0', PARAKEET_LOG_LEVEL: 'warn', PARAKEET_USE_TENSORRT: '0', PARAKEET_METRICS_DIR: TEST_METRICS_DIR, ...env });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  await app.get(ModelService).load();
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** POST a file to /v1/audio/transcriptions with extra form fields. */
export function transcribe(url: string, file: Uint8Array, fields: Record<string, string | string[]> = {}, init: RequestInit & { filename?: string } = {}): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  form.append('file', new Blob([file]), init.filename ?? 'audio.bin');
  return fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form, ...init });
}
