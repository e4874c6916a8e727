import onnxProto from 'onnx-proto';
import type { ExternalDataFile } from './external-data-file.js';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };

export type ElemType = 'float32' | 'int64' | 'int32' | 'bool';
const ELEM: Record<ElemType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

export interface OnnxGraphOptions {
  /** Float initializers of 1 KiB and more go to this file instead of the protobuf (as onnx's writer does). */
  externalData?: ExternalDataFile;
  /**
   * Record every weight's shape but draw and store no values: the graph of the 2.4 GB Parakeet-size encoder
   * can then be counted and checked in milliseconds.
   */
  dryRun?: boolean;
}

/** Trained tensors (PyTorch parameters), fixed ones (buffers: BatchNorm statistics, position tables), or constants of the graph. */
export type WeightKind = 'parameter' | 'buffer' | 'constant';

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };
export type Dim = number | string;

/**
 * A minimal ONNX graph writer over onnx-proto (protobufjs), enough to emit the Parakeet contract
 * graphs from TypeScript so CI can regenerate test models without Python.
 */
export class OnnxGraph {
  private readonly nodes: import('onnx-proto').onnx.INodeProto[] = [];
  private readonly initializers: import('onnx-proto').onnx.ITensorProto[] = [];
  private readonly inputs: import('onnx-proto').onnx.IValueInfoProto[] = [];
  private readonly outputs: import('onnx-proto').onnx.IValueInfoProto[] = [];
  private counter = 0;
  /** Float elements of the initializers, by kind. */
  readonly elements: Record<WeightKind, number> = { parameter: 0, buffer: 0, constant: 0 };

  constructor(
    private readonly name: string,
    private readonly options: OnnxGraphOptions = {},
  ) {}

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  float(dims: number[], data: Float32Array | number[], name = this.fresh('w')): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.weight(dims, () => values, 'parameter', name);
  }

  /**
   * A float initializer whose values are made only when they are stored (never in a dry run), then written
   * straight to the external data file when there is one, so no more than one tensor is held at a time.
   */
  weight(dims: number[], make: () => Float32Array, kind: WeightKind = 'parameter', name = this.fresh('w')): string {
    const count = dims.reduce((a, b) => a * b, 1);
    this.elements[kind] += count;
    if (this.options.dryRun) {
      this.initializers.push({ name, dims, dataType: ELEM.float32 });
      return name;
    }
    const values = make();
    if (values.length !== count) throw new Error(`${name}: ${values.length} values for dims ${dims}`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const file = this.options.externalData;
    if (file && bytes.length >= 1024) {
      const offset = file.append(bytes);
      this.initializers.push({
        name,
        dims,
        dataType: ELEM.float32,
        dataLocation: 1,
        externalData: [
          { key: 'location', value: file.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(bytes.length) },
        ],
      });
    } else {
      this.initializers.push({ name, dims, dataType: ELEM.float32, rawData: bytes });
    }
    return name;
  }

  /** Initializer shapes, in the order they were added (for checks of a graph's definition). */
  get weightShapes(): { name: string; dims: number[] }[] {
    return this.initializers.filter((t) => t.dataType === ELEM.float32).map((t) => ({ name: t.name ?? '', dims: (t.dims ?? []).map(Number) }));
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  int64(dims: number[], data: number[], name = this.fresh('i')): string {
    const values = BigInt64Array.from(data.map((v) => BigInt(v)));
    this.initializers.push({ name, dims, dataType: ELEM.int64, rawData: new Uint8Array(values.buffer) });
    return name;
  }

  /** Adds a node; returns its output names (one fresh name per requested output). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: number | string[] = 1): string[] {
    const outNames = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : outputs;
    this.nodes.push({
      opType,
      name: this.fresh(`${opType}_node`),
      input: inputs,
      output: outNames,
      attribute: Object.entries(attrs).map(([key, v]) => attribute(key, v)),
    });
    return outNames;
  }

  /** Single-output shorthand. */
  one(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.op(opType, inputs, attrs, output ? [output] : 1)[0];
  }

  encode(opset = 17, producer = 'parakeet-nest make-test-model'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: producer,
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }
}

function valueInfo(name: string, type: ElemType, dims: Dim[]): import('onnx-proto').onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): import('onnx-proto').onnx.IAttributeProto {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('float' in v) return { name, type: 1, f: v.float };
  return { name, type: 6, floats: v.floats };
}
