import { ApiError } from '../common/api-error.js';

/**
 * The VAD worker failed to start or died: the calls it held reject with this, and the next call starts a
 * new worker. The client sees a 503 with a generic message; `reason` (logged) says what happened.
 */
export class VadUnavailableError extends ApiError {
  constructor(readonly reason: string) {
    super(503, 'Voice activity detection is unavailable right now; retry shortly.', 'vad_unavailable');
    this.name = 'VadUnavailableError';
  }
}

/** A push on a stream after its close(). */
export class VadStreamClosedError extends Error {
  override name = 'VadStreamClosedError';
}

/** speechProbabilities() was aborted by its signal (the client went away). */
export class VadAbortedError extends Error {
  override name = 'VadAbortedError';
}
