/**
 * Audio as the core takes it, 16 kHz mono: float samples in [-1, 1), or PCM16 integers that mean value / 32768.
 * PCM16 stays integer from the upload to the featurizer, which scales it inside its pre-emphasis pass: no float
 * copy is made on the event loop and the worker gets half the bytes.
 */
export type Samples = Float32Array | Int16Array;

export const PCM16_SCALE = 1 / 32768;

/** The samples as floats in [-1, 1): the same array when they already are. */
export function toFloat32(samples: Samples): Float32Array {
  if (samples instanceof Float32Array) return samples;
  const out = new Float32Array(samples.length);
  // The builtin converts integers to floats without a per-element JS call; scaling by a power of two is exact.
  out.set(samples);
  for (let i = 0; i < out.length; i++) out[i] *= PCM16_SCALE;
  return out;
}
