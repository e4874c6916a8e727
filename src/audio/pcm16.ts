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
 * Little-endian PCM16 bytes → float samples in [-1, 1), `channels` interleaved ones averaged to mono. The bytes are
 * read through an Int16Array (a view when 2-byte aligned, else one aligned copy: a Buffer may start at an odd pool
 * offset; host order, little-endian on every platform Node supports), never a DataView call per sample: uploads
 * and realtime appends run this on the event loop.
 */
export function decodePcm16(bytes: Uint8Array, channels = 1): Float32Array {
  const count = bytes.length >> 1;
  const pcm = bytes.byteOffset % 2 === 0 ? new Int16Array(bytes.buffer, bytes.byteOffset, count) : new Int16Array(bytes.slice(0, count * 2).buffer);
  const out = new Float32Array(Math.floor(count / channels));
  if (channels === 1) {
    for (let i = 0; i < out.length; i++) out[i] = pcm[i] / 32768;
    return out;
  }
  const scale = 1 / (32768 * channels);
  for (let f = 0, i = 0; f < out.length; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += pcm[i++];
    out[f] = acc * scale;
  }
  return out;
}
