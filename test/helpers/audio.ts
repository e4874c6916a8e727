import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** A 16 kHz mono PCM16 WAV file of the given samples. */
export function pcm16Wav(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const ascii = (at: number, text: string) => out.set(new TextEncoder().encode(text), at);
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, 16000, true);
  v.setUint32(28, 32000, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  samples.forEach((x, i) => v.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true));
  return out;
}
