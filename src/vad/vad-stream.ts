import { VadStreamClosedError } from './vad-errors.js';
import type { VadWorkerClient } from './vad-worker-client.js';

export const VAD_FRAME_SAMPLES = 512; // 32 ms at 16 kHz

export interface VadStream {
  /** 16 kHz samples in; resolves with one speech probability per frame completed by this push (leftover samples wait for the next push). Resolves in call order. */
  push(samples: Float32Array): Promise<Float32Array>;
  /** Frees the stream's state in the worker; later pushes reject. */
  close(): void;
}

/**
 * A stream whose LSTM state lives in the VAD worker. Pushes already made when close() is called are still
 * answered; a stream whose worker died rejects every later push (its state went with the worker).
 */
export class WorkerVadStream implements VadStream {
  private closed = false;

  constructor(
    private readonly client: VadWorkerClient,
    private readonly stream: number,
  ) {}

  push(samples: Float32Array): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new VadStreamClosedError('push on a closed VAD stream'));
    return this.client.push(this.stream, samples);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.closeStream(this.stream);
  }
}
