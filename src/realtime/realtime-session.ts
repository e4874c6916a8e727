import type { RequestOutcome } from '../metrics/metric-line.js';
import { ModelNotReadyError } from '../model/model.service.js';
import type { ScheduledResult } from '../scheduler/microbatch-scheduler.js';
import type { VadStream } from '../vad/vad.service.js';
import { decodeAudioPayload } from './audio/audio-payload.js';
import { InputAudioBuffer } from './audio/input-audio-buffer.js';
import { StreamResampler } from './audio/stream-resampler.js';
import { PartialText } from './partial-text.js';
import { parseClientEvent, type ClientEvent } from './protocol/client-events.js';
import { RealtimeProtocolError } from './protocol/realtime-error.js';
import { errorEvent, newId, serverEvent, userAudioItem, type ServerEvent } from './protocol/server-events.js';
import { respondToTurn } from './reference-response.js';
import { applySessionUpdate, betaSession, gaSession, isGaShape, type SessionConfig } from './session-config.js';
import { turnFailure } from './turn-failure.js';
import { TurnResults, type TurnHandlers } from './turn-results.js';
import { VoiceTurns, type OpenTurn } from './voice-turns.js';

const MS = 16;
/** OpenAI rejects commits of less than 100 ms of audio. */
const MIN_COMMIT_SAMPLES = 100 * MS;
/** Manual commits a session may have waiting for their transcripts. */
const MAX_PENDING_TURNS = 8;

export interface RealtimeLimits {
  maxBufferS: number;
  partialMs: number;
}

export interface RealtimeDeps {
  limits: RealtimeLimits;
  transcribe(samples: Float32Array, signal: AbortSignal, onText?: (delta: string) => void): Promise<ScheduledResult>;
  openVad(): VadStream;
  modelAllowed(id: string): boolean;
  /** One finished turn for the metrics (code 200, or the failure's status). */
  recordTurn(fields: { code: number; requestId: string; totalMs: number; outcome: RequestOutcome; transcript?: string }): void;
}

export interface EventSink {
  send(event: ServerEvent): void;
  close(code: number, reason: string): void;
}

/**
 * One realtime connection: client events in (strictly in order), server events out. Audio is decoded and
 * resampled to 16 kHz as it arrives; turns are committed by the client or by server VAD and answered in order.
 */
export class RealtimeSession {
  readonly buffer = new InputAudioBuffer();
  private resampler?: StreamResampler;
  private voice?: VoiceTurns;
  private readonly results = new TurnResults();
  private readonly abort = new AbortController();
  private inbox: Promise<void> = Promise.resolve();
  private lastItemId: string | null = null;
  private draining = false;
  private disposed = false;

  constructor(
    private config: SessionConfig,
    private readonly form: 'beta' | 'ga',
    private readonly deps: RealtimeDeps,
    private readonly sink: EventSink,
  ) {}

  /** Announces the session; client events received meanwhile wait for it. */
  open(): void {
    this.inbox = this.start().catch((e: Error) => this.sink.close(1011, `session start failed: ${e.message}`.slice(0, 120)));
  }

  private async start(): Promise<void> {
    this.resampler = await StreamResampler.open(this.config.rate);
    this.configureVoice();
    const beta = this.form === 'beta';
    const type = beta && this.config.type === 'transcription' ? 'transcription_session.created' : 'session.created';
    this.send(serverEvent(type, { session: beta ? betaSession(this.config) : gaSession(this.config) }));
  }

  /** A text frame from the client; processed after every earlier one. */
  receive(text: string): void {
    this.inbox = this.inbox.then(() => this.handle(text)).catch((e: Error) => this.send(errorEvent(new RealtimeProtocolError('internal_error', `Internal error: ${e.message}`, null, 'server_error'), null)));
  }

  receiveBinary(): void {
    this.sendError(new RealtimeProtocolError('binary_frame_unsupported', 'Binary frames are not accepted: send JSON events, with audio base64-encoded in input_audio_buffer.append.'), null);
  }

  /** Shutdown: no new turns; committed turns are answered, then the socket closes with 1001. */
  async drain(): Promise<void> {
    this.draining = true;
    this.voice?.close();
    this.voice = undefined;
    await this.inbox;
    await this.results.settled();
    this.sink.close(1001, 'server shutting down');
  }

  /** The client is gone: queued work is withdrawn before it costs inference. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    this.voice?.close();
    this.resampler?.close();
  }

  private async handle(text: string): Promise<void> {
    if (this.disposed) return;
    const parsed = parseClientEvent(text);
    if (parsed.error) return this.sendError(parsed.error, parsed.eventId);
    const event = parsed.event!;
    if (this.draining) {
      if (event.type !== 'input_audio_buffer.append') this.sendError(new RealtimeProtocolError('server_shutting_down', 'The server is shutting down; committed turns are being finished.'), parsed.eventId);
      return;
    }
    try {
      await this.dispatch(event);
    } catch (e) {
      if (!(e instanceof RealtimeProtocolError)) throw e;
      this.sendError(e, parsed.eventId);
    }
  }

  private async dispatch(event: ClientEvent): Promise<void> {
    switch (event.type) {
      case 'input_audio_buffer.append':
        return this.append(decodeAudioPayload(event.audio, this.config.encoding));
      case 'input_audio_buffer.commit': {
        const turn = this.takeBuffer();
        return this.transcribeTurn(turn.itemId, turn.audio, turn.partial);
      }
      case 'input_audio_buffer.clear':
        this.voice?.takeTurn();
        this.buffer.clear();
        return this.send(serverEvent('input_audio_buffer.cleared'));
      case 'response.create': {
        const turn = this.takeBuffer();
        this.results.add((onText) => this.deps.transcribe(turn.audio, this.abort.signal, onText), this.measured(turn.itemId, turn.audio.length, respondToTurn((e) => this.send(e), turn.itemId)));
        return;
      }
      default:
        return this.update(event.type, event.session);
    }
  }

  private append(samples: Float32Array): void {
    const converted = this.resampler!.process(samples);
    if (!this.voice && this.buffer.length + converted.length > this.deps.limits.maxBufferS * 16000) {
      throw new RealtimeProtocolError(
        'input_audio_buffer_too_large',
        `The input audio buffer would exceed ${this.deps.limits.maxBufferS} s without a commit; this append was dropped. Commit or clear the buffer.`,
        'audio',
      );
    }
    this.buffer.append(converted);
    this.voice?.feed(converted);
  }

  /** input_audio_buffer.commit / response.create: the whole buffer becomes a user item. */
  private takeBuffer(): { itemId: string; audio: Float32Array; partial?: PartialText } {
    if (this.buffer.length < MIN_COMMIT_SAMPLES) {
      throw new RealtimeProtocolError(
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${(this.buffer.length / MS).toFixed(2)}ms of audio.`,
      );
    }
    if (this.results.pending >= MAX_PENDING_TURNS) {
      throw new RealtimeProtocolError('too_many_pending_turns', `${MAX_PENDING_TURNS} committed turns are still being transcribed; wait for their results before committing more.`);
    }
    const open = this.voice?.takeTurn();
    const itemId = open?.itemId ?? newId('item');
    const audio = this.buffer.copy(this.buffer.start);
    this.buffer.clear();
    this.announceItem(itemId);
    return { itemId, audio, partial: open?.partial };
  }

  private announceItem(itemId: string): void {
    this.send(serverEvent('input_audio_buffer.committed', { previous_item_id: this.lastItemId, item_id: itemId }));
    this.send(serverEvent('conversation.item.created', { previous_item_id: this.lastItemId, item: userAudioItem(itemId) }));
    this.lastItemId = itemId;
  }

  private transcribeTurn(itemId: string, audio: Float32Array, partial = new PartialText()): void {
    const seconds = audio.length / 16000;
    const delta = (text: string) => text && this.send(serverEvent('conversation.item.input_audio_transcription.delta', { item_id: itemId, content_index: 0, delta: text }));
    const streamed = partial.emitted !== '';
    this.results.add((onText) => this.deps.transcribe(audio, this.abort.signal, streamed ? undefined : onText), this.measured(itemId, audio.length, {
      onText: (text) => delta(text),
      onDone: (result) => {
        if (streamed) delta(partial.finish(result.transcript.text));
        this.send(
          serverEvent('conversation.item.input_audio_transcription.completed', { item_id: itemId, content_index: 0, transcript: result.transcript.text, usage: { type: 'duration', seconds: Math.round(seconds * 1000) / 1000 } }),
        );
      },
      onError: (error) => this.send(serverEvent('conversation.item.input_audio_transcription.failed', { item_id: itemId, content_index: 0, error: turnFailure(error) })),
    }));
  }

  /** Wraps a turn's handlers so that its end is recorded as a metric line. */
  private measured(itemId: string, samples: number, handlers: TurnHandlers): TurnHandlers {
    const started = performance.now();
    const audioSeconds = samples / 16000;
    return {
      onText: handlers.onText,
      onDone: (result) => {
        handlers.onDone(result);
        const { timings } = result;
        this.deps.recordTurn({
          code: 200,
          requestId: itemId,
          totalMs: performance.now() - started,
          transcript: result.transcript.text,
          outcome: { audioSeconds, preprocessMs: timings.featurizeMs, inferenceMs: timings.encoderMs + timings.decodeMs, queueWaitMs: result.queueWaitMs, batchSize: result.batchSize, lane: result.lane },
        });
      },
      onError: (error) => {
        handlers.onError(error);
        this.deps.recordTurn({ code: error instanceof ModelNotReadyError ? 503 : 500, requestId: itemId, totalMs: performance.now() - started, outcome: { audioSeconds } });
      },
    };
  }

  private async update(type: 'session.update' | 'transcription_session.update', session: Record<string, unknown>): Promise<void> {
    const { config, unsupported } = applySessionUpdate(this.config, session, (id) => this.deps.modelAllowed(id));
    const before = this.config;
    this.config = config;
    if (config.rate !== before.rate) {
      this.resampler?.close();
      this.resampler = await StreamResampler.open(config.rate);
    }
    if (JSON.stringify(config.turnDetection) !== JSON.stringify(before.turnDetection)) this.configureVoice(before.turnDetection !== null);
    const beta = type === 'transcription_session.update' || !isGaShape(session);
    const fields: Record<string, unknown> = { session: beta ? betaSession(config) : gaSession(config) };
    if (unsupported.length) fields.unsupported = unsupported;
    this.send(serverEvent(type === 'transcription_session.update' ? 'transcription_session.updated' : 'session.updated', fields));
  }

  private configureVoice(wasOn = false): void {
    const vad = this.config.turnDetection;
    if (vad && this.voice && wasOn) return this.voice.update(vad);
    this.voice?.close();
    this.voice = vad ? new VoiceTurns(this.voiceHost(), this.deps.openVad(), vad, this.deps.limits.partialMs, this.deps.limits.maxBufferS * 16000) : undefined;
  }

  private voiceHost() {
    return {
      buffer: this.buffer,
      send: (event: ServerEvent) => this.send(event),
      commitTurn: (turn: OpenTurn, to: number) => {
        const audio = this.buffer.copy(turn.start, to);
        this.buffer.dropBefore(to);
        this.announceItem(turn.itemId);
        this.transcribeTurn(turn.itemId, audio, turn.partial);
      },
      transcribePartial: async (audio: Float32Array) => (await this.deps.transcribe(audio, this.abort.signal)).transcript.text,
    };
  }

  private sendError(error: RealtimeProtocolError, eventId: string | null): void {
    this.send(errorEvent(error, eventId));
  }

  private send(event: ServerEvent): void {
    if (!this.disposed) this.sink.send(event);
  }
}
