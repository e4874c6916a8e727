import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * The `<model>.onnx.data` file of a graph whose weights exceed protobuf's 2 GB limit, written tensor by tensor
 * so a 2.4 GB encoder never has to sit in memory at once. 64-byte alignment, as onnx's own writer uses, so
 * ONNX Runtime can memory-map it.
 */
export class ExternalDataFile {
  readonly location: string;
  private readonly fd: number;
  private offset = 0;

  constructor(path: string) {
    this.location = basename(path);
    this.fd = openSync(path, 'w');
  }

  /** Appends the bytes; returns where they start. */
  append(bytes: Uint8Array): number {
    const pad = (64 - (this.offset % 64)) % 64;
    if (pad) writeSync(this.fd, new Uint8Array(pad), 0, pad, this.offset);
    this.offset += pad;
    const at = this.offset;
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
    this.offset += bytes.length;
    return at;
  }

  get bytes(): number {
    return this.offset;
  }

  close(): void {
    closeSync(this.fd);
  }
}
