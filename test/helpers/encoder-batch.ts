import type { EncoderBatch } from '../../src/asr/tdt-greedy-decoder.js';

/**
 * Encoder output for decoder unit tests, 2 channels: channel 0 is the utterance index and channel 1 the frame index,
 * so a joint can tell which frame of which utterance it was given. Padded past the longest length by default, so a
 * decoder that reads past an utterance's length gets frames it should never see.
 */
export function encoderBatch(lengths: number[], frames = Math.max(...lengths) + 3): EncoderBatch {
  const B = lengths.length;
  const data = new Float32Array(B * 2 * frames);
  for (let b = 0; b < B; b++) for (let t = 0; t < frames; t++) {
    data[b * 2 * frames + t] = b;
    data[b * 2 * frames + frames + t] = t;
  }
  return { data, batch: B, dim: 2, frames, lengths };
}
