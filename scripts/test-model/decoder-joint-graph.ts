import { OnnxGraph, type OnnxGraphOptions } from './onnx-graph.js';
import type { SeededRandom } from './random.js';

export interface DecoderJointShape {
  encoderDim: number;
  /** Token classes including blank (blank is the last id). */
  vocabSize: number;
  durations: number;
  layers: number;
  hidden: number;
  joint: number;
  /** Added to the blank logit so that random weights emit a realistic mix of tokens and blanks. */
  blankBias: number;
  /** Added to each duration logit (durations 0, 1, …), to steer how far decoding jumps per step. */
  durationBias?: readonly number[];
  /** One bias on each joint input projection, as NeMo's RNNTJoint has, instead of one shared bias. */
  separateJointBiases?: boolean;
}

/**
 * The fused prediction network + TDT joint with the Parakeet I/O contract: Embedding (blank row zero, as
 * NeMo's padding_idx) → stacked LSTM carried by input/output states → joint(enc, pred) → token logits with
 * blank last, then duration logits.
 */
export function buildDecoderJoint(shape: DecoderJointShape, rng: SeededRandom): Uint8Array {
  return buildDecoderJointGraph(shape, rng).encode();
}

export function buildDecoderJointGraph(shape: DecoderJointShape, rng: SeededRandom, options: OnnxGraphOptions = {}): OnnxGraph {
  const { encoderDim: D, vocabSize: V, layers: L, hidden: H, joint: J, durations: nD } = shape;
  const g = new OnnxGraph('decoder_joint', options);
  // Drawn when stored (never in a dry run), in the same order as before the dry run existed.
  const normal = (dims: number[], std: number) => g.weight(dims, () => rng.normal(dims.reduce((a, b) => a * b, 1), std));
  const enc = g.input('encoder_outputs', 'float32', ['batch', D, 'enc_frames']);
  const targets = g.input('targets', 'int32', ['batch', 'target_frames']);
  const targetLength = g.input('target_length', 'int32', ['batch']);
  const h0 = g.input('input_states_1', 'float32', [L, 'batch', H]);
  const c0 = g.input('input_states_2', 'float32', [L, 'batch', H]);

  const table = g.weight([V, H], () => rng.normal(V * H, 1).fill(0, (V - 1) * H));
  const emb = g.one('Gather', [table, g.one('Cast', [targets], { to: 7 })], { axis: 0 });
  let x = g.one('Transpose', [emb], { perm: [1, 0, 2] });
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < L; l++) {
    const at = (s: string) => g.one('Slice', [s, g.int64([1], [l]), g.int64([1], [l + 1]), g.int64([1], [0])]);
    const w = normal([1, 4 * H, H], Math.sqrt(1 / H));
    const r = normal([1, 4 * H, H], Math.sqrt(1 / H));
    const b = normal([1, 8 * H], 0.1);
    const [y, yh, yc] = g.op('LSTM', [x, w, r, b, '', at(h0), at(c0)], { hidden_size: H }, 3);
    x = g.one('Squeeze', [y, g.int64([1], [1])]);
    hs.push(yh);
    cs.push(yc);
  }
  const pred = g.one('Transpose', [x], { perm: [1, 0, 2] });
  const withBias = (x: string) => (shape.separateJointBiases ? g.one('Add', [x, normal([J], 0.1)]) : x);
  const predJ = g.one('Unsqueeze', [withBias(g.one('MatMul', [pred, normal([H, J], Math.sqrt(1 / H))])), g.int64([1], [1])]);
  const encT = g.one('Transpose', [enc], { perm: [0, 2, 1] });
  const encJ = g.one('Unsqueeze', [withBias(g.one('MatMul', [encT, normal([D, J], Math.sqrt(1 / D))])), g.int64([1], [2])]);
  const summed = g.one('Add', [encJ, predJ]);
  const hidden = g.one('Relu', [shape.separateJointBiases ? summed : g.one('Add', [summed, normal([J], 0.1)])]);
  const bias = rng.normal(V + nD, 0.1);
  bias[V - 1] += shape.blankBias;
  shape.durationBias?.forEach((d, k) => (bias[V + k] += d));
  g.one('Add', [g.one('MatMul', [hidden, normal([J, V + nD], Math.sqrt(2 / J))]), g.float([V + nD], bias)], {}, 'outputs');
  g.one('Identity', [targetLength], {}, 'prednet_lengths');
  g.one('Concat', hs, { axis: 0 }, 'output_states_1');
  g.one('Concat', cs, { axis: 0 }, 'output_states_2');

  g.output('outputs', 'float32', ['batch', 'enc_frames', 'target_frames', V + nD]);
  g.output('prednet_lengths', 'int32', ['batch']);
  g.output('output_states_1', 'float32', [L, 'batch', H]);
  g.output('output_states_2', 'float32', [L, 'batch', H]);
  return g;
}
