import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };
type Model = import('onnx-proto').onnx.ModelProto;
type Tensor = import('onnx-proto').onnx.ITensorProto;
type Node = import('onnx-proto').onnx.INodeProto;

const FLOAT = 1;
const FLOAT16 = 10;
const EXTERNAL = 1;

/**
 * The ops whose float inputs are computed in fp16. Only the heavy matrix ops: they hold nearly all the
 * weights and FLOPs of a FastConformer encoder, while the rest of the graph (lengths, masks, softmax,
 * normalisation) keeps fp32, where integer-valued arithmetic past 2048 and reductions stay exact.
 */
export const FP16_OPS = new Set(['MatMul', 'Conv', 'Gemm', 'ConvTranspose']);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even, with overflow to ±Inf and subnormals. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

function externalInfo(t: Tensor): { location: string; offset: number; length?: number } {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  return { location: kv.get('location') ?? '', offset: Number(kv.get('offset') ?? 0), length: kv.has('length') ? Number(kv.get('length')) : undefined };
}

function elementCount(t: Tensor): number {
  // protobufjs gives int64 as number, or as a Long when the long package is present.
  return (t.dims ?? []).reduce<number>((a, d) => a * (typeof d === 'object' && d !== null ? (d as { toNumber(): number }).toNumber() : Number(d)), 1);
}

/** A tensor's bytes, wherever they are stored (raw_data, typed fields, or an external data file). */
function tensorBytes(t: Tensor, modelDir: string, bytesPerElement: number): Buffer {
  if (t.dataLocation === EXTERNAL) {
    const { location, offset, length } = externalInfo(t);
    const size = length ?? elementCount(t) * bytesPerElement;
    const fd = openSync(join(modelDir, location), 'r');
    try {
      const buf = Buffer.alloc(size);
      if (readSync(fd, buf, 0, size, offset) !== size) throw new Error(`${t.name}: external data ${location} is shorter than the model says`);
      return buf;
    } finally {
      closeSync(fd);
    }
  }
  if (t.rawData && t.rawData.length) return Buffer.from(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  if (t.dataType === FLOAT && t.floatData?.length) return Buffer.from(Float32Array.from(t.floatData).buffer);
  throw new Error(`${t.name}: unsupported tensor storage for conversion`);
}

const BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };

export interface ConvertResult {
  model: Uint8Array;
  converted: number;
  casts: number;
}

/**
 * Converts the weights and arithmetic of the FP16_OPS of an fp32 ONNX model to fp16, with Cast nodes at
 * their boundaries, keeping the model's inputs and outputs fp32 (so it serves under the same contract).
 * Every initializer that was external (weights over protobuf's 2 GB limit) goes to `dataFile`.
 */
export function convertToFp16(modelPath: string, dataFile: string): ConvertResult {
  const modelDir = dirname(modelPath);
  const model: Model = onnx.ModelProto.decode(readFileSync(modelPath));
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = new Map<string, Node[]>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);

  const out = openSync(dataFile, 'w');
  let dataOffset = 0;
  const store = (t: Tensor, bytes: Buffer, external: boolean): void => {
    // Small tensors stay inline, as onnx's writer keeps them: shape inference cannot read external data.
    if (!external || bytes.length < 1024) {
      t.rawData = new Uint8Array(bytes);
      t.dataLocation = 0;
      t.externalData = [];
      return;
    }
    // 64-byte alignment, as onnx's own external-data writer does, so the file can be memory-mapped.
    const pad = (64 - (dataOffset % 64)) % 64;
    if (pad) writeSync(out, Buffer.alloc(pad), 0, pad, dataOffset);
    dataOffset += pad;
    writeSync(out, bytes, 0, bytes.length, dataOffset);
    t.rawData = new Uint8Array(0);
    t.dataLocation = EXTERNAL;
    t.externalData = [
      { key: 'location', value: basename(dataFile) },
      { key: 'offset', value: String(dataOffset) },
      { key: 'length', value: String(bytes.length) },
    ];
    dataOffset += bytes.length;
  };

  const newNodes: Node[] = [];
  const halfOf = new Map<string, string>();
  let converted = 0;
  let casts = 0;
  const isFp16Only = (name: string) => (consumers.get(name) ?? []).every((n) => FP16_OPS.has(n.opType ?? ''));
  for (const node of graph.node ?? []) {
    const floatInputs = (node.input ?? []).every((i) => !i || !initializers.has(i) || initializers.get(i)!.dataType === FLOAT);
    if (!FP16_OPS.has(node.opType ?? '') || !floatInputs) {
      newNodes.push(node);
      continue;
    }
    node.input = (node.input ?? []).map((name) => {
      if (!name) return name;
      const cached = halfOf.get(name);
      if (cached) return cached;
      const half = `${name}__fp16`;
      const init = initializers.get(name);
      if (init && isFp16Only(name)) {
        // A weight only these ops read: store it as fp16 in place of the fp32 copy.
        const bytes = tensorBytes(init, modelDir, 4);
        // A copy: protobuf raw_data is not 4-byte aligned inside the decoded buffer.
        const floats = new Float32Array(new Uint8Array(bytes).buffer);
        const halves = new Uint16Array(floats.length);
        for (let k = 0; k < floats.length; k++) halves[k] = toHalf(floats[k]);
        const wasExternal = init.dataLocation === EXTERNAL;
        init.name = half;
        init.dataType = FLOAT16;
        init.floatData = [];
        store(init, Buffer.from(halves.buffer), wasExternal);
        converted++;
      } else {
        newNodes.push({ opType: 'Cast', name: `${half}_cast`, input: [name], output: [half], attribute: [{ name: 'to', type: 2, i: FLOAT16 }] });
        casts++;
      }
      halfOf.set(name, half);
      return half;
    });
    node.output = (node.output ?? []).map((name) => (name ? `${name}__fp16out` : name));
    newNodes.push(node);
    for (const o of node.output) {
      if (!o) continue;
      newNodes.push({ opType: 'Cast', name: `${o}_cast`, input: [o], output: [o.replace(/__fp16out$/, '')], attribute: [{ name: 'to', type: 2, i: FLOAT }] });
      casts++;
    }
  }
  // Initializers left fp32 keep their bytes; external ones move to the new data file.
  for (const t of graph.initializer ?? []) {
    if (t.dataLocation === EXTERNAL && t.dataType !== FLOAT16) store(t, tensorBytes(t, modelDir, BYTES[t.dataType ?? 1] ?? 4), true);
  }
  closeSync(out);
  graph.node = newNodes;
  model.producerName = `${model.producerName ?? ''} + parakeet-nest convert-fp16`;
  return { model: onnx.ModelProto.encode(model).finish(), converted, casts };
}
