import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFloat32 } from '../src/asr/samples.js';
import { AudioTooLongError, DecodeAbortedError } from '../src/audio/audio-errors.js';
import { AudioService } from '../src/audio/audio.service.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { childProcesses } from './helpers/processes.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'audio');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { clips: { file: string; duration_s: number }[] };
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(DIR, file)));
const serviceWith = (env: Record<string, string> = {}) => new AudioService(loadConfig(env) as AppConfig);
const FILE = { maxSeconds: 14400, timeoutS: 60 };

/** Largest difference between two decodes of the same audio (Infinity when their lengths differ). */
function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('decoding a stored file (a job’s audio) from disk', () => {
  let audio: AudioService;
  let scratch: string;
  beforeAll(() => {
    audio = serviceWith();
    scratch = mkdtempSync(join(tmpdir(), 'parakeet-file-decode-'));
  });
  afterAll(async () => {
    await audio.onApplicationShutdown();
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(manifest.clips.map((c) => [c.file]))('%s: the same samples as the live path gets from its bytes', async (file) => {
    const live = await audio.decode(bytesOf(file));
    const stored = await audio.decodeFile(join(DIR, file), FILE);
    expect(maxDifference(toFloat32(stored.samples), toFloat32(live.samples))).toBe(0);
    // A WAV the live endpoint would take is decoded as there (even one its parser declines, through a pipe);
    // every other container is read by ffmpeg from the file.
    expect(stored.decoder).toBe(file.endsWith('.wav') ? live.decoder : 'ffmpeg-file');
  });

  it('takes a WAV beyond the live upload limit through ffmpeg by path, and reads 16 kHz PCM16 frames as they are', async () => {
    const small = serviceWith({ PARAKEET_MAX_UPLOAD_MB: '0.01' });
    try {
      const resampled = await small.decodeFile(join(DIR, 'speech-48k-stereo.wav'), FILE);
      expect(resampled.decoder).toBe('ffmpeg-file');
      const live = await audio.decode(bytesOf('speech-48k-stereo.wav'));
      expect(Math.abs(resampled.samples.length - live.samples.length)).toBeLessThanOrEqual(1);
      const native = await small.decodeFile(join(DIR, 'speech.wav'), FILE);
      expect(native.decoder).toBe('wav');
      expect(native.samples).toEqual((await audio.decode(bytesOf('speech.wav'))).samples);
    } finally {
      await small.onApplicationShutdown();
    }
  });

  it('cuts a WAV whose header claims more data than the file holds to the frames there', async () => {
    const bytes = bytesOf('speech.wav');
    const data = Buffer.from(bytes).indexOf('data');
    const lying = bytes.slice(0, data + 8 + 32000);
    new DataView(lying.buffer).setUint32(data + 4, 0x7fffffff, true);
    const path = join(scratch, 'lying.wav');
    writeFileSync(path, lying);
    expect((await audio.decodeFile(path, FILE)).samples.length).toBe(16000);
  });

  it('refuses audio over the limit it is given, on every path', async () => {
    for (const file of ['speech.wav', 'speech.mp3', 'speech-moov-at-end.m4a', 'long.opus']) {
      const error = await audio.decodeFile(join(DIR, file), { ...FILE, maxSeconds: 2 }).catch((e: unknown) => e);
      expect([file, error]).toEqual([file, expect.any(AudioTooLongError)]);
    }
    expect(readdirSync(audio.spool.dir)).toEqual([]);
  });

  it('asks for the decoded audio’s memory (float32 bytes) before reading it in, on every path', async () => {
    for (const file of ['speech.wav', 'speech-48k-stereo.wav', 'speech.mp3', 'long.opus']) {
      const asked: number[] = [];
      const out = await audio.decodeFile(join(DIR, file), { ...FILE, reserve: async (bytes) => void asked.push(bytes) });
      expect([file, asked]).toEqual([file, [out.samples.length * 4]]);
    }
    // A reservation that fails (the job stopped while it waited) fails the decode and leaves nothing behind.
    const refused = await audio.decodeFile(join(DIR, 'long.opus'), { ...FILE, reserve: () => Promise.reject(new DecodeAbortedError('stopped')) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DecodeAbortedError);
    expect(readdirSync(audio.spool.dir)).toEqual([]);
  });

  it('leaves no ffmpeg process and no scratch file when the decode is abandoned', async () => {
    const baseline = childProcesses('ffmpeg').length;
    const controller = new AbortController();
    const pending = audio.decodeFile(join(DIR, 'long.opus'), { ...FILE, signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    expect(await pending.catch((e: unknown) => e)).toBeInstanceOf(DecodeAbortedError);
    expect(childProcesses('ffmpeg').length).toBe(baseline);
    expect(readdirSync(audio.spool.dir)).toEqual([]);
  });
});
