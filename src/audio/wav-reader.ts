import { decodePcm16, pcm16View } from './pcm16.js';

/**
 * In-process parser for RIFF/WAVE PCM (8/16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE),
 * mixed down to mono float32. Headers are not trusted: chunk sizes are clamped to the bytes present and a
 * data chunk of zero length yields no samples.
 */
export interface PcmAudio {
  samples: Float32Array;
  sampleRate: number;
  channels: number;
}

export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0) === 'RIFF' && ascii(bytes, 8) === 'WAVE';
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** What the RIFF chunks say, checked: where the frames are and how they are encoded. */
export interface WavLayout {
  format: number;
  channels: number;
  sampleRate: number;
  bits: number;
  dataStart: number;
  /** Whole frames present (a truncated or overstated data chunk is cut to the bytes there). */
  frames: number;
}

export function readWavLayout(bytes: Uint8Array): WavLayout {
  if (!isWav(bytes)) throw new WavFormatError('not a RIFF/WAVE file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format = -1;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let dataStart = -1;
  let dataLength = 0;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    const available = Math.min(size, bytes.length - body);
    if (id === 'fmt ') {
      if (available < 16) throw new WavFormatError('fmt chunk too short');
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format === EXTENSIBLE && available >= 26) format = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      dataStart = body;
      dataLength = available;
      break;
    }
    at = body + size + (size & 1);
  }
  if (format < 0) throw new WavFormatError('no fmt chunk');
  if (dataStart < 0) throw new WavFormatError('no data chunk');
  if (channels < 1 || channels > 64) throw new WavFormatError(`unsupported channel count ${channels}`);
  if (sampleRate < 1000 || sampleRate > 768000) throw new WavFormatError(`unsupported sample rate ${sampleRate}`);
  const intFormat = format === PCM && [8, 16, 24, 32].includes(bits);
  const floatFormat = format === IEEE_FLOAT && (bits === 32 || bits === 64);
  if (!intFormat && !floatFormat) throw new WavFormatError(`unsupported WAV encoding (format ${format}, ${bits} bits)`);
  return { format, channels, sampleRate, bits, dataStart, frames: Math.floor(dataLength / ((bits / 8) * channels)) };
}

/** True for mono 16-bit integer PCM: the samples can be used as they are, with no conversion. */
export function isMonoPcm16(layout: WavLayout): boolean {
  return layout.format === PCM && layout.bits === 16 && layout.channels === 1;
}

/** Mono PCM16 frames as integers (see `isMonoPcm16`): a view of `bytes` where 2-byte aligned, else one copy. */
export function monoPcm16(bytes: Uint8Array, layout: WavLayout): Int16Array {
  return pcm16View(bytes.subarray(layout.dataStart, layout.dataStart + 2 * layout.frames));
}

export function readWav(bytes: Uint8Array): PcmAudio {
  const layout = readWavLayout(bytes);
  const { format, channels, sampleRate, bits, dataStart, frames } = layout;
  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channels;
  if (format === PCM && bits === 16) return { samples: decodePcm16(bytes.subarray(dataStart, dataStart + frames * frameBytes), channels), sampleRate, channels };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Float32Array(frames);
  const read = sampleReader(view, format, bits);
  const scale = 1 / channels;
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    const base = dataStart + f * frameBytes;
    for (let c = 0; c < channels; c++) acc += read(base + c * bytesPerSample);
    samples[f] = acc * scale;
  }
  return { samples, sampleRate, channels };
}

function sampleReader(view: DataView, format: number, bits: number): (at: number) => number {
  if (format === IEEE_FLOAT) return bits === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (bits) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => {
        const v = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16);
        return v / 8388608;
      };
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}
