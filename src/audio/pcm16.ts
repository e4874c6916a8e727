import { toFloat32 } from '../asr/samples.js';

/** Float samples in [-1, 1) → signed 16-bit little-endian PCM, clamped. */
export function encodePcm16(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), 2 * i);
  return out;
}

/** A mono PCM16 WAV file (44-byte header) of the samples at `rate`. */
export function pcm16Wav(samples: Float32Array, rate = 16000): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const ascii = (at: number, text: string) => out.set(Buffer.from(text, 'ascii'), at);
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  out.set(encodePcm16(samples), 44);
  return out;
}

/**
 * Little-endian PCM16 bytes as an Int16Array (host order: little-endian on every platform Node supports): a view
 * when 2-byte aligned, else one aligned copy (a Buffer may start at an odd offset of its pool).
 */
export function pcm16View(bytes: Uint8Array): Int16Array {
  const count = bytes.length >> 1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  // Uint8Array's slice copies; a Buffer's slice would be another view of the same unaligned memory.
  const copy = new Uint8Array(count * 2);
  copy.set(bytes.subarray(0, count * 2));
  return new Int16Array(copy.buffer);
}

/**
 * Little-endian PCM16 bytes → float samples in [-1, 1), `channels` interleaved ones averaged to mono, read
 * through an Int16Array, never a DataView call per sample: uploads and realtime appends run this on the event loop.
 */
export function decodePcm16(bytes: Uint8Array, channels = 1): Float32Array {
  const pcm = pcm16View(bytes);
  if (channels === 1) return toFloat32(pcm);
  const out = new Float32Array(Math.floor(pcm.length / channels));
  const scale = 1 / (32768 * channels);
  for (let f = 0, i = 0; f < out.length; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += pcm[i++];
    out[f] = acc * scale;
  }
  return out;
}
