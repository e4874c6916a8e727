import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monoPcm16, readWav, readWavLayout } from '../audio/wav-reader.js';
import { slaneyMelMatrix } from './mel-filterbank.js';
import { NemoFeaturizer } from './nemo-featurizer.js';
import { toFloat32 } from './samples.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'nemo128');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  clips: { name: string; wav: string; samples: number; frames_total: number; valid_frames: number; features: string }[];
};

function f32(file: string): Float32Array {
  const buf = readFileSync(join(FIXTURES, file));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

describe('NemoFeaturizer (nemo128)', () => {
  const featurizer = new NemoFeaturizer();

  it('builds the reference Slaney filterbank', () => {
    const expected = f32('fbank_257x128.f32');
    const ours = slaneyMelMatrix(16000, 512, 128);
    let maxErr = 0;
    for (let i = 0; i < expected.length; i++) maxErr = Math.max(maxErr, Math.abs(expected[i] - ours[i]));
    expect(ours.length).toBe(expected.length);
    expect(maxErr).toBeLessThan(1e-6);
  });

  it.each(manifest.clips.map((c) => [c.name, c] as const))('matches the reference features of %s within 1e-3 on every value', (_name, clip) => {
    const audio = readWav(readFileSync(join(FIXTURES, clip.wav)));
    expect(audio.samples.length).toBe(clip.samples);
    const { features, frames, validFrames } = featurizer.featurize(audio.samples);
    expect(frames).toBe(clip.frames_total);
    expect(validFrames).toBe(clip.valid_frames);
    const expected = f32(clip.features);
    expect(features.length).toBe(expected.length);
    let maxErr = 0;
    for (let i = 0; i < expected.length; i++) maxErr = Math.max(maxErr, Math.abs(expected[i] - features[i]));
    expect(features.every(Number.isFinite)).toBe(true);
    expect(maxErr).toBeLessThanOrEqual(1e-3);
  });

  it.each([
    [0, 1, 0],
    [159, 1, 0],
    [160, 2, 1],
    [319, 2, 1],
    [320, 3, 2],
    [16159, 101, 100],
    [16160, 102, 101],
  ])('has the contract frame counts for %i samples', (samples, frames, valid) => {
    expect(featurizer.frameCount(samples)).toBe(frames);
    expect(featurizer.validFrameCount(samples)).toBe(valid);
    const out = featurizer.featurize(new Float32Array(samples).map((_, i) => Math.sin(i / 7)));
    expect(out.frames).toBe(frames);
    expect(out.features.every(Number.isFinite)).toBe(true);
    // Frames at or past the valid count are zero (masking), including the one-frame and empty cases.
    let nonZeroMasked = 0;
    for (let m = 0; m < 128; m++) for (let t = valid; t < frames; t++) if (out.features[m * frames + t] !== 0) nonZeroMasked++;
    expect(nonZeroMasked).toBe(0);
  });

  it('ignores samples past the valid length and writes into a wider batch row unchanged', () => {
    const audio = readWav(readFileSync(join(FIXTURES, 'speech_a.wav'))).samples;
    const alone = featurizer.featurize(audio);
    const padded = new Float32Array(audio.length + 4000);
    padded.set(audio);
    padded.fill(0.5, audio.length); // garbage after the valid length must not leak in
    const stride = alone.frames + 40;
    const batch = new Float32Array(2 * 128 * stride);
    featurizer.featurizeInto(padded, audio.length, batch, 128 * stride, stride);
    let mismatches = 0;
    for (let m = 0; m < 128; m++) {
      for (let t = 0; t < alone.frames; t++) if (batch[128 * stride + m * stride + t] !== alone.features[m * alone.frames + t]) mismatches++;
      for (let t = alone.frames; t < stride; t++) if (batch[128 * stride + m * stride + t] !== 0) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(batch.subarray(0, 128 * stride).every((v) => v === 0)).toBe(true);
  });

  it('gives bit-identical features for PCM16 integers and the same samples as floats', () => {
    const bytes = readFileSync(join(FIXTURES, 'speech_a.wav'));
    const layout = readWavLayout(bytes);
    const pcm = monoPcm16(bytes, layout);
    const floats = readWav(bytes).samples;
    const a = featurizer.featurize(pcm).features;
    const b = featurizer.featurize(floats).features;
    expect(a.length).toBe(b.length);
    let mismatches = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) mismatches++;
    expect(mismatches).toBe(0);
    expect(toFloat32(pcm)).toEqual(floats);
  });
});
