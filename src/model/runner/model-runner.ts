import { Worker } from 'node:worker_threads';
import { compiledModuleUrl } from '../../common/project-paths.js';
import { isFeatures, type BatchResult, type EngineInfo, type EngineInput, type EngineOptions, type FromWorker } from './runner-protocol.js';

export class InferenceError extends Error {
  override name = 'InferenceError';
}
export class RunnerUnavailableError extends Error {
  override name = 'RunnerUnavailableError';
}

type Pending = { resolve: (r: BatchResult) => void; reject: (e: Error) => void };

/**
 * Main-thread handle of one runner lane (a worker thread with its own sessions). Audio and feature buffers
 * are transferred, not copied, when a view spans its whole buffer; a view into more (a chunk, PCM16 inside an
 * upload) is copied once and the copy transferred (transferring the original would take the memory around it).
 */
export class ModelRunner {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private state: 'idle' | 'starting' | 'ready' | 'failed' | 'closed' = 'idle';
  private failure?: Error;
  info?: EngineInfo;

  constructor(
    private readonly options: EngineOptions,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  get ready(): boolean {
    return this.state === 'ready';
  }

  get inFlight(): number {
    return this.pending.size;
  }

  start(): Promise<EngineInfo> {
    this.state = 'starting';
    const worker = new Worker(compiledModuleUrl(import.meta.url, './runner.worker.js'), { workerData: this.options });
    this.worker = worker;
    return new Promise<EngineInfo>((resolve, reject) => {
      worker.on('message', (msg: FromWorker | { type: 'log'; message: string }) => {
        switch (msg.type) {
          case 'log':
            this.log(msg.message);
            break;
          case 'ready':
            this.state = 'ready';
            this.info = msg.info;
            resolve(msg.info);
            break;
          case 'init-error':
            this.state = 'failed';
            this.failure = new Error(msg.message);
            reject(this.failure);
            break;
          case 'result':
            this.settle(msg.id)?.resolve(msg.result);
            break;
          case 'run-error':
            this.settle(msg.id)?.reject(new InferenceError(msg.message));
            break;
        }
      });
      worker.on('error', (e) => this.fail(new RunnerUnavailableError(`runner crashed: ${e.message}`), reject));
      worker.on('exit', (code) => {
        if (this.state !== 'closed') this.fail(new RunnerUnavailableError(`runner exited with code ${code}`), reject);
      });
    });
  }

  run(audio: EngineInput[]): Promise<BatchResult> {
    if (this.state !== 'ready' || !this.worker) {
      return Promise.reject(new RunnerUnavailableError(this.failure?.message ?? `runner is ${this.state}`));
    }
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    const send = <T extends Float32Array | Int16Array>(a: T): T => {
      const own = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer && !transfer.includes(a.buffer);
      const sent = own ? a : (a.slice() as T);
      transfer.push(sent.buffer as ArrayBuffer);
      return sent;
    };
    const payload = audio.map((a) => (isFeatures(a) ? { ...a, data: send(a.data) } : send(a)));
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ type: 'run', id, audio: payload }, transfer);
    });
  }

  async close(): Promise<void> {
    if (!this.worker || this.state === 'closed') return;
    const worker = this.worker;
    this.state = 'closed';
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' });
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
    for (const p of this.pending.values()) p.reject(new RunnerUnavailableError('runner closed'));
    this.pending.clear();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private fail(error: Error, rejectStart: (e: Error) => void): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.failure = error;
    rejectStart(error);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
