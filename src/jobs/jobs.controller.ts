import { Controller, Delete, Get, Headers, HttpCode, Inject, Optional, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ApiKeys } from '../auth/api-keys.js';
import { ApiError } from '../common/api-error.js';
import { ErrorBodyDto } from '../common/api-error.dto.js';
import { clientKey } from '../common/http-limits.js';
import { AppConfig } from '../config/app-config.js';
import { formatTranscript, RESPONSE_FORMATS, type Granularity, type ResponseFormat } from '../transcription/formatters.js';
import { transcriptLayout, type TranscriptLayout } from '../transcription/transcript-layout.js';
import { JobDeletedDto, JobDto, JobListDto, JobSubmitDto } from './job.dto.js';
import { JobsDisabledError } from './jobs-errors.js';
import { JobsService } from './jobs.service.js';

/**
 * Asynchronous transcription jobs (docs/jobs.md). Always routed, so that a server without PARAKEET_REDIS_URL
 * answers them with a 503 that names the setting instead of a 404.
 */
@ApiTags('jobs')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDto, description: 'PARAKEET_API_KEYS is set and the request has no valid key' })
@ApiResponse({ status: 503, type: ErrorBodyDto, description: 'Jobs not enabled (jobs_disabled: PARAKEET_REDIS_URL unset) or Redis unreachable (jobs_unavailable, Retry-After)' })
@UseGuards(ApiKeyGuard)
@Controller('v1/audio/transcriptions/jobs')
export class JobsController {
  private readonly layout: TranscriptLayout;

  constructor(
    config: AppConfig,
    private readonly keys: ApiKeys,
    @Optional() @Inject(JobsService) private readonly service?: JobsService,
  ) {
    this.layout = transcriptLayout(config);
  }

  private jobs(): JobsService {
    if (!this.service) throw new JobsDisabledError();
    return this.service;
  }

  /** With API keys each key sees only its own jobs; without them every client sees every job. */
  private owner(request: FastifyRequest): string {
    return this.keys.required ? clientKey(request) : 'open';
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit a transcription job: a `file` or an `audio_url`, the fields of POST /v1/audio/transcriptions, and webhook_url; Idempotency-Key header' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: JobSubmitDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Up to 255 visible ASCII characters: a second submission with the same key (per API key, within the retention) answers 200 with the first job' })
  @ApiResponse({ status: 202, type: JobDto, description: 'The job, queued', headers: { Location: { description: '/v1/audio/transcriptions/jobs/{id}', schema: { type: 'string' } } } })
  @ApiResponse({ status: 200, type: JobDto, description: 'The job an earlier submission with this Idempotency-Key created' })
  @ApiResponse({ status: 400, type: ErrorBodyDto, description: 'Invalid field, or an audio_url or webhook_url to a refused address' })
  @ApiResponse({ status: 413, type: ErrorBodyDto, description: 'Upload or audio_url over PARAKEET_JOBS_MAX_UPLOAD_MB' })
  @ApiResponse({ status: 429, type: ErrorBodyDto, description: 'The key has PARAKEET_JOBS_MAX_QUEUED jobs queued or running (job_quota_exceeded)' })
  async submit(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Headers('idempotency-key') idempotencyKey?: string): Promise<void> {
    const jobs = this.jobs();
    let result;
    try {
      result = await jobs.submit(request, this.owner(request), idempotencyKey);
    } catch (e) {
      if (!request.raw.complete) reply.header('connection', 'close');
      throw e;
    }
    await reply
      .code(result.created ? 202 : 200)
      .header('location', `/v1/audio/transcriptions/jobs/${result.job.id}`)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(result.job));
  }

  @Get()
  @ApiOperation({ summary: 'List jobs, newest first (cursor: after=<last_id>)' })
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 100, default 20' })
  @ApiResponse({ status: 200, type: JobListDto })
  @ApiResponse({ status: 400, type: ErrorBodyDto, description: 'limit or after out of range' })
  list(@Req() request: FastifyRequest, @Query('after') after?: string, @Query('limit') limit?: string) {
    const n = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new ApiError(400, 'limit must be an integer from 1 to 100.', 'invalid_request', 'limit');
    return this.jobs().list(this.owner(request), after, n);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A job: status (queued, running, completed, failed, cancelled), progress, timings, error' })
  @ApiParam({ name: 'id', example: 'job_0mhx3k2a95f1c2d3e4f5a6b7c8' })
  @ApiResponse({ status: 200, type: JobDto })
  @ApiResponse({ status: 404, type: ErrorBodyDto, description: 'No such job (or another key’s)' })
  get(@Req() request: FastifyRequest, @Param('id') id: string) {
    return this.jobs().get(id, this.owner(request));
  }

  @Get(':id/result')
  @ApiOperation({ summary: 'The transcript of a completed job, in any response_format (default: the one submitted)' })
  @ApiQuery({ name: 'response_format', required: false, enum: RESPONSE_FORMATS })
  @ApiQuery({ name: 'timestamp_granularities', required: false, description: 'word, segment or both (comma-separated)' })
  @ApiProduces('application/json', 'text/plain', 'text/vtt')
  @ApiResponse({ status: 200, description: 'As POST /v1/audio/transcriptions answers: json {text, usage}; verbose_json; text, srt or vtt as text' })
  @ApiResponse({ status: 404, type: ErrorBodyDto, description: 'No such job' })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: 'The job is not completed (job_not_completed)' })
  async result(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('response_format') format?: string, @Query('timestamp_granularities') granularities?: string): Promise<void> {
    const { transcript, fields } = await this.jobs().result(id, this.owner(request));
    const chosen = (format ?? fields.response_format ?? 'json') as ResponseFormat;
    if (!RESPONSE_FORMATS.includes(chosen)) throw new ApiError(400, `response_format must be one of ${RESPONSE_FORMATS.join(', ')}.`, 'invalid_request', 'response_format');
    const list = (granularities?.split(',').map((g) => g.trim()) ?? (fields.timestamp_granularities as string[] | undefined) ?? ['segment']) as Granularity[];
    if (list.some((g) => g !== 'word' && g !== 'segment')) throw new ApiError(400, 'timestamp_granularities must be word, segment or both.', 'invalid_request', 'timestamp_granularities');
    const { contentType, body } = formatTranscript(transcript, chosen, list, this.layout);
    await reply.header('content-type', contentType).send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or running job' })
  @ApiResponse({ status: 200, type: JobDto, description: 'The job, cancelled' })
  @ApiResponse({ status: 404, type: ErrorBodyDto, description: 'No such job' })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: 'The job has already finished (job_finished)' })
  cancel(@Req() request: FastifyRequest, @Param('id') id: string) {
    return this.jobs().cancel(id, this.owner(request));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a job with its audio and result (cancelling it if it runs)' })
  @ApiResponse({ status: 200, type: JobDeletedDto })
  @ApiResponse({ status: 404, type: ErrorBodyDto, description: 'No such job' })
  remove(@Req() request: FastifyRequest, @Param('id') id: string) {
    return this.jobs().remove(id, this.owner(request));
  }
}
