import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateFfmpeg } from '../../src/audio/ffmpeg-binary.js';
import { pcm16Wav } from '../../src/audio/pcm16.js';
import { readWav } from '../../src/audio/wav-reader.js';
import { PROJECT_ROOT } from '../../src/common/project-paths.js';

const RATE = 16000;
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures');

/** One benchmark clip: what the service receives (`wav`), the same samples decoded, and what was said. */
export interface BenchClip {
  id: string;
  wav: Uint8Array;
  /** Exactly what the service's WAV path decodes from `wav` (PCM16 round trip). */
  samples: Float32Array;
  seconds: number;
  text: string;
}

interface Piece {
  samples: Float32Array;
  text: string;
}

/** Spoken fixtures with known text: the held-out sentences and voices, and the 4.7 s fixture sentence. */
export function speechPieces(): Piece[] {
  const heldout = JSON.parse(readFileSync(join(FIXTURES, 'heldout', 'manifest.json'), 'utf8')) as { file: string; text: string }[];
  const pieces = heldout.filter((h) => h.text.trim()).map((h) => ({ samples: readWav(readFileSync(join(FIXTURES, 'heldout', h.file))).samples, text: h.text }));
  const audio = JSON.parse(readFileSync(join(FIXTURES, 'audio', 'manifest.json'), 'utf8')) as { clips: { file: string; text: string }[] };
  const sentence = audio.clips.find((c) => c.file === 'speech.wav')!;
  pieces.push({ samples: readWav(readFileSync(join(FIXTURES, 'audio', 'speech.wav'))).samples, text: sentence.text });
  return pieces;
}

/** A small deterministic generator (LCG), so every run builds the same clips. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Pieces picked at random (seeded) and joined with `gapS` of silence until the next would pass `seconds`
 * (less `edgeS` of silence at each end); the rest is silence, so the clip lasts exactly `seconds` when `pad`.
 */
export function concatenate(pieces: Piece[], seconds: number, seed: number, opts: { gapS: number; edgeS: number; pad: boolean }): { samples: Float32Array; text: string } {
  const rnd = seededRandom(seed);
  const limit = Math.round((seconds - opts.edgeS) * RATE);
  const gap = Math.round(opts.gapS * RATE);
  const parts: Float32Array[] = [];
  const words: string[] = [];
  let length = Math.round(opts.edgeS * RATE);
  for (let tries = 0; tries < 200; tries++) {
    const p = pieces[Math.floor(rnd() * pieces.length)];
    const add = (parts.length ? gap : 0) + p.samples.length;
    if (length + add > limit) {
      if (parts.length && tries > 20) break;
      continue;
    }
    parts.push(p.samples);
    words.push(p.text);
    length += add;
  }
  const total = opts.pad ? Math.round(seconds * RATE) : length + Math.round(opts.edgeS * RATE);
  const out = new Float32Array(total);
  let at = Math.round(opts.edgeS * RATE);
  for (const part of parts) {
    out.set(part, at);
    at += part.length + gap;
  }
  return { samples: out, text: words.join(' ') };
}

/** Clip lengths in seconds, 2 to 20, interleaved so consecutive requests differ in length. */
const DURATIONS = [2, 20, 5, 12, 3, 16, 8, 10, 4, 18, 6, 14];

/** `count` clips of 2–20 s (mean 9.8 s), built deterministically from the fixtures. */
export function buildClips(count: number): BenchClip[] {
  const pieces = speechPieces();
  return Array.from({ length: count }, (_, i) => {
    const seconds = DURATIONS[i % DURATIONS.length];
    const { samples, text } = concatenate(pieces, seconds, 1000 + i, { gapS: 0.25, edgeS: 0.2, pad: true });
    const wav = pcm16Wav(samples);
    return { id: `clip${String(i).padStart(2, '0')}-${seconds}s`, wav, samples: readWav(wav).samples, seconds, text };
  });
}

/** The clip's audio as 64 kb/s mp3 (ffmpeg, libmp3lame), for the row that shows the ffmpeg decode cost. */
export function toMp3(clip: BenchClip): Uint8Array {
  const ffmpeg = locateFfmpeg(undefined).path;
  return new Uint8Array(execFileSync(ffmpeg, ['-v', 'error', '-f', 'wav', '-i', 'pipe:0', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', 'pipe:1'], { input: clip.wav, maxBuffer: 64 << 20 }));
}
