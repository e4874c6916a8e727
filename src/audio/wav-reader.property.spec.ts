import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isWav, readWav, WavFormatError, type PcmAudio } from './wav-reader.js';

/**
 * Property tests for the WAV parser: whatever the bytes, it returns audio or throws its own WavFormatError,
 * allocates no more than the input justifies, and reads every valid PCM/float WAV sample for sample.
 */

type Encoding = { format: 1 | 3; bits: 8 | 16 | 24 | 32 | 64 };
const ENCODINGS: Encoding[] = [
  { format: 1, bits: 8 },
  { format: 1, bits: 16 },
  { format: 1, bits: 24 },
  { format: 1, bits: 32 },
  { format: 3, bits: 32 },
  { format: 3, bits: 64 },
];

interface WavSpec extends Encoding {
  channels: number;
  rate: number;
  /** Raw sample codes, interleaved: unsigned 0–255 (8-bit), signed integers, or floats. */
  codes: number[];
  extensible: boolean;
  /** Unknown chunks (id, body length) placed before fmt and between fmt and data. */
  junkBefore: number[];
  junkBetween: number[];
}

const ascii = (out: Uint8Array, at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));

function writeCode(v: DataView, at: number, enc: Encoding, code: number): void {
  if (enc.format === 3) return enc.bits === 32 ? v.setFloat32(at, code, true) : v.setFloat64(at, code, true);
  switch (enc.bits) {
    case 8:
      return v.setUint8(at, code);
    case 16:
      return v.setInt16(at, code, true);
    case 24:
      v.setUint8(at, code & 0xff);
      v.setUint8(at + 1, (code >> 8) & 0xff);
      return v.setInt8(at + 2, code >> 16);
    default:
      return v.setInt32(at, code, true);
  }
}

/** What a sample code means as a float in [-1, 1) (or the float itself), as the WAV format defines it. */
function valueOf(enc: Encoding, code: number): number {
  if (enc.format === 3) return enc.bits === 32 ? Math.fround(code) : code;
  return enc.bits === 8 ? (code - 128) / 128 : code / 2 ** (enc.bits - 1);
}

function chunk(id: string, length: number): Uint8Array {
  const out = new Uint8Array(8 + length + (length & 1));
  ascii(out, 0, id);
  new DataView(out.buffer).setUint32(4, length, true);
  for (let i = 0; i < length; i++) out[8 + i] = (i * 31 + 7) & 0xff;
  return out;
}

function buildWav(spec: WavSpec): Uint8Array {
  const bytesPerSample = spec.bits / 8;
  const fmtLen = spec.extensible ? 40 : 16;
  const before = spec.junkBefore.map((n, i) => chunk(i % 2 ? 'LIST' : 'junk', n));
  const between = spec.junkBetween.map((n) => chunk('fact', n));
  const extra = [...before, ...between].reduce((n, c) => n + c.length, 0);
  const dataLen = spec.codes.length * bytesPerSample;
  const out = new Uint8Array(12 + extra + 8 + fmtLen + 8 + dataLen);
  const v = new DataView(out.buffer);
  ascii(out, 0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(out, 8, 'WAVE');
  let at = 12;
  for (const c of before) {
    out.set(c, at);
    at += c.length;
  }
  ascii(out, at, 'fmt ');
  v.setUint32(at + 4, fmtLen, true);
  v.setUint16(at + 8, spec.extensible ? 0xfffe : spec.format, true);
  v.setUint16(at + 10, spec.channels, true);
  v.setUint32(at + 12, spec.rate, true);
  v.setUint32(at + 16, spec.rate * spec.channels * bytesPerSample, true);
  v.setUint16(at + 20, spec.channels * bytesPerSample, true);
  v.setUint16(at + 22, spec.bits, true);
  if (spec.extensible) {
    v.setUint16(at + 24, 22, true);
    v.setUint16(at + 26, spec.bits, true);
    v.setUint16(at + 32, spec.format, true);
  }
  at += 8 + fmtLen;
  for (const c of between) {
    out.set(c, at);
    at += c.length;
  }
  ascii(out, at, 'data');
  v.setUint32(at + 4, dataLen, true);
  at += 8;
  spec.codes.forEach((code, i) => writeCode(v, at + i * bytesPerSample, spec, code));
  return out;
}

const codeArb = (enc: Encoding): fc.Arbitrary<number> => {
  if (enc.format === 3) return enc.bits === 32 ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true });
  if (enc.bits === 8) return fc.integer({ min: 0, max: 255 });
  const half = 2 ** (enc.bits - 1);
  return fc.integer({ min: -half, max: half - 1 });
};

const wavSpecArb: fc.Arbitrary<WavSpec> = fc
  .record({
    enc: fc.constantFrom(...ENCODINGS),
    channels: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(64)),
    rate: fc.oneof(fc.constantFrom(8000, 16000, 22050, 44100, 48000, 96000, 768000), fc.integer({ min: 1000, max: 768000 })),
    frames: fc.integer({ min: 0, max: 40 }),
    extensible: fc.boolean(),
    junkBefore: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
    junkBetween: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
  })
  .chain(({ enc, channels, frames, ...rest }) =>
    fc.array(codeArb(enc), { minLength: frames * channels, maxLength: frames * channels }).map((codes) => ({ ...enc, ...rest, channels, codes })),
  );

/** Runs readWav and insists that it either returns audio or throws a WavFormatError. */
function readOrTypedError(bytes: Uint8Array): PcmAudio | WavFormatError {
  try {
    return readWav(bytes);
  } catch (e) {
    if (!(e instanceof WavFormatError)) throw new Error(`readWav threw ${String(e)} (not a WavFormatError)`);
    return e;
  }
}

/** The output of any successful parse is bounded by the input: at least one byte per frame, sane header values. */
function expectBounded(bytes: Uint8Array, out: PcmAudio | WavFormatError): void {
  if (out instanceof WavFormatError) {
    expect(out.message.length).toBeLessThan(200);
    return;
  }
  expect(out.samples).toBeInstanceOf(Float32Array);
  expect(out.samples.length).toBeLessThanOrEqual(Math.max(0, bytes.length - 44));
  expect(out.samples.buffer.byteLength).toBeLessThanOrEqual(4 * bytes.length);
  expect(out.channels).toBeGreaterThanOrEqual(1);
  expect(out.channels).toBeLessThanOrEqual(64);
  expect(out.sampleRate).toBeGreaterThanOrEqual(1000);
  expect(out.sampleRate).toBeLessThanOrEqual(768000);
}

/** 32-bit fields worth lying with. */
const LIES = [0, 1, 2, 15, 16, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

type Mutation =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'u16'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...LIES), fc.nat({ max: 0xffffffff })) }),
  fc.record({ kind: fc.constant('u16' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 3, 7, 12, 0xfffe, 0xffff), fc.nat({ max: 0xffff })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    if (m.kind === 'append') {
      const grown = new Uint8Array(out.length + m.bytes.length);
      grown.set(out);
      grown.set(m.bytes, out.length);
      out = grown;
      continue;
    }
    if (out.length === 0) continue;
    // Header fields are where the lies matter: aim most mutations at the first 80 bytes.
    const at = m.at % (m.at % 3 === 0 ? out.length : Math.min(out.length, 80));
    const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (m.kind === 'byte') out[at] = m.value;
    else if (m.kind === 'u32' && at + 4 <= out.length) v.setUint32(at, m.value, true);
    else if (m.kind === 'u16' && at + 2 <= out.length) v.setUint16(at, m.value, true);
    else if (m.kind === 'truncate') out = out.slice(0, at);
  }
  return out;
}

describe('readWav (properties)', () => {
  it('arbitrary bytes: returns bounded audio or throws WavFormatError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        expectBounded(bytes, readOrTypedError(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes behind a RIFF/WAVE header: the same', () => {
    const header = Uint8Array.of(0x52, 0x49, 0x46, 0x46, 0xff, 0xff, 0xff, 0xff, 0x57, 0x41, 0x56, 0x45);
    const chunkIds = fc.constantFrom('fmt ', 'data', 'LIST', 'junk', 'fact');
    // Chunks with arbitrary ids, declared sizes and bodies, so the parser walks deep into the file.
    const chunkArb = fc.record({ id: chunkIds, size: fc.oneof(fc.constantFrom(...LIES), fc.nat({ max: 64 })), body: fc.uint8Array({ maxLength: 64 }) });
    fc.assert(
      fc.property(fc.array(chunkArb, { maxLength: 6 }), (chunks) => {
        const parts = chunks.map(({ id, size, body }) => {
          const c = new Uint8Array(8 + body.length);
          ascii(c, 0, id);
          new DataView(c.buffer).setUint32(4, size >>> 0, true);
          c.set(body, 8);
          return c;
        });
        const bytes = new Uint8Array(header.length + parts.reduce((n, p) => n + p.length, 0));
        bytes.set(header);
        let at = header.length;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        expect(isWav(bytes)).toBe(true);
        expectBounded(bytes, readOrTypedError(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('mutated valid WAVs (flipped bytes, lying sizes, rates, channels, bit depths, truncation): audio or WavFormatError, bounded', () => {
    fc.assert(
      fc.property(wavSpecArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (spec, mutations) => {
        const bytes = mutate(buildWav(spec), mutations);
        expectBounded(bytes, readOrTypedError(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('a declared data size never makes it allocate past the bytes present', () => {
    fc.assert(
      fc.property(wavSpecArb, fc.constantFrom(...LIES), (spec, declared) => {
        const bytes = buildWav(spec);
        const dataSizeAt = bytes.length - (spec.codes.length * spec.bits) / 8 - 4;
        new DataView(bytes.buffer).setUint32(dataSizeAt, declared, true);
        const out = readOrTypedError(bytes);
        expectBounded(bytes, out);
        if (!(out instanceof WavFormatError)) {
          const frames = Math.min(declared, (spec.codes.length * spec.bits) / 8) / ((spec.bits / 8) * spec.channels);
          expect(out.samples.length).toBe(Math.floor(frames));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('valid WAVs round-trip: rate, channels and every sample (the mean of its channels)', () => {
    fc.assert(
      fc.property(wavSpecArb, (spec) => {
        const out = readWav(buildWav(spec));
        expect(out.sampleRate).toBe(spec.rate);
        expect(out.channels).toBe(spec.channels);
        const frames = spec.codes.length / spec.channels;
        expect(out.samples.length).toBe(frames);
        for (let f = 0; f < frames; f++) {
          let sum = 0;
          for (let c = 0; c < spec.channels; c++) sum += valueOf(spec, spec.codes[f * spec.channels + c]);
          const expected = Math.fround(sum / spec.channels);
          const got = out.samples[f];
          // Mono is exact; a mix-down may differ from the exact mean by rounding of its last bit.
          if (spec.channels === 1 || Object.is(got, expected)) expect(got).toBe(expected);
          else expect(Math.abs(got - expected)).toBeLessThanOrEqual(Math.abs(expected) * 2 ** -22 + 1e-30);
        }
      }),
      { numRuns: 400 },
    );
  });

  // [-1, 1) in double precision; 32-bit codes within 2^-25 of full scale round to 1 in float32.
  it('integer PCM always decodes into [-1, 1]', () => {
    const intSpecs = wavSpecArb.filter((s) => s.format === 1);
    fc.assert(
      fc.property(intSpecs, (spec) => {
        for (const x of readWav(buildWav(spec)).samples) {
          expect(x).toBeGreaterThanOrEqual(-1);
          expect(x).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});
