import { ModelNotReadyError } from '../model/model.service.js';
import { BatchFailedError, RequestAbortedError } from '../scheduler/scheduler-errors.js';

/** The `error` object of a failed turn: what went wrong, without internals. */
export function turnFailure(error: Error): { type: string; code: string; message: string; param: null } {
  if (error instanceof ModelNotReadyError) return { type: 'server_error', code: 'model_not_ready', message: `The model is not ready: ${error.message}.`, param: null };
  if (error instanceof BatchFailedError) return { type: 'server_error', code: 'inference_failed', message: 'Inference failed for the batch holding this audio.', param: null };
  if (error instanceof RequestAbortedError) return { type: 'server_error', code: 'cancelled', message: 'The transcription was cancelled.', param: null };
  return { type: 'server_error', code: 'internal_error', message: 'The transcription failed.', param: null };
}
