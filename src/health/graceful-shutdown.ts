import type { INestApplication, LoggerService } from '@nestjs/common';
import type { Server } from 'node:http';
import type { EnvironmentVariables } from '../config/env.schema.js';
import { DrainState } from './drain-state.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM / SIGINT: readiness turns false at once; requests are still served for PARAKEET_DRAIN_DELAY_S so load
 * balancers notice; then new requests get 503 while accepted ones (queued, in flight, committed realtime turns)
 * finish within PARAKEET_SHUTDOWN_TIMEOUT_S; then the app closes (metrics flushed) and the process exits 0.
 */
export function installGracefulShutdown(app: INestApplication, config: EnvironmentVariables, logger: LoggerService): void {
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    const drain = app.get(DrainState);
    drain.draining = true;
    logger.log(`${signal}: draining (not ready; serving for ${config.drainDelayS} s, then finishing accepted work)`, 'Shutdown');
    await sleep(config.drainDelayS * 1000);
    drain.refusing = true;
    const deadline = setTimeout(() => {
      logger.error(`shutdown did not finish within PARAKEET_SHUTDOWN_TIMEOUT_S=${config.shutdownTimeoutS}; exiting`, undefined, 'Shutdown');
      process.exit(1);
    }, config.shutdownTimeoutS * 1000);
    deadline.unref();
    // Closing waits for every connection to end, and a keep-alive client (the OpenAI SDKs, any pooled HTTP
    // client) keeps its connection open after its answer: close connections as they fall idle, or the drain
    // would last until the keep-alive timeout and then past PARAKEET_SHUTDOWN_TIMEOUT_S.
    const server = app.getHttpServer() as Server;
    const sweep = setInterval(() => server.closeIdleConnections(), 200);
    try {
      await app.close();
    } catch (e) {
      logger.error(`error while closing: ${(e as Error).message}`, undefined, 'Shutdown');
    }
    clearInterval(sweep);
    clearTimeout(deadline);
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
}
