import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateFfmpeg } from '../../src/audio/ffmpeg-binary.js';
import { readWav } from '../../src/audio/wav-reader.js';

export const FIXTURES = join(process.cwd(), 'test', 'fixtures');

export function fixtureAudio(name: string): Float32Array {
  return readWav(readFileSync(join(FIXTURES, name))).samples;
}

/** Deterministic test signals: a speech fixture cut or looped to `seconds`, with a per-clip gain. */
export function mixedClips(count: number, seed = 1): Float32Array[] {
  const sources = ['nemo128/speech_a.wav', 'nemo128/speech_b.wav', 'nemo128/sweep.wav', 'nemo128/noise.wav'].map(fixtureAudio);
  const clips: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const seconds = 0.5 + ((i * 7 + seed * 3) % 11) * 0.55;
    const src = sources[i % sources.length];
    const out = new Float32Array(Math.round(seconds * 16000) + i * 37);
    const gain = 0.6 + (i % 3) * 0.2;
    for (let n = 0; n < out.length; n++) out[n] = src[(n + i * 1601) % src.length] * gain;
    clips.push(out);
  }
  return clips;
}

export { pcm16Wav } from '../../src/audio/pcm16.js';

/** Any fixture decoded by real ffmpeg to mono float samples at `rate`. */
export function decodeFixture(name: string, rate = 16000): Float32Array {
  const pcm = execFileSync(locateFfmpeg(undefined).path, ['-v', 'error', '-i', join(FIXTURES, name), '-ac', '1', '-ar', String(rate), '-f', 's16le', 'pipe:1'], { maxBuffer: 256 * 1024 * 1024 });
  const out = new Float32Array(pcm.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(2 * i) / 32768;
  return out;
}

/** Pieces of audio joined with `gapS` seconds of silence between and around them. */
export function withSilences(pieces: Float32Array[], gapS: number, rate = 16000): Float32Array {
  const gap = Math.round(gapS * rate);
  const out = new Float32Array(pieces.reduce((n, p) => n + p.length + gap, gap));
  let at = gap;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length + gap;
  }
  return out;
}
