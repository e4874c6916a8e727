import { Controller, Headers, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { ErrorBodyDto } from '../common/api-error.dto.js';
import { clientKey } from '../common/http-limits.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { AppConfig } from '../config/app-config.js';
import { PRIORITIES, type Priority } from '../scheduler/priority-queue.js';
import { formatTranscript, type Granularity } from './formatters.js';
import { SseWriter } from './sse.js';
import { transcriptLayout, type TranscriptLayout } from './transcript-layout.js';
import { readTranscriptionForm, type TranscriptionForm } from './transcription-form.js';
import { TranscriptionRequestDto } from './transcription-request.dto.js';
import { TranscriptionService, type TranscriptionOutcome } from './transcription.service.js';
import type { RequestOutcome } from '../metrics/metric-line.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Aborts when the client goes away before its answer is written. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

/** The numbers of a finished transcription that its metric line carries. */
function outcomeOf(o: TranscriptionOutcome): RequestOutcome {
  return {
    audioSeconds: o.audio.duration,
    preprocessMs: o.audio.decodeMs + o.timings.featurizeMs,
    inferenceMs: o.timings.encoderMs + o.timings.decodeMs,
    queueWaitMs: o.queueWaitMs,
    batchSize: o.batchSize,
    lane: o.lane,
  };
}

@ApiTags('audio')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/audio')
export class TranscriptionController {
  private readonly layout: TranscriptLayout;

  constructor(
    private readonly transcription: TranscriptionService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.layout = transcriptLayout(config);
  }

  @Post('transcriptions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Transcribe audio (OpenAI-compatible)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: TranscriptionRequestDto })
  @ApiResponse({ status: 200, description: 'json {text, usage}; verbose_json; text, srt or vtt as text; or an event stream with stream=true' })
  @ApiResponse({ status: 400, type: ErrorBodyDto, description: 'Invalid field or audio that cannot be decoded' })
  @ApiResponse({ status: 413, type: ErrorBodyDto, description: 'Upload over PARAKEET_MAX_UPLOAD_MB' })
  @ApiResponse({ status: 429, type: ErrorBodyDto, description: 'Every admission slot is held (Retry-After); decided before the upload is decoded' })
  @ApiResponse({ status: 503, type: ErrorBodyDto, description: 'Queue wait exceeded or model not ready (Retry-After)' })
  async create(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Headers('x-priority') priorityHeader?: string): Promise<void> {
    const priority = (priorityHeader ?? 'normal').toLowerCase() as Priority;
    if (!PRIORITIES.includes(priority) || priority === 'realtime') {
      throw new ApiError(400, 'X-Priority must be high, normal or low.', 'invalid_priority', 'X-Priority');
    }
    const abort = abortOnDisconnect(reply);
    let form;
    try {
      form = await readTranscriptionForm(request, Math.floor(this.config.maxUploadMb * 1024 * 1024));
    } catch (e) {
      // Refused before the body was read to its end: close the connection rather than leave unread
      // bytes where the next keep-alive request would be parsed.
      if (!request.raw.complete) reply.header('connection', 'close');
      throw e;
    }
    if (form.fields.stream) return this.stream(request, reply, form, priority, abort.signal);
    const outcome = await this.transcription.transcribe(form.file, form.fields, priority, clientKey(request), abort.signal);
    request.outcome = outcomeOf(outcome);
    const { transcript } = outcome;
    this.metrics.logTranscript(String(request.id), 'transcriptions', transcript.text);
    reply.header('x-audio-duration', transcript.duration.toFixed(3));
    reply.header('x-queue-wait-ms', outcome.queueWaitMs.toFixed(1));
    reply.header('x-batch-size', String(outcome.batchSize));
    const granularities: Granularity[] = form.fields.timestamp_granularities ?? ['segment'];
    const { contentType, body } = formatTranscript(transcript, form.fields.response_format ?? 'json', granularities, this.layout);
    await reply.header('content-type', contentType).send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** Deltas as each chunk of the audio decodes, then `transcript.text.done`. */
  private async stream(request: FastifyRequest, reply: FastifyReply, form: TranscriptionForm, priority: Priority, signal: AbortSignal): Promise<void> {
    const sse = new SseWriter(reply);
    try {
      const outcome = await this.transcription.transcribe(form.file, form.fields, priority, clientKey(request), signal, (delta) => sse.send({ type: 'transcript.text.delta', delta }));
      request.outcome = outcomeOf(outcome);
      const { transcript } = outcome;
      this.metrics.logTranscript(String(request.id), 'transcriptions', transcript.text);
      if (!sse.hasStarted) sse.send({ type: 'transcript.text.delta', delta: '' });
      sse.send({ type: 'transcript.text.done', text: transcript.text, usage: { type: 'duration', seconds: Math.ceil(transcript.duration) } });
      sse.end();
    } catch (e) {
      if (!sse.hasStarted) throw e;
      request.outcome = { lateErrorCode: e instanceof ApiError ? e.status : 500 };
      sse.fail(e);
    }
  }
}
