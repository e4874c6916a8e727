import { SpeechDetector, type SpeechEvent } from '../vad/speech-detector.js';
import type { VadStream } from '../vad/vad.service.js';
import type { InputAudioBuffer } from './audio/input-audio-buffer.js';
import { PartialText } from './partial-text.js';
import { newId, serverEvent, type ServerEvent } from './protocol/server-events.js';
import type { ServerVad } from './session-config.js';

const MS = 16;
/** A partial is only worth another pass once this much new audio has arrived. */
const MIN_PARTIAL_GROWTH = 200 * MS;

export interface OpenTurn {
  itemId: string;
  /** Absolute sample where the turn's audio starts (speech start minus prefix padding). */
  start: number;
  partial: PartialText;
}

export interface VoiceTurnHost {
  readonly buffer: InputAudioBuffer;
  send(event: ServerEvent): void;
  /** Commits [from, to) of the buffer as the turn's item and transcribes it. */
  commitTurn(turn: OpenTurn, to: number): void;
  /** One partial pass over a turn's audio so far; resolves with its text. */
  transcribePartial(audio: Float32Array): Promise<string>;
}

/**
 * Server VAD for one session: Silero probabilities (from the VAD worker, in order) drive a SpeechDetector;
 * speech opens a turn, silence commits it, and while it is open a timer re-transcribes it for live partials.
 */
export class VoiceTurns {
  private readonly detector: SpeechDetector;
  /** Absolute sample at which the VAD stream began (detector positions are relative to it). */
  private readonly origin: number;
  private turn?: OpenTurn;
  private timer?: NodeJS.Timeout;
  private partialInFlight = false;
  private partialEnd = 0;
  private closed = false;

  constructor(
    private readonly host: VoiceTurnHost,
    private readonly vad: VadStream,
    private settings: ServerVad,
    private readonly partialMs: number,
    private readonly maxTurnSamples: number,
  ) {
    this.detector = new SpeechDetector(toDetector(settings));
    this.origin = host.buffer.end;
  }

  get openTurn(): OpenTurn | undefined {
    return this.turn;
  }

  update(settings: ServerVad): void {
    this.settings = settings;
    this.detector.update(toDetector(settings));
  }

  /** New 16 kHz audio, already appended to the buffer. */
  feed(samples: Float32Array): void {
    this.vad.push(samples).then(
      (probabilities) => this.onProbabilities(probabilities),
      () => {}, // the stream was closed (commit mode switched off, session gone)
    );
    if (this.turn && this.host.buffer.end - this.turn.start >= this.maxTurnSamples) {
      // A turn may not outgrow the buffer limit: commit it and let the detector find the next one.
      this.stopTurn(this.host.buffer.end, this.host.buffer.end);
      this.detector.reset();
    }
  }

  /** A manual commit or clear took the buffer: the open turn (if any) ends without a speech_stopped. */
  takeTurn(): OpenTurn | undefined {
    const turn = this.turn;
    this.endTurn();
    this.detector.reset();
    return turn;
  }

  close(): void {
    this.closed = true;
    this.endTurn();
    this.vad.close();
  }

  private onProbabilities(probabilities: Float32Array): void {
    if (this.closed) return;
    for (const event of this.detector.push(probabilities)) this.onSpeechEvent(event);
    if (!this.turn) {
      // Outside speech only the prefix padding (and audio VAD has not seen yet) can still become part of a turn.
      const keep = this.origin + this.detector.position - Math.round(this.settings.prefix_padding_ms * MS) - 4 * 512;
      this.host.buffer.dropBefore(keep);
    }
  }

  private onSpeechEvent(event: SpeechEvent): void {
    if (event.type === 'speech_started') {
      const start = Math.max(this.origin + event.paddedStartSample, this.host.buffer.start);
      this.turn = { itemId: newId('item'), start, partial: new PartialText() };
      this.host.send(serverEvent('input_audio_buffer.speech_started', { audio_start_ms: Math.round(start / MS), item_id: this.turn.itemId }));
      if (this.partialMs > 0) this.timer = setInterval(() => this.partialTick(), this.partialMs);
      this.partialEnd = start;
    } else if (this.turn) {
      this.stopTurn(this.origin + event.atSample, this.origin + event.detectedAtSample);
    }
  }

  private stopTurn(speechEnd: number, commitAt: number): void {
    const turn = this.turn!;
    this.host.send(serverEvent('input_audio_buffer.speech_stopped', { audio_end_ms: Math.round(speechEnd / MS), item_id: turn.itemId }));
    this.endTurn();
    this.host.commitTurn(turn, Math.min(commitAt, this.host.buffer.end));
  }

  private endTurn(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.turn = undefined;
  }

  /** One partial at a time per session: ticks while one runs are skipped, so partials never pile up. */
  private partialTick(): void {
    const turn = this.turn;
    const end = this.host.buffer.end;
    if (!turn || this.partialInFlight || end - this.partialEnd < MIN_PARTIAL_GROWTH) return;
    this.partialInFlight = true;
    this.partialEnd = end;
    this.host
      .transcribePartial(this.host.buffer.copy(turn.start, end))
      .then((text) => {
        if (this.turn !== turn) return;
        const delta = turn.partial.next(text);
        if (delta) this.host.send(serverEvent('conversation.item.input_audio_transcription.delta', { item_id: turn.itemId, content_index: 0, delta }));
      })
      .catch(() => {}) // a failed partial is only a missed preview; the final decides
      .finally(() => (this.partialInFlight = false));
  }
}

function toDetector(settings: ServerVad) {
  return { threshold: settings.threshold, prefixPaddingMs: settings.prefix_padding_ms, silenceDurationMs: settings.silence_duration_ms };
}
