import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UploadTooLargeError } from '../audio/audio-errors.js';
import { ApiError } from '../common/api-error.js';
import { AppConfig } from '../config/app-config.js';
import { readFormFields } from '../transcription/transcription-form.js';
import { TranscriptionService } from '../transcription/transcription.service.js';
import type { Transcript } from '../asr/transcript.js';
import { checkTargetUrl } from './address-guard.js';
import { AudioStore } from './audio-store.js';
import { JobQueue } from './job-queue.js';
import { FINAL, JOB_ID, jobView, newJobId, type JobRecord, type JobView } from './job-record.js';
import { JobStore } from './job-store.js';
import { JobNotFoundError, JobsUnavailableError } from './jobs-errors.js';
import { UrlDownloader } from './url-download.js';

const invalid = (message: string, param: string) => new ApiError(400, message, 'invalid_request', param);

/** Redis errors other than our own typed ones mean the backlog is out of reach: 503, and the client retries. */
async function backlog<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new JobsUnavailableError();
  }
}

export interface SubmitResult {
  job: JobView;
  /** False when an Idempotency-Key matched an earlier submission, whose job this is. */
  created: boolean;
}

/** Submitting, reading, listing, cancelling and deleting jobs; the running is JobWorker's. */
@Injectable()
export class JobsService {
  constructor(
    private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly files: AudioStore,
    private readonly queue: JobQueue,
    private readonly transcription: TranscriptionService,
    private readonly downloader: UrlDownloader,
  ) {}

  get connected(): boolean {
    return this.store.connected;
  }

  /** The upload streams to the shared store while the form is read; a refused submission leaves no file behind. */
  async submit(request: FastifyRequest, owner: string, idempotencyKey?: string): Promise<SubmitResult> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) throw invalid('Idempotency-Key must be 1 to 255 visible ASCII characters.', 'Idempotency-Key');
    const id = newJobId();
    const maxBytes = Math.floor(this.config.jobsMaxUploadMb * 1024 * 1024);
    let filename: string | undefined;
    let stored = false;
    try {
      const { fields, raw } = await readFormFields(
        request,
        async (part) => {
          await this.files.saveAudio(id, part.file);
          stored = true;
          if (part.file.truncated) throw new UploadTooLargeError(maxBytes);
          filename = part.filename;
        },
        { fileSize: maxBytes },
      );
      const audioUrl = raw.audio_url;
      if (stored && audioUrl !== undefined) throw invalid('Send either a `file` or an `audio_url`, not both.', 'audio_url');
      if (!stored && (typeof audioUrl !== 'string' || !audioUrl)) throw invalid('A `file` field with the audio, or an `audio_url`, is required.', 'file');
      if (fields.stream) throw invalid('stream is not available for jobs: poll the job or give a webhook_url.', 'stream');
      this.transcription.checkRequest(fields);
      const webhook = this.webhookUrl(raw.webhook_url);
      if (!stored) {
        // Fetched once the form has been checked, so a request refused for its fields costs no download.
        stored = true;
        await this.downloader.download(id, audioUrl as string);
        filename = new URL(audioUrl as string).pathname.split('/').pop() || undefined;
      }
      const record: JobRecord = { id, owner, status: 'queued', fields: JSON.stringify(fields), filename: filename?.slice(0, 255), webhook_url: webhook, created_at: new Date().toISOString(), attempts: '0', progress: '0' };
      const keyHash = idempotencyKey && createHash('sha256').update(idempotencyKey).digest('base64url');
      const outcome = await backlog(() => this.store.create(record, keyHash));
      if (outcome.kind === 'quota') throw new ApiError(429, `This key already has ${this.config.jobsMaxQueued} jobs queued or running (PARAKEET_JOBS_MAX_QUEUED).`, 'job_quota_exceeded');
      if (outcome.kind === 'existing') {
        await this.files.removeAudio(id);
        return { job: await this.get(outcome.id, owner), created: false };
      }
      try {
        await this.queue.add(id);
      } catch {
        await this.store.finish(id, owner, 'failed', { error: JSON.stringify({ message: 'The job could not be queued.', type: 'server_error', param: null, code: 'jobs_unavailable' }) }).catch(() => {});
        throw new JobsUnavailableError();
      }
      return { job: jobView(record), created: true };
    } catch (e) {
      if (stored) await this.files.removeAudio(id).catch(() => {});
      throw e;
    }
  }

  private webhookUrl(value: unknown): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw invalid('webhook_url must be a URL.', 'webhook_url');
    if (!this.config.jobsWebhookSecret) throw invalid('Webhooks are not enabled on this server (PARAKEET_JOBS_WEBHOOK_SECRET is unset).', 'webhook_url');
    const url = checkTargetUrl(value, this.config.jobsAllowPrivateUrls);
    if (typeof url === 'string') throw invalid(`webhook_url ${url}.`, 'webhook_url');
    return url.href;
  }

  private async record(id: string, owner: string): Promise<JobRecord> {
    if (!JOB_ID.test(id)) throw new JobNotFoundError(id);
    const record = await backlog(() => this.store.get(id));
    // Another key's job is answered as missing: its existence is not this key's business.
    if (!record || record.owner !== owner) throw new JobNotFoundError(id);
    return record;
  }

  async get(id: string, owner: string): Promise<JobView> {
    return jobView(await this.record(id, owner));
  }

  async result(id: string, owner: string): Promise<{ job: JobView; transcript: Transcript; fields: Record<string, unknown> }> {
    const record = await this.record(id, owner);
    if (record.status !== 'completed') throw new ApiError(409, `Job ${id} is ${record.status}; its result exists once it is completed.`, 'job_not_completed', 'id');
    const transcript = await this.files.readResult(id);
    if (!transcript) throw new ApiError(500, `The result of job ${id} is missing from the job store.`, 'result_missing');
    return { job: jobView(record), transcript, fields: JSON.parse(record.fields) as Record<string, unknown> };
  }

  async list(owner: string, after: string | undefined, limit: number): Promise<{ object: 'list'; data: JobView[]; first_id: string | null; last_id: string | null; has_more: boolean }> {
    if (after !== undefined && !JOB_ID.test(after)) throw invalid('after must be a job id from an earlier page.', 'after');
    const { records, hasMore } = await backlog(() => this.store.list(owner, after, limit));
    const data = records.map(jobView);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  /** A queued job leaves the backlog; a running one is stopped by its replica within a second (it watches its status). */
  async cancel(id: string, owner: string): Promise<JobView> {
    const record = await this.record(id, owner);
    if (FINAL.has(record.status)) throw new ApiError(409, `Job ${id} is already ${record.status}.`, 'job_finished', 'id');
    await backlog(async () => {
      await this.store.finish(id, owner, 'cancelled');
      await this.queue.removeQueued(id).catch(() => false);
    });
    await this.files.removeAudio(id);
    return this.get(id, owner);
  }

  /** Removes the job with its audio and result; a running job is cancelled first. */
  async remove(id: string, owner: string): Promise<{ id: string; object: 'transcription.job'; deleted: true }> {
    const record = await this.record(id, owner);
    await backlog(async () => {
      if (!FINAL.has(record.status)) await this.store.finish(id, owner, 'cancelled');
      await this.queue.removeQueued(id).catch(() => false);
      await this.store.remove(record);
    });
    await this.files.remove(id);
    return { id, object: 'transcription.job', deleted: true };
  }
}
