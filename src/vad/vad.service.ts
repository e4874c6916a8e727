import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { sileroModelPath } from './silero-model.js';
import { VadUnavailableError } from './vad-errors.js';
import { WorkerVadStream, type VadStream } from './vad-stream.js';
import { VadWorkerClient } from './vad-worker-client.js';

// The stream contract is VadService's: callers import it from here.
export { VAD_FRAME_SAMPLES, type VadStream } from './vad-stream.js';

/** Streams and clip segments run together in one ORT call at most (a batch of 64 takes about 5 ms). */
const MAX_BATCH = 64;

/**
 * Silero VAD for the realtime sessions (one VadStream each) and for REST chunking (whole clips). All of it
 * runs in one worker thread, started on first use, whose batched steps serve every stream at once; if the
 * worker dies, what it held rejects and the next call starts a new one.
 */
@Injectable()
export class VadService implements OnApplicationShutdown {
  private readonly logger = new Logger(VadService.name);
  private client?: VadWorkerClient;
  private shutDown = false;

  openStream(): VadStream {
    const client = this.connect();
    return new WorkerVadStream(client, client.openStream());
  }

  /** Speech probability per 512-sample frame of a whole clip (REST), computed in parallel segments. */
  speechProbabilities(samples: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    try {
      return this.connect().clip(samples, signal);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shutDown = true;
    await this.client?.close();
    this.client = undefined;
  }

  private connect(): VadWorkerClient {
    if (this.shutDown) throw new VadUnavailableError('the application is shutting down');
    if (!this.client?.usable) {
      const started = performance.now();
      this.client = new VadWorkerClient({ modelPath: sileroModelPath(), maxBatch: MAX_BATCH }, (e) => this.logger.error(`${e.reason}; the next call starts a new worker`));
      this.logger.debug(`VAD worker started (${(performance.now() - started).toFixed(1)} ms to spawn)`);
    }
    return this.client;
  }
}
