import * as ort from 'onnxruntime-node';
import { SILERO_FRAME_SAMPLES as FRAME, SILERO_LAYERS, SILERO_SAMPLE_RATE, SILERO_STATE_SIZE as H } from './silero-model.js';
import type { VadLane } from './vad-lanes.js';

interface BatchTensors {
  input: ort.Tensor;
  h: ort.Tensor;
  c: ort.Tensor;
}

/**
 * One Silero VAD session run across many lanes at once: each step takes the next frame of up to `maxBatch`
 * ready lanes (oldest first, so busy lanes take turns), runs them as one batch with their LSTM states
 * gathered into [2, B, 64], then scatters the new states back. A batch of 32 costs about 14 single runs, so
 * concurrent streams and clip segments share steps instead of queueing behind each other. Plain class, no
 * threads: the worker calls step(); run() blocks whatever thread it is on.
 */
export class SileroBatcher {
  private readonly input: Float32Array;
  private readonly h: Float32Array;
  private readonly c: Float32Array;
  /** Tensors over the shared buffers, one set per batch size, made on first use. */
  private readonly tensors: (BatchTensors | undefined)[] = [];
  private readonly sampleRate = new ort.Tensor('int64', BigInt64Array.of(BigInt(SILERO_SAMPLE_RATE)), []);
  private ready: VadLane[] = [];
  private readonly batch: VadLane[] = [];

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly maxBatch: number,
  ) {
    this.input = new Float32Array(maxBatch * FRAME);
    this.h = new Float32Array(SILERO_LAYERS * maxBatch * H);
    this.c = new Float32Array(SILERO_LAYERS * maxBatch * H);
  }

  static async load(modelPath: string, maxBatch: number): Promise<SileroBatcher> {
    // One thread: the model is tiny, and a thread pool would compete with the ASR runner for cores.
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 4,
    });
    return new SileroBatcher(session, maxBatch);
  }

  /** Whether any lane has a frame waiting. */
  get pending(): boolean {
    return this.ready.length > 0;
  }

  /** Queues a lane that has a frame waiting (a lane already queued or in the running batch stays put). */
  enqueue(lane: VadLane): void {
    if (lane.queued || !lane.hasFrame()) return;
    lane.queued = true;
    this.ready.push(lane);
  }

  /** Forgets lanes that will never have a frame again (a cancelled clip). */
  prune(): void {
    const kept: VadLane[] = [];
    for (const lane of this.ready) {
      if (lane.hasFrame()) kept.push(lane);
      else lane.queued = false;
    }
    this.ready = kept;
  }

  /** Runs one frame of up to maxBatch ready lanes; returns the batch size. */
  async step(): Promise<number> {
    const batch = this.batch;
    batch.length = 0;
    let taken = 0;
    while (taken < this.ready.length && batch.length < this.maxBatch) {
      const lane = this.ready[taken++];
      if (lane.hasFrame()) batch.push(lane);
      else lane.queued = false;
    }
    this.ready.splice(0, taken);
    const B = batch.length;
    if (!B) return 0;
    for (let b = 0; b < B; b++) {
      const lane = batch[b];
      lane.readFrame(this.input, b * FRAME);
      copyState(lane.h, this.h, b, B);
      copyState(lane.c, this.c, b, B);
    }
    const t = this.tensorsFor(B);
    const out = await this.session.run({ input: t.input, sr: this.sampleRate, h: t.h, c: t.c });
    const probabilities = out.output.data as Float32Array;
    const hn = out.hn.data as Float32Array;
    const cn = out.cn.data as Float32Array;
    for (let b = 0; b < B; b++) {
      const lane = batch[b];
      takeState(hn, lane.h, b, B);
      takeState(cn, lane.c, b, B);
      lane.queued = false;
      lane.accept(probabilities[b]);
      this.enqueue(lane);
    }
    return B;
  }

  release(): Promise<void> {
    return this.session.release();
  }

  private tensorsFor(B: number): BatchTensors {
    let t = this.tensors[B];
    if (!t) {
      const state = SILERO_LAYERS * B * H;
      t = {
        input: new ort.Tensor('float32', this.input.subarray(0, B * FRAME), [B, FRAME]),
        h: new ort.Tensor('float32', this.h.subarray(0, state), [SILERO_LAYERS, B, H]),
        c: new ort.Tensor('float32', this.c.subarray(0, state), [SILERO_LAYERS, B, H]),
      };
      this.tensors[B] = t;
    }
    return t;
  }
}

/** A lane's [layers, 64] state into slot b of a [layers, B, 64] batch. */
function copyState(from: Float32Array, to: Float32Array, b: number, B: number): void {
  for (let l = 0; l < SILERO_LAYERS; l++) {
    const src = l * H;
    const dst = (l * B + b) * H;
    for (let k = 0; k < H; k++) to[dst + k] = from[src + k];
  }
}

/** Slot b of a [layers, B, 64] batch back into a lane's state. */
function takeState(from: Float32Array, to: Float32Array, b: number, B: number): void {
  for (let l = 0; l < SILERO_LAYERS; l++) {
    const src = (l * B + b) * H;
    const dst = l * H;
    for (let k = 0; k < H; k++) to[dst + k] = from[src + k];
  }
}
