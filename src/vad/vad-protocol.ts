/** Messages between VadService (main thread) and silero-vad.worker.ts. Sample buffers are transferred. */

export interface VadWorkerOptions {
  modelPath: string;
  /** Most streams (realtime streams and clip segments together) run in one ORT call. */
  maxBatch: number;
}

export type ToVadWorker =
  | { type: 'open'; stream: number }
  /** Appends samples; answered by one `result` once every frame they complete has run. */
  | { type: 'push'; stream: number; id: number; samples: Float32Array }
  /** Frees the stream once the pushes before it are answered. */
  | { type: 'close'; stream: number }
  /** A whole clip, run as parallel segments; answered by one `result`. */
  | { type: 'clip'; id: number; samples: Float32Array }
  | { type: 'cancel'; id: number }
  /** Finish the step in progress, release the session and exit (terminating a worker inside ORT's run aborts the process). */
  | { type: 'shutdown' };

export type FromVadWorker =
  | { type: 'init-error'; message: string }
  /** Probabilities of the frames one push completed (push replies) or of a whole clip (clip replies). */
  | { type: 'result'; id: number; probabilities: Float32Array }
  /** An ORT run failed: the worker exits after sending this, and its callers get the message. */
  | { type: 'fatal'; message: string };
