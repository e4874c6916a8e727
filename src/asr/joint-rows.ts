import type { JointStep, JointStepOutput } from './joint-step.js';
import type { EncoderBatch } from './tdt-greedy-decoder.js';

/**
 * The input rows of batched joint calls, reused from call to call: row a holds one utterance's encoder frame,
 * its last token and its LSTM state. The joint takes states layer-major ([L, rows, H]) while the decoders keep
 * them per utterance ([L][H]), so a call's rows are laid out for its row count, set by `begin`.
 */
export class JointRows {
  private frames: Float32Array;
  private targets: Int32Array;
  private h: Float32Array;
  private c: Float32Array;
  private rows = 0;

  constructor(
    private readonly joint: JointStep,
    capacity: number,
  ) {
    const { encoderDim: D, stateLayers: L, stateSize: H } = joint;
    this.frames = new Float32Array(capacity * D);
    this.targets = new Int32Array(capacity);
    this.h = new Float32Array(L * capacity * H);
    this.c = new Float32Array(L * capacity * H);
  }

  /** Starts a call of `rows` rows, growing the buffers if they are too small. */
  begin(rows: number): void {
    if (rows > this.targets.length) {
      const { encoderDim: D, stateLayers: L, stateSize: H } = this.joint;
      this.frames = new Float32Array(rows * D);
      this.targets = new Int32Array(rows);
      this.h = new Float32Array(L * rows * H);
      this.c = new Float32Array(L * rows * H);
    }
    this.rows = rows;
  }

  /** Row a: frame t of utterance b (encoder output channel-major [B, D, T]), the last token, and the state at h/c[at, at + L·H). */
  set(a: number, enc: EncoderBatch, b: number, t: number, target: number, h: Float32Array, c: Float32Array, at: number): void {
    const { encoderDim: D, stateLayers: L, stateSize: H } = this.joint;
    const T = enc.frames;
    const src = b * D * T + t;
    const dst = a * D;
    for (let d = 0; d < D; d++) this.frames[dst + d] = enc.data[src + d * T];
    this.targets[a] = target;
    for (let l = 0; l < L; l++) {
      const from = at + l * H;
      const to = (l * this.rows + a) * H;
      this.h.set(h.subarray(from, from + H), to);
      this.c.set(c.subarray(from, from + H), to);
    }
  }

  run(): Promise<JointStepOutput> {
    const { rows: A } = this;
    const LAH = this.joint.stateLayers * A * this.joint.stateSize;
    return this.joint.run({
      batch: A,
      encoderFrames: this.frames.subarray(0, A * this.joint.encoderDim),
      targets: this.targets.subarray(0, A),
      h: this.h.subarray(0, LAH),
      c: this.c.subarray(0, LAH),
    });
  }

  /** Row a's state after the call, into h/c[at, at + L·H) (per utterance, [L][H]). */
  stateOf(out: JointStepOutput, a: number, h: Float32Array, c: Float32Array, at: number): void {
    const { stateLayers: L, stateSize: H } = this.joint;
    for (let l = 0; l < L; l++) {
      const from = (l * this.rows + a) * H;
      h.set(out.h.subarray(from, from + H), at + l * H);
      c.set(out.c.subarray(from, from + H), at + l * H);
    }
  }
}
