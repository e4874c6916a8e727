import { resampleTo16k } from './resampler.js';
import { readWav, WavFormatError } from './wav-reader.js';

export interface WavDecodeRequest {
  bytes: Uint8Array;
  maxSeconds: number;
}

export type WavDecodeResult =
  | { kind: 'audio'; samples: Float32Array; sourceRate: number; channels: number }
  | { kind: 'too-long'; seconds: number }
  /** Not a WAV this path reads (e.g. a-law, ADPCM): the caller falls back to ffmpeg. */
  | { kind: 'unsupported'; reason: string };

/** The WAV fast path: parse, mix down and resample in-process (no ffmpeg spawn). */
export async function decodeWav({ bytes, maxSeconds }: WavDecodeRequest): Promise<WavDecodeResult> {
  let pcm;
  try {
    pcm = readWav(bytes);
  } catch (e) {
    if (e instanceof WavFormatError) return { kind: 'unsupported', reason: e.message };
    throw e;
  }
  const seconds = pcm.samples.length / pcm.sampleRate;
  if (seconds > maxSeconds) return { kind: 'too-long', seconds };
  const samples = await resampleTo16k(pcm.samples, pcm.sampleRate);
  return { kind: 'audio', samples, sourceRate: pcm.sampleRate, channels: pcm.channels };
}
