import { SILERO_FRAME_SAMPLES as FRAME, SILERO_STATE_LENGTH } from './silero-model.js';

/**
 * One sequence of frames with its own LSTM state, as SileroBatcher sees it: a realtime stream or one
 * segment of a clip. The batcher reads a frame from each ready lane into one batch, runs it, then hands
 * each lane its probability and writes its new state back.
 */
export interface VadLane {
  /** LSTM state, [layers, 64] each. */
  readonly h: Float32Array;
  readonly c: Float32Array;
  /** Set while the lane sits in the batcher's ready queue, so it is queued once. */
  queued: boolean;
  hasFrame(): boolean;
  /** Copies the next frame to `into` at `offset`. */
  readFrame(into: Float32Array, offset: number): void;
  /** The probability of the frame read last. */
  accept(probability: number): void;
}

interface PushReply {
  id: number;
  probabilities: Float32Array;
  filled: number;
}

/** A realtime stream: pushed samples wait in a buffer; each push is answered once its frames have run. */
export class StreamLane implements VadLane {
  readonly h = new Float32Array(SILERO_STATE_LENGTH);
  readonly c = new Float32Array(SILERO_STATE_LENGTH);
  queued = false;
  private buffer = new Float32Array(FRAME * 16);
  private readAt = 0;
  private writeAt = 0;
  private received = 0;
  private readonly replies: PushReply[] = [];
  private closing = false;

  constructor(
    private readonly reply: (id: number, probabilities: Float32Array) => void,
    private readonly release: () => void,
  ) {}

  /** Buffers samples; the push is answered with the probabilities of the frames they complete. */
  append(id: number, samples: Float32Array): void {
    const frames = Math.floor((this.received + samples.length) / FRAME) - Math.floor(this.received / FRAME);
    this.received += samples.length;
    this.reserve(samples.length);
    this.buffer.set(samples, this.writeAt);
    this.writeAt += samples.length;
    this.replies.push({ id, probabilities: new Float32Array(frames), filled: 0 });
    this.flush();
  }

  /** Frees the lane once the pushes already made are answered; samples short of a frame are dropped. */
  close(): void {
    this.closing = true;
    this.flush();
  }

  hasFrame(): boolean {
    return this.writeAt - this.readAt >= FRAME;
  }

  readFrame(into: Float32Array, offset: number): void {
    const from = this.readAt;
    for (let i = 0; i < FRAME; i++) into[offset + i] = this.buffer[from + i];
    this.readAt = from + FRAME;
  }

  accept(probability: number): void {
    const head = this.replies[0];
    head.probabilities[head.filled++] = probability;
    this.flush();
  }

  private flush(): void {
    while (this.replies.length && this.replies[0].filled === this.replies[0].probabilities.length) {
      const done = this.replies.shift()!;
      this.reply(done.id, done.probabilities);
    }
    if (this.closing && !this.replies.length) this.release();
  }

  /** Room for `n` more samples: first by moving the unread tail to the front, then by growing. */
  private reserve(n: number): void {
    if (this.writeAt + n <= this.buffer.length) return;
    const unread = this.writeAt - this.readAt;
    if (unread + n <= this.buffer.length) {
      this.buffer.copyWithin(0, this.readAt, this.writeAt);
    } else {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, unread + n));
      grown.set(this.buffer.subarray(this.readAt, this.writeAt));
      this.buffer = grown;
    }
    this.readAt = 0;
    this.writeAt = unread;
  }
}

/** A whole clip, split into segments that run as parallel lanes and write into one result. */
export class ClipJob {
  readonly probabilities: Float32Array;
  cancelled = false;
  private remaining = 0;

  constructor(
    readonly samples: Float32Array,
    private readonly done: (probabilities: Float32Array) => void,
  ) {
    this.probabilities = new Float32Array(Math.floor(samples.length / FRAME));
  }

  /** The segment lanes; a clip shorter than a frame has none and is answered at once. */
  lanes(segments: ClipSegment[]): SegmentLane[] {
    this.remaining = segments.length;
    if (!segments.length) this.done(this.probabilities);
    return segments.map((s) => new SegmentLane(this, s));
  }

  segmentDone(): void {
    if (--this.remaining === 0 && !this.cancelled) this.done(this.probabilities);
  }
}

export interface ClipSegment {
  /** First frame run (warm-up included). */
  from: number;
  /** First frame whose probability is kept. */
  keepFrom: number;
  /** One past the last frame. */
  end: number;
}

/**
 * Frames [0, frames) as up to `maxSegments` segments of at least `minFrames`, each starting `warmupFrames`
 * early (except the first) so its LSTM state has settled by the frames it keeps; the warm-up's probabilities
 * are thrown away.
 */
export function planClipSegments(frames: number, maxSegments: number, warmupFrames: number, minFrames: number): ClipSegment[] {
  if (frames <= 0) return [];
  const count = Math.max(1, Math.min(maxSegments, Math.floor(frames / minFrames)));
  return Array.from({ length: count }, (_, k) => {
    const keepFrom = Math.floor((k * frames) / count);
    return { from: Math.max(0, keepFrom - warmupFrames), keepFrom, end: Math.floor(((k + 1) * frames) / count) };
  });
}

export class SegmentLane implements VadLane {
  readonly h = new Float32Array(SILERO_STATE_LENGTH);
  readonly c = new Float32Array(SILERO_STATE_LENGTH);
  queued = false;
  private frame: number;

  constructor(
    private readonly job: ClipJob,
    private readonly segment: ClipSegment,
  ) {
    this.frame = segment.from;
  }

  hasFrame(): boolean {
    return !this.job.cancelled && this.frame < this.segment.end;
  }

  readFrame(into: Float32Array, offset: number): void {
    const samples = this.job.samples;
    const from = this.frame * FRAME;
    for (let i = 0; i < FRAME; i++) into[offset + i] = samples[from + i];
  }

  accept(probability: number): void {
    if (this.frame >= this.segment.keepFrom) this.job.probabilities[this.frame] = probability;
    if (++this.frame === this.segment.end) this.job.segmentDone();
  }
}
