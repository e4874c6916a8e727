export interface SpeechDetectorSettings {
  /** Probability at or above which a frame is speech (0–1). */
  threshold: number;
  /** Audio kept before the first speech frame (speech_started.paddedStartSample). */
  prefixPaddingMs: number;
  /** Silence that ends speech. */
  silenceDurationMs: number;
  /** Consecutive speech that starts a turn, so a click is not one; default 64 (two frames). */
  minSpeechMs?: number;
}

export type SpeechEvent =
  | {
      type: 'speech_started';
      /** Start of the first speech frame. */
      atSample: number;
      /** atSample − prefix padding, not before the last reset position. */
      paddedStartSample: number;
    }
  | {
      type: 'speech_stopped';
      /** End of the last speech frame. */
      atSample: number;
      /** End of the frame at which the silence reached silenceDurationMs. */
      detectedAtSample: number;
    };

const DEFAULT_MIN_SPEECH_MS = 64;
/** Silero's hysteresis: once speaking, speech continues down to threshold − 0.15 (never below 0.05). */
const HYSTERESIS = 0.15;
const LOWEST_CONTINUE = 0.05;

/**
 * Turns per-frame speech probabilities into speech_started / speech_stopped events, on a clock of samples
 * counted from the first frame. Plain state, no I/O: the realtime session feeds it what VadStream returns,
 * and the REST chunk planner runs it over a whole clip.
 */
export class SpeechDetector {
  private startThreshold = 0;
  private continueThreshold = 0;
  private minSpeechFrames = 1;
  private silenceSamples = 0;
  private prefixSamples = 0;
  private at = 0;
  private resetAt = 0;
  private inSpeech = false;
  /** Frames in a row at or above the threshold while not speaking, and where that run began. */
  private run = 0;
  private runStart = 0;
  /** End of the last frame that kept speech going. */
  private lastSpeechEnd = 0;

  constructor(
    settings: SpeechDetectorSettings,
    private readonly frameSamples = 512,
    private readonly sampleRate = 16000,
  ) {
    this.update(settings);
  }

  get position(): number {
    return this.at;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  update(settings: SpeechDetectorSettings): void {
    const samples = (ms: number) => Math.round((ms * this.sampleRate) / 1000);
    this.startThreshold = settings.threshold;
    this.continueThreshold = Math.max(settings.threshold - HYSTERESIS, LOWEST_CONTINUE);
    // A tolerance keeps 64 ms at exactly two 32 ms frames despite float rounding.
    this.minSpeechFrames = Math.max(1, Math.ceil(samples(settings.minSpeechMs ?? DEFAULT_MIN_SPEECH_MS) / this.frameSamples - 1e-9));
    this.silenceSamples = samples(settings.silenceDurationMs);
    this.prefixSamples = samples(settings.prefixPaddingMs);
  }

  /** Forgets open speech (after a manual commit or clear); the position keeps counting. */
  reset(): void {
    this.inSpeech = false;
    this.run = 0;
    this.resetAt = this.at;
  }

  push(probabilities: Float32Array): SpeechEvent[] {
    const events: SpeechEvent[] = [];
    for (let i = 0; i < probabilities.length; i++) {
      const p = probabilities[i];
      const start = this.at;
      const end = start + this.frameSamples;
      this.at = end;
      if (this.inSpeech) {
        if (p >= this.continueThreshold) {
          this.lastSpeechEnd = end;
        } else if (end - this.lastSpeechEnd >= this.silenceSamples) {
          events.push({ type: 'speech_stopped', atSample: this.lastSpeechEnd, detectedAtSample: end });
          this.inSpeech = false;
          this.run = 0;
        }
        continue;
      }
      if (p < this.startThreshold) {
        this.run = 0;
        continue;
      }
      if (this.run === 0) this.runStart = start;
      this.run++;
      if (this.run >= this.minSpeechFrames) {
        this.inSpeech = true;
        this.lastSpeechEnd = end;
        events.push({ type: 'speech_started', atSample: this.runStart, paddedStartSample: Math.max(this.resetAt, this.runStart - this.prefixSamples) });
      }
    }
    return events;
  }
}
