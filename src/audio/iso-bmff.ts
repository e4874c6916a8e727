/**
 * Just enough ISO-BMFF (mp4/m4a/mov) box reading to find the sound track's presented duration. ffmpeg
 * decodes AAC's trailing encoder padding (up to one 1024-sample frame) although the track's edit list
 * excludes it; trimming to the declared duration keeps durations and timestamps exact.
 */
interface Box {
  type: string;
  start: number;
  end: number;
}

function* boxes(view: DataView, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function child(view: DataView, box: Box, type: string): Box | undefined {
  for (const b of boxes(view, box.start, box.end)) if (b.type === type) return b;
  return undefined;
}

/** Seconds the first sound track presents, or undefined when the boxes don't say. */
export function soundTrackSeconds(bytes: Uint8Array): number | undefined {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const moov = [...boxes(view, 0, bytes.length)].find((b) => b.type === 'moov');
    if (!moov) return undefined;
    const mvhd = child(view, moov, 'mvhd');
    if (!mvhd) return undefined;
    const movieScale = view.getUint32(mvhd.start + (view.getUint8(mvhd.start) === 1 ? 20 : 12));
    for (const trak of boxes(view, moov.start, moov.end)) {
      if (trak.type !== 'trak') continue;
      const mdia = child(view, trak, 'mdia');
      const hdlr = mdia && child(view, mdia, 'hdlr');
      if (!hdlr || view.getUint32(hdlr.start + 8) !== 0x736f756e /* 'soun' */) continue;
      const tkhd = child(view, trak, 'tkhd');
      if (!tkhd || movieScale === 0) return undefined;
      const v1 = view.getUint8(tkhd.start) === 1;
      const duration = v1 ? Number(view.getBigUint64(tkhd.start + 28)) : view.getUint32(tkhd.start + 20);
      return duration > 0 ? duration / movieScale : undefined;
    }
  } catch {
    // malformed boxes: no declared duration
  }
  return undefined;
}
