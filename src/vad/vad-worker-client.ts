import { Worker } from 'node:worker_threads';
import { compiledModuleUrl } from '../common/project-paths.js';
import { VadAbortedError, VadUnavailableError } from './vad-errors.js';
import type { FromVadWorker, ToVadWorker, VadWorkerOptions } from './vad-protocol.js';

const SHUTDOWN_GRACE_MS = 5000;

type Pending = { resolve: (p: Float32Array) => void; reject: (e: Error) => void };

/** A copy the worker can own: the caller keeps its samples, and a view would clone its whole buffer. */
const ownedCopy = (samples: Float32Array) => samples.slice();

/**
 * Main-thread handle of one silero-vad.worker: numbers streams and requests, and turns replies back into
 * promises. When the worker fails, every pending call rejects with VadUnavailableError and the handle stays
 * failed; VadService then starts a new one.
 */
export class VadWorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextStream = 1;
  private closed = false;
  failure?: VadUnavailableError;

  constructor(
    options: VadWorkerOptions,
    private readonly onFailure: (error: VadUnavailableError) => void = () => {},
  ) {
    this.worker = new Worker(compiledModuleUrl(import.meta.url, './silero-vad.worker.js'), { workerData: options });
    this.worker.on('message', (msg: FromVadWorker) => {
      switch (msg.type) {
        case 'result':
          this.settle(msg.id)?.resolve(msg.probabilities);
          break;
        case 'init-error':
          this.fail(`the Silero VAD model could not be loaded: ${msg.message}`);
          break;
        case 'fatal':
          this.fail(`Silero VAD inference failed: ${msg.message}`);
          break;
      }
    });
    this.worker.on('error', (e) => this.fail(`the VAD worker crashed: ${e.message}`));
    this.worker.on('exit', (code) => this.fail(`the VAD worker exited with code ${code}`));
  }

  /** Whether calls can still be made: not failed, not closed. */
  get usable(): boolean {
    return !this.failure && !this.closed;
  }

  openStream(): number {
    const stream = this.nextStream++;
    this.send({ type: 'open', stream });
    return stream;
  }

  push(stream: number, samples: Float32Array): Promise<Float32Array> {
    if (!this.usable) return Promise.reject(this.failure ?? new VadUnavailableError('the VAD worker was shut down'));
    const id = this.nextId++;
    const copy = ownedCopy(samples);
    return this.request(id, { type: 'push', stream, id, samples: copy }, copy);
  }

  closeStream(stream: number): void {
    if (this.usable) this.send({ type: 'close', stream });
  }

  clip(samples: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    if (signal?.aborted) return Promise.reject(new VadAbortedError('request aborted'));
    if (!this.usable) return Promise.reject(this.failure ?? new VadUnavailableError('the VAD worker was shut down'));
    const id = this.nextId++;
    const copy = ownedCopy(samples);
    const result = this.request(id, { type: 'clip', id, samples: copy }, copy);
    if (!signal) return result;
    const onAbort = () => {
      const p = this.settle(id);
      if (!p) return;
      if (this.usable) this.send({ type: 'cancel', id });
      p.reject(new VadAbortedError('request aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return result.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /**
   * Stops the worker; what it still held rejects. It is asked to stop between steps: terminate() while ORT's
   * native run is on its stack aborts the whole process, so it is only the fallback for a worker that hangs.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const alive = !this.failure;
    this.closed = true;
    if (alive) {
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.send({ type: 'shutdown' });
      const timer = setTimeout(() => void this.worker.terminate(), SHUTDOWN_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.rejectAll(new VadUnavailableError('the VAD worker was shut down'));
  }

  private request(id: number, msg: ToVadWorker, samples: Float32Array): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(msg, [samples.buffer as ArrayBuffer]);
    });
  }

  private send(msg: ToVadWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private fail(reason: string): void {
    if (this.failure || this.closed) return;
    // The worker has exited or is exiting by itself (it exits after init-error and fatal).
    this.failure = new VadUnavailableError(reason);
    this.rejectAll(this.failure);
    this.onFailure(this.failure);
  }

  private rejectAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
