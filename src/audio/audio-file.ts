import { open, stat } from 'node:fs/promises';
import { soundTrackSeconds } from './iso-bmff.js';
import { isWav, readWavLayout, WavFormatError, type WavLayout } from './wav-reader.js';

/** Enough of a file's start to tell its container and find a WAV's chunks. */
export const HEAD_BYTES = 64 * 1024;

/** Reads from `offset` into all of `target` (less at the end of the file); answers the bytes read. */
export async function readInto(path: string, offset: number, target: Uint8Array): Promise<number> {
  const file = await open(path, 'r');
  try {
    let at = 0;
    // Pieces of 8 MiB: one read of a whole hour is refused by the kernel's 2 GiB cap, and gains nothing.
    while (at < target.length) {
      const { bytesRead } = await file.read(target, at, Math.min(8 << 20, target.length - at), offset + at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at;
  } finally {
    await file.close();
  }
}

export async function readHead(path: string): Promise<{ head: Uint8Array; size: number }> {
  const { size } = await stat(path);
  const head = new Uint8Array(Math.min(size, HEAD_BYTES));
  await readInto(path, 0, head);
  return { head, size };
}

/**
 * The WAV layout of a whole file from its head: the data chunk's frames are those its header declares, cut to
 * the bytes the file holds, as readWavLayout does for bytes in memory. Undefined where the head is not a WAV
 * this reader takes (the caller falls back as the live path does).
 */
export function wavLayoutOfFile(head: Uint8Array, size: number): WavLayout | undefined {
  if (!isWav(head)) return undefined;
  let layout: WavLayout;
  try {
    layout = readWavLayout(head);
  } catch (e) {
    if (e instanceof WavFormatError) return undefined;
    throw e;
  }
  const declared = new DataView(head.buffer, head.byteOffset).getUint32(layout.dataStart - 4, true);
  const frameBytes = (layout.bits / 8) * layout.channels;
  return { ...layout, frames: Math.floor(Math.min(declared, size - layout.dataStart) / frameBytes) };
}

/**
 * iso-bmff.ts's sound track duration without reading the file: the top-level box headers are walked on disk and
 * only `moov` (the index, kilobytes to a few MiB, at either end) is read.
 */
export async function soundTrackSecondsOfFile(path: string, size: number): Promise<number | undefined> {
  const header = new Uint8Array(16);
  for (let at = 0; at + 8 <= size; ) {
    await readInto(path, at, header);
    const view = new DataView(header.buffer);
    let boxSize = view.getUint32(0);
    if (boxSize === 1) boxSize = Number(view.getBigUint64(8));
    else if (boxSize === 0) boxSize = size - at;
    if (boxSize < 8) return undefined;
    if (String.fromCharCode(...header.subarray(4, 8)) === 'moov') {
      if (boxSize > 64 << 20) return undefined;
      const moov = new Uint8Array(Math.min(boxSize, size - at));
      await readInto(path, at, moov);
      return soundTrackSeconds(moov);
    }
    at += boxSize;
  }
  return undefined;
}
