import { ApiError } from '../common/api-error.js';

export class QueueFullError extends ApiError {
  constructor(readonly retryAfterS: number) {
    super(429, 'The server is at capacity: too many requests are queued. Retry after a short wait.', 'queue_full');
    this.name = 'QueueFullError';
  }
}

export class QueueTimeoutError extends ApiError {
  constructor(waitedS: number, readonly retryAfterS: number) {
    super(503, `The request waited ${waitedS.toFixed(1)} s in the queue without reaching the model (PARAKEET_MAX_QUEUE_WAIT_S).`, 'queue_timeout');
    this.name = 'QueueTimeoutError';
  }
}

export class BatchFailedError extends ApiError {
  /** The runtime's own message is logged, not sent: it names internal source paths. */
  constructor() {
    super(500, "Inference failed for this request's batch. Retrying may succeed; the server keeps running.", 'inference_failed');
    this.name = 'BatchFailedError';
  }
}

export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
}
