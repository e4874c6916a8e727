import { randomBytes } from 'node:crypto';
import type { OpenAiErrorBody } from '../common/api-error.js';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves. */
export const FINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

/** What Redis holds for one job (a hash of strings); the audio and the result live in the job store's directory. */
export interface JobRecord {
  id: string;
  /** SHA-256 of the API key that submitted it (`key:…`), or `open` without keys: a key sees only its own jobs. */
  owner: string;
  status: JobStatus;
  /** The transcription fields as submitted (JSON of the request DTO). */
  fields: string;
  filename?: string;
  webhook_url?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  attempts?: string;
  progress?: string;
  audio_seconds?: string;
  /** JSON of the OpenAI error body of a failed job. */
  error?: string;
  /** Which replica ran (or is running) it: host name and process id. */
  replica?: string;
}

/**
 * Ids that sort by creation time (base-36 milliseconds, fixed width) with a random tail: the listing pages by id
 * alone, newest first, without a second index.
 */
export function newJobId(now = Date.now()): string {
  return `job_${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

export const JOB_ID = /^job_[0-9a-z]{9}[0-9a-f]{16}$/;

const seconds = (iso?: string) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

/** The API's view of a job (GET …/jobs/{id}). */
export function jobView(r: JobRecord) {
  const fields = JSON.parse(r.fields) as { response_format?: string; model?: string };
  return {
    id: r.id,
    object: 'transcription.job',
    status: r.status,
    model: fields.model ?? null,
    response_format: fields.response_format ?? 'json',
    filename: r.filename ?? null,
    created_at: seconds(r.created_at),
    started_at: seconds(r.started_at),
    finished_at: seconds(r.finished_at),
    attempts: Number(r.attempts ?? 0),
    progress: Number(r.progress ?? 0),
    audio_seconds: r.audio_seconds === undefined ? null : Number(r.audio_seconds),
    webhook_url: r.webhook_url ?? null,
    error: r.error ? (JSON.parse(r.error) as OpenAiErrorBody['error']) : null,
  };
}

export type JobView = ReturnType<typeof jobView>;
