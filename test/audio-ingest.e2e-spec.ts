import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { toFloat32 } from '../src/asr/samples.js';
import { AudioDecodeError, AudioTooLongError, DecodeAbortedError, DecodeTimeoutError, UploadTooLargeError } from '../src/audio/audio-errors.js';
import { AudioService } from '../src/audio/audio.service.js';
import { decodeWithFfmpeg } from '../src/audio/ffmpeg-decoder.js';
import { readLimited } from '../src/audio/read-limited.js';
import { readWav } from '../src/audio/wav-reader.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { fakeFfmpeg } from './helpers/fake-ffmpeg.js';
import { childProcesses } from './helpers/processes.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'audio');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { clips: { file: string; container: string; duration_s: number }[] };
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(DIR, file)));
const reference = readWav(readFileSync(join(DIR, 'speech.wav'))).samples;

/** Offset of the `data` chunk header in the reference WAV (ffmpeg writes a LIST chunk before it). */
const wavDataOffset = () => Buffer.from(bytesOf('speech.wav')).indexOf('data');

const serviceWith = (env: Record<string, string> = {}) => new AudioService(loadConfig(env) as AppConfig);

/** Normalised cross-correlation at the best lag within ±maxLag samples. */
function similarity(a: Float32Array, b: Float32Array, maxLag = 64): number {
  let best = -1;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
      const x = a[i];
      const y = b[i + lag];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    best = Math.max(best, ab / Math.sqrt(aa * bb));
  }
  return best;
}

/** Lossless and PCM paths must match sample for sample; lossy codecs and other rates must correlate. */
const TOLERANCE: Record<string, { exact?: number; similarity?: number }> = {
  'speech.wav': { exact: 0 },
  'speech.flac': { exact: 1e-6 },
  'speech-24bit.wav': { exact: 1e-4 },
  'speech-44k-f32.wav': { similarity: 0.995 },
  'speech-48k-stereo.wav': { similarity: 0.995 },
  'speech-8k.wav': { similarity: 0.9 },
  'speech-alaw.wav': { similarity: 0.9 },
  'speech.mp3': { similarity: 0.95 },
  'speech.ogg': { similarity: 0.95 },
  'speech.opus': { similarity: 0.9 },
  'speech.webm': { similarity: 0.9 },
  'speech-moov-at-end.m4a': { similarity: 0.95 },
  'speech-faststart.m4a': { similarity: 0.95 },
  'speech-video.mp4': { similarity: 0.9 },
};

describe('audio ingest', () => {
  let audio: AudioService;
  beforeAll(() => {
    audio = serviceWith();
  });
  afterAll(() => audio.onApplicationShutdown());

  it('finds an ffmpeg and reports its version', () => {
    expect(audio.ffmpeg.version).toMatch(/\d/);
    expect(['PATH', 'PARAKEET_FFMPEG_PATH', '@ffmpeg-installer/linux-x64']).toContain(audio.ffmpeg.source);
  });

  it.each(Object.entries(TOLERANCE))('decodes %s to 16 kHz mono with the right duration and samples', async (file, tol) => {
    const clip = manifest.clips.find((c) => c.file === file)!;
    const out = await audio.decode(bytesOf(file));
    const samples = toFloat32(out.samples);
    expect(Math.abs(out.duration - clip.duration_s)).toBeLessThanOrEqual(0.02);
    expect(out.decoder).toBe(file.endsWith('.wav') && file !== 'speech-alaw.wav' ? 'wav' : /\.(m4a|mp4|mp3)$/.test(file) ? 'ffmpeg-file' : 'ffmpeg');
    if (tol.exact !== undefined) {
      expect(samples.length).toBe(reference.length);
      let maxErr = 0;
      for (let i = 0; i < reference.length; i++) maxErr = Math.max(maxErr, Math.abs(samples[i] - reference[i]));
      expect(maxErr).toBeLessThanOrEqual(tol.exact);
    } else {
      expect(similarity(samples, reference)).toBeGreaterThanOrEqual(tol.similarity!);
    }
  });

  it('has a real moov-at-end m4a fixture and decodes it completely', async () => {
    const bytes = Buffer.from(bytesOf('speech-moov-at-end.m4a'));
    expect(bytes.indexOf('moov')).toBeGreaterThan(bytes.indexOf('mdat'));
    const faststart = Buffer.from(bytesOf('speech-faststart.m4a'));
    expect(faststart.indexOf('moov')).toBeLessThan(faststart.indexOf('mdat'));
    const out = await audio.decode(bytes);
    expect(out.duration).toBeGreaterThan(4);
  });

  it('hands 16 kHz mono PCM16 on as its own integers (no float conversion), other WAVs as floats', async () => {
    const bytes = bytesOf('speech.wav');
    const native = await audio.decode(bytes);
    expect(native.samples).toBeInstanceOf(Int16Array);
    // Its own memory, all of it (the upload can be freed, and the lane gets it transferred, not copied again).
    expect(native.samples.buffer).not.toBe(bytes.buffer);
    expect(native.samples.byteLength).toBe(native.samples.buffer.byteLength);
    expect(toFloat32(native.samples)).toEqual(reference);
    // At an odd offset the same values.
    const odd = new Uint8Array(bytes.length + 1).subarray(1);
    odd.set(bytes);
    expect(Array.from((await audio.decode(odd)).samples)).toEqual(Array.from(native.samples));
    expect((await audio.decode(bytesOf('speech-48k-stereo.wav'))).samples).toBeInstanceOf(Float32Array);
  });

  it('gives the same samples on the WAV fast path as through ffmpeg', async () => {
    // 16 kHz sources need no resampling and must match exactly; resamplers differ a little near the band edge.
    const minimum: Record<string, number> = { 'speech.wav': 0.999999, 'speech-24bit.wav': 0.999999, 'speech-48k-stereo.wav': 0.999, 'speech-44k-f32.wav': 0.999, 'speech-8k.wav': 0.99 };
    for (const [file, min] of Object.entries(minimum)) {
      const fast = await audio.decode(bytesOf(file));
      // In this process, not the decoder host: ffmpeg itself, without the host's signal launcher.
      const viaFfmpeg = await decodeWithFfmpeg({ ...audio.ffmpeg, shield: undefined }, { bytes: bytesOf(file), timeoutS: 30, maxSeconds: 600 });
      expect(fast.decoder).toBe('wav');
      expect(Math.abs(fast.samples.length - viaFfmpeg.length)).toBeLessThanOrEqual(1);
      expect(similarity(toFloat32(fast.samples), viaFfmpeg, 4)).toBeGreaterThanOrEqual(min);
    }
  });

  it('decodes the long concatenation', async () => {
    const clip = manifest.clips.find((c) => c.file === 'long.opus')!;
    const out = await audio.decode(bytesOf('long.opus'));
    expect(Math.abs(out.duration - clip.duration_s)).toBeLessThanOrEqual(0.02);
    expect(out.duration).toBeGreaterThan(30);
  });

  it.each([
    ['an empty file', new Uint8Array(0), /empty/],
    ['random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251), /not audio ffmpeg can read/],
    ['a text file', new TextEncoder().encode('hello, this is not audio at all\n'.repeat(50)), /not audio ffmpeg can read/],
    ['a truncated mp3 header', bytesOf('speech.mp3').slice(0, 40), /not audio|no audio/],
    ['a WAV header with no data', bytesOf('speech.wav').slice(0, wavDataOffset() + 8), /no audio/],
    ['a video without audio', bytesOf('video-no-audio.mp4'), /not audio ffmpeg can read|no audio/],
  ])('refuses %s with a clear AudioDecodeError', async (_what, bytes, message) => {
    const error = await audio.decode(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioDecodeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/\/tmp|\/work|parakeet-spool/);
  });

  it('decodes a WAV whose header claims more data than it has', async () => {
    const bytes = bytesOf('speech.wav');
    const data = wavDataOffset();
    const lying = bytes.slice(0, data + 8 + 32000);
    new DataView(lying.buffer).setUint32(data + 4, 0x7fffffff, true);
    new DataView(lying.buffer).setUint32(4, 0x7fffffff, true);
    const out = await audio.decode(lying);
    expect(out.samples.length).toBe(16000);
  });

  it('refuses audio over PARAKEET_MAX_AUDIO_SECONDS on both paths', async () => {
    const strict = serviceWith({ PARAKEET_MAX_AUDIO_SECONDS: '2' });
    try {
      for (const file of ['speech.wav', 'speech.mp3', 'speech-moov-at-end.m4a']) {
        const error = await strict.decode(bytesOf(file)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AudioTooLongError);
        expect((error as Error).message).toMatch(/at most 2 s/);
      }
    } finally {
      await strict.onApplicationShutdown();
    }
  });
});

describe('ffmpeg hardening', () => {
  let audio: AudioService;
  let server: Server;
  let hits = 0;
  let url = '';
  beforeAll(async () => {
    audio = serviceWith();
    server = createServer((_req, res) => {
      hits++;
      res.end('#EXTM3U\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await audio.onApplicationShutdown();
    await new Promise((r) => server.close(r));
  });

  it.each([
    ['an HLS playlist naming a local file', () => `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\n/etc/passwd\n#EXT-X-ENDLIST\n`],
    ['an HLS playlist naming a URL', () => `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n${url}/segment.ts\n#EXT-X-ENDLIST\n`],
    ['an ffconcat list', () => `ffconcat version 1.0\nfile '/etc/passwd'\nfile '${url}/x.wav'\n`],
    ['an SDP description', () => `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 5004 RTP/AVP 0\n`],
  ])('refuses %s without reading what it names', async (_what, text) => {
    const before = hits;
    const error = await audio.decode(new TextEncoder().encode(text())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioDecodeError);
    expect((error as Error).message).not.toContain('root:');
    expect(hits).toBe(before);
  });

  it('kills a hanging decode at PARAKEET_DECODE_TIMEOUT_S', async () => {
    // Hangs on the actual decode.
    const fake = fakeFfmpeg('exec sleep 30');
    const hanging = serviceWith({ PARAKEET_FFMPEG_PATH: fake.path, PARAKEET_DECODE_TIMEOUT_S: '0.5' });
    try {
      const error = await hanging.decode(bytesOf('speech.mp3')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecodeTimeoutError);
      expect(childProcesses('sleep')).toEqual([]);
    } finally {
      await hanging.onApplicationShutdown();
      fake.remove();
    }
  });

  it('waits for ffmpeg to exit after its output ends instead of calling a good decode a failure', async () => {
    // A real decode whose process lingers 300 ms after closing its output, as a loaded machine can make ffmpeg do.
    const fake = fakeFfmpeg('"$REAL" "$@"\nstatus=$?\nexec >&-\nsleep 0.3\nexit $status');
    const late = serviceWith({ PARAKEET_FFMPEG_PATH: fake.path });
    try {
      const decoded = await late.decode(bytesOf('speech.mp3'));
      expect(decoded.duration).toBeGreaterThan(4);
    } finally {
      await late.onApplicationShutdown();
      fake.remove();
    }
  });

  it('leaves no ffmpeg process and no temp file when a request is abandoned', async () => {
    const baseline = childProcesses('ffmpeg').length;
    const controller = new AbortController();
    const pending = audio.decode(bytesOf('speech-moov-at-end.m4a'), controller.signal);
    const pipe = audio.decode(bytesOf('long.opus'), controller.signal);
    setTimeout(() => controller.abort(), 5);
    const errors = await Promise.all([pending.catch((e: unknown) => e), pipe.catch((e: unknown) => e)]);
    for (const e of errors) expect(e).toBeInstanceOf(DecodeAbortedError);
    expect(childProcesses('ffmpeg').length).toBe(baseline);
    expect(readdirSync(audio.spool.dir)).toEqual([]);
  });

  it('trips the upload limit while the upload streams, without reading the rest', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield Buffer.alloc(1024 * 1024);
        }
      })(),
    );
    const error = await readLimited(endless, 5 * 1024 * 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadTooLargeError);
    expect((error as UploadTooLargeError).status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(8);
    expect(endless.destroyed).toBe(true);
  });
});
