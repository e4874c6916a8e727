import { describe, expect, it } from '@jest/globals';
import { decodePcm16, pcm16View } from './pcm16.js';
import { isMonoPcm16, isWav, monoPcm16, readWav, readWavLayout, WavFormatError } from './wav-reader.js';

/** Builds a WAV file: fmt chunk (optionally extensible), optional extra chunks, then data. */
function wav(opts: { format?: number; channels?: number; rate?: number; bits: number; data: Uint8Array; extensible?: boolean; junk?: boolean; dataSize?: number }): Uint8Array {
  const { channels = 1, rate = 16000, bits, data } = opts;
  const fmtLen = opts.extensible ? 40 : 16;
  const junk = opts.junk ? 8 + 3 + 1 : 0; // odd-sized chunk plus its pad byte
  const out = new Uint8Array(12 + 8 + fmtLen + junk + 8 + data.length);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtLen, true);
  v.setUint16(20, opts.extensible ? 0xfffe : (opts.format ?? 1), true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  if (opts.extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(44, opts.format ?? 1, true);
  }
  let at = 20 + fmtLen;
  if (opts.junk) {
    ascii(at, 'junk');
    v.setUint32(at + 4, 3, true);
    at += 12;
  }
  ascii(at, 'data');
  v.setUint32(at + 4, opts.dataSize ?? data.length, true);
  out.set(data, at + 8);
  return out;
}

const le = (values: number[], bytes: number, write: (v: DataView, at: number, x: number) => void) => {
  const out = new Uint8Array(values.length * bytes);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => write(v, i * bytes, x));
  return out;
};

describe('readWav', () => {
  it('reads 16-bit PCM exactly as int / 32768', () => {
    const data = le([0, 16384, -32768, 32767], 2, (v, at, x) => v.setInt16(at, x, true));
    const out = readWav(wav({ bits: 16, data }));
    expect(Array.from(out.samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
    expect(out.sampleRate).toBe(16000);
  });

  it('reads 8-bit unsigned, 24-bit and 32-bit integer PCM', () => {
    expect(Array.from(readWav(wav({ bits: 8, data: Uint8Array.of(128, 192, 0) })).samples)).toEqual([0, 0.5, -1]);
    const s24 = Uint8Array.of(0x00, 0x00, 0x40, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff);
    expect(Array.from(readWav(wav({ bits: 24, data: s24 })).samples)).toEqual([0.5, -1, -1 / 8388608]);
    const s32 = le([1073741824, -2147483648], 4, (v, at, x) => v.setInt32(at, x, true));
    expect(Array.from(readWav(wav({ bits: 32, data: s32 })).samples)).toEqual([0.5, -1]);
  });

  it('reads 32- and 64-bit float, also inside WAVE_FORMAT_EXTENSIBLE', () => {
    const f32 = le([0.25, -0.75], 4, (v, at, x) => v.setFloat32(at, x, true));
    expect(Array.from(readWav(wav({ format: 3, bits: 32, data: f32 })).samples)).toEqual([0.25, -0.75]);
    expect(Array.from(readWav(wav({ format: 3, bits: 32, data: f32, extensible: true })).samples)).toEqual([0.25, -0.75]);
    const f64 = le([0.125], 8, (v, at, x) => v.setFloat64(at, x, true));
    expect(Array.from(readWav(wav({ format: 3, bits: 64, data: f64 })).samples)).toEqual([0.125]);
  });

  it('mixes channels down to mono by averaging', () => {
    const data = le([16384, 0, -16384, -16384], 2, (v, at, x) => v.setInt16(at, x, true));
    const out = readWav(wav({ bits: 16, channels: 2, rate: 48000, data }));
    expect(Array.from(out.samples)).toEqual([0.25, -0.5]);
    expect(out.channels).toBe(2);
    expect(out.sampleRate).toBe(48000);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const data = le([8192], 2, (v, at, x) => v.setInt16(at, x, true));
    expect(Array.from(readWav(wav({ bits: 16, data, junk: true })).samples)).toEqual([0.25]);
  });

  it('trusts the bytes, not the header: oversized and zero data sizes, partial frames', () => {
    const data = le([8192, 8192, 8192], 2, (v, at, x) => v.setInt16(at, x, true));
    expect(readWav(wav({ bits: 16, data, dataSize: 0x7ffffff0 })).samples.length).toBe(3);
    expect(readWav(wav({ bits: 16, data, dataSize: 0 })).samples.length).toBe(0);
    expect(readWav(wav({ bits: 16, channels: 2, data })).samples.length).toBe(1);
  });

  it.each([
    ['a-law', { format: 6, bits: 8, data: Uint8Array.of(1) }, /unsupported WAV encoding/],
    ['12-bit', { bits: 12, data: Uint8Array.of(1, 2) }, /unsupported WAV encoding/],
    ['no channels', { bits: 16, channels: 0, data: Uint8Array.of(1, 2) }, /channel count/],
    ['an absurd rate', { bits: 16, rate: 10, data: Uint8Array.of(1, 2) }, /sample rate/],
  ])('refuses %s with a WavFormatError', (_name, opts, message) => {
    expect(() => readWav(wav(opts))).toThrow(WavFormatError);
    expect(() => readWav(wav(opts))).toThrow(message);
  });

  it('refuses what is not RIFF/WAVE or lacks its chunks', () => {
    expect(isWav(new TextEncoder().encode('RIFX....WAVE'))).toBe(false);
    expect(() => readWav(new TextEncoder().encode('hello world!'))).toThrow(/not a RIFF/);
    expect(() => readWav(new TextEncoder().encode('RIFF\x04\x00\x00\x00WAVE'))).toThrow(/no fmt/);
  });
});

describe('PCM16 without a float copy', () => {
  const values = [0, 16384, -32768, 32767, -1, 12345];
  const data = le(values, 2, (v, at, x) => v.setInt16(at, x, true));

  it('views mono 16-bit PCM in place behind any chunks before the data', () => {
    const file = wav({ bits: 16, data, junk: true });
    const layout = readWavLayout(file);
    expect(isMonoPcm16(layout)).toBe(true);
    const pcm = monoPcm16(file, layout);
    expect(Array.from(pcm)).toEqual(values);
    expect(pcm.buffer).toBe(file.buffer);
    expect(isMonoPcm16(readWavLayout(wav({ bits: 16, data, channels: 2 })))).toBe(false);
    expect(isMonoPcm16(readWavLayout(wav({ bits: 24, data: new Uint8Array(6) })))).toBe(false);
  });

  it('copies a Buffer that starts at an odd offset of its memory and reads the right samples', () => {
    // A Buffer's slice() is a view, not a copy: reading through it would take the bytes from offset 0.
    const backing = Buffer.alloc(data.length + 9, 0x7f);
    const odd = backing.subarray(3, 3 + data.length);
    odd.set(data);
    expect(Array.from(pcm16View(odd))).toEqual(values);
    expect(Array.from(decodePcm16(odd))).toEqual(values.map((x) => x / 32768));
    expect(Array.from(decodePcm16(backing.subarray(3, 3 + data.length), 2))).toEqual([0 + 16384, -32768 + 32767, -1 + 12345].map((x) => x / 65536));
  });
});
