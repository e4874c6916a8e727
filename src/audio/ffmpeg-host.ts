import { fork, type ChildProcess } from 'node:child_process';
import { ApiError } from '../common/api-error.js';
import { compiledModuleUrl } from '../common/project-paths.js';
import { AudioDecodeError, AudioTooLongError, DecodeAbortedError, DecodeTimeoutError } from './audio-errors.js';
import type { FfmpegBinary } from './ffmpeg-binary.js';
import type { FfmpegDecodeOptions } from './ffmpeg-decoder.js';
import type { FromHost, HostError, ToHost } from './ffmpeg-host-protocol.js';

/** The decoder host died under a request: a server fault, retried by the client. */
export class DecoderUnavailableError extends ApiError {
  readonly retryAfterS = 1;
  constructor(why: string) {
    super(503, `The audio decoder restarted (${why}); please retry.`, 'decoder_unavailable');
    this.name = 'DecoderUnavailableError';
  }
}

type Pending = { resolve: (s: Float32Array) => void; reject: (e: Error) => void };

/**
 * Runs ffmpeg decodes in the decoder host process (ffmpeg-host.process.ts), started on first use and again
 * after it dies. Samples come back as a Float32Array through the IPC channel's structured clone.
 */
export class FfmpegHost {
  private child?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** Process id of the host, once started (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  decode(binary: FfmpegBinary, options: FfmpegDecodeOptions): Promise<Float32Array> {
    const { signal, ...rest } = options;
    if (signal?.aborted) return Promise.reject(new DecodeAbortedError('request aborted'));
    if (this.closed) return Promise.reject(new DecoderUnavailableError('the server is shutting down'));
    const child = this.start(binary);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      const onAbort = () => this.post(child, { type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.post(child, { type: 'decode', id, binary, options: rest });
    });
  }

  close(): void {
    this.closed = true;
    this.child?.disconnect();
    this.child = undefined;
  }

  /** The host runs one ffmpeg binary, the first decode's (one per server). */
  private start(binary: FfmpegBinary): ChildProcess {
    if (this.child) return this.child;
    // No inherited flags (a test runner's or --cpu-prof): the host must stay small.
    const child = fork(compiledModuleUrl(import.meta.url, './ffmpeg-host.process.js'), [], {
      serialization: 'advanced',
      execArgv: [],
      // ffmpeg reads hostile files: it gets what it needs to run, never the server's keys and tokens.
      env: { ...hostEnvironment(process.env), ...(binary.shield ? { PARAKEET_FFMPEG: binary.path } : {}) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.on('message', (msg: FromHost) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'done') p.resolve(msg.samples);
      else p.reject(toError(msg.error));
    });
    const lost = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const p of this.pending.values()) p.reject(new DecoderUnavailableError(why));
      this.pending.clear();
    };
    child.on('exit', (code, signal) => lost(`decoder host exited with ${signal ?? code}`));
    child.on('error', (e) => lost(e.message));
    this.child = child;
    return child;
  }

  private post(child: ChildProcess, msg: ToHost): void {
    if (child.connected) child.send(msg);
  }
}

const PASSED = ['PATH', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'LD_LIBRARY_PATH'];

/** The environment the decoder host and its ffmpeg processes run with. */
export function hostEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(PASSED.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
}

function toError(e: HostError): Error {
  switch (e.kind) {
    case 'too-long':
      return new AudioTooLongError(e.seconds, e.limit);
    case 'timeout':
      return new DecodeTimeoutError(e.seconds);
    case 'aborted':
      return new DecodeAbortedError('request aborted');
    case 'decode':
      return new AudioDecodeError(e.message, e.code);
    default:
      return new Error(`audio decoder failed: ${e.message}`);
  }
}
