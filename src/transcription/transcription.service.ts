import { Injectable } from '@nestjs/common';
import { toFloat32, type Samples } from '../asr/samples.js';
import { AudioService, type DecodedAudio } from '../audio/audio.service.js';
import { TARGET_RATE } from '../audio/resampler.js';
import { ApiError } from '../common/api-error.js';
import { isEnglish } from '../common/language.js';
import { AppConfig } from '../config/app-config.js';
import { ModelService } from '../model/model.service.js';
import type { ChunkSpan } from '../scheduler/chunk-plan.js';
import { AdmissionControl } from '../scheduler/admission-control.js';
import { ChunkedTranscriber } from '../scheduler/chunked-transcriber.js';
import type { ScheduledResult } from '../scheduler/microbatch-scheduler.js';
import type { Priority } from '../scheduler/priority-queue.js';
import { planSpeechChunks } from '../vad/speech-chunk-plan.js';
import type { SpeechDetectorSettings } from '../vad/speech-detector.js';
import { VadService } from '../vad/vad.service.js';
import { serverVadSettings } from './chunking-strategy.js';
import type { TranscriptionRequestDto } from './transcription-request.dto.js';

export interface TranscriptionOutcome extends ScheduledResult {
  audio: Pick<DecodedAudio, 'duration' | 'decoder' | 'decodeMs'>;
}

/** Upload → 16 kHz audio → the scheduler → a transcript, with the OpenAI request rules applied. */
@Injectable()
export class TranscriptionService {
  constructor(
    private readonly config: AppConfig,
    private readonly audio: AudioService,
    private readonly chunked: ChunkedTranscriber,
    private readonly model: ModelService,
    private readonly vad: VadService,
    private readonly admission: AdmissionControl,
  ) {}

  /** Ids the served model answers to: its own name and the configured PARAKEET_MODEL_ID. */
  modelIds(): string[] {
    return [...new Set([this.model.info?.modelName, this.config.modelId].filter((x): x is string => !!x))];
  }

  checkRequest(fields: TranscriptionRequestDto): void {
    if (fields.language && !isEnglish(fields.language)) {
      throw new ApiError(400, `Unsupported language "${fields.language.slice(0, 16)}": this model transcribes English only (use "en").`, 'unsupported_language', 'language');
    }
    if (this.config.strictModel && fields.model && !this.modelIds().includes(fields.model)) {
      throw new ApiError(404, `The model \`${fields.model.slice(0, 64)}\` does not exist; this server serves ${this.modelIds().join(', ')}.`, 'model_not_found', 'model');
    }
    serverVadSettings(fields.chunking_strategy);
  }

  /**
   * Admitted (or refused with 429) before the upload is decoded; the slot is held until the answer.
   * @param client whose request it is (API key or address): clients take fair turns for the lanes.
   * @param onText called with each piece of text as soon as the chunk holding it is decoded (streaming).
   */
  async transcribe(file: Uint8Array, fields: TranscriptionRequestDto, priority: Priority, client: string, signal: AbortSignal, onText?: (delta: string) => void): Promise<TranscriptionOutcome> {
    this.checkRequest(fields);
    const vad = serverVadSettings(fields.chunking_strategy);
    const ticket = this.admission.admit();
    try {
      const decoded = await this.audio.decode(file, signal);
      const spans = vad && (await this.speechSpans(decoded.samples, vad, signal));
      const result = await this.chunked.transcribe(decoded.samples, { priority, signal, onText, spans, flow: { client, request: ticket.id } });
      return { ...result, audio: { duration: decoded.duration, decoder: decoded.decoder, decodeMs: decoded.decodeMs } };
    } finally {
      ticket.release();
    }
  }

  /**
   * server_vad on audio that needs chunks: cuts in the middle of pauses (planSpeechChunks) instead of fixed
   * overlapping windows. Undefined (one pass) when the audio fits one chunk, so short audio costs no VAD.
   */
  private async speechSpans(samples: Samples, vad: SpeechDetectorSettings, signal: AbortSignal): Promise<ChunkSpan[] | undefined> {
    const maxChunk = Math.round(this.config.chunkSeconds * TARGET_RATE);
    if (samples.length <= maxChunk) return undefined;
    const probabilities = await this.vad.speechProbabilities(toFloat32(samples), signal);
    return planSpeechChunks(probabilities, samples.length, { ...vad, maxChunk, overlap: Math.round(this.config.chunkOverlapSeconds * TARGET_RATE) });
  }
}
