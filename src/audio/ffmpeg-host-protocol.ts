import type { FfmpegBinary } from './ffmpeg-binary.js';
import type { FfmpegDecodeOptions } from './ffmpeg-decoder.js';

export type ToHost =
  | { type: 'decode'; id: number; binary: FfmpegBinary; options: Omit<FfmpegDecodeOptions, 'signal'> }
  | { type: 'abort'; id: number };

/** The decoder's errors as plain data: classes do not survive the trip between processes. */
export type HostError =
  | { kind: 'decode'; message: string; code: string }
  | { kind: 'too-long'; seconds: number; limit: number }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'aborted' }
  | { kind: 'internal'; message: string };

export type FromHost = { type: 'done'; id: number; samples: Float32Array } | { type: 'error'; id: number; error: HostError };
