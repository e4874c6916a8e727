import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RealtimeProtocolError } from '../protocol/realtime-error.js';
import type { AudioEncoding } from '../session-config.js';
import { decodeAudioPayload } from './audio-payload.js';
import { ALAW_TABLE, ULAW_TABLE } from './g711.js';

/** decodeAudioPayload or its typed error; anything else thrown fails the property. */
function decodeOrTypedError(audio: string, encoding: AudioEncoding): Float32Array | RealtimeProtocolError {
  try {
    return decodeAudioPayload(audio, encoding);
  } catch (e) {
    if (!(e instanceof RealtimeProtocolError)) throw new Error(`decodeAudioPayload threw ${String(e)} (not a RealtimeProtocolError)`);
    return e;
  }
}

const encodingArb = fc.constantFrom<AudioEncoding>('pcm16', 'g711_ulaw', 'g711_alaw');

describe('decodeAudioPayload (properties)', () => {
  it('base64 of any bytes decodes to bytes/2 PCM16 samples, each int16 / 32768, or an odd count is invalid_audio_length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const out = decodeOrTypedError(Buffer.from(bytes).toString('base64'), 'pcm16');
        if (bytes.length % 2 === 1) {
          expect(out).toBeInstanceOf(RealtimeProtocolError);
          expect(out).toMatchObject({ code: 'invalid_audio_length', param: 'audio', type: 'invalid_request_error' });
          return;
        }
        expect(out).toBeInstanceOf(Float32Array);
        const samples = out as Float32Array;
        expect(samples.length).toBe(bytes.length / 2);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < samples.length; i++) expect(samples[i]).toBe(view.getInt16(2 * i, true) / 32768);
      }),
      { numRuns: 300 },
    );
  });

  it('base64 of any bytes decodes to one G.711 sample per byte, from the standard tables', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.constantFrom<AudioEncoding>('g711_ulaw', 'g711_alaw'), (bytes, encoding) => {
        const samples = decodeAudioPayload(Buffer.from(bytes).toString('base64'), encoding);
        const table = encoding === 'g711_ulaw' ? ULAW_TABLE : ALAW_TABLE;
        expect(samples.length).toBe(bytes.length);
        for (let i = 0; i < bytes.length; i++) expect(samples[i]).toBe(table[bytes[i]]);
      }),
      { numRuns: 200 },
    );
  });

  it('any string: samples or a typed error (invalid_audio / invalid_audio_length), never anything else', () => {
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 64 }),
      fc.string({ unit: fc.constantFrom(...'AB+/=-_ \n\t.'), maxLength: 64 }),
      fc.base64String({ maxLength: 64 }),
    );
    fc.assert(
      fc.property(strings, encodingArb, (audio, encoding) => {
        const out = decodeOrTypedError(audio, encoding);
        if (out instanceof RealtimeProtocolError) {
          expect(['invalid_audio', 'invalid_audio_length']).toContain(out.code);
          expect(out.param).toBe('audio');
          return;
        }
        // Accepted: strict, padded, standard-alphabet base64; every character of it was data or padding.
        expect(audio.length % 4).toBe(0);
        expect(audio).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        const padding = audio.endsWith('==') ? 2 : audio.endsWith('=') ? 1 : 0;
        const bytes = (audio.length / 4) * 3 - padding;
        expect(out.length).toBe(encoding === 'pcm16' ? bytes / 2 : bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('valid base64 damaged by whitespace, url-safe characters or missing padding is refused as invalid_audio', () => {
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), char: fc.constantFrom(' ', '\n', '\r', '\t', '-', '_', '.', '*'), at: fc.nat() }),
      fc.record({ kind: fc.constant('unpad' as const), at: fc.constant(0), char: fc.constant('') }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), damage, encodingArb, (bytes, d, encoding) => {
        const good = Buffer.from(bytes).toString('base64');
        let bad: string;
        if (d.kind === 'insert') {
          const at = d.at % (good.length + 1);
          bad = good.slice(0, at) + d.char + good.slice(at);
        } else {
          fc.pre(good.endsWith('='));
          bad = good.replace(/=+$/, '');
        }
        const out = decodeOrTypedError(bad, encoding);
        expect(out).toBeInstanceOf(RealtimeProtocolError);
        expect((out as RealtimeProtocolError).code).toBe('invalid_audio');
      }),
      { numRuns: 300 },
    );
  });
});
