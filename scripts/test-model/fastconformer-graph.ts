import { OnnxGraph, type OnnxGraphOptions } from './onnx-graph.js';
import type { SeededRandom } from './random.js';

/** NeMo ConformerEncoder hyperparameters (parakeet-contract.md §8). */
export interface FastConformerShape {
  features: number;
  /** dw_striding subsampling channels (256 in Parakeet). */
  subsamplingChannels: number;
  dModel: number;
  layers: number;
  heads: number;
  ffDim: number;
  convKernel: number;
  /** Rows of the relative-position table on each side of 0; inputs past it fail, as the real export does. */
  posEmbMaxLen: number;
}

/** parakeet-tdt-0.6b-v2's encoder. */
export const PARAKEET_ENCODER: FastConformerShape = {
  features: 128,
  subsamplingChannels: 256,
  dModel: 1024,
  layers: 24,
  heads: 8,
  ffDim: 4096,
  convKernel: 9,
  posEmbMaxLen: 5000,
};

/**
 * NeMo's RelPositionalEncoding table for positions max−1 … −(max−1) (row max−1 is position 0): sinusoids
 * with the even channels sin and the odd ones cos, stored in the export as a constant.
 */
export function relativePositionTable(maxLen: number, d: number): Float32Array {
  const rows = 2 * maxLen - 1;
  const table = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const pos = maxLen - 1 - r;
    for (let i = 0; i < d; i += 2) {
      const angle = pos * Math.exp(-(i * Math.log(10000)) / d);
      table[r * d + i] = Math.sin(angle);
      if (i + 1 < d) table[r * d + i + 1] = Math.cos(angle);
    }
  }
  return table;
}

/**
 * The FastConformer encoder of parakeet-tdt-0.6b-v2 as NeMo's TorchScript export computes it, with random
 * weights: dw_striding 8× subsampling, then per layer ½FF → rel-pos MHSA (Transformer-XL biases u/v,
 * rel_shift) → conv module (pointwise+GLU, masked depthwise, BatchNorm, Swish, pointwise) → ½FF → LayerNorm;
 * no biases outside the subsampling (use_bias false), no input scaling. Same I/O contract and the same
 * FLOPs and memory traffic as the real model, so what it costs to run is what Parakeet costs.
 */
export function buildFastConformerEncoder(shape: FastConformerShape, rng: SeededRandom, options: OnnxGraphOptions = {}): OnnxGraph {
  const { dModel: D, heads: H, subsamplingChannels: C } = shape;
  const dk = D / H;
  const g = new OnnxGraph('encoder', options);
  const i64 = (...v: number[]) => g.int64([v.length], v);
  const scalar = (v: number) => g.weight([], () => Float32Array.of(v), 'constant');
  const normal = (dims: number[], std: number) => g.weight(dims, () => rng.normal(dims.reduce((a, b) => a * b, 1), std));
  const filled = (dims: number[], value: number, kind: 'parameter' | 'buffer' = 'parameter') =>
    g.weight(dims, () => new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value), kind);
  const linear = (x: string, inDim: number, outDim: number, gain = 1) => g.one('MatMul', [x, normal([inDim, outDim], gain * Math.sqrt(1 / inDim))]);
  // Residual branches start small (as GPT-2 initialises them): at full scale each branch would add as much as
  // the input carries, and 24 layers of near-uniform random attention would wash every frame into the same vector.
  const branch = 1 / Math.sqrt(2 * shape.layers);
  const layerNorm = (x: string) => g.one('LayerNormalization', [x, filled([D], 1), filled([D], 0)], { axis: -1, epsilon: { float: 1e-5 } });
  const swish = (x: string) => g.one('Mul', [x, g.one('Sigmoid', [x])]);

  const audio = g.input('audio_signal', 'float32', ['batch', shape.features, 'frames']);
  const length = g.input('length', 'int64', ['batch']);

  // Subsampling: [B, 128, T] → [B, 1, T, 128] → three stride-2 stages → [B, T', C·F/8] → Linear → [B, T', D].
  let x = g.one('Unsqueeze', [g.one('Transpose', [audio], { perm: [0, 2, 1] }), i64(1)]);
  const conv2d = (input: string, out: number, inCh: number, k: number, group: number, stride: number) =>
    g.one('Conv', [input, normal([out, inCh / group, k, k], Math.sqrt(2 / ((inCh / group) * k * k))), normal([out], 0.1)], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0],
      group,
    });
  x = g.one('Relu', [conv2d(x, C, 1, 3, 1, 2)]);
  for (let s = 0; s < 2; s++) x = g.one('Relu', [conv2d(conv2d(x, C, C, 3, C, 2), C, C, 1, 1, 1)]);
  const flat = C * Math.ceil(Math.ceil(Math.ceil(shape.features / 2) / 2) / 2);
  x = g.one('Reshape', [g.one('Transpose', [x], { perm: [0, 2, 1, 3] }), i64(0, 0, flat)]);
  x = g.one('Add', [g.one('MatMul', [x, normal([flat, D], Math.sqrt(1 / flat))]), normal([D], 0.1)]);

  // Lengths as NeMo's calc_length: floor((L + 2 − 3) / 2 + 1) three times.
  let len = length;
  for (let s = 0; s < 3; s++) len = g.one('Div', [g.one('Add', [len, i64(1)]), i64(2)]);
  const frames = g.one('Gather', [g.one('Shape', [x]), g.int64([], [1])], { axis: 0 });
  const framesVec = g.one('Unsqueeze', [frames, i64(0)]);
  const range = g.one('Range', [g.int64([], [0]), frames, g.int64([], [1])]);
  const valid = g.one('Cast', [g.one('Less', [g.one('Unsqueeze', [range, i64(0)]), g.one('Unsqueeze', [len, i64(1)])])], { to: 1 });
  const validCol = g.one('Unsqueeze', [valid, i64(1)]); // [B, 1, T'] for channel-major masking
  const pairValid = g.one('Mul', [g.one('Unsqueeze', [valid, i64(1, 3)]), g.one('Unsqueeze', [valid, i64(1, 2)])]); // [B,1,T',T']
  const pairBias = g.one('Mul', [g.one('Sub', [pairValid, scalar(1)]), scalar(10000)]);

  // Positions T'−1 … −(T'−1) out of the table; a longer input fails here as the real export does (§5.2).
  const table = g.weight([1, 2 * shape.posEmbMaxLen - 1, D], () => relativePositionTable(shape.posEmbMaxLen, D), 'buffer');
  const posStart = g.one('Sub', [i64(shape.posEmbMaxLen), framesVec]);
  const posEnd = g.one('Add', [i64(shape.posEmbMaxLen - 1), framesVec]);
  const posEmb = g.one('Slice', [table, posStart, posEnd, i64(1)]);

  const heads = (t: string, batchDim: number) => g.one('Transpose', [g.one('Reshape', [t, i64(batchDim, 0, H, dk)])], { perm: [0, 2, 1, 3] });
  const relShiftShape = g.one('Concat', [i64(0, 0, -1), framesVec], { axis: 0 });
  const backShape = g.one('Concat', [i64(0, 0), framesVec, i64(-1)], { axis: 0 });
  const feedForward = (input: string) => g.one('Mul', [linear(swish(linear(layerNorm(input), D, shape.ffDim)), shape.ffDim, D, branch), scalar(0.5)]);

  for (let l = 0; l < shape.layers; l++) {
    x = g.one('Add', [x, feedForward(x)]);

    const a = layerNorm(x);
    const q = g.one('Reshape', [linear(a, D, D), i64(0, 0, H, dk)]);
    const k = heads(linear(a, D, D), 0);
    const v = heads(linear(a, D, D), 0);
    const p = heads(linear(posEmb, D, D), 1);
    const qu = g.one('Transpose', [g.one('Add', [q, normal([H, dk], 0.1)])], { perm: [0, 2, 1, 3] });
    const qv = g.one('Transpose', [g.one('Add', [q, normal([H, dk], 0.1)])], { perm: [0, 2, 1, 3] });
    const ac = g.one('MatMul', [qu, g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    let bd = g.one('MatMul', [qv, g.one('Transpose', [p], { perm: [0, 1, 3, 2] })]); // [B, H, T', 2T'−1]
    // NeMo's rel_shift: pad one column on the left, view as [.., 2T', T'], drop the first row, view back.
    bd = g.one('Pad', [bd, i64(0, 0, 0, 1, 0, 0, 0, 0)]);
    bd = g.one('Slice', [g.one('Reshape', [bd, relShiftShape]), i64(1), i64(2 ** 62), i64(2)]);
    bd = g.one('Slice', [g.one('Reshape', [bd, backShape]), i64(0), framesVec, i64(3)]);
    const scores = g.one('Add', [g.one('Mul', [g.one('Add', [ac, bd]), scalar(1 / Math.sqrt(dk))]), pairBias]);
    const attn = g.one('Mul', [g.one('Softmax', [scores], { axis: -1 }), pairValid]);
    const context = g.one('Reshape', [g.one('Transpose', [g.one('MatMul', [attn, v])], { perm: [0, 2, 1, 3] }), i64(0, 0, D)]);
    x = g.one('Add', [x, linear(context, D, D, branch)]);

    let c = g.one('Transpose', [layerNorm(x)], { perm: [0, 2, 1] });
    c = g.one('Conv', [c, normal([2 * D, D, 1], Math.sqrt(1 / D))], { kernel_shape: [1] });
    const [glu, gate] = g.op('Split', [c], { axis: 1 }, 2);
    c = g.one('Mul', [g.one('Mul', [glu, g.one('Sigmoid', [gate])]), validCol]);
    const pad = (shape.convKernel - 1) / 2;
    c = g.one('Conv', [c, normal([D, 1, shape.convKernel], Math.sqrt(1 / shape.convKernel))], { kernel_shape: [shape.convKernel], pads: [pad, pad], group: D });
    c = g.one('BatchNormalization', [c, filled([D], 1), filled([D], 0), filled([D], 0, 'buffer'), filled([D], 1, 'buffer')], { epsilon: { float: 1e-5 } });
    c = g.one('Conv', [swish(c), normal([D, D, 1], branch * Math.sqrt(1 / D))], { kernel_shape: [1] });
    x = g.one('Add', [x, g.one('Transpose', [c], { perm: [0, 2, 1] })]);

    x = layerNorm(g.one('Add', [x, feedForward(x)]));
  }

  g.one('Transpose', [x], { perm: [0, 2, 1] }, 'outputs');
  g.one('Identity', [len], {}, 'encoded_lengths');
  g.output('outputs', 'float32', ['batch', D, 'encoded_frames']);
  g.output('encoded_lengths', 'int64', ['batch']);
  return g;
}

/** PyTorch parameter count of an encoder shape, from the hyperparameters alone (the check on the graph). */
export function fastConformerParameters(s: FastConformerShape): number {
  const { dModel: D, subsamplingChannels: C } = s;
  const flat = C * Math.ceil(Math.ceil(Math.ceil(s.features / 2) / 2) / 2);
  const subsampling = C * 9 + C + 2 * (C * 9 + C + C * C + C) + flat * D + D;
  const layer = 2 * (2 * D * s.ffDim) + 4 * D * D + D * D + 2 * D + 2 * D * D + D * s.convKernel + 2 * D + D * D + 5 * 2 * D;
  return subsampling + s.layers * layer;
}
