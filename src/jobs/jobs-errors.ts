import { ApiError } from '../common/api-error.js';

export class JobsDisabledError extends ApiError {
  constructor() {
    super(503, 'Asynchronous transcription jobs are not enabled on this server: set PARAKEET_REDIS_URL (see docs/jobs.md).', 'jobs_disabled');
    this.name = 'JobsDisabledError';
  }
}

export class JobsUnavailableError extends ApiError {
  readonly retryAfterS = 5;
  constructor() {
    super(503, 'The job backlog (Redis) cannot be reached right now; retry shortly.', 'jobs_unavailable');
    this.name = 'JobsUnavailableError';
  }
}

export class JobNotFoundError extends ApiError {
  constructor(id: string) {
    super(404, `No job with id "${id.slice(0, 64)}".`, 'job_not_found', 'id');
    this.name = 'JobNotFoundError';
  }
}

/** A run given back to the backlog by its replica as it shuts down, before any of its work reached a lane. */
export class JobHandedBackError extends Error {
  override name = 'JobHandedBackError';
}
