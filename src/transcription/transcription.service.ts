import { Injectable } from '@nestjs/common';
import { AudioService, type DecodedAudio } from '../audio/audio.service.js';
import { TranscriptStitcher } from '../asr/stitch-transcripts.js';
import { TARGET_RATE } from '../audio/resampler.js';
import { ApiError } from '../common/api-error.js';
import { AppConfig } from '../config/app-config.js';
import { ModelService } from '../model/model.service.js';
import { MicrobatchScheduler, type ScheduledResult } from '../scheduler/microbatch-scheduler.js';
import { planChunks } from '../scheduler/chunk-plan.js';
import type { Priority } from '../scheduler/priority-queue.js';
import type { TranscriptionRequestDto } from './transcription-request.dto.js';

const ENGLISH = new Set(['en', 'eng', 'english', 'en-us', 'en-gb']);

export interface TranscriptionOutcome extends ScheduledResult {
  audio: Pick<DecodedAudio, 'duration' | 'decoder' | 'decodeMs'>;
}

/** Upload → 16 kHz audio → the scheduler → a transcript, with the OpenAI request rules applied. */
@Injectable()
export class TranscriptionService {
  constructor(
    private readonly config: AppConfig,
    private readonly audio: AudioService,
    private readonly scheduler: MicrobatchScheduler,
    private readonly model: ModelService,
  ) {}

  /** Ids the served model answers to: its own name and the configured PARAKEET_MODEL_ID. */
  modelIds(): string[] {
    return [...new Set([this.model.info?.modelName, this.config.modelId].filter((x): x is string => !!x))];
  }

  checkRequest(fields: TranscriptionRequestDto): void {
    if (fields.language && !ENGLISH.has(fields.language.toLowerCase())) {
      throw new ApiError(400, `Unsupported language "${fields.language.slice(0, 16)}": this model transcribes English only (use "en").`, 'unsupported_language', 'language');
    }
    if (this.config.strictModel && fields.model && !this.modelIds().includes(fields.model)) {
      throw new ApiError(404, `The model \`${fields.model.slice(0, 64)}\` does not exist; this server serves ${this.modelIds().join(', ')}.`, 'model_not_found', 'model');
    }
  }

  /**
   * @param onText called with each piece of text as soon as the chunk holding it is decoded (streaming).
   */
  async transcribe(file: Uint8Array, fields: TranscriptionRequestDto, priority: Priority, signal: AbortSignal, onText?: (delta: string) => void): Promise<TranscriptionOutcome> {
    this.checkRequest(fields);
    const decoded = await this.audio.decode(file, signal);
    const result = await this.schedule(decoded.samples, priority, signal, onText);
    return { ...result, audio: { duration: decoded.duration, decoder: decoded.decoder, decodeMs: decoded.decodeMs } };
  }

  /** One pass when the audio fits a chunk; else overlapping chunks, scheduled together and stitched. */
  private async schedule(samples: Float32Array, priority: Priority, signal: AbortSignal, onText?: (delta: string) => void): Promise<ScheduledResult> {
    const rate = TARGET_RATE;
    const spans = planChunks(samples.length, Math.round(this.config.chunkSeconds * rate), Math.round(this.config.chunkOverlapSeconds * rate));
    if (spans.length === 1) {
      const one = await this.scheduler.submit(samples, { priority, signal });
      onText?.(one.transcript.text);
      return one;
    }
    const first = this.scheduler.submit(samples.slice(spans[0].start, spans[0].end), { priority, signal });
    // Admission is decided by the first chunk alone; the rest follow it into the queue.
    first.catch(() => {});
    const rest = spans.slice(1).map((span) => this.scheduler.submit(samples.slice(span.start, span.end), { priority, signal, admitted: true }));
    const pending = [first, ...rest];
    pending.forEach((p) => p.catch(() => {}));
    const stitcher = new TranscriptStitcher();
    const results: ScheduledResult[] = [];
    let emitted = false;
    for (let k = 0; k < pending.length; k++) {
      const result = await pending[k];
      results.push(result);
      const added = stitcher.add({ transcript: result.transcript, offset: spans[k].start / rate }, spans[k + 1] && spans[k + 1].start / rate);
      const text = added.map((t) => t.text).join('').replace(/\s+/g, ' ');
      const delta = emitted ? text : text.trimStart();
      if (delta.trim()) {
        onText?.(delta);
        emitted = true;
      }
    }
    const transcript = stitcher.finish(samples.length / rate);
    const sum = (pick: (r: ScheduledResult) => number) => results.reduce((s, r) => s + pick(r), 0);
    return {
      transcript,
      timings: {
        featurizeMs: sum((r) => r.timings.featurizeMs),
        encoderMs: sum((r) => r.timings.encoderMs),
        decodeMs: sum((r) => r.timings.decodeMs),
        totalMs: sum((r) => r.timings.totalMs),
      },
      queueWaitMs: Math.max(...results.map((r) => r.queueWaitMs)),
      batchSize: Math.max(...results.map((r) => r.batchSize)),
      lane: results[0].lane,
      chunks: spans.length,
    };
  }
}
