import { describe, expect, it } from '@jest/globals';
import { decodeAudioPayload } from './audio-payload.js';
import { ALAW_TABLE, ULAW_TABLE } from './g711.js';

describe('decodeAudioPayload', () => {
  it('reads little-endian PCM16', () => {
    const bytes = Buffer.alloc(6);
    [0, 16384, -32768].forEach((v, i) => bytes.writeInt16LE(v, 2 * i));
    expect(Array.from(decodeAudioPayload(bytes.toString('base64'), 'pcm16'))).toEqual([0, 0.5, -1]);
  });

  it('decodes G.711 with the standard tables', () => {
    // ITU-T G.711: µ-law 0xFF and A-law 0xD5 are (near) zero; µ-law 0x00 is -32124, A-law 0x2A is -32256.
    expect(ULAW_TABLE[0xff]).toBe(0);
    expect(ULAW_TABLE[0x00] * 32768).toBe(-32124);
    expect(ULAW_TABLE[0x80] * 32768).toBe(32124);
    expect(ALAW_TABLE[0xd5] * 32768).toBe(8);
    expect(ALAW_TABLE[0x2a] * 32768).toBe(-32256);
    expect(Array.from(decodeAudioPayload(Buffer.from([0xff, 0x00]).toString('base64'), 'g711_ulaw'))).toEqual([0, -32124 / 32768]);
  });

  it('rejects base64 that Node would silently half-read, and odd PCM16 byte counts', () => {
    expect(() => decodeAudioPayload('AAA', 'pcm16')).toThrow(/base64/);
    expect(() => decodeAudioPayload('AA AA', 'pcm16')).toThrow(/base64/);
    expect(() => decodeAudioPayload('AAAA-_==', 'pcm16')).toThrow(/base64/);
    expect(() => decodeAudioPayload('AAAA', 'pcm16')).toThrow(/whole number of 16-bit samples/);
  });
});
