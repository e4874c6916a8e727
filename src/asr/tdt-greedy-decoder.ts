import type { JointStep } from './joint-step.js';

export interface TdtDecoderOptions {
  blankId: number;
  /** Token logits come first, blank included: [0, vocabSize). */
  vocabSize: number;
  /** Frame advance for each duration logit; empty for a plain RNN-T joint. */
  durations: readonly number[];
  /** Most tokens emitted on one encoder frame before the decoder is forced on. */
  maxSymbolsPerStep: number;
}

export interface DecodedUtterance {
  tokens: number[];
  /** Encoder frame on which each token was emitted. */
  frames: number[];
  /** Predicted duration (frames) of each token. */
  durations: number[];
  /** Log-probability of each token under the joint's token softmax. */
  logprobs: number[];
}

export interface EncoderBatch {
  /** Encoder output as the model returns it: channel-major [batch, dim, frames]. */
  data: Float32Array;
  batch: number;
  dim: number;
  frames: number;
  /** Valid encoder frames per utterance; nothing past them is decoded. */
  lengths: ArrayLike<number>;
}

/** The joint must output one logit per token (blank included) and per duration. */
export function checkJointWidth(joint: JointStep, options: TdtDecoderOptions): void {
  if (joint.logitWidth !== options.vocabSize + options.durations.length) {
    throw new Error(`joint output width ${joint.logitWidth} != ${options.vocabSize} tokens + ${options.durations.length} durations`);
  }
}

/** Sizes of one decode: batch, encoder dim and frames, state layers × size, joint logits per row. */
export function decodeShape(enc: EncoderBatch, joint: JointStep) {
  if (enc.dim !== joint.encoderDim) throw new Error(`encoder dim ${enc.dim} != joint input dim ${joint.encoderDim}`);
  const L = joint.stateLayers;
  const H = joint.stateSize;
  return { B: enc.batch, D: enc.dim, T: enc.frames, L, H, W: joint.logitWidth, LH: L * H };
}

/** Turns a batch of encoder output into token sequences (greedy or beam search). */
export interface TdtDecoder {
  decode(enc: EncoderBatch): Promise<DecodedUtterance[]>;
}

/**
 * Batched TDT greedy decoding (parakeet-contract.md §4.3, the rules onnx-asr and NeMo share): each call
 * of the joint carries every still-active utterance of the batch, each on its own frame with its own LSTM
 * state; the state advances only on a non-blank emission; a blank with duration 0 advances one frame.
 */
export class TdtGreedyDecoder implements TdtDecoder {
  constructor(
    private readonly joint: JointStep,
    private readonly options: TdtDecoderOptions,
  ) {
    checkJointWidth(joint, options);
  }

  async decode(enc: EncoderBatch): Promise<DecodedUtterance[]> {
    const { joint } = this;
    const { blankId, vocabSize, durations, maxSymbolsPerStep } = this.options;
    const { B, D, T, L, H, W, LH } = decodeShape(enc, joint);

    const results: DecodedUtterance[] = [];
    const lengths = new Int32Array(B);
    const time = new Int32Array(B);
    const emitted = new Int32Array(B);
    const last = new Int32Array(B).fill(blankId);
    // Per-utterance states, utterance-major: [B][L][H].
    const hs = new Float32Array(B * LH);
    const cs = new Float32Array(B * LH);
    for (let b = 0; b < B; b++) {
      // Clamp: low-precision TensorRT engines have been seen to report lengths past the tensor (contract §6.4).
      lengths[b] = Math.max(0, Math.min(Number(enc.lengths[b]), T));
      results.push({ tokens: [], frames: [], durations: [], logprobs: [] });
    }
    const frameIn = new Float32Array(B * D);
    const targetIn = new Int32Array(B);
    const hIn = new Float32Array(L * B * H);
    const cIn = new Float32Array(L * B * H);
    const active = new Int32Array(B);

    for (;;) {
      let A = 0;
      for (let b = 0; b < B; b++) if (time[b] < lengths[b]) active[A++] = b;
      if (A === 0) break;

      for (let a = 0; a < A; a++) {
        const b = active[a];
        const t = time[b];
        const src = b * D * T + t;
        const dst = a * D;
        for (let d = 0; d < D; d++) frameIn[dst + d] = enc.data[src + d * T];
        targetIn[a] = last[b];
        for (let l = 0; l < L; l++) {
          const from = b * LH + l * H;
          const to = (l * A + a) * H;
          hIn.set(hs.subarray(from, from + H), to);
          cIn.set(cs.subarray(from, from + H), to);
        }
      }

      const out = await joint.run({
        batch: A,
        encoderFrames: frameIn.subarray(0, A * D),
        targets: targetIn.subarray(0, A),
        h: hIn.subarray(0, L * A * H),
        c: cIn.subarray(0, L * A * H),
      });

      for (let a = 0; a < A; a++) {
        const b = active[a];
        const row = a * W;
        let token = 0;
        let best = out.logits[row];
        for (let k = 1; k < vocabSize; k++) {
          const v = out.logits[row + k];
          if (v > best) {
            best = v;
            token = k;
          }
        }
        let step = 0;
        if (durations.length > 0) {
          let durIdx = 0;
          let durBest = out.logits[row + vocabSize];
          for (let k = 1; k < durations.length; k++) {
            const v = out.logits[row + vocabSize + k];
            if (v > durBest) {
              durBest = v;
              durIdx = k;
            }
          }
          step = durations[durIdx];
        }
        if (token !== blankId) {
          for (let l = 0; l < L; l++) {
            const from = (l * A + a) * H;
            const to = b * LH + l * H;
            hs.set(out.h.subarray(from, from + H), to);
            cs.set(out.c.subarray(from, from + H), to);
          }
          const r = results[b];
          r.tokens.push(token);
          r.frames.push(time[b]);
          r.durations.push(step);
          r.logprobs.push(best - logSumExp(out.logits, row, vocabSize));
          last[b] = token;
          emitted[b]++;
        }
        if (step > 0) {
          time[b] += step;
          emitted[b] = 0;
        } else if (token === blankId || emitted[b] >= maxSymbolsPerStep) {
          time[b] += 1;
          emitted[b] = 0;
        }
      }
    }
    return results;
  }
}

function logSumExp(x: Float32Array, offset: number, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[offset + i] > max) max = x[offset + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(x[offset + i] - max);
  return max + Math.log(sum);
}
