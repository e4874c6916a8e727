import { JointRows } from './joint-rows.js';
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

/**
 * Sizes of one decode (batch, state layers × size, joint logits per row) and each utterance's encoded length,
 * clamped to the tensor: low-precision TensorRT engines have been seen to report lengths past it (contract §6.4).
 */
export function decodeShape(enc: EncoderBatch, joint: JointStep) {
  if (enc.dim !== joint.encoderDim) throw new Error(`encoder dim ${enc.dim} != joint input dim ${joint.encoderDim}`);
  const lengths = new Int32Array(enc.batch);
  for (let b = 0; b < enc.batch; b++) lengths[b] = Math.max(0, Math.min(Number(enc.lengths[b]), enc.frames));
  return { B: enc.batch, W: joint.logitWidth, LH: joint.stateLayers * joint.stateSize, lengths };
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
    const { B, W, LH, lengths } = decodeShape(enc, joint);

    const results: DecodedUtterance[] = [];
    const time = new Int32Array(B);
    const emitted = new Int32Array(B);
    const last = new Int32Array(B).fill(blankId);
    // Per-utterance states, utterance-major: [B][L][H].
    const hs = new Float32Array(B * LH);
    const cs = new Float32Array(B * LH);
    for (let b = 0; b < B; b++) results.push({ tokens: [], frames: [], durations: [], logprobs: [] });
    const rows = new JointRows(joint, B);
    const active = new Int32Array(B);

    for (;;) {
      let A = 0;
      for (let b = 0; b < B; b++) if (time[b] < lengths[b]) active[A++] = b;
      if (A === 0) break;

      rows.begin(A);
      for (let a = 0; a < A; a++) rows.set(a, enc, active[a], time[active[a]], last[active[a]], hs, cs, active[a] * LH);
      const out = await rows.run();

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
          rows.stateOf(out, a, hs, cs, b * LH);
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
