import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

/**
 * Walks the top-level fields of an ONNX ModelProto without loading it: every field must be well formed
 * and end inside the file, `ir_version` must come first and a `graph` must be present. This catches
 * truncated downloads and HTML error pages saved as models, in milliseconds even for a 650 MB graph,
 * because length-delimited fields are skipped rather than read.
 */
export function checkOnnxFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(20);
    let pos = 0;
    let first = true;
    let hasGraph = false;
    const varint = (): number => {
      const n = readSync(fd, buf, 0, 10, pos);
      let value = 0;
      let scale = 1;
      for (let i = 0; i < n; i++) {
        value += (buf[i] & 0x7f) * scale;
        scale *= 128;
        if ((buf[i] & 0x80) === 0) {
          pos += i + 1;
          return value;
        }
      }
      throw new OnnxFormatError(`${path}: truncated or corrupt at byte ${pos}`);
    };
    while (pos < size) {
      const key = varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (first && key !== 0x08) throw new OnnxFormatError(`${path}: not an ONNX model (does not start with ir_version)`);
      first = false;
      if (field === 0) throw new OnnxFormatError(`${path}: corrupt protobuf field at byte ${pos}`);
      if (field === 7 && wire === 2) hasGraph = true;
      switch (wire) {
        case 0:
          varint();
          break;
        case 1:
          pos += 8;
          break;
        case 2: {
          // Not `pos += varint()`: that reads pos before varint() advances it.
          const length = varint();
          pos += length;
          break;
        }
        case 5:
          pos += 4;
          break;
        default:
          throw new OnnxFormatError(`${path}: corrupt protobuf wire type ${wire} at byte ${pos}`);
      }
      if (pos > size) throw new OnnxFormatError(`${path}: truncated (a field ends at byte ${pos}, the file has ${size})`);
    }
    if (first) throw new OnnxFormatError(`${path}: empty file`);
    if (!hasGraph) throw new OnnxFormatError(`${path}: not an ONNX model (no graph)`);
  } finally {
    closeSync(fd);
  }
}
