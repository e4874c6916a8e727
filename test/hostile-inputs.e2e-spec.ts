import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { AudioService } from '../src/audio/audio.service.js';
import { startApp, type RunningApp } from './helpers/app.js';
import { multipartBody, type Part } from './helpers/multipart.js';
import { childProcesses } from './helpers/processes.js';
import { pcm16Base64, RealtimeClient, type RealtimeEvent } from './helpers/realtime-client.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

/**
 * The bad-input corpus: bytes and frames a stranger may send. Every REST answer is the expected status with
 * exactly OpenAI's error body (or a transcript where the input is valid audio), every realtime mistake an
 * `error` event or the documented close code, nothing in any answer leaks file contents, paths or stack
 * frames, and the server keeps answering good requests.
 */

const AUDIO = join(process.cwd(), 'test', 'fixtures', 'audio');
const fixture = (file: string) => new Uint8Array(readFileSync(join(AUDIO, file)));
const REPO_PACKAGE_JSON = join(process.cwd(), 'package.json');
const enc = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: (Uint8Array | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

const MAX_UPLOAD = 2 * 1024 * 1024;
const MAX_AUDIO_S = 60;

// ---------------------------------------------------------------------------------------------------------
// Inputs made here

/** A deterministic pseudo-random byte string (no audio container magic at its start). */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  out[0] = 0x5a; // never an MP3 frame sync, ID3, RIFF or ftyp by accident
  return out;
}

/** `seconds` of a two-tone signal with `channels` interleaved channels at `rate`. */
function tone(seconds: number, rate: number, channels = 1): Float32Array {
  const frames = Math.round(seconds * rate);
  const out = new Float32Array(frames * channels);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) out[f * channels + c] = 0.3 * Math.sin((2 * Math.PI * (220 + 110 * c) * f) / rate) + 0.1 * Math.sin((2 * Math.PI * 1500 * f) / rate);
  }
  return out;
}

/** Interleaved samples as little-endian PCM bytes (integer of `bits`, or IEEE float with `float`). */
function pcmBytes(samples: Float32Array, bits: number, float = false): Uint8Array {
  const bytes = bits / 8;
  const out = new Uint8Array(samples.length * bytes);
  const v = new DataView(out.buffer);
  samples.forEach((x, i) => {
    const at = i * bytes;
    if (float) return bits === 32 ? v.setFloat32(at, x, true) : v.setFloat64(at, x, true);
    const clamped = Math.max(-1, Math.min(1, x));
    if (bits === 8) v.setUint8(at, Math.round(clamped * 127) + 128);
    else if (bits === 16) v.setInt16(at, Math.round(clamped * 32767), true);
    else if (bits === 24) {
      const n = Math.round(clamped * 8388607);
      v.setUint8(at, n & 0xff);
      v.setUint8(at + 1, (n >> 8) & 0xff);
      v.setInt8(at + 2, n >> 16);
    } else v.setInt32(at, Math.round(clamped * 2147483647), true);
  });
  return out;
}

interface WavSpec {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  data: Uint8Array;
  /** Declared sizes; the real ones when absent. */
  dataSize?: number;
  riffSize?: number;
  fmtSize?: number;
  /** fmt body length written (16, or 40 for WAVE_FORMAT_EXTENSIBLE). */
  fmtBody?: number;
  extensibleSubformat?: number;
  /** Raw chunks placed between the RIFF header and fmt. */
  before?: Uint8Array;
}

/** A RIFF/WAVE file whose every header field can lie. */
function wav(spec: WavSpec): Uint8Array {
  const { format = 1, channels = 1, rate = 16000, bits = 16, data } = spec;
  const fmtBody = spec.fmtBody ?? (spec.extensibleSubformat !== undefined ? 40 : 16);
  const before = spec.before ?? new Uint8Array(0);
  const out = new Uint8Array(12 + before.length + 8 + fmtBody + 8 + data.length);
  const v = new DataView(out.buffer);
  out.set(enc('RIFF'), 0);
  v.setUint32(4, spec.riffSize ?? out.length - 8, true);
  out.set(enc('WAVE'), 8);
  out.set(before, 12);
  let at = 12 + before.length;
  out.set(enc('fmt '), at);
  v.setUint32(at + 4, spec.fmtSize ?? fmtBody, true);
  const body = at + 8;
  if (fmtBody >= 16) {
    v.setUint16(body, spec.extensibleSubformat !== undefined ? 0xfffe : format, true);
    v.setUint16(body + 2, channels, true);
    v.setUint32(body + 4, rate >>> 0, true);
    v.setUint32(body + 8, Math.min(0xffffffff, (rate * channels * bits) / 8) >>> 0, true);
    v.setUint16(body + 12, ((channels * bits) / 8) & 0xffff, true);
    v.setUint16(body + 14, bits, true);
  }
  if (spec.extensibleSubformat !== undefined && fmtBody >= 40) {
    v.setUint16(body + 16, 22, true);
    v.setUint16(body + 18, bits, true);
    v.setUint16(body + 24, spec.extensibleSubformat, true);
  }
  at = body + fmtBody;
  out.set(enc('data'), at);
  v.setUint32(at + 4, spec.dataSize ?? data.length, true);
  out.set(data, at + 8);
  return out;
}

/** A 16 kHz mono PCM16 WAV of a tone. */
const goodWav = (seconds = 1) => wav({ data: pcmBytes(tone(seconds, 16000), 16) });

/** G.711 A-law bytes (format 6) of a tone at 8 kHz: a WAV the fast path declines, decoded by ffmpeg. */
function alawWav(seconds: number): Uint8Array {
  const samples = tone(seconds, 8000);
  const data = new Uint8Array(samples.length);
  samples.forEach((x, i) => {
    const s = Math.max(-32767, Math.min(32767, Math.round(x * 32767))) >> 3;
    const sign = s >= 0 ? 0x80 : 0;
    let m = s >= 0 ? s : -s - 1;
    let e = 0;
    if (m >= 32) {
      e = 1;
      while (m >= 64 && e < 7) {
        m >>= 1;
        e++;
      }
      m = (m >> 1) & 0x0f;
    } else m >>= 1;
    data[i] = ((sign | (e << 4) | m) ^ 0x55) & 0xff;
  });
  return wav({ format: 6, bits: 8, rate: 8000, data });
}

/** A real 2×2 RGB PNG (signature, IHDR, IDAT, IEND with their CRCs). */
function png(): Uint8Array {
  const chunk = (type: string, body: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return concat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
}

/** JPEG/JFIF segments (SOI, APP0, DQT, SOF0, DHT, SOS, scan data, EOI) for a 1×1 image. */
function jpeg(): Uint8Array {
  const seg = (marker: number, body: number[]) => Uint8Array.of(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  return concat(
    Uint8Array.of(0xff, 0xd8),
    seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    seg(0xdb, [0, ...Array.from({ length: 64 }, () => 1)]),
    seg(0xc0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
    seg(0xc4, [0, 1, ...Array.from({ length: 15 }, () => 0), 0]),
    seg(0xda, [1, 1, 0, 0, 0x3f, 0]),
    Uint8Array.of(0x00, 0x3f, 0xff, 0xd9),
  );
}

/** Flips one byte in every `every` after the first `skip` (the container's header survives). */
function flipped(bytes: Uint8Array, every: number, skip = 64): Uint8Array {
  const out = bytes.slice();
  for (let i = skip; i < out.length; i += every) out[i] ^= 0xff;
  return out;
}

/** ISO-BMFF boxes: ftyp, then a moov whose declared sizes point past the end of the file. */
function lyingMp4(): Uint8Array {
  const box = (type: string, size: number, body: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(size >>> 0, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const ftyp = box('ftyp', 24, concat('M4A ', Uint8Array.of(0, 0, 2, 0), 'M4A mp42'));
  const mvhd = box('mvhd', 0xfffffff0, new Uint8Array(100));
  const large = Buffer.alloc(16);
  large.writeUInt32BE(1, 0);
  large.write('mdat', 4, 'latin1');
  large.writeBigUInt64BE(0xffffffffffffn, 8);
  return concat(ftyp, box('moov', 0xffffffff, mvhd), large, noise(2000, 9));
}

// ---------------------------------------------------------------------------------------------------------
// Multipart on the wire

const BOUNDARY = '----hostile-corpus-7d1f';

const filePart = (body: Uint8Array, filename = 'audio.bin', name = 'file'): Part => ({ name, filename, type: 'application/octet-stream', body });
const field = (name: string, value: string): Part => ({ name, body: value });

let baseUrl = '';
const ENDPOINT = () => `${baseUrl}/v1/audio/transcriptions`;

function postRaw(body: Uint8Array, contentType: string | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(ENDPOINT(), {
    method: 'POST',
    body,
    headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    // A hang fails its case in 10 s instead of holding up the corpus.
    signal: AbortSignal.timeout(10000),
  });
}

/** POST a hand-written form: the audio (if any) and fields, in order. */
const postForm = (parts: Part[], headers: Record<string, string> = {}, options: { boundary?: string; close?: boolean; contentType?: string } = {}) =>
  postRaw(multipartBody(parts, options.boundary ?? BOUNDARY, options.close ?? true), options.contentType ?? `multipart/form-data; boundary=${options.boundary ?? BOUNDARY}`, headers);

/** The usual request: `file` plus fields. */
const upload = (file: Uint8Array, fields: [string, string][] = [], filename = 'audio.bin') => postForm([...fields.map(([k, v]) => field(k, v)), filePart(file, filename)]);

// ---------------------------------------------------------------------------------------------------------
// What an answer may not contain

const FILE_CONTENT = /root:x:|daemon:|"allowScripts"|"dependencies"|@nestjs\/|"devDependencies"/;
const PATHS = /\/work\b|\/tmp\b|\/etc\b|\/usr\b|\/home\b|\/root\b|\/proc\b|parakeet-spool|upload-[0-9a-f]{8}/;
const STACK = /\bat [\w.<>$]+ \(|\bat (?:file:|node:|\/)|:\d+:\d+\)?$|\.ts:\d+|\.js:\d+|node_modules|Error: .*\n\s+at /m;

function expectNoLeak(text: string): void {
  expect(text).not.toMatch(FILE_CONTENT);
  expect(text).not.toMatch(PATHS);
  expect(text).not.toMatch(STACK);
}

/** Exactly {"error": {"message", "type", "param", "code"}}: strings, param and code possibly null. */
function expectOpenAiError(body: unknown): asserts body is { error: { message: string; type: string; param: string | null; code: string | null } } {
  expect(body).toEqual({ error: expect.anything() });
  const error = (body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  expect((error.message as string).length).toBeLessThanOrEqual(400);
  expect(typeof error.type).toBe('string');
  for (const k of ['param', 'code'] as const) expect(error[k] === null || typeof error[k] === 'string').toBe(true);
}

// A local server that counts requests: playlists naming it must never reach it.
let hits = 0;
let lure: Server;
let lureUrl = '';

type RestCase = [name: string, status: number, code: string | null | undefined, send: () => Promise<Response>];

const hls = (...entries: string[]) => enc(`#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n${entries.map((e) => `#EXTINF:10.0,\n${e}\n`).join('')}#EXT-X-ENDLIST\n`);
const ffconcat = (...entries: string[]) => enc(`ffconcat version 1.0\n${entries.map((e) => `file '${e}'\nduration 1\n`).join('')}`);

const REST_CASES: RestCase[] = [
  // empty, garbage
  ['an empty file', 400, 'empty_file', () => upload(new Uint8Array(0))],
  ['one byte', 400, 'invalid_audio', () => upload(Uint8Array.of(0))],
  ['64 KiB of random bytes', 400, 'invalid_audio', () => upload(noise(65536, 3))],
  ['a bare RIFF/WAVE header (12 bytes)', 400, 'invalid_audio', () => upload(enc('RIFF\x04\x00\x00\x00WAVE'))],
  ['an MPEG frame sync followed by garbage', 400, 'invalid_audio', () => upload(concat(Uint8Array.of(0xff, 0xfb, 0x90, 0x64), noise(4096, 4)))],
  ['an ID3 tag and nothing else', 400, 'invalid_audio', () => upload(concat('ID3', Uint8Array.of(4, 0, 0, 0, 0, 0, 10), new Uint8Array(10)))],
  // truncated and corrupt containers
  ['an mp3 cut to its first 40 bytes', 400, undefined, () => upload(fixture('speech.mp3').slice(0, 40), [], 'a.mp3')],
  ['an mp3 cut in half (what is there is audio)', 200, null, () => upload(fixture('speech.mp3').slice(0, 19000), [], 'a.mp3')],
  ['an ogg cut to 200 bytes', 400, undefined, () => upload(fixture('speech.ogg').slice(0, 200), [], 'a.ogg')],
  ['a flac cut inside its STREAMINFO', 400, undefined, () => upload(fixture('speech.flac').slice(0, 30), [], 'a.flac')],
  ['an m4a (moov at end) cut in half: no index', 400, 'invalid_audio', () => upload(fixture('speech-moov-at-end.m4a').slice(0, 20000), [], 'a.m4a')],
  ['a webm cut to 100 bytes', 400, undefined, () => upload(fixture('speech.webm').slice(0, 100), [], 'a.webm')],
  ['an ogg with every 97th byte flipped (pages fail their CRC)', 400, 'invalid_audio', () => upload(flipped(fixture('speech.ogg'), 97), [], 'a.ogg')],
  ['an m4a with every 13th byte flipped', 400, undefined, () => upload(flipped(fixture('speech-faststart.m4a'), 13, 32), [], 'a.m4a')],
  ['ISO-BMFF boxes whose sizes point past the end', 400, 'invalid_audio', () => upload(lyingMp4(), [], 'a.mp4')],
  // lying WAV headers
  ['a WAV with sample rate 0', 400, 'invalid_audio', () => upload(wav({ rate: 0, data: pcmBytes(tone(0.5, 16000), 16) }))],
  ['a WAV with 0 channels', 400, 'invalid_audio', () => upload(wav({ channels: 0, data: pcmBytes(tone(0.5, 16000), 16) }))],
  // WAVE allows sample widths that are not a multiple of 8, stored in whole bytes: ffmpeg reads this one.
  ['a WAV with 7 bits per sample', 200, null, () => upload(wav({ bits: 7, data: pcmBytes(tone(0.5, 16000), 16) }))],
  ['a WAV with sample rate 4294967295', 400, 'invalid_audio', () => upload(wav({ rate: 0xffffffff, data: pcmBytes(tone(0.5, 16000), 16) }))],
  ['a WAV whose data size is larger than the file', 200, null, () => upload(wav({ data: pcmBytes(tone(1, 16000), 16), dataSize: 0x7ffffff0 }))],
  ['a WAV with RIFF and data sizes 0xFFFFFFFF', 200, null, () => upload(wav({ data: pcmBytes(tone(1, 16000), 16), dataSize: 0xffffffff, riffSize: 0xffffffff }))],
  ['a WAV declaring 2^32-1 bytes of 8 kHz audio but holding 1 s', 200, null, () => upload(wav({ rate: 8000, data: pcmBytes(tone(1, 8000), 16), dataSize: 0xfffffffe }))],
  ['a WAV with a zero-length data chunk', 400, 'no_audio', () => upload(wav({ data: new Uint8Array(0) }))],
  ['a WAV whose data chunk says 0 bytes but is followed by audio', 400, 'no_audio', () => upload(wav({ data: pcmBytes(tone(0.5, 16000), 16), dataSize: 0 }))],
  ['a WAV whose fmt chunk claims 0xFFFFFFFF bytes', 400, 'invalid_audio', () => upload(wav({ data: pcmBytes(tone(0.5, 16000), 16), fmtSize: 0xffffffff }))],
  ['a WAV with a chunk of 0xFFFFFFFF bytes before fmt', 400, 'invalid_audio', () => upload(wav({ data: pcmBytes(tone(0.5, 16000), 16), before: concat('junk', Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(8)) }))],
  ['a WAV with an 8-byte fmt chunk', 400, 'invalid_audio', () => upload(wav({ data: pcmBytes(tone(0.5, 16000), 16), fmtBody: 8 }))],
  ['a WAVE_FORMAT_EXTENSIBLE WAV with an unknown subformat', 400, 'invalid_audio', () => upload(wav({ extensibleSubformat: 0x1234, data: pcmBytes(tone(0.5, 16000), 16) }))],
  ['a float WAV full of NaN and Infinity', 200, null, () => upload(wav({ format: 3, bits: 32, data: pcmBytes(Float32Array.from({ length: 16000 }, (_, i) => [NaN, Infinity, -Infinity, 1e30][i % 4]), 32, true) }))],
  // rates and channels that are valid
  ['8 kHz audio', 200, null, () => upload(wav({ rate: 8000, data: pcmBytes(tone(1, 8000), 16) }))],
  ['96 kHz 24-bit audio', 200, null, () => upload(wav({ rate: 96000, bits: 24, data: pcmBytes(tone(1, 96000), 24) }))],
  ['8-channel audio', 200, null, () => upload(wav({ channels: 8, rate: 48000, data: pcmBytes(tone(1, 48000, 8), 16) }))],
  ['64-channel 8-bit audio at 8 kHz', 200, null, () => upload(wav({ channels: 64, rate: 8000, bits: 8, data: pcmBytes(tone(0.5, 8000, 64), 8) }))],
  ['an A-law WAV (ffmpeg path)', 200, null, () => upload(alawWav(1))],
  // too long, too large
  [`${MAX_AUDIO_S + 1} s of WAV (over PARAKEET_MAX_AUDIO_SECONDS)`, 400, 'audio_too_long', () => upload(wav({ rate: 8000, bits: 8, data: pcmBytes(tone(MAX_AUDIO_S + 1, 8000), 8) }))],
  [`${MAX_AUDIO_S + 1} s of A-law WAV through ffmpeg`, 400, 'audio_too_long', () => upload(alawWav(MAX_AUDIO_S + 1))],
  ['an upload of exactly PARAKEET_MAX_UPLOAD_MB (not audio)', 400, 'invalid_audio', () => upload(noise(MAX_UPLOAD, 5))],
  ['an upload one byte over PARAKEET_MAX_UPLOAD_MB', 413, 'file_too_large', () => upload(noise(MAX_UPLOAD + 1, 6))],
  ['an upload of 3 MiB', 413, 'file_too_large', () => upload(noise(3 * 1024 * 1024, 7))],
  ['a non-multipart body over the body limit', 413, undefined, () => postRaw(new Uint8Array(3 * 1024 * 1024), 'application/json')],
  // playlists and lists that name other files and URLs
  ['an HLS playlist naming /etc/passwd', 400, 'invalid_audio', () => upload(hls('/etc/passwd', 'file:///etc/passwd'), [], 'x.m3u8')],
  ["an HLS playlist naming the repository's package.json", 400, 'invalid_audio', () => upload(hls(REPO_PACKAGE_JSON, `file://${REPO_PACKAGE_JSON}`), [], 'x.m3u8')],
  ['an HLS playlist naming URLs', 400, 'invalid_audio', () => upload(hls('http://127.0.0.1:1/x', `${lureUrl}/seg0.ts`), [], 'x.m3u8')],
  ['an ffconcat list naming local files', 400, 'invalid_audio', () => upload(ffconcat('/etc/passwd', REPO_PACKAGE_JSON), [], 'x.ffconcat')],
  ['an ffconcat list naming URLs', 400, 'invalid_audio', () => upload(ffconcat('http://127.0.0.1:1/x', `${lureUrl}/x.wav`), [], 'x.ffconcat')],
  ['a concat: URL as the file content', 400, 'invalid_audio', () => upload(enc(`concat:/etc/passwd|${REPO_PACKAGE_JSON}`))],
  ['an SDP description pointing at a local port', 400, 'invalid_audio', () => upload(enc('v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 5004 RTP/AVP 0\n'), [], 'x.sdp')],
  // images and video
  ['a PNG image', 400, 'invalid_audio', () => upload(png(), [], 'x.png')],
  ['a JPEG image', 400, 'invalid_audio', () => upload(jpeg(), [], 'x.jpg')],
  ['a video with an audio track', 200, null, () => upload(fixture('speech-video.mp4'), [], 'v.mp4')],
  ['a video without an audio track', 400, undefined, () => upload(fixture('video-no-audio.mp4'), [], 'v.mp4')],
  // broken multipart
  ['a body whose boundary is not the declared one', 400, undefined, () => postForm([filePart(goodWav())], {}, { contentType: 'multipart/form-data; boundary=something-else' })],
  ['multipart/form-data without a boundary', 400, undefined, () => postForm([filePart(goodWav())], {}, { contentType: 'multipart/form-data' })],
  ['a multipart body cut inside the file part', 400, undefined, () => postRaw(multipartBody([filePart(goodWav())], BOUNDARY).subarray(0, 20000), `multipart/form-data; boundary=${BOUNDARY}`)],
  ['a multipart body without its closing boundary', 400, undefined, () => postForm([filePart(goodWav())], {}, { close: false })],
  ['a part with a malformed header line', 400, undefined, () => postForm([{ headers: 'Content-Disposition form-data name=file\r\nthis is not a header\r\n', body: goodWav() }])],
  ['a part without a name', 400, 'invalid_request', () => postForm([{ filename: 'a.wav', body: goodWav() }])],
  ['no file part', 400, 'invalid_request', () => postForm([field('model', 'whisper-1')])],
  ['two file parts', 400, 'invalid_request', () => postForm([filePart(goodWav()), filePart(goodWav())])],
  ['three file parts', 400, undefined, () => postForm([filePart(goodWav()), filePart(goodWav()), filePart(goodWav())])],
  ['65 fields (over the field limit)', 413, undefined, () => postForm([...Array.from({ length: 65 }, (_, i) => field(`x_${i}`, 'y')), filePart(goodWav())])],
  ['a JSON body', 415, undefined, () => postRaw(enc('{"file":"AAAA","model":"whisper-1"}'), 'application/json')],
  ['raw audio as application/octet-stream', 415, undefined, () => postRaw(goodWav(), 'application/octet-stream')],
  ['no content-type at all', 415, undefined, () => postRaw(goodWav(), undefined)],
  // wrong field names and types, duplicates, absurd values
  ['the audio under "files"', 400, 'invalid_request', () => postForm([filePart(goodWav(), 'a.wav', 'files')])],
  ['the audio as a text field "file"', 400, 'invalid_request', () => postForm([field('file', 'UklGRiQAAABXQVZF')])],
  ['response_format=xml', 400, 'invalid_request', () => upload(goodWav(), [['response_format', 'xml']])],
  ['temperature=hot', 400, 'invalid_request', () => upload(goodWav(), [['temperature', 'hot']])],
  ['temperature=1e309', 400, 'invalid_request', () => upload(goodWav(), [['temperature', '1e309']])],
  ['temperature=NaN', 400, 'invalid_request', () => upload(goodWav(), [['temperature', 'NaN']])],
  ['temperature=-0.5', 400, 'invalid_request', () => upload(goodWav(), [['temperature', '-0.5']])],
  ['timestamp_granularities[]=char', 400, 'invalid_request', () => upload(goodWav(), [['response_format', 'verbose_json'], ['timestamp_granularities[]', 'char']])],
  ['stream=yes', 400, 'invalid_request', () => upload(goodWav(), [['stream', 'yes']])],
  ['model given twice', 400, 'invalid_request', () => upload(goodWav(), [['model', 'whisper-1'], ['model', 'whisper-1']])],
  ['response_format given twice', 400, 'invalid_request', () => upload(goodWav(), [['response_format', 'json'], ['response_format', 'text']])],
  ['a 70 kB prompt', 400, 'invalid_request', () => upload(goodWav(), [['prompt', 'p'.repeat(70_000)]])],
  ['a 10 kB language', 400, 'invalid_request', () => upload(goodWav(), [['language', 'e'.repeat(10_000)]])],
  ['a 300-character model', 400, 'invalid_request', () => upload(goodWav(), [['model', 'm'.repeat(300)]])],
  ['language=fr', 400, 'unsupported_language', () => upload(goodWav(), [['language', 'fr']])],
  ['chunking_strategy that is not JSON', 400, 'invalid_request', () => upload(goodWav(), [['chunking_strategy', '{"type": server_vad']])],
  ['chunking_strategy[threshold]=abc', 400, 'invalid_request', () => upload(goodWav(), [['chunking_strategy[type]', 'server_vad'], ['chunking_strategy[threshold]', 'abc']])],
  ['chunking_strategy with threshold 1e999', 400, 'invalid_request', () => upload(goodWav(), [['chunking_strategy', '{"type":"server_vad","threshold":1e999}']])],
  ['a chunking_strategy threshold nested 20,000 arrays deep', 400, undefined, () => upload(goodWav(), [['chunking_strategy', `{"type":"server_vad","threshold":${'['.repeat(20000)}${']'.repeat(20000)}}`]])],
  ['a field named constructor', 400, undefined, () => upload(goodWav(), [['constructor', 'x']])],
  ['a field named __proto__', 400, undefined, () => upload(goodWav(), [['__proto__', 'x']])],
  ['a JSON-typed field that is not JSON', 400, undefined, () => postForm([{ name: 'model', type: 'application/json', body: '{nope' }, filePart(goodWav())])],
  ['stream=true with bytes that are not audio (an error before any event)', 400, 'invalid_audio', () => upload(noise(4096, 8), [['stream', 'true']])],
  ['response_format=text with bytes that are not audio (the error is still JSON)', 400, 'invalid_audio', () => upload(noise(4096, 9), [['response_format', 'text']])],
  ['X-Priority: realtime', 400, 'invalid_priority', () => postForm([filePart(goodWav())], { 'x-priority': 'realtime' })],
  // valid requests in odd clothes
  ['a filename that climbs out (../../etc/passwd)', 200, null, () => upload(goodWav(), [], '../../../../etc/passwd')],
  ['a file part typed text/html', 200, null, () => postForm([{ name: 'file', filename: 'a.html', type: 'text/html', body: goodWav() }])],
  ['chunking_strategy sent as an application/json part', 200, null, () => postForm([{ name: 'chunking_strategy', type: 'application/json', body: '{"type":"server_vad","threshold":0.4}' }, filePart(goodWav())])],
  ['unknown fields beside the audio', 200, null, () => upload(goodWav(), [['foo', 'bar'], ['x[y]', 'z'], ['chunking_strategy', '{"type":"server_vad","__proto__":{"polluted":"yes"}}']])],
];

describe('hostile inputs', () => {
  let server: RunningApp;
  let audio: AudioService;
  const seen: { name: string; status: number; text: string }[] = [];

  beforeAll(async () => {
    lure = createServer((_req, res) => {
      hits++;
      res.end('#EXTM3U\n');
    });
    await new Promise<void>((r) => lure.listen(0, '127.0.0.1', r));
    const address = lure.address();
    lureUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    server = await startApp({
      PARAKEET_MODEL_DIR: testModel({ shape: 'tiny', seed: 11 }),
      PARAKEET_MAX_UPLOAD_MB: '2',
      PARAKEET_MAX_AUDIO_SECONDS: String(MAX_AUDIO_S),
      PARAKEET_REALTIME_MAX_MESSAGE_MB: '1',
      PARAKEET_REALTIME_MAX_BUFFER_S: '10',
      PARAKEET_DECODE_TIMEOUT_S: '20',
      PARAKEET_LOG_LEVEL: 'fatal',
    });
    baseUrl = server.url;
    audio = server.app.get(AudioService);
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((r) => lure.close(r));
    removeTestModels();
    if (process.env.HOSTILE_DEBUG) for (const s of seen) console.log(`${s.status} ${s.name}: ${s.text.slice(0, 300)}`);
  });

  describe('REST: POST /v1/audio/transcriptions', () => {
    it(`has at least 30 cases (${REST_CASES.length})`, () => {
      expect(REST_CASES.length).toBeGreaterThanOrEqual(30);
      expect(new Set(REST_CASES.map((c) => c[0])).size).toBe(REST_CASES.length);
    });

    it.each(REST_CASES)('%s → %i', async (name, status, code, send) => {
      const res = await send();
      const text = await res.text();
      seen.push({ name, status: res.status, text });
      expectNoLeak(text);
      if (status === 200) {
        expect([res.status, text.slice(0, 200)]).toEqual([200, expect.any(String)]);
        const body = JSON.parse(text) as { text: unknown; usage: unknown };
        expect(typeof body.text).toBe('string');
        return;
      }
      expect([res.status, text.slice(0, 300)]).toEqual([status, expect.any(String)]);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body: unknown = JSON.parse(text);
      expectOpenAiError(body);
      if (code !== undefined) expect(body.error.code).toBe(code);
      expect(body.error.type).toBe('invalid_request_error');
    });

    it('never fetched what a playlist named, and no prototype was polluted', () => {
      expect(hits).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('still transcribes a good request, and left no ffmpeg process and no temp file behind', async () => {
      const res = await upload(fixture('speech.mp3'), [['model', 'whisper-1']], 'speech.mp3');
      expect(res.status).toBe(200);
      expect(typeof ((await res.json()) as { text: unknown }).text).toBe('string');
      const wavRes = await upload(goodWav(2));
      expect(wavRes.status).toBe(200);
      for (let i = 0; i < 50 && childProcesses('ffmpeg').length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(childProcesses('ffmpeg')).toEqual([]);
      expect(readdirSync(audio.spool.dir)).toEqual([]);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    });
  });

  describe('realtime: /v1/realtime', () => {
    const clients: RealtimeClient[] = [];
    const RATE = 16000;

    /** The reference flow (16 kHz PCM16, no turn detection): commits are manual. */
    async function open(): Promise<RealtimeClient> {
      const c = await RealtimeClient.connect(baseUrl, { path: '/v1/realtime' });
      clients.push(c);
      await c.next('session.created', () => true, 10000);
      return c;
    }

    afterAll(async () => {
      await Promise.all(clients.map((c) => (c.ws.readyState === c.ws.OPEN ? c.close() : c.closed)));
    });

    /** The next `error` event after `from`, checked for shape and leaks. */
    async function expectError(c: RealtimeClient, from: number, code: string, expected: { param?: string | null; eventId?: string | null } = {}): Promise<RealtimeEvent> {
      const e = await c.next('error', () => true, 10000, from);
      expect(Object.keys(e.error).sort()).toEqual(['code', 'event_id', 'message', 'param', 'type']);
      expect(e.error).toEqual({
        type: 'invalid_request_error',
        code,
        message: expect.any(String),
        param: expected.param === undefined ? (e.error.param as unknown) : expected.param,
        event_id: expected.eventId ?? null,
      });
      expect(e.error.param === null || typeof e.error.param === 'string').toBe(true);
      expect((e.error.message as string).length).toBeLessThanOrEqual(400);
      expectNoLeak(JSON.stringify(e));
      return e;
    }

    /** A good turn: 0.6 s appended and committed → committed, then completed for that item. */
    async function expectUsable(c: RealtimeClient): Promise<void> {
      const from = c.events.length;
      c.send({ type: 'input_audio_buffer.append', audio: pcm16Base64(tone(0.6, RATE)) });
      c.send({ type: 'input_audio_buffer.commit', event_id: 'good-commit' });
      const committed = await c.next('input_audio_buffer.committed', () => true, 15000, from);
      const done = await c.next('conversation.item.input_audio_transcription.completed', (e) => e.item_id === committed.item_id, 15000, from);
      expect(typeof done.transcript).toBe('string');
      expect(c.events.slice(from).filter((e) => e.type === 'error')).toEqual([]);
      expect(c.ws.readyState).toBe(c.ws.OPEN);
    }

    type WsCase = [name: string, code: string, param: string | null | undefined, eventId: string | null, send: (c: RealtimeClient) => void];
    const raw = (text: string) => (c: RealtimeClient) => c.ws.send(text);
    const ev = (event: Record<string, unknown>) => (c: RealtimeClient) => c.send(event);
    const update = (session: unknown, type = 'session.update') => ev({ type, session });
    const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    const WS_CASES: WsCase[] = [
      ['invalid JSON', 'invalid_json', null, null, raw('{"type": "input_audio_buffer.append", ')],
      ['an empty text frame', 'invalid_json', null, null, raw('')],
      ['a JSON array', 'invalid_event', null, null, raw('[{"type":"input_audio_buffer.commit"}]')],
      ['a JSON string', 'invalid_event', null, null, raw('"input_audio_buffer.commit"')],
      ['JSON null', 'invalid_event', null, null, raw('null')],
      ['an unknown type', 'unknown_event_type', 'type', 'u1', ev({ type: 'conversation.item.create', event_id: 'u1' })],
      ['a missing type', 'invalid_event', 'type', 'm1', ev({ event_id: 'm1', audio: 'AAAA' })],
      ['a type that is an object', 'invalid_event', 'type', null, ev({ type: { name: 'input_audio_buffer.append' } })],
      ['a 0.9 MB type string', 'unknown_event_type', 'type', null, ev({ type: 'x'.repeat(900 * 1024) })],
      ['bad base64 (not the alphabet)', 'invalid_audio', 'audio', 'b1', ev({ type: 'input_audio_buffer.append', audio: 'AA*A!AAA', event_id: 'b1' })],
      ['base64 with whitespace and newlines', 'invalid_audio', 'audio', null, ev({ type: 'input_audio_buffer.append', audio: 'AAAA\nAAAA AAAA' })],
      ['url-safe base64', 'invalid_audio', 'audio', null, ev({ type: 'input_audio_buffer.append', audio: '-_-_AAAA' })],
      ['unpadded base64', 'invalid_audio', 'audio', null, ev({ type: 'input_audio_buffer.append', audio: 'AAAAAA' })],
      ['an odd PCM16 byte count', 'invalid_audio_length', 'audio', null, ev({ type: 'input_audio_buffer.append', audio: Buffer.alloc(301).toString('base64') })],
      ['audio that is a number', 'invalid_value', 'audio', null, ev({ type: 'input_audio_buffer.append', audio: 12345 })],
      ['audio that is a deeply nested array', 'invalid_value', 'audio', null, raw(`{"type":"input_audio_buffer.append","audio":${nestedArray(300_000)}}`)],
      ['a deeply nested array as the whole message', 'invalid_event', null, null, raw(nestedArray(400_000))],
      ['a binary frame', 'binary_frame_unsupported', null, null, (c) => c.ws.send(Buffer.from(pcm16Base64(tone(0.2, RATE)), 'base64'), { binary: true })],
      ['a commit of an empty buffer', 'input_audio_buffer_commit_empty', null, 'c0', ev({ type: 'input_audio_buffer.commit', event_id: 'c0' })],
      [
        'a commit of 50 ms',
        'input_audio_buffer_commit_empty',
        null,
        'c50',
        (c) => {
          c.send({ type: 'input_audio_buffer.append', audio: pcm16Base64(tone(0.05, RATE)) });
          c.send({ type: 'input_audio_buffer.commit', event_id: 'c50' });
        },
      ],
      ['a commit carrying a 0.9 MB string in an unknown field', 'input_audio_buffer_commit_empty', null, null, ev({ type: 'input_audio_buffer.commit', padding: 'z'.repeat(900 * 1024) })],
      ['an event_id of 10 kB', 'invalid_value', 'event_id', null, ev({ type: 'input_audio_buffer.commit', event_id: 'e'.repeat(10_000) })],
      ['an event_id that is a number', 'invalid_value', 'event_id', null, ev({ type: 'input_audio_buffer.commit', event_id: 42 })],
      ['session.update with rate 0', 'invalid_value', 'session.input_audio_sample_rate', null, update({ input_audio_sample_rate: 0 })],
      ['session.update with rate 7', 'invalid_value', 'session.input_audio_sample_rate', null, update({ input_audio_sample_rate: 7 })],
      ['session.update with rate 1e9', 'invalid_value', 'session.input_audio_sample_rate', null, update({ input_audio_sample_rate: 1e9 })],
      ['session.update with rate 16000.5', 'invalid_value', 'session.input_audio_sample_rate', null, update({ input_audio_sample_rate: 16000.5 })],
      ['a GA update with format rate 1e9', 'invalid_value', 'session.audio.input.format.rate', null, update({ type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 1e9 } } } })],
      ['a GA update with an unknown format', 'invalid_value', 'session.audio.input.format', null, update({ type: 'transcription', audio: { input: { format: { type: 'audio/flac' } } } })],
      ['a beta update with an unknown format', 'invalid_value', 'session.input_audio_format', null, update({ input_audio_format: 'opus' }, 'transcription_session.update')],
      ['threshold -1', 'invalid_value', 'session.turn_detection.threshold', null, update({ turn_detection: { type: 'server_vad', threshold: -1 } })],
      ['threshold "NaN" (a string)', 'invalid_value', 'session.turn_detection.threshold', null, update({ turn_detection: { type: 'server_vad', threshold: 'NaN' } })],
      ['silence_duration_ms 1e12', 'invalid_value', 'session.turn_detection.silence_duration_ms', null, update({ turn_detection: { silence_duration_ms: 1e12 } })],
      ['turn_detection as a string', 'invalid_value', 'session.turn_detection', null, update({ turn_detection: 'server_vad' })],
      ['turn_detection of an unknown type', 'invalid_value', 'session.turn_detection.type', null, update({ turn_detection: { type: 'psychic_vad' } })],
      ['include as an object', 'invalid_value', 'session.include', null, update({ include: { logprobs: true } })],
      ['include nested 100,000 levels deep', 'invalid_value', 'session.include', null, raw(`{"type":"session.update","session":{"include":${nestedArray(100_000)}}}`)],
      ['session as a string', 'invalid_value', 'session', null, update('everything')],
      ['session.type "voice"', 'invalid_value', 'session.type', null, update({ type: 'voice' })],
      ['a transcription model that is a number', 'invalid_value', 'session.input_audio_transcription.model', null, update({ input_audio_transcription: { model: 7 } })],
      ['a language of 10 kB', 'unsupported_language', 'session.input_audio_transcription.language', null, update({ input_audio_transcription: { language: 'e'.repeat(10_000) } })],
      ['noise reduction of an unknown type', 'invalid_value', 'session.input_audio_noise_reduction', null, update({ input_audio_noise_reduction: { type: 'cosmic' } })],
      ['response.create with a string response', 'invalid_value', 'response', null, ev({ type: 'response.create', response: 'now' })],
    ];

    it(`has at least 15 cases (${WS_CASES.length})`, () => {
      expect(WS_CASES.length).toBeGreaterThanOrEqual(15);
    });

    it.each(WS_CASES)('%s → error %s, and the session stays usable', async (_name, code, param, eventId, send) => {
      const c = await open();
      const from = c.events.length;
      send(c);
      await expectError(c, from, code, { param, eventId });
      // Exactly one answer to the one bad event (the 50 ms case sent a good append first, which has none).
      await new Promise((r) => setTimeout(r, 50));
      expect(c.events.slice(from).map((e) => e.type)).toEqual(['error']);
      await expectUsable(c);
      await c.close();
    });

    it('answers several bad events on one session in order, each with its own error, then a good turn', async () => {
      const c = await open();
      const from = c.events.length;
      for (const [, , , , send] of WS_CASES.slice(0, 15)) send(c);
      await c.next('error', () => true, 10000, from);
      for (let i = 0; i < 100 && c.events.slice(from).length < 15; i++) await new Promise((r) => setTimeout(r, 20));
      const answers = c.events.slice(from);
      expect(answers.map((e) => e.type)).toEqual(Array(15).fill('error'));
      expect(answers.map((e) => e.error.code)).toEqual(WS_CASES.slice(0, 15).map((w) => w[1]));
      for (const e of answers) expectNoLeak(JSON.stringify(e));
      await expectUsable(c);
      await c.close();
    });

    it('closes a frame over PARAKEET_REALTIME_MAX_MESSAGE_MB with 1009, and keeps serving others', async () => {
      const c = await open();
      c.send({ type: 'input_audio_buffer.append', audio: 'A'.repeat(1024 * 1024 + 4) });
      expect((await c.closed).code).toBe(1009);
      const next = await open();
      await expectUsable(next);
      await next.close();
    });

    it('closes a text frame that is not UTF-8 with 1007 (ws), and keeps serving others', async () => {
      const c = await open();
      c.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), { binary: false });
      expect((await c.closed).code).toBe(1007);
      const next = await open();
      await expectUsable(next);
      await next.close();
    });

    it('takes a flood of 5,000 appends of 2 samples, then a commit → one completed turn of all of them', async () => {
      const c = await open();
      const from = c.events.length;
      const pair = pcm16Base64(Float32Array.of(0.25, -0.25));
      for (let i = 0; i < 5000; i++) c.send({ type: 'input_audio_buffer.append', audio: pair });
      c.send({ type: 'input_audio_buffer.commit' });
      const done = await c.next('conversation.item.input_audio_transcription.completed', () => true, 30000, from);
      expect(done.usage).toEqual({ type: 'duration', seconds: 10000 / RATE });
      expect(c.events.slice(from).filter((e) => e.type === 'error')).toEqual([]);
      await expectUsable(c);
      await c.close();
    });

    it('answers a storm of 50 commits of 150 ms: each one committed and completed/failed, or refused with too_many_pending_turns', async () => {
      const c = await open();
      const from = c.events.length;
      const piece = pcm16Base64(tone(0.15, RATE));
      for (let i = 0; i < 50; i++) {
        c.send({ type: 'input_audio_buffer.append', audio: piece });
        c.send({ type: 'input_audio_buffer.commit', event_id: `storm-${i}` });
      }
      const answered = () => {
        const evs = c.events.slice(from);
        const committed = evs.filter((e) => e.type === 'input_audio_buffer.committed').length;
        const refused = evs.filter((e) => e.type === 'error').length;
        const finished = evs.filter((e) => e.type.startsWith('conversation.item.input_audio_transcription.') && !e.type.endsWith('.delta')).length;
        return { committed, refused, finished };
      };
      const deadline = Date.now() + 30000;
      for (;;) {
        const a = answered();
        if ((a.committed + a.refused === 50 && a.finished === a.committed) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const evs = c.events.slice(from);
      const a = answered();
      if (process.env.HOSTILE_DEBUG) console.log(`commit storm: ${a.committed} committed, ${a.refused} refused, ${a.finished} finished`);
      expect(a.committed + a.refused).toBe(50);
      expect(a.finished).toBe(a.committed);
      expect(a.committed).toBeGreaterThanOrEqual(8);
      for (const e of evs.filter((x) => x.type === 'error')) {
        expect(e.error).toMatchObject({ code: 'too_many_pending_turns', event_id: expect.stringMatching(/^storm-\d+$/) });
        expectNoLeak(JSON.stringify(e));
      }
      // Every committed item is answered once, in commit order.
      const items = evs.filter((e) => e.type === 'input_audio_buffer.committed').map((e) => e.item_id as string);
      const finishedItems = evs.filter((e) => /transcription\.(completed|failed)$/.test(e.type)).map((e) => e.item_id as string);
      expect(finishedItems).toEqual(items);
      // A refused commit leaves the audio in the buffer; it rides the next commit. Clear what is left.
      c.send({ type: 'input_audio_buffer.clear' });
      await c.next('input_audio_buffer.cleared', () => true, 10000, from);
      await expectUsable(c);
      await c.close();
    });

    it('refuses an append past PARAKEET_REALTIME_MAX_BUFFER_S (the append is dropped) and stays usable', async () => {
      const c = await open();
      const from = c.events.length;
      const second = pcm16Base64(tone(1, RATE));
      for (let i = 0; i < 11; i++) c.send({ type: 'input_audio_buffer.append', audio: second });
      await expectError(c, from, 'input_audio_buffer_too_large', { param: 'audio' });
      c.send({ type: 'input_audio_buffer.commit' });
      const done = await c.next('conversation.item.input_audio_transcription.completed', () => true, 30000, from);
      expect(done.usage.seconds).toBeCloseTo(10, 3);
      await expectUsable(c);
      await c.close();
    });

    it('left the REST API serving after all of it', async () => {
      expect((await upload(goodWav(1))).status).toBe(200);
      expect(childProcesses('ffmpeg')).toEqual([]);
    });
  });
});
