import { OnnxGraph } from './onnx-graph.js';
import type { SeededRandom } from './random.js';

export interface EncoderShape {
  features: number;
  /** Hidden channels of the strided convolutions. */
  channels: number;
  /** Width of `outputs` (1024 for Parakeet). */
  dim: number;
  /** Mel-frame count that makes the model fail at run time (fault tests), or null. */
  failMarkerFrames: number | null;
}

/**
 * A contract-shaped encoder: three stride-2 convolutions (8× subsampling, lengths ceil(L/2) thrice), each
 * masked by the running length, plus a global context vector averaged over valid frames only. Every frame
 * depends on its neighbours and on the valid length, so padding or length bugs change the output.
 */
export function buildEncoder(shape: EncoderShape, rng: SeededRandom): Uint8Array {
  const g = new OnnxGraph('encoder');
  const audio = g.input('audio_signal', 'float32', ['batch', shape.features, 'frames']);
  const length = g.input('length', 'int64', ['batch']);
  const zero = g.int64([], [0]);
  const one = g.int64([], [1]);
  const two = g.int64([1], [2]);
  const oneVec = g.int64([1], [1]);
  const idx2 = g.int64([], [2]);

  const timeMask = (x: string, len: string): string => {
    const frames = g.one('Gather', [g.one('Shape', [x]), idx2], { axis: 0 });
    const range = g.one('Range', [zero, frames, one]);
    const rangeRow = g.one('Unsqueeze', [range, g.int64([1], [0])]);
    const lenCol = g.one('Unsqueeze', [len, g.int64([1], [1])]);
    const valid = g.one('Cast', [g.one('Less', [rangeRow, lenCol])], { to: 1 });
    return g.one('Unsqueeze', [valid, g.int64([1], [1])]);
  };

  let x = audio;
  let len = length;
  let inCh = shape.features;
  let mask = '';
  for (let k = 0; k < 3; k++) {
    const w = g.float([shape.channels, inCh, 3], rng.normal(shape.channels * inCh * 3, Math.sqrt(1 / (inCh * 3))));
    const b = g.float([shape.channels], rng.normal(shape.channels, 0.1));
    const conv = g.one('Conv', [x, w, b], { kernel_shape: [3], strides: [2], pads: [1, 1] });
    len = g.one('Div', [g.one('Add', [len, oneVec]), two]);
    mask = timeMask(conv, len);
    x = g.one('Mul', [g.one('Tanh', [conv]), mask]);
    inCh = shape.channels;
  }

  // Mean over valid frames only; a zero length divides by 1 instead of 0.
  const summed = g.one('ReduceSum', [x, g.int64([1], [2])], { keepdims: 1 });
  const denom = g.one('Cast', [g.one('Max', [len, oneVec])], { to: 1 });
  const meanCtx = g.one('Div', [summed, g.one('Unsqueeze', [denom, g.int64([2], [1, 2])])]);
  const ctxW = g.float([shape.channels], rng.normal(shape.channels, 0.5));
  const mixed = g.one('Mul', [g.one('Add', [x, g.one('Mul', [meanCtx, g.one('Unsqueeze', [ctxW, g.int64([1], [1])])])]), mask]);

  const wp = g.float([shape.dim, shape.channels, 1], rng.normal(shape.dim * shape.channels, Math.sqrt(1 / shape.channels)));
  const bp = g.float([shape.dim], rng.normal(shape.dim, 0.1));
  let out = g.one('Mul', [g.one('Conv', [mixed, wp, bp], { kernel_shape: [1] }), mask]);

  if (shape.failMarkerFrames !== null) {
    // Reshaping one element to [2] fails inside ONNX Runtime whenever any length equals the marker.
    const hit = g.one('Cast', [g.one('Equal', [length, g.int64([1], [shape.failMarkerFrames])])], { to: 7 });
    const count = g.one('ReduceMax', [hit], { keepdims: 1 });
    const target = g.one('Add', [count, oneVec]);
    const probe = g.one('Reshape', [g.float([1], [0]), target]);
    out = g.one('Add', [out, g.one('ReduceSum', [probe], { keepdims: 0 })]);
  }

  g.one('Identity', [out], {}, 'outputs');
  g.one('Identity', [len], {}, 'encoded_lengths');
  g.output('outputs', 'float32', ['batch', shape.dim, 'encoded_frames']);
  g.output('encoded_lengths', 'int64', ['batch']);
  return g.encode();
}
