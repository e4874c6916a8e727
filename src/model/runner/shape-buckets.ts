/**
 * Padded GPU batches are rounded up to a bounded set of shapes. ONNX Runtime's CUDA provider, as
 * onnxruntime-node registers it, searches cuDNN convolution algorithms exhaustively for every new input shape
 * (no option reaches it from Node), and a batch of B clips padded to T frames is a new shape for nearly every
 * (B, T) that traffic brings. Rounding T up to whole buckets and B up to the warmed batch sizes bounds the
 * shapes to a few hundred, each searched once; the padding costs a few per cent.
 */
export interface ShapeBuckets {
  /** Feature frames are rounded up to a multiple of this (100 frames = 1 s). */
  frames: number;
  /** Batch sizes a batch is padded up to, ascending (the warm-up sizes). */
  batchSizes: number[];
}

export const DEFAULT_FRAME_BUCKET = 100;

export function bucketFrames(frames: number, buckets?: ShapeBuckets): number {
  return buckets && buckets.frames > 1 ? Math.ceil(frames / buckets.frames) * buckets.frames : frames;
}

export function bucketBatch(size: number, buckets?: ShapeBuckets): number {
  for (const s of buckets?.batchSizes ?? []) if (s >= size) return s;
  return size;
}
