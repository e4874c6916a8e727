import { Injectable, Logger } from '@nestjs/common';
import { toFloat32, type Samples } from '../asr/samples.js';
import { AudioService, type DecodedAudio } from '../audio/audio.service.js';
import { TARGET_RATE } from '../audio/resampler.js';
import { ApiError } from '../common/api-error.js';
import { isEnglish } from '../common/language.js';
import { AppConfig } from '../config/app-config.js';
import { ModelService } from '../model/model.service.js';
import type { ChunkSpan } from '../scheduler/chunk-plan.js';
import { AdmissionControl } from '../scheduler/admission-control.js';
import { ChunkedTranscriber, type ChunkedOptions } from '../scheduler/chunked-transcriber.js';
import type { ScheduledResult } from '../scheduler/microbatch-scheduler.js';
import type { Priority } from '../scheduler/priority-queue.js';
import { alignWordStarts } from '../asr/word-onsets.js';
import { planSpeechChunks } from '../vad/speech-chunk-plan.js';
import type { SpeechDetectorSettings } from '../vad/speech-detector.js';
import { VAD_FRAME_SAMPLES, VadService } from '../vad/vad.service.js';
import { serverVadSettings } from './chunking-strategy.js';
import { showsTimes } from './formatters.js';
import type { TranscriptionRequestDto } from './transcription-request.dto.js';

/** Silero's speech probabilities for one request's audio, computed at most once and only when asked for. */
class SpeechEvidence {
  private computed?: Promise<Float32Array>;

  constructor(
    private readonly vad: VadService,
    private readonly samples: Samples,
    private readonly signal: AbortSignal,
  ) {}

  probabilities(): Promise<Float32Array> {
    this.computed ??= this.vad.speechProbabilities(toFloat32(this.samples), this.signal);
    return this.computed;
  }
}

export interface TranscribeSamplesOptions extends Omit<ChunkedOptions, 'spans' | 'signal'> {
  signal: AbortSignal;
  /** Word starts from Silero's speech probabilities (for formats that show times). */
  alignWords: boolean;
}

export interface TranscriptionOutcome extends ScheduledResult {
  audio: Pick<DecodedAudio, 'duration' | 'decoder' | 'decodeMs'>;
}

/** Upload → 16 kHz audio → the scheduler → a transcript, with the OpenAI request rules applied. */
@Injectable()
export class TranscriptionService {
  private readonly logger = new Logger(TranscriptionService.name);

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
    const ticket = this.admission.admit();
    try {
      const decoded = await this.audio.decode(file, signal);
      // Only responses that show times pay for a VAD pass (a stream shows none).
      const alignWords = !onText && showsTimes(fields.response_format ?? 'json');
      const result = await this.transcribeSamples(decoded.samples, fields, { priority, signal, onText, alignWords, flow: { client, request: ticket.id } });
      return { ...result, audio: { duration: decoded.duration, decoder: decoded.decoder, decodeMs: decoded.decodeMs } };
    } finally {
      ticket.release();
    }
  }

  /**
   * Decoded audio → transcript with the request's chunking_strategy (server_vad cuts at pauses) and, with
   * `alignWords`, word starts moved onto the speech Silero finds. The live endpoint and asynchronous jobs both
   * come here, so a job's result is the live answer for the same file and fields.
   */
  async transcribeSamples(samples: Samples, fields: TranscriptionRequestDto, options: TranscribeSamplesOptions): Promise<ScheduledResult> {
    const { alignWords, signal, ...scheduling } = options;
    const vad = serverVadSettings(fields.chunking_strategy);
    const speech = new SpeechEvidence(this.vad, samples, signal);
    // The VAD pass (shared with server_vad's) starts now, beside the transcription, and copies the samples before
    // the scheduler hands them to the model's worker.
    if (alignWords) speech.probabilities().catch(() => {});
    const spans = vad && (await this.speechSpans(samples, vad, speech));
    const result = await this.chunked.transcribe(samples, { ...scheduling, signal, spans });
    if (alignWords && result.transcript.words.length) {
      // Word starts on the speech are a refinement: a VAD that fails leaves the decoder's times, not a failed request.
      const probabilities = await speech.probabilities().catch((e: Error) => this.logger.warn(`word times left as decoded: ${e.message}`));
      if (probabilities) result.transcript = alignWordStarts(result.transcript, { probabilities, frameSeconds: VAD_FRAME_SAMPLES / TARGET_RATE, threshold: 0.5 });
    }
    return result;
  }

  /**
   * server_vad on audio that needs chunks: cuts in the middle of pauses (planSpeechChunks) instead of fixed
   * overlapping windows. Undefined (one pass) when the audio fits one chunk, so short audio costs no VAD.
   */
  private async speechSpans(samples: Samples, vad: SpeechDetectorSettings, speech: SpeechEvidence): Promise<ChunkSpan[] | undefined> {
    const maxChunk = Math.round(this.config.chunkSeconds * TARGET_RATE);
    if (samples.length <= maxChunk) return undefined;
    const probabilities = await speech.probabilities();
    return planSpeechChunks(probabilities, samples.length, { ...vad, maxChunk, overlap: Math.round(this.config.chunkOverlapSeconds * TARGET_RATE) });
  }
}
